"""Helpers for tests: ``assert_close`` compares tensors, arrays and numbers."""
import numpy as np

from .tensor import Tensor

# PyTorch's default tolerances per dtype: (rtol, atol).
_TOLERANCES = {np.dtype("float16"): (1e-3, 1e-5), np.dtype("float32"): (1.3e-6, 1e-5),
               np.dtype("float64"): (1e-7, 1e-7)}


def _to_numpy(value):
    if isinstance(value, Tensor):
        return value.detach().numpy()
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        return value.detach().cpu().numpy()
    if hasattr(value, "get") and type(value).__module__.startswith("cupy"):
        return value.get()
    return np.asarray(value)


def assert_close(actual, expected, rtol=None, atol=None, equal_nan=False, msg=None):
    """Raise AssertionError unless |actual - expected| <= atol + rtol·|expected|
    elementwise, with equal shapes. Default tolerances depend on the dtype, as
    in ``torch.testing.assert_close`` (float32: rtol 1.3e-6, atol 1e-5)."""
    a, e = _to_numpy(actual), _to_numpy(expected)
    if a.shape != e.shape:
        raise AssertionError(f"shapes differ: actual {a.shape}, expected {e.shape}")
    if rtol is None or atol is None:
        default_rtol, default_atol = _TOLERANCES.get(np.result_type(a.dtype, e.dtype), (0.0, 0.0))
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if close.all():
        return
    difference = np.abs(a64 - e64)
    difference = np.where(np.isfinite(difference), difference, np.inf)
    worst = np.unravel_index(np.argmax(np.where(close, -1, difference)), a.shape) if a.ndim else ()
    report = (f"Tensor-likes are not close!\n"
              f"Mismatched elements: {int((~close).sum())} / {close.size} "
              f"({100 * (~close).mean():.1f}%)\n"
              f"Greatest absolute difference: {difference[worst]} at index {tuple(int(i) for i in worst)} "
              f"(actual {a64[worst]}, expected {e64[worst]}; rtol={rtol}, atol={atol})")
    raise AssertionError(report if msg is None else f"{msg}\n{report}")
