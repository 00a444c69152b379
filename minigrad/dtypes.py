"""Data types, the default floating dtype, and the tensor type names of ``t.type()``.

minigrad's dtypes are NumPy's (``mg.float32 is numpy.dtype("float32")``), which
CuPy shares. The default floating dtype is float32, as in PyTorch: Python floats
and lists become float32 tensors; NumPy arrays keep the dtype they have.
"""
import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_default = {"dtype": float32}


def get_default_dtype():
    """The dtype given to tensors made from Python floats (float32 unless changed)."""
    return _default["dtype"]


def set_default_dtype(dtype):
    """Make ``dtype`` (float32 or float64) the default floating dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"only floating dtypes can be the default, got {dtype}")
    _default["dtype"] = dtype


# The names of t.type(): PyTorch's tensor types, with minigrad for torch.
_TYPE_NAMES = {np.dtype(dtype): name for dtype, name in [
    (np.float32, "FloatTensor"), (np.float64, "DoubleTensor"), (np.float16, "HalfTensor"),
    (np.int64, "LongTensor"), (np.int32, "IntTensor"), (np.int16, "ShortTensor"),
    (np.int8, "CharTensor"), (np.uint8, "ByteTensor"), (np.bool_, "BoolTensor")]}


def tensor_type_name(dtype, device_type):
    """'minigrad.FloatTensor' for float32 on the CPU, 'minigrad.cuda.LongTensor' for int64
    on CUDA: the name ``t.type()`` gives, as PyTorch's with minigrad for torch."""
    return ("minigrad." if device_type == "cpu" else f"minigrad.{device_type}.") + _TYPE_NAMES[dtype]


def parse_tensor_type_name(name):
    """('cpu', float64) from 'minigrad.DoubleTensor', ('cuda', ...) from 'minigrad.cuda....':
    the device and dtype ``t.type(name)`` converts to."""
    parts = name.split(".")
    dtypes = {type_name: dtype for dtype, type_name in _TYPE_NAMES.items()}
    if (parts[0] != "minigrad" or len(parts) not in (2, 3) or parts[-1] not in dtypes
            or len(parts) == 3 and parts[1] not in ("cuda", "strict")):
        raise ValueError(f"invalid type: {name!r}; expected a name such as 'minigrad.FloatTensor' "
                         "or 'minigrad.cuda.LongTensor', or a dtype")
    return ("cpu" if len(parts) == 2 else parts[1]), dtypes[parts[-1]]
