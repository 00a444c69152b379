"""The one seam between minigrad and array libraries.

A tensor's device names its backend: ``"cpu"`` is NumPy, ``"cuda"``/``"cuda:N"``
is CuPy on GPU N, and ``"strict"`` is a test stand-in that behaves like a GPU
array library (it refuses implicit conversion to NumPy) while running on the
CPU. Code above this package asks a tensor for its backend and writes array
code once with ``backend.xp``, the way Chainer's ``get_array_module`` works.
"""
from .cupy_backend import CupyBackend, cupy_is_available
from .numpy_backend import NumpyBackend

_backends = {}
_global_seed = {"seed": None}


class Device:
    """A device name, parsed: ``Device("cuda:1").type == "cuda"``, ``.index == 1``.

    Compares equal to its string form, so ``tensor.device == "cpu"`` works.
    """

    __slots__ = ("type", "index")

    def __init__(self, spec):
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, index = spec.partition(":")
        if kind not in ("cpu", "cuda", "strict"):
            raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cuda', 'cuda:N' or 'strict'")
        if kind == "cuda":
            if index and not index.isdigit():
                raise ValueError(f"bad CUDA device index in {spec!r}")
            self.index = int(index) if index else 0
        elif index:
            raise ValueError(f"device {kind!r} takes no index, got {spec!r}")
        else:
            self.index = None
        self.type = kind

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except (ValueError, TypeError):
                return False
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


def get_backend(device="cpu"):
    """The backend object for a device (created once, then reused)."""
    device = Device(device)
    key = str(device)
    backend = _backends.get(key)
    if backend is None:
        if device.type == "cpu":
            backend = NumpyBackend()
        elif device.type == "strict":
            from .strict_backend import StrictBackend
            backend = StrictBackend()
        else:
            if not cupy_is_available():
                raise RuntimeError(
                    f"device {key!r} was requested but CUDA is not available "
                    "(CuPy is not installed or sees no GPU); use device='cpu'")
            backend = CupyBackend(device.index)
        backend.device_object = device
        backend.array_type = backend.xp.ndarray
        if _global_seed["seed"] is not None:
            backend.seed(_global_seed["seed"])
        _backends[key] = backend
    return backend


def set_global_seed(seed):
    """Seed every backend made so far, and each one made later."""
    _global_seed["seed"] = seed
    for backend in _backends.values():
        backend.seed(seed)


def backend_of_array(array):
    """The backend that owns a raw array (NumPy arrays belong to the CPU)."""
    for backend in _backends.values():
        if backend.name != "numpy" and backend.is_array(array):
            return backend
    return get_backend("cpu")


def array_module(array):
    """``numpy`` or ``cupy`` (or the strict stand-in), whichever computes on ``array``:
    array code written as ``xp = array_module(x); xp.sqrt(x)`` runs on every device."""
    return backend_of_array(array).xp
