"""Random numbers: ``mg.manual_seed`` and ``mg.Generator``.

Every device has a default generator (its backend's), which ``mg.manual_seed``
seeds; the random functions (``randn``, ``rand``, ``normal``, ``randint``, ``randperm``,
``multinomial``, ``bernoulli``, ...), the samplers and the ``DataLoader`` draw
from it unless they are given ``generator=``: a ``Generator`` of their own, an
independent stream that nothing else touches.

The numbers are minigrad's, not PyTorch's: the same seed gives the same numbers
on the same device every time, but not the numbers ``torch.manual_seed`` gives
(the CPU draws with NumPy's PCG64, a GPU with CuPy's generator).
"""
import json
import operator
import os

import numpy as np

from .backend import Device, get_backend, set_global_seed
from .tensor import Tensor, new_tensor
from .autograd import tracing as _tracing

# PyTorch's seed for a Generator nobody has seeded: fresh generators all give the same stream.
DEFAULT_SEED = 67280421310721
_SEED_RANGE = (-2 ** 63, 2 ** 64 - 1)


def _seed_value(seed):
    """``seed`` as PyTorch reads it: an int in [−2⁶³, 2⁶⁴ − 1]; a negative one is taken
    modulo 2⁶⁴."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = operator.index(seed)
    if not _SEED_RANGE[0] <= seed <= _SEED_RANGE[1]:
        raise ValueError(f"seed {seed} is out of range: a seed is an integer in "
                         f"[{_SEED_RANGE[0]}, {_SEED_RANGE[1]}]")
    return seed % 2 ** 64


def manual_seed(seed):
    """Seed the default generator of every device (CPU, and each GPU as it is used),
    and return the CPU's, ``mg.default_generator``, as PyTorch returns
    ``torch.default_generator``.

    As in PyTorch, ``seed`` is converted with ``int()`` first (so 3.7 seeds with 3).
    """
    seed = _seed_value(int(seed))
    set_global_seed(seed)
    default_generator._initial_seed = seed
    return default_generator


class Generator:
    """An independent stream of random numbers on one device, as ``torch.Generator``.

    ::

        g = mg.Generator().manual_seed(0)
        mg.randn(3, generator=g)           # the same three numbers every time after manual_seed(0)

    A new generator starts from the seed ``67280421310721`` (PyTorch's), so two
    fresh generators give the same numbers. Hand it to a random function,
    sampler or ``DataLoader`` as ``generator=``; it must live on the device the
    numbers are drawn on. The stream is deterministic per seed but is not
    PyTorch's stream.

    Methods: ``manual_seed(seed)`` (returns the generator), ``seed()`` (a fresh
    non-deterministic seed, returned), ``initial_seed()`` (the last seed set),
    ``get_state()`` (a uint8 tensor) and ``set_state(state)`` (returns the
    generator), to resume a stream exactly where it was.
    """

    def __init__(self, device="cpu"):
        self.device = Device(device)
        self._backend = get_backend(self.device)
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart the stream from ``seed`` (an int; negative ones are taken modulo 2⁶⁴)."""
        self._initial_seed = _seed_value(seed)
        self._random = self._backend.new_generator(self._initial_seed)
        return self

    def seed(self):
        """Seed with 64 fresh bits from the operating system; return that seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._initial_seed

    def get_state(self):
        """The position in the stream, as a CPU uint8 tensor for ``set_state``."""
        state = self._backend.generator_state(self._random)
        return Tensor(np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Continue from a state that ``get_state`` returned (of a generator on the same device)."""
        if not isinstance(new_state, Tensor) or new_state.dtype != np.uint8:
            raise TypeError("RNG state must be a uint8 tensor, as Generator.get_state() returns, "
                            f"got {_describe(new_state)}")
        try:
            state = json.loads(new_state.cpu().numpy().tobytes().decode())
            self._backend.set_generator_state(self._random, state)
        except (ValueError, TypeError, KeyError) as error:
            raise RuntimeError("set_state: this tensor is not a state that get_state() of a "
                               f"'{self.device}' Generator returned ({error})") from None
        return self

    def __repr__(self):
        return f"<mg.Generator device='{self.device}' initial_seed={self._initial_seed}>"


class _DefaultGenerator(Generator):
    """A device's default generator as a ``Generator``: the stream the random functions
    draw from when they are given no ``generator=``. Seeding it (``manual_seed``,
    ``set_state``) moves that stream, as seeding ``torch.default_generator`` does."""

    def __init__(self, device="cpu"):
        self.device = Device(device)
        self._backend = get_backend(self.device)
        self._initial_seed = None  # not seeded yet: NumPy took the seed from the OS

    @property
    def _random(self):
        return self._backend.generator

    def manual_seed(self, seed):
        """Restart the device's default stream from ``seed``; return this generator."""
        self._initial_seed = _seed_value(seed)
        self._backend.seed(self._initial_seed)
        return self

    def initial_seed(self):
        """The seed the stream was last started from (before any seeding, the one
        drawn from the operating system)."""
        if self._initial_seed is None:
            return self._backend.first_seed
        return self._initial_seed


# The CPU's default generator, as ``torch.default_generator``: ``mg.manual_seed`` returns it.
default_generator = _DefaultGenerator("cpu")


def _describe(value):
    dtype = getattr(value, "dtype", None)
    return f"a {type(value).__name__}" + (f" of dtype {dtype}" if dtype is not None else "")


def random_source(generator, backend):
    """The array library's generator to draw ``backend``'s numbers from: ``generator``'s
    stream when one is given (it must be on that device), else the device's default one."""
    if _tracing.recorder is not None:  # an op's forward (dropout) draws with the recorder paused
        _tracing.recorder.refuse(
            "a random tensor is made in the step (mg.randn, mg.rand, ...): its numbers would be "
            "recorded once and replayed unchanged; draw it outside the step and pass it in, or "
            "use nn.Dropout / F.dropout, whose masks are drawn afresh at every replay")
    if generator is None:
        return backend.generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a mg.Generator, got {_describe(generator)}")
    if generator.device != backend.device_object:
        raise RuntimeError(f"Expected a '{backend.device_object}' generator for numbers drawn on "
                           f"'{backend.device_object}', but the generator is on "
                           f"'{generator.device}'")
    return generator._random


def _check_input(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(input).__name__}")


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Draw ``num_samples`` category indices from each row of weights, as ``torch.multinomial``.

    ``input`` is a 1-D tensor of k non-negative weights (or a 2-D tensor, one
    distribution per row); category i is drawn with probability wᵢ / Σⱼ wⱼ (the
    weights need not sum to 1). Returns int64 indices of shape ``(num_samples,)``
    or ``(rows, num_samples)``.

    - With ``replacement=True`` each draw is independent: the inverse of the
      cumulative distribution, i = min{i : w₁ + … + wᵢ > u · Σw} for u ~ U[0, 1).
    - Without replacement a category is drawn at most once, each draw from the
      weights of the categories left (``num_samples ≤ k``). This is done at once
      by sorting the keys wᵢ / eᵢ, eᵢ ~ Exp(1), largest first (the exponential
      race: the smallest of independent Exp(wᵢ) waiting times eᵢ / wᵢ is category
      i with probability wᵢ / Σw, and the race goes on among the rest). As in
      PyTorch, zero-weight categories come after all the others.

    Weights must be finite and ≥ 0 with a positive sum in every row. No gradient
    flows through the indices.
    """
    _check_input(input, "multinomial")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {input.ndim}-d tensor of shape "
                           f"{tuple(input.shape)}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial(): argument 'num_samples' must be int, not "
                        f"{type(num_samples).__name__}")
    categories = input.shape[-1]
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and num_samples > categories:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement: num_samples={num_samples}, but there are "
                           f"{categories} categories")
    if categories == 0:
        raise RuntimeError("multinomial: the distribution has no categories (size 0 in its last "
                           "dimension)")
    backend = input._backend
    xp = backend.xp
    weights = input._array.reshape(-1, categories).astype(np.float64)
    rows = weights.shape[0]
    if rows and bool(xp.any(~xp.isfinite(weights) | (weights < 0))):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if rows and bool(xp.any(weights.sum(axis=1) <= 0)):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0): a row "
                           "has only zero weights")
    source = random_source(generator, backend)
    if rows == 0:
        indices = xp.zeros((0, num_samples), dtype=np.int64)
    elif replacement:
        indices = _draw_with_replacement(xp, source, weights, num_samples)
    else:
        keys = weights / xp.maximum(source.standard_exponential((rows, categories)),
                                    np.finfo(np.float64).tiny)
        indices = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    shape = (num_samples,) if input.ndim == 1 else (rows, num_samples)
    return new_tensor(indices.astype(np.int64).reshape(shape), backend, None, 0)


def _draw_with_replacement(xp, source, weights, num_samples):
    """Inverse-CDF sampling, row by row: the first category whose running sum exceeds u · Σw."""
    cumulative = xp.cumsum(weights, axis=1)
    targets = source.random((weights.shape[0], num_samples)) * cumulative[:, -1:]
    indices = xp.stack([xp.searchsorted(row, row_targets, side="right")
                        for row, row_targets in zip(cumulative, targets)])
    # u · Σw can round up to Σw itself: that draw belongs to the last category of positive
    # weight.
    last_positive = weights.shape[1] - 1 - xp.argmax(weights[:, ::-1] > 0, axis=1)
    return xp.minimum(indices, last_positive[:, None])


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples: element i is 1 with probability ``input[i]`` (or ``p`` for every element
    when ``p`` is given), as ``torch.bernoulli``. The result has ``input``'s shape, dtype and
    device; probabilities must lie in [0, 1]. No gradient flows through the samples."""
    _check_input(input, "bernoulli")
    backend = input._backend
    xp = backend.xp
    if p is None:
        if input.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli: the probabilities must be a floating tensor, "
                                      f"got dtype {input.dtype}")
        probabilities = input._array
        if bool(xp.any(~((probabilities >= 0) & (probabilities <= 1)))):
            raise RuntimeError("bernoulli: every probability must be in [0, 1] (found a value "
                               "outside it, or NaN)")
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probabilities = p
    uniform = random_source(generator, backend).random(input.shape)
    return new_tensor((uniform < probabilities).astype(input.dtype), backend, None, 0)
