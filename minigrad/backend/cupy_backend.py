"""The CUDA backend: arrays are ``cupy.ndarray`` on one GPU.

CuPy is imported only when a CUDA tensor is first made, so a machine without a
GPU (or without CuPy) imports and uses minigrad normally.
"""
import os

from ..ops.index_bounds import raise_pending

# The methods of CuPy 14's ``cupy.random.Generator``: fewer than NumPy's (no ``permutation``,
# ``normal``, ``choice``, ``shuffle``), so minigrad draws with these only on a device (the
# 'strict' device's generator refuses the others, so a test catches any other use).
GENERATOR_METHODS = frozenset({
    "beta", "binomial", "chisquare", "dirichlet", "exponential", "f", "gamma", "geometric",
    "hypergeometric", "integers", "logseries", "poisson", "power", "random",
    "standard_exponential", "standard_gamma", "standard_normal", "uniform"})


def permutation_by_sorting(xp, generator, n):
    """A random permutation of 0, …, n − 1 with the methods of CuPy's Generator: the order
    that sorts n uniform draws (ties, of probability about n²/2⁵⁴, keep index order)."""
    return xp.argsort(generator.random(n), kind="stable")


def cupy_is_available():
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # ImportError, or CUDA driver/runtime errors without a GPU
        return False


class CupyBackend:
    """Arrays in the memory of GPU number ``index``, computed by CuPy."""

    name = "cupy"
    # A GPU updates a whole flat buffer in one kernel: the optimizers' fast path does not
    # slice it (optim/fast/step.py).
    elementwise_chunk = None

    def __copy__(self):
        return self  # one backend object per device: copies of tensors share it

    def __deepcopy__(self, memo):
        return self

    def __init__(self, index=0):
        import cupy

        self.xp = cupy
        self.index = index
        self.device = f"cuda:{index}"
        self._cuda_device = cupy.cuda.Device(index)
        # Operations, backward passes, factories and optimizer steps on this GPU's arrays
        # run inside ``with backend.scope:`` (this GPU made current), so that what they
        # allocate and launch lands on it, not on GPU 0.
        self.scope = self._cuda_device
        # CuPy's generators do not tell their seed: start from one drawn here, and keep it.
        self.first_seed = int.from_bytes(os.urandom(8), "little") >> 1
        self.generator = self.new_generator(self.first_seed)

    def __enter__(self):
        self._cuda_device.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cuda_device.__exit__(*exc)

    # -- moving arrays -------------------------------------------------------
    def from_host(self, array):
        with self._cuda_device:
            return self.xp.asarray(array)

    def to_host(self, array):
        """A NumPy copy; first raises the IndexError of a bad index met since the last read
        (ops/index_bounds.py)."""
        raise_pending(self)
        return self.to_host_unchecked(array)

    def to_host_unchecked(self, array):
        return self.xp.asnumpy(array)

    def is_array(self, value):
        return isinstance(value, self.xp.ndarray)

    # -- what differs between array libraries ---------------------------------
    def scatter_add(self, target, index, values):
        """``target[index] += values`` with atomic adds, so repeated indices all accumulate."""
        self.xp.add.at(target, index, values)

    def erf(self, x):
        from cupyx.scipy.special import erf
        return erf(x)

    def new_generator(self, seed):
        """CuPy's generator on this GPU, started from ``seed``."""
        with self._cuda_device:
            return self.xp.random.default_rng(seed)

    def seed(self, seed):
        self.generator = self.new_generator(seed)

    def permutation(self, generator, n):
        """A random permutation of 0, …, n − 1 (CuPy's Generator has no ``permutation``)."""
        with self._cuda_device:
            return permutation_by_sorting(self.xp, generator, n)

    def generator_state(self, generator):
        raise RuntimeError("get_state() is not available for a 'cuda' Generator: CuPy's "
                           "generators do not expose their state; restart a stream with "
                           "manual_seed(seed) instead")

    def set_generator_state(self, generator, state):
        raise RuntimeError("set_state() is not available for a 'cuda' Generator: CuPy's "
                           "generators do not expose their state; restart a stream with "
                           "manual_seed(seed) instead")

    def synchronize(self):
        self._cuda_device.synchronize()
        raise_pending(self)
