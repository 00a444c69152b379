"""Conversions into what a tensor holds.

- ``to_backend_array``: Python data, a NumPy/CuPy array or a Tensor into
  ``(array, backend)``, what ``Tensor(data)`` and ``Parameter(data)`` hold;
- ``to_arguments``: the arguments of ``.to(...)`` into ``(device, dtype)``, for
  ``Tensor.to`` and ``Module.to``.
"""
import numpy as np

from .backend import Device, backend_of_array, get_backend
from .dtypes import get_default_dtype
from .tensor import Tensor


def to_backend_array(data, dtype=None, device=None):
    """Turn Python data, a NumPy/CuPy array or a Tensor into (array, backend).

    Python floats (and lists of them) take the default dtype; integers become
    int64; arrays keep their dtype; ``dtype=`` overrides all of these.
    """
    if isinstance(data, Tensor):
        backend = data._backend
        array = data._array.copy()
    elif isinstance(data, np.ndarray) or isinstance(data, np.generic):
        backend = get_backend("cpu")
        array = np.array(data)
    elif type(data).__module__.startswith("cupy"):
        backend = get_backend(f"cuda:{data.device.id}")
        array = data.copy()
    else:
        backend = backend_of_array(data) if hasattr(data, "shape") else get_backend("cpu")
        if backend.name != "numpy":
            array = data.copy()
        else:
            array = np.array(_host_data(data))
            if array.dtype.kind == "f" and dtype is None:
                array = array.astype(get_default_dtype())
            elif array.dtype.kind == "O":
                raise TypeError(f"cannot make a tensor from {type(data).__name__} data")
    _check_tensor_dtype(array.dtype)
    if device is not None and Device(device) != backend.device_object:
        target = get_backend(device)
        array = target.from_host(backend.to_host(array))
        backend = target
    if dtype is not None and array.dtype != np.dtype(dtype):
        _check_tensor_dtype(np.dtype(dtype))
        array = array.astype(dtype)
    return array, backend


def _check_tensor_dtype(dtype):
    """Refuse a dtype a tensor can't hold: tensors hold booleans, integers and
    floats of 16 to 64 bits (strings, bytes, dates and objects are no numbers;
    complex numbers and NumPy's extended precision have no minigrad dtype).
    PyTorch raises a TypeError for all of these but complex."""
    if dtype.kind in "biu" or dtype.kind == "f" and dtype.itemsize <= 8:
        return
    problem = ("minigrad has no complex dtypes" if dtype.kind == "c"
               else "minigrad has no float128 dtype" if dtype.kind == "f"
               else f"its values ({dtype.type.__name__}) are not numbers")
    raise TypeError(
        f"can't make a tensor of dtype {dtype}: {problem}; tensors hold booleans, integers "
        "and floating-point numbers (float16, float32, float64)")


def _host_data(data):
    """Lists may hold tensors (``mg.tensor([t1, t2])``): take their values."""
    if isinstance(data, (list, tuple)):
        return [_host_data(item) for item in data]
    if isinstance(data, Tensor):
        return data.detach().numpy()
    return data


def to_arguments(args, device=None, dtype=None):
    """``(device, dtype)`` from the positional arguments of ``.to(...)``: a device (a
    string or ``mg.device``), a dtype, or a tensor to match (Tensor.to, Module.to)."""
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, (str, Device)):
            device = arg
        else:
            dtype = arg
    return device, dtype
