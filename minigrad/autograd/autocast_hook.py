"""The mechanism behind ``mg.autocast``: a decorator that casts an op's inputs.

An op's public function is decorated with ``@autocast_op("name")``. While no
autocast region is active anywhere the wrapper costs one global read. Inside a region
(``minigrad.amp.autocast`` fills the per-thread settings) the wrapper looks up
the op's name in the active device type's policy and, by its kind:

- ``"lower"``  casts floating inputs other than float64 to the region's dtype
  (float16): matrix products and convolutions;
- ``"fp32"``   casts floating inputs other than float64 to float32: losses,
  reductions and functions whose range or accuracy float16 cannot hold;
- ``"promote"`` casts all floating inputs to the widest floating dtype among them;
- ``"banned"`` raises: an op that is unsafe under autocast (PyTorch's message).

The casts are ordinary ``Cast`` nodes in the graph, so the gradient flows back
through them and reaches a float32 parameter as float32. The op then runs with
autocast suspended, as PyTorch redispatches below its autocast key: the ops an
op is built from are not cast again, and backward passes are never autocast.

This module holds only the mechanism; the lists live in ``minigrad.amp.policy``.
"""
import contextlib
import functools
import threading

import numpy as np

_FLOAT32 = np.dtype("float32")
_FLOAT64 = np.dtype("float64")


class _State(threading.local):
    """Per thread: the active settings by device type and whether an op is running."""

    def __init__(self):
        self.settings = {}      # device type -> Setting, for the regions entered
        self.suspended = False  # True while an autocast op's own body runs
        self.cast_cache = {}    # (id(leaf), dtype) -> (leaf, its version, the cast leaf)


_state = _State()
# Settings installed, over all threads: while 0, a decorated op reads nothing else.
_installed = 0
_installed_lock = threading.Lock()


class Setting:
    """One device type's autocast setting: ``enabled``, the lower ``dtype``, the
    ``policy`` (op name -> kind), the error of each banned op (op name -> message)
    and whether casts of leaves are cached."""

    def __init__(self, enabled, dtype, policy, banned_messages, cache_enabled):
        self.enabled, self.dtype, self.policy = enabled, dtype, policy
        self.banned_messages, self.cache_enabled = banned_messages, cache_enabled


def get_setting(device_type):
    """The Setting active for ``device_type``, or None outside every region."""
    return _state.settings.get(device_type)


def set_setting(device_type, setting):
    """Install ``setting`` (None removes it) for ``device_type``; returns the previous one."""
    global _installed
    previous = _state.settings.get(device_type)
    if setting is None:
        _state.settings.pop(device_type, None)
    else:
        _state.settings[device_type] = setting
    with _installed_lock:
        _installed += (setting is not None) - (previous is not None)
    return previous


def settings_key():
    """The autocast regions entered on this thread, as plain values (device type,
    enabled, lower dtype): the key of work done under them (``mg.compile``'s guard)."""
    settings = _state.settings
    if not settings:
        return ()
    return tuple(sorted((device_type, setting.enabled, str(setting.dtype))
                        for device_type, setting in settings.items()))


def clear_cast_cache():
    """Forget the cached casts of leaf tensors (done when the outermost region exits)."""
    _state.cast_cache.clear()


@contextlib.contextmanager
def suspended():
    """Within this block (or decorated function) no op is autocast: an op's own
    body, a backward pass."""
    previous, _state.suspended = _state.suspended, True
    try:
        yield
    finally:
        _state.suspended = previous


def autocast_op(name):
    """Decorate an op's public function so autocast can cast its inputs; ``name``
    is the op's name in the policy lists (PyTorch's op name)."""
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if not _installed or not _state.settings or _state.suspended:
                return function(*args, **kwargs)
            tensors = _tensor_arguments(args, kwargs)
            if not tensors:
                return function(*args, **kwargs)
            setting = _state.settings.get(tensors[0].device.type)
            kind = setting.policy.get(name) if setting is not None and setting.enabled else None
            if kind is None:
                return function(*args, **kwargs)
            if kind == "banned":
                raise RuntimeError(setting.banned_messages[name])
            target = _target_dtype(kind, setting.dtype, tensors)
            cast = functools.partial(_cast_argument, target=target, kind=kind, setting=setting)
            args = tuple(cast(value) for value in args)
            kwargs = {key: cast(value) for key, value in kwargs.items()}
            with suspended():
                return function(*args, **kwargs)
        wrapper.autocast_name = name  # the policy's name for it
        return wrapper
    return decorate


def _tensor_arguments(args, kwargs):
    """The tensors among the arguments, including those inside a list or tuple (cat)."""
    from ..tensor import Tensor
    found = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(item for item in value if isinstance(item, Tensor))
    return found


def _target_dtype(kind, lower_dtype, tensors):
    if kind == "lower":
        return lower_dtype
    if kind == "fp32":
        return _FLOAT32
    floating = [tensor.dtype for tensor in tensors if tensor.dtype.kind == "f"]
    return max(floating, key=lambda dtype: dtype.itemsize) if floating else None


def _cast_argument(value, target, kind, setting):
    from ..tensor import Tensor
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_argument(item, target, kind, setting) for item in value)
    if not isinstance(value, Tensor) or target is None or value.dtype.kind != "f":
        return value
    if value.dtype == target or (kind != "promote" and value.dtype == _FLOAT64):
        return value  # float64 is left alone, as PyTorch leaves double tensors
    return _cached_cast(value, target, setting.cache_enabled)


def _cached_cast(tensor, dtype, cache_enabled):
    """``tensor`` cast to ``dtype``. A leaf that requires grad (a parameter) is cast
    once per region and the cast reused, as PyTorch caches weight casts."""
    from ..ops.elementwise import cast
    from .grad_mode import is_grad_enabled
    if not (cache_enabled and tensor.is_leaf and tensor.requires_grad and is_grad_enabled()):
        return cast(tensor, dtype)
    key = (id(tensor), dtype)
    entry = _state.cast_cache.get(key)
    if entry is not None and entry[0] is tensor and entry[1] == tensor._version[0]:
        return entry[2]
    result = cast(tensor, dtype)
    _state.cast_cache[key] = (tensor, tensor._version[0], result)  # changed in place: recast
    return result
