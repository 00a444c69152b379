"""``autocast``: run chosen ops in float16 inside a region, as ``torch.autocast``.

    with mg.autocast("cpu"):
        logits = model(x)            # linear/matmul/conv in float16
        loss = F.cross_entropy(logits, y)   # losses in float32
    loss.backward()                  # float32 parameters get float32 gradients

The parameters stay float32 ("master weights"): each op on the lower-precision
list casts them to float16 as it reads them (once per region: the cast is cached),
and the cast is a node of the graph, so backward casts the gradient back to
float32. ``autocast(..., enabled=False)`` inside a region turns it off for a block.
It also decorates a function: ``@mg.autocast("cpu")``.

Unlike PyTorch, the default dtype is float16 on every device type (PyTorch's CPU
default is bfloat16, a dtype NumPy does not have).
"""
import functools
import warnings

import numpy as np

from .. import cuda
from ..autograd import autocast_hook
from .policy import BANNED_MESSAGES, POLICIES

_FLOAT16 = np.dtype("float16")


class autocast:
    """Run the ops of PyTorch's autocast lists for ``device_type`` in ``dtype``
    (float16) or float32 within a ``with`` block or a decorated function."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in POLICIES:
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'; minigrad supports 'cpu', 'cuda' and 'strict'")
        dtype = _FLOAT16 if dtype is None else _lower_dtype(dtype)
        if enabled and device_type == "cuda" and not cuda.is_available():
            warnings.warn("CUDA is not available. Disabling autocast.", UserWarning,
                          stacklevel=2)
            enabled = False
        if enabled and dtype != _FLOAT16:
            name = "CPU" if device_type == "cpu" else "CUDA"
            warnings.warn(f"In {name} autocast, but the target dtype {dtype} is not supported. "
                          f"Disabling autocast.\n{name} Autocast only supports dtype of "
                          f"minigrad.float16 currently.", UserWarning, stacklevel=2)
            enabled = False
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)

    def __enter__(self):
        setting = autocast_hook.Setting(self._enabled, self.fast_dtype, POLICIES[self.device],
                                        BANNED_MESSAGES, self._cache_enabled)
        self._previous = autocast_hook.set_setting(self.device, setting)
        return self

    def __exit__(self, *exc):
        autocast_hook.set_setting(self.device, self._previous)
        if not any(is_autocast_enabled(device) for device in POLICIES):
            autocast_hook.clear_cast_cache()  # the outermost enabled region has ended
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def run_under_autocast(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return function(*args, **kwargs)
        return run_under_autocast


def is_autocast_available(device_type):
    """Whether autocast supports ``device_type`` ('cpu', 'cuda' and 'strict')."""
    return device_type in POLICIES


def is_autocast_enabled(device_type="cuda"):
    """Whether an enabled autocast region for ``device_type`` is active
    (``mg.is_autocast_enabled``, as ``torch.is_autocast_enabled``)."""
    setting = autocast_hook.get_setting(device_type)
    return setting is not None and setting.enabled


def _lower_dtype(dtype):
    """The region's dtype as a NumPy dtype; bfloat16 is refused with the reason."""
    if str(dtype).split(".")[-1] == "bfloat16":
        raise RuntimeError(
            "autocast: bfloat16 needs an array library with a bfloat16 dtype; NumPy has none "
            "(CuPy 14 gets one from the ml_dtypes package) and minigrad does not support it "
            "yet. Use dtype=minigrad.float16 with minigrad.amp.GradScaler.")
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"autocast: dtype must be a minigrad dtype such as minigrad.float16, "
                        f"got {dtype!r}") from None
