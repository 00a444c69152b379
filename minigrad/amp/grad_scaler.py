"""``GradScaler``: keep float16 gradients from underflowing, as ``torch.amp.GradScaler``.

float16 represents magnitudes only from about 6·10⁻⁸ (the smallest subnormal)
to 65504. Gradients of a float16 forward are often smaller than the first bound
and become zero. The scaler multiplies the loss by a large factor S before
backward, so every gradient is S times larger and stays representable, then
divides the float32 gradients by S before the optimizer step:

    loss·S  --backward-->  S·g  --unscale_-->  g  --step-->  θ

S is chosen dynamically (PyTorch's algorithm):

- start at ``init_scale`` (2¹⁶);
- if any gradient is inf or NaN (S was too large), skip the step and multiply
  S by ``backoff_factor`` (0.5);
- after ``growth_interval`` (2000) steps in a row without inf/NaN, multiply S
  by ``growth_factor`` (2), to use as much of float16's range as possible.

The scale and the count of clean steps are device tensors, updated without
reading them on the host; ``step`` reads whether an inf was found once, as
PyTorch's does, to decide whether to call ``optimizer.step``.

    scaler = mg.amp.GradScaler("cpu")
    with mg.autocast("cpu"):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)      # unscales, then steps unless a gradient is inf/NaN
    scaler.update()
"""
import warnings

import numpy as np

from ..autograd import tracing as _tracing
from ..autograd.grad_mode import no_grad
from ..creation import full
from ..ops.nonfinite import isfinite
from ..ops.selection import where
from ..tensor import Tensor

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients and
    adapt the scale, with PyTorch's arguments and defaults."""

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        from .. import cuda
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda" and not cuda.is_available():
            warnings.warn("minigrad.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None            # float32 0-d tensor, made at the first scale()
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None   # int32 0-d tensor: clean steps in a row
            self._per_optimizer_states = {}

    # ------------------------------------------------------------------ the loop
    def scale(self, outputs):
        """``outputs`` (a tensor, or an iterable of them) multiplied by the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            return outputs * self._scale.to(outputs.device)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(output) for output in outputs)
        if hasattr(outputs, "__iter__") and not isinstance(outputs, (str, bytes)):
            return map(self.scale, outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    @_tracing.whole_call  # (mg.compile replays these three calls as they are)
    def unscale_(self, optimizer):
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place,
        and record per device whether any of them is inf or NaN. At most once per
        optimizer between two ``update()`` calls, before ``step``."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._state_of(optimizer)
        if state["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = (1.0 / self._scale.double()).float()  # as PyTorch: 1/S formed in float64
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale)
        state["stage"] = _UNSCALED

    def _unscale_grads_(self, optimizer, inv_scale):
        """g ← g / S for every gradient; per device, 1.0 if some gradient is not finite."""
        found_inf_per_device = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is None:
                        continue
                    if grad.dtype == np.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    device = str(grad.device)
                    if device not in found_inf_per_device:
                        found_inf_per_device[device] = full((), 0.0, device=grad.device)
                    found = found_inf_per_device[device]
                    nonfinite = (~isfinite(grad).all()).float()
                    found.copy_(found + nonfinite - found * nonfinite)  # found OR nonfinite
                    grad.mul_(inv_scale.to(grad.device))
        return found_inf_per_device

    @_tracing.whole_call
    def step(self, optimizer, *args, **kwargs):
        """Unscale the gradients if ``unscale_`` was not called, then call
        ``optimizer.step(*args, **kwargs)`` unless a gradient was inf or NaN
        (the step is skipped: parameters and optimizer state stay as they are).
        Returns what ``optimizer.step`` returned, or None when skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._state_of(optimizer)
        if state["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        # The one host read of a step, as in PyTorch: was any gradient inf/NaN?
        if not sum(found.item() for found in state["found_inf_per_device"].values()):
            result = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    @_tracing.whole_call
    def update(self, new_scale=None):
        """Set the scale for the next iteration: ``new_scale`` if given, else back
        off (×``backoff_factor``, counter to 0) when this iteration found an inf/NaN,
        or grow (×``growth_factor``) after ``growth_interval`` clean steps in a row."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                if not (isinstance(new_scale, Tensor) and new_scale.numel() == 1
                        and new_scale.dtype == np.float32 and not new_scale.requires_grad):
                    raise AssertionError("new_scale should be a float or a 1-element "
                                         "minigrad.FloatTensor with requires_grad=False.")
                self._scale.copy_(new_scale.reshape(()))
        else:
            found_infs = [found.to(self._scale.device)
                          for state in self._per_optimizer_states.values()
                          for found in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            found_inf = found_infs[0]
            for other in found_infs[1:]:
                found_inf = found_inf + other
            self._update_scale(found_inf > 0)
        self._per_optimizer_states = {}

    def _update_scale(self, found_inf):
        """PyTorch's ``_amp_update_scale_`` written with device tensor ops (no host read)."""
        with no_grad():
            successful = self._growth_tracker + 1
            grows = (successful == self._growth_interval) & ~found_inf
            grown = self._scale * self._growth_factor
            new_scale = where(found_inf, self._scale * self._backoff_factor,
                              where(grows & isfinite(grown), grown, self._scale))
            new_tracker = where(found_inf | grows, 0, successful)
            self._scale.copy_(new_scale)
            self._growth_tracker.copy_(new_tracker)

    # ------------------------------------------------------------ bookkeeping
    def _lazy_init_scale_growth_tracker(self, device):
        if self._growth_tracker is not None:
            raise AssertionError("_growth_tracker initialized before _scale")
        self._scale = full((), self._init_scale, dtype=np.float32, device=device)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=np.int32, device=device)

    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)

    def _state_of(self, optimizer):
        return self._per_optimizer_states.setdefault(
            id(optimizer), {"stage": _READY, "found_inf_per_device": {}})

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return (self._init_growth_tracker if self._growth_tracker is None
                else self._growth_tracker.item())

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """scale, growth_factor, backoff_factor, growth_interval and _growth_tracker
        (PyTorch's keys); empty when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned (a no-op when disabled)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])
