"""``mg.cuda``: is a GPU usable, and how many."""
from .backend import cupy_is_available, get_backend


def is_available():
    """True when CuPy is installed and sees a CUDA GPU."""
    return cupy_is_available()


def device_count():
    """How many CUDA devices CuPy sees (0 without CuPy or a GPU)."""
    if not is_available():
        return 0
    import cupy
    return cupy.cuda.runtime.getDeviceCount()


def synchronize(device="cuda"):
    """Wait for all queued work on the GPU (for timing)."""
    get_backend(device).synchronize()


def manual_seed(seed):
    """Seed the generator of the current GPU (``"cuda"``), as PyTorch's; without a GPU, nothing."""
    if is_available():
        get_backend("cuda").seed(seed)


def manual_seed_all(seed):
    """Seed the generator of every GPU; without a GPU, nothing."""
    for index in range(device_count()):
        get_backend(f"cuda:{index}").seed(seed)
