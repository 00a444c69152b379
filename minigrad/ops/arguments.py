"""Tensor arguments: one check for every public function that takes tensors.

PyTorch's functions refuse anything but a Tensor where they expect one, with
``TypeError: sum(): argument 'input' (position 1) must be Tensor, not list``.
Without the check a list or an array would fail deep inside with an unrelated
``AttributeError`` (``'list' object has no attribute 'ndim'``), or, worse, be
converted silently. ``check_tensor`` raises that TypeError; ``tensor_arguments``
is the decorator an op uses to name, once above its ``def``, which of its
parameters are tensors.
"""
import functools
import inspect

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
