"""Argument checks shared by the functions of ``F`` and the layers that call them.

PyTorch's functions refuse anything but a Tensor where they expect one, with
``TypeError: linear(): argument 'input' (position 1) must be Tensor, not list``;
without the check a list or an array would fail deep inside with an unrelated
``AttributeError`` (``'list' object has no attribute 'ndim'``), or, worse, be
converted silently.
"""
from ...tensor import Tensor


def check_tensor(function, argument, value, position=None, optional=False):
    """Raise PyTorch's TypeError unless ``value`` is a Tensor (or None, when ``optional``).

    ``position``: the argument's place in the call (1 for the first), for the message."""
    if isinstance(value, Tensor) or optional and value is None:
        return
    where = "" if position is None else f" (position {position})"
    raise TypeError(f"{function}(): argument '{argument}'{where} must be Tensor, "
                    f"not {type(value).__name__}")
