"""Data types, and the default floating dtype.

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
