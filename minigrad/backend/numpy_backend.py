"""The CPU backend: arrays are ``numpy.ndarray``.

Everything above the backend writes array code once against ``backend.xp``
(the array module: ``numpy`` here, ``cupy`` on a GPU). The handful of things
that differ between array libraries are methods of the backend object, so the
rest of minigrad never branches on the device.
"""
import numpy as np


def _pick_erf():
    """``scipy.special.erf`` when SciPy is installed, else minigrad's own on arrays
    (``backend/erf.py``: the same rational approximations, within a few ulp)."""
    try:
        from scipy.special import erf
    except ImportError:  # SciPy is optional
        from .erf import erf
    return erf


def matmul_through_float32(xp, a, b):
    """``a @ b`` where float16 operands are multiplied in float32 and the product
    rounded once to float16.

    NumPy has no BLAS kernel for float16: its float16 matmul is a slow loop that
    also accumulates in float16, so a sum of k products loses about log2(k) bits.
    PyTorch's CPU kernels (and cuBLAS on a GPU) accumulate float16 products in
    float32; converting, multiplying in float32 and rounding the result gives the
    same numbers at BLAS speed."""
    if a.dtype == xp.float16 and b.dtype == xp.float16:
        return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(xp.float16)
    return xp.matmul(a, b)


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

    def matmul(self, a, b):
        """``a @ b``; float16 operands are multiplied in float32 (see matmul_through_float32,
        whose dtype test is repeated here to spare a call on every other product)."""
        if a.dtype.char == "e" and b.dtype.char == "e":  # both float16
            return matmul_through_float32(np, a, b)
        return np.matmul(a, b)

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
