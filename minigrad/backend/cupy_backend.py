"""The CUDA backend: arrays are ``cupy.ndarray`` on one GPU.

CuPy is imported only when a CUDA tensor is first made, so a machine without a
GPU (or without CuPy) imports and uses minigrad normally.
"""


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
        with self._cuda_device:
            self.generator = cupy.random.default_rng()

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
        return self.xp.asnumpy(array)

    def is_array(self, value):
        return isinstance(value, self.xp.ndarray)

    # -- what differs between array libraries ---------------------------------
    def scatter_add(self, target, index, values):
        """``target[index] += values`` with atomic adds, so repeated indices all accumulate."""
        self.xp.add.at(target, index, values)

    def matmul(self, a, b):
        """``a @ b``: cuBLAS multiplies float16 with float32 accumulation itself."""
        return self.xp.matmul(a, b)

    def erf(self, x):
        from cupyx.scipy.special import erf
        return erf(x)

    def new_generator(self, seed):
        """CuPy's generator on this GPU, started from ``seed``."""
        with self._cuda_device:
            return self.xp.random.default_rng(seed)

    def seed(self, seed):
        self.generator = self.new_generator(seed)

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
