"""Making tensors: ``mg.tensor`` and the factories (zeros, randn, arange, ...).

Every factory takes ``dtype=``, ``device=`` and ``requires_grad=``. Random
tensors come from the device's default generator, which ``mg.manual_seed``
seeds, or from the ``mg.Generator`` given as ``generator=``.
"""
import contextlib
import operator
import warnings

import numpy as np

from .backend import Device, get_backend
from .dtypes import get_default_dtype
from .ops.broadcasting import broadcast_shapes
from .random import random_source
from .tensor import Tensor, new_tensor
from .autograd import tracing as _tracing


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, lists, arrays, tensors)."""
    result = Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
    if _tracing.recorder is not None and not isinstance(data, Tensor):
        _tracing.recorder.constant_tensor(result)  # Python data: a constant of the step
    return result


_NUMPY_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
                 "bool")


def from_numpy(ndarray):
    """A CPU tensor that shares memory with the NumPy array ``ndarray``, as ``torch.from_numpy``:
    writing into one changes the other. The dtype and shape are the array's."""
    if not isinstance(ndarray, np.ndarray):
        kind = type(ndarray)
        name = kind.__qualname__ if kind.__module__ == "builtins" else (
            f"{kind.__module__}.{kind.__qualname__}")
        raise TypeError(f"expected np.ndarray (got {name})")
    if ndarray.dtype.name not in _NUMPY_DTYPES:
        raise TypeError(f"can't convert np.ndarray of type {ndarray.dtype}. The only supported "
                        f"types are: {', '.join(_NUMPY_DTYPES)}")
    return new_tensor(ndarray, get_backend("cpu"), None, 0)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, without a copy when possible, as ``torch.as_tensor``.

    A tensor of the asked dtype and device is returned itself (autograd history
    and all); otherwise it is converted with ``.to(device, dtype)``, which
    records the conversion in the graph. A NumPy array that needs no
    conversion for a CPU tensor shares its memory (``from_numpy``). Anything
    else (numbers, lists) is copied into a new tensor, as ``mg.tensor`` does.
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    if (isinstance(data, np.ndarray) and data.dtype.name in _NUMPY_DTYPES
            and (device is None or Device(device) == "cpu")
            and (dtype is None or np.dtype(dtype) == data.dtype)):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def _new(array_from_xp, dtype, device, requires_grad):
    backend = get_backend(device or "cpu")
    with backend.scope or contextlib.nullcontext():  # a GPU: allocated on it
        array = array_from_xp(backend, np.dtype(dtype or get_default_dtype()))
    result = new_tensor(array, backend, None, 0)
    result.requires_grad = requires_grad
    if _tracing.recorder is not None:  # zeros, ones, full, arange, ...: a constant of the step
        _tracing.recorder.constant_tensor(result)
    return result


