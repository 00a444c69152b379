"""Tensor arguments: one check for every public function that takes tensors.

PyTorch's functions refuse anything but a Tensor where they expect one, with
``TypeError: sum(): argument 'input' (position 1) must be Tensor, not list``.
Without the check a list or an array would fail deep inside with an unrelated
``AttributeError`` (``'list' object has no attribute 'ndim'``), or, worse, be
converted silently. ``check_tensor`` raises that TypeError; ``tensor_arguments``
is the decorator an op uses to name, once above its ``def``, which of its
parameters are tensors. ``checked_fill_value`` converts a number to be written
into a tensor as PyTorch does, refusing one that overflows the tensor's dtype.
"""
import functools
import inspect
import math

import numpy as np

from ..tensor import Tensor


def check_tensor(function, argument, value, position=None, optional=False):
    """Raise PyTorch's TypeError unless ``value`` is a Tensor (or None, when ``optional``).

    ``position``: the argument's place in the call (1 for the first), for the message."""
    if isinstance(value, Tensor) or optional and value is None:
        return
    where = "" if position is None else f" (position {position})"
    raise TypeError(f"{function}(): argument '{argument}'{where} must be Tensor, "
                    f"not {type(value).__name__}")


def tensor_arguments(*names):
    """Decorator: the parameters ``names`` of the decorated function must be given
    Tensors; anything else is ``check_tensor``'s TypeError, naming the function, the
    argument and its position (``sum(): argument 'x' (position 1) must be Tensor,
    not list``)."""
    def decorate(function):
        parameters = list(inspect.signature(function).parameters)
        checked = [(name, parameters.index(name)) for name in names]

        @functools.wraps(function)
        def with_checked_arguments(*args, **kwargs):
            for name, index in checked:
                if index < len(args):
                    check_tensor(function.__name__, name, args[index], index + 1)
                elif name in kwargs:
                    check_tensor(function.__name__, name, kwargs[name], index + 1)
            return function(*args, **kwargs)
        return with_checked_arguments
    return decorate


def checked_fill_value(value, dtype, function):
    """A Python number ``value`` to be written into a tensor of ``dtype`` (scatter's
    and masked_fill's value), converted as PyTorch converts it, or RuntimeError
    where PyTorch finds that it overflows:

    - into an integer dtype, a float is truncated toward zero and must lie within
      the dtype's range (NaN and ±inf never do); an int must lie within the range,
      except that a negative int wraps into an unsigned dtype when its magnitude
      does (uint8: -1 is 255, as in two's complement);
    - into a floating dtype, a finite number must not exceed the dtype's largest
      value (float16: 65504); ±inf and NaN are written as they are;
    - into bool, anything goes (nonzero is True).
    """
    dtype = np.dtype(dtype)
    if isinstance(value, np.generic):
        value = value.item()
    if dtype.kind == "b" or isinstance(value, bool):
        return value
    if dtype.kind == "f":
        overflows = math.isfinite(value) and abs(value) > float(np.finfo(dtype).max)
    else:
        limits = np.iinfo(dtype)
        if isinstance(value, float):
            overflows = not math.isfinite(value) or not limits.min <= value <= limits.max
            value = math.trunc(value) if not overflows else value
        elif dtype.kind == "u":
            overflows = value > limits.max or value < 0 and -value > limits.max
            value = value % (limits.max + 1)
        else:
            overflows = not limits.min <= value <= limits.max
    if overflows:
        raise RuntimeError(f"{function}: value {value!r} cannot be converted to type {dtype} "
                           f"without overflow")
    return value
