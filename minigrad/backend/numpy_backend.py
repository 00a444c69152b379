"""The CPU backend: arrays are ``numpy.ndarray``.

Everything above the backend writes array code once against ``backend.xp``
(the array module: ``numpy`` here, ``cupy`` on a GPU). The handful of things
that differ between array libraries are methods of the backend object, so the
rest of minigrad never branches on the device.
"""
import math

import numpy as np


def _vectorized_math_erf():
    erf = np.frompyfunc(math.erf, 1, 1)

    def erf_array(x):
        return erf(x).astype(x.dtype)

    return erf_array


def _pick_erf():
    """``scipy.special.erf`` when SciPy is installed, else ``math.erf`` per element."""
    try:
        from scipy.special import erf
    except ImportError:  # SciPy is optional: fall back to the exact scalar erf.
        return _vectorized_math_erf()
    return erf


class NumpyBackend:
    """Arrays in host memory, computed by NumPy."""

    name = "numpy"
    device = "cpu"
    xp = np
    # A cache-sized piece of work: the optimizers' fast path updates slices of this many
    # elements, so the temporaries of one slice stay in the CPU cache (optim/fast/step.py).
    elementwise_chunk = 1 << 15
    # What work on this device's arrays runs inside (a GPU made current); nothing here.
    scope = None

    def __copy__(self):
        return self  # one backend object per device: copies of tensors share it

    def __deepcopy__(self, memo):
        return self

    def __init__(self):
        self.generator = np.random.default_rng()
        self.first_seed = self.generator.bit_generator.seed_seq.entropy
        self._erf = _pick_erf()

    # -- moving arrays -------------------------------------------------------
    def from_host(self, array):
        """A host (NumPy) array as this backend's array (no copy when possible)."""
        return np.asarray(array)

    def to_host(self, array):
        """This backend's array as a NumPy array."""
        return np.asarray(array)

    def is_array(self, value):
        return isinstance(value, np.ndarray)

    # -- what differs between array libraries ---------------------------------
    def scatter_add(self, target, index, values):
        """``target[index] += values`` where repeated indices all accumulate (unbuffered)."""
        np.add.at(target, index, values)

    def erf(self, x):
        return self._erf(x)

    def new_generator(self, seed):
        """A random generator of this device started from ``seed`` (an int ≥ 0): NumPy's PCG64."""
        return np.random.default_rng(seed)

    def seed(self, seed):
        """Restart the device's default generator from ``seed``."""
        self.generator = self.new_generator(seed)

    def permutation(self, generator, n):
        """A random permutation of 0, …, n − 1 drawn from ``generator``."""
        return generator.permutation(n)

    def generator_state(self, generator):
        """The position of ``generator`` in its stream, as JSON-serialisable data."""
        return generator.bit_generator.state

    def set_generator_state(self, generator, state):
        """Move ``generator`` to a position that ``generator_state`` returned."""
        generator.bit_generator.state = state

    def synchronize(self):
        """CPU work is synchronous; nothing to wait for."""