def _size(size):
    """A shape from ``*size`` or one tuple/list; lengths are integers ≥ 0, as PyTorch requires."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        size = tuple(operator.index(length) for length in size)
    except TypeError:
        raise TypeError(f"size must be a tuple of ints, got {tuple(size)!r}") from None
    if any(length < 0 for length in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{list(size)}")
    return size


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros of the given size."""
    return _new(lambda b, dt: b.xp.zeros(_size(size), dtype=dt), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones of the given size."""
    return _new(lambda b, dt: b.xp.ones(_size(size), dtype=dt), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of the given size (values are whatever memory held)."""
    return _new(lambda b, dt: b.xp.empty(_size(size), dtype=dt), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size filled with ``fill_value``."""
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _new(lambda b, dt: b.xp.full(tuple(size), fill_value, dtype=dt), dtype, device, requires_grad)


def _like(other, dtype, device):
    return dtype or other.dtype, device or other.device


def zeros_like(other, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return zeros(other.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(other, dtype=None, device=None, requires_grad=False):
    """A tensor of ones shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return ones(other.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(other, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor shaped like ``other`` filled with ``fill_value``."""
    dtype, device = _like(other, dtype, device)
    return full(other.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(other, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return empty(other.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def _normal(generator, shape, dtype):
    """N(0, 1) samples; NumPy draws only float32 and float64, so float16 is rounded from float32."""
    if dtype == np.float16:
        return generator.standard_normal(shape, dtype=np.float32).astype(dtype)
    return generator.standard_normal(shape, dtype=dtype)


def _uniform(generator, shape, dtype):
    """U[0, 1) samples. float16 takes k / 2¹¹ for random integers k (as PyTorch does),
    since rounding a float32 sample could give 1.0."""
    if dtype == np.float16:
        return (generator.integers(0, 2 ** 11, shape) * 2.0 ** -11).astype(dtype)
    return generator.random(shape, dtype=dtype)


def _random(draw, size, generator, dtype, device, requires_grad):
    """A tensor of ``draw(source, size, dtype)``: drawn from ``generator``, or from the
    device's default generator."""
    return _new(lambda b, dt: draw(random_source(generator, b), size, dt), dtype, device,
                requires_grad)


def _floating(dtype, name):
    """``dtype`` (or the default), refused unless floating: real-valued samples need one."""
    dtype = np.dtype(dtype or get_default_dtype())
    if dtype.kind != "f":
        raise NotImplementedError(f"{name}: samples of a continuous distribution need a floating "
                                  f"dtype, got {dtype}")
    return dtype


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the standard normal distribution N(0, 1)."""
    return _random(_normal, _size(size), generator, _floating(dtype, "randn"), device,
                   requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1)."""
    return _random(_uniform, _size(size), generator, _floating(dtype, "rand"), device,
                   requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std²), as ``torch.normal``: mean + std · z with z ~ N(0, 1).

    ``mean`` and ``std`` are tensors (broadcast together; the samples take their
    shape and device, and the dtype of ``mean`` if it is a tensor) or numbers;
    with two numbers, ``size`` gives the shape (and ``dtype=``, ``device=``,
    ``requires_grad=`` apply). Every std must be ≥ 0. No gradient flows to
    ``mean`` or ``std`` (PyTorch's is zero there).
    """
    tensors = [value for value in (mean, std) if isinstance(value, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with numbers for mean and std, give the shape as size=")
        if not std >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return _random(lambda source, shape, dt: _normal(source, shape, dt) * std + mean,
                       _size((size,) if isinstance(size, int) else size), generator,
                       _floating(dtype, "normal"), device, requires_grad)
    if size is not None:
        raise TypeError("normal(): size= is only for numbers as mean and std; with a tensor the "
                        "samples take its shape")
    backend = tensors[0]._backend
    if any(other._backend is not backend for other in tensors):
        raise RuntimeError(f"normal(): mean and std are on different devices "
                           f"({mean.device} and {std.device})")
    result_dtype = tensors[0].dtype  # mean's dtype when mean is a tensor (PyTorch's rule)
    if result_dtype.kind != "f":
        raise NotImplementedError(f"normal: mean and std must be floating tensors, got "
                                  f"{result_dtype}")
    mean_values, std_values = (value._array if isinstance(value, Tensor) else value
                               for value in (mean, std))
    if isinstance(std, Tensor) and bool(backend.xp.any(~(std_values >= 0))):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = broadcast_shapes([t.shape for t in tensors], "normal")
    standard = _normal(random_source(generator, backend), shape, result_dtype)
    return new_tensor((standard * std_values + mean_values).astype(result_dtype, copy=False),
                      backend, None, 0)


def randn_like(other, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return randn(other.shape, generator=generator, dtype=dtype, device=device,
                 requires_grad=requires_grad)


def rand_like(other, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform [0, 1) samples shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return rand(other.shape, generator=generator, dtype=dtype, device=device,
                requires_grad=requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` from [0, high)).

    Both of PyTorch's forms work: ``randint(low, high, size)`` and ``randint(high, size)``,
    where the second argument is a shape rather than a bound.
    """
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, (int, np.integer)):
            raise TypeError(f"randint(): argument '{name}' must be int, not "
                            f"{type(bound).__name__}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")

    def draw(source, shape, dt):  # integers are drawn as int64, then stored in the asked dtype
        return source.integers(low, high, size=shape, dtype=np.int64).astype(dt, copy=False)
    return _random(draw, _size(size), generator, dtype or np.int64, device, False)


def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0, …, n − 1 (int64)."""
    if operator.index(n) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")

    backend = get_backend(device or "cpu")  # the device's own way to draw a permutation

    def draw(source, length, dt):
        return backend.permutation(source, length).astype(dt)
    return _random(draw, n, generator, dtype or np.int64, device, False)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``start, start+step, ...`` below ``end``; integers unless an argument is a float."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, end, step))
        dtype = get_default_dtype() if floating else np.int64
    return _new(lambda b, dt: b.xp.arange(start, end, step, dtype=dt), dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _new(lambda b, dt: b.xp.linspace(start, end, steps, dtype=dt), dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n × m identity matrix (m = n by default)."""
    return _new(lambda b, dt: b.xp.eye(n, m, dtype=dt), dtype, device, requires_grad)


# ---------------------------------------------------------------- filling a tensor in place
# ``t.uniform_(a, b)``, ``t.normal_()``, ... as PyTorch's initialisation code uses them:
# the numbers are drawn as the factories above draw them (from ``generator`` or the
# device's default generator), then written into t's memory through the tensor's
# in-place path, so t's version goes up and a leaf that requires grad is refused
# outside ``no_grad`` (as in PyTorch).
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """Integers drawn uniformly from [low, high) in a tensor shaped like ``input`` (its
    dtype and device unless given); ``randint_like(input, high)`` draws from [0, high)."""
    if high is None:
        low, high = 0, low
    dtype, device = _like(input, dtype, device)
    result = randint(low, high, input.shape, generator=generator, dtype=dtype, device=device)
    result.requires_grad = requires_grad
    return result


def _named_arguments(name, positional, keywords, names, defaults):
    """Bind PyTorch's argument names that are Python keywords (``from``) by hand, as a call
    ``name(*positional, **keywords)`` with parameters ``names`` would bind them."""
    if len(positional) > len(names):
        raise TypeError(f"{name}() takes from 0 to {len(names)} positional arguments but "
                        f"{len(positional)} were given")
    values = dict(zip(names, defaults))
    values.update(zip(names, positional))
    for keyword, value in keywords.items():
        if keyword not in names:
            raise TypeError(f"{name}() got an unexpected keyword argument {keyword!r}")
        if names.index(keyword) < len(positional):
            raise TypeError(f"{name}() got multiple values for argument {keyword!r}")
        values[keyword] = value
    return [values[argument] for argument in names]


def _fill(tensor, name, draw, generator):
    """Write ``draw(source, shape, dtype)`` into ``tensor`` in place (a new version)."""
    tensor._begin_in_place(name)
    values = draw(random_source(generator, tensor._backend), tensor.shape, tensor.dtype)
    return tensor._write(name, values)


def _number(value, name, argument):
    """A Python float from a number or a one-element tensor (PyTorch reads a 0-d tensor
    as its number)."""
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}(): argument '{argument}' must be a number, not "
                        f"{type(value).__name__}")
    return float(value)


def _floating_tensor(tensor, name, error=NotImplementedError):
    if tensor.dtype.kind != "f":
        raise error(f"{name}: the tensor has dtype {tensor.dtype}, but samples of a continuous "
                    "distribution need a floating dtype; convert it first, e.g. with .float()")


def uniform_(tensor, *bounds, generator=None, **keywords):
    """``tensor.uniform_(from=0, to=1, *, generator=None)``: fill with samples of the
    uniform distribution on [from, to): from + (to − from) · u for u ~ U[0, 1)."""
    low, high = (_number(value, "uniform_", argument) for value, argument in zip(
        _named_arguments("uniform_", bounds, keywords, ("from", "to"), (0.0, 1.0)),
        ("from", "to")))
    _floating_tensor(tensor, "uniform_")
    largest = float(np.finfo(tensor.dtype).max)
    for argument, value in (("from", low), ("to", high)):
        if not -largest <= value <= largest:
            raise RuntimeError(f"uniform_: {argument} is out of bounds for {tensor.dtype}: "
                               f"{argument}={value}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={low} > to={high}")
    if high - low > largest:
        raise RuntimeError(f"uniform_ expects to-from <= the largest {tensor.dtype}, but found "
                           f"to={high} and from={low}")
    return _fill(tensor, "uniform_", lambda source, shape, dtype: (
        _uniform(source, shape, dtype) * (high - low) + low).astype(dtype, copy=False), generator)


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples of N(mean, std²): mean + std · z for z ~ N(0, 1)."""
    mean, std = _number(mean, "normal_", "mean"), _number(std, "normal_", "std")
    _floating_tensor(tensor, "normal_")
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, "normal_", lambda source, shape, dtype: (
        _normal(source, shape, dtype) * std + mean).astype(dtype, copy=False), generator)


def bernoulli_(tensor, p=0.5, *, generator=None):
    """Fill with 0/1 samples: 1 with probability ``p`` (a number, or a floating tensor
    that broadcasts to this tensor's shape: one probability per element). Any dtype."""
    if isinstance(p, Tensor):
        if p.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli_: the probabilities must be a floating tensor, "
                                      f"got dtype {p.dtype}")
        if p._backend is not tensor._backend:
            raise RuntimeError(f"bernoulli_: p is on {p.device} but the tensor is on "
                               f"{tensor.device}")
        try:
            probabilities = tensor._backend.xp.broadcast_to(p._array, tensor.shape)
        except ValueError:
            raise RuntimeError(f"bernoulli_: p of shape {tuple(p.shape)} does not broadcast to "
                               f"the tensor's shape {tuple(tensor.shape)}") from None
        if bool(tensor._backend.xp.any(~((probabilities >= 0) & (probabilities <= 1)))):
            raise RuntimeError("bernoulli_: every probability in p must be in [0, 1] (found a "
                               "value outside it, or NaN)")
    else:
        probabilities = _number(p, "bernoulli_", "p")
        if not 0 <= probabilities <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill(tensor, "bernoulli_", lambda source, shape, dtype: (
        source.random(shape) < probabilities).astype(dtype), generator)


def exponential_(tensor, lambd=1.0, *, generator=None):
    """Fill with samples of the exponential distribution of rate ``lambd`` > 0
    (density λ·e^(−λx) for x ≥ 0): e / λ for e ~ Exp(1)."""
    lambd = _number(lambd, "exponential_", "lambd")
    _floating_tensor(tensor, "exponential_", RuntimeError)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")

    def draw(source, shape, dtype):   # NumPy draws float32 and float64; float16 via float32
        drawn = np.float32 if dtype == np.float16 else dtype
        return (source.standard_exponential(shape, dtype=drawn) / lambd).astype(dtype)
    return _fill(tensor, "exponential_", draw, generator)


def random_(tensor, *bounds, generator=None, **keywords):
    """``tensor.random_(from=0, to=None, *, generator=None)``: fill with integers drawn
    uniformly from [from, to − 1], as PyTorch: ``random_(to)`` draws from [0, to − 1];
    without ``to`` the range ends at the dtype's largest value (for a floating tensor
    2^(mantissa bits + 1), the largest integer below which every integer is exact:
    2²⁴ for float32). The bounds must fit the tensor's dtype."""
    if len(bounds) == 1 and not keywords:
        low, high = 0, bounds[0]
    elif not bounds and not keywords:
        low, high = 0, None
    else:
        if "from" not in keywords and len(bounds) < 1 or "to" not in keywords and len(bounds) < 2:
            raise TypeError("random_() takes no bounds, to, or from and to (to may be None)")
        low, high = _named_arguments("random_", bounds, keywords, ("from", "to"), (0, None))
    for argument, value in (("from", low), ("to", high)):
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, (int, np.integer, Tensor))):
            raise TypeError(f"random_(): argument '{argument}' must be int, not "
                            f"{type(value).__name__}")
    low = operator.index(low)
    dtype = tensor.dtype
    if dtype.kind == "f":   # the integers a float holds exactly: |k| <= 2^(mantissa bits + 1)
        bits = np.finfo(dtype).nmant + 1
        smallest, largest = -2 ** bits, 2 ** bits
    elif dtype.kind == "b":
        smallest, largest = 0, 1
    else:
        smallest, largest = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    top = largest if high is None else operator.index(high) - 1   # the range is [low, top]
    if low > top:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={top + 1}")
    if dtype.kind == "f" and not smallest <= top <= largest:
        warnings.warn(f"random_: to - 1 = {top} is out of bounds [-(2^{bits}), 2^{bits}]: "
                      f"{dtype} can't represent every integer in this range exactly",
                      UserWarning, stacklevel=3)
    if dtype.kind != "f":
        if not smallest <= low <= largest:
            raise RuntimeError(f"random_: from is out of bounds for {dtype}: from={low}, but "
                               f"{dtype} holds [{smallest}, {largest}]")
        if not smallest <= top <= largest:
            raise RuntimeError(f"random_: to - 1 is out of bounds for {dtype}: to - 1 = {top}, "
                               f"but {dtype} holds [{smallest}, {largest}]")

    def draw(source, shape, dtype):   # drawn as int64 (from..top inclusive), then stored
        return source.integers(low, top, size=shape, dtype=np.int64,
                               endpoint=True).astype(dtype)
    return _fill(tensor, "random_", draw, generator)


def fill_diagonal_(tensor, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal: t[i, i] for a matrix (t[i, i, ..., i]
    for more dims, all of equal length). For a matrix taller than wide, ``wrap=True``
    starts the diagonal again below it every n + 1 rows (as NumPy's fill_diagonal)."""
    if tensor.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: the tensor must have at least 2 dimensions, got "
                           f"shape {tuple(tensor.shape)}")
    if tensor.ndim > 2 and len(set(tensor.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, "
                           f"got shape {tuple(tensor.shape)}")
    value = fill_value.item() if isinstance(fill_value, Tensor) and fill_value.ndim == 0 else (
        fill_value)
    if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"fill_diagonal_(): argument 'fill_value' must be Number, not "
                        f"{type(fill_value).__name__}")
    tensor._begin_in_place("fill_diagonal_")
    rows, columns = tensor.shape[0], tensor.shape[1]
    if tensor.ndim > 2 or not wrap or rows <= columns:
        diagonal = np.arange(min(rows, columns))
        key = (diagonal,) * tensor.ndim
    else:   # wrapped: every (columns + 1)-th element of the row-major order
        flat = np.arange(0, rows * columns, columns + 1)
        key = (flat // columns, flat % columns)
    key = tuple(tensor._backend.from_host(index) for index in key)
    return tensor._write("fill_diagonal_", value, key)
