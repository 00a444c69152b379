"""Shared pieces of the differential tests against PyTorch (test_differential.py,
test_noncontiguous.py, test_nonfinite_grads.py, test_error_table.py):

- ``to_numpy`` / ``np_dtype``: a minigrad or torch tensor (or dtype) as NumPy sees it;
- ``assert_same``: shapes, dtypes, NaN positions, infinities (with their signs) and
  finite values all equal PyTorch's, with a tolerance scaled to the tensor's magnitude;
- ``LOSSES``: every loss of ``nn.functional`` as a row like the op table's (same
  ``OpInfo``/``Sample``), so the non-contiguous and non-finite tests cover losses too;
- ``grads``: d(Σ g·outputs)/d(inputs) on either side, ``None`` for an unused input.
"""
import numpy as np
import torch
import torch.nn.functional as TF

import minigrad as mg
from op_table import OpInfo, Sample


# ---------------------------------------------------------------- NumPy views of both sides
def np_dtype(dtype):
    """minigrad's dtype is NumPy's; torch.float32 becomes np.dtype('float32')."""
    if isinstance(dtype, torch.dtype):
        return np.dtype(str(dtype).removeprefix("torch."))
    return np.dtype(dtype)


def to_numpy(tensor):
    if isinstance(tensor, torch.Tensor):
        return tensor.detach().numpy(force=True)      # force: torch's ZeroTensor gradients too
    if isinstance(tensor, mg.Tensor):
        return tensor.detach().numpy()
    return np.asarray(tensor)


def assert_same(ours, theirs, rtol, what="", atol_scale=None, check_dtype=True):
    """``ours`` (minigrad) equals ``theirs`` (torch) in shape, dtype, the positions of NaN,
    the positions and signs of ±inf, and the finite values within
    ``rtol·|theirs| + atol``, where atol = ``atol_scale`` · (largest finite |theirs|, at least 1):
    a relative tolerance that does not fail an element that cancelled to near zero."""
    assert isinstance(ours, mg.Tensor), f"{what}: minigrad returned {type(ours).__name__}, not a Tensor"
    a, e = to_numpy(ours), to_numpy(theirs)
    assert a.shape == e.shape, f"{what}: shape {a.shape}, torch {e.shape}"
    if check_dtype:
        assert a.dtype == e.dtype, f"{what}: dtype {a.dtype}, torch {e.dtype}"
    if e.dtype.kind not in "fc":
        if a.dtype.kind in "fc":
            a = np.where(np.isfinite(a), a, -1)      # a float result torch gives as ints
        np.testing.assert_array_equal(a, e, err_msg=what)
        return
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    nan_a, nan_e = np.isnan(a64), np.isnan(e64)
    assert (nan_a == nan_e).all(), (
        f"{what}: NaN at {np.argwhere(nan_a & ~nan_e).tolist()[:5]} where torch has "
        f"{e64[nan_a & ~nan_e][:5].tolist()}; torch NaN at {np.argwhere(nan_e & ~nan_a).tolist()[:5]} "
        f"where minigrad has {a64[nan_e & ~nan_a][:5].tolist()}")
    inf_a, inf_e = np.isinf(a64), np.isinf(e64)
    bad_inf = (inf_a | inf_e) & ~(a64 == e64)
    assert not bad_inf.any(), (f"{what}: infinities differ at {np.argwhere(bad_inf).tolist()[:5]}: "
                               f"minigrad {a64[bad_inf][:5].tolist()}, torch {e64[bad_inf][:5].tolist()}")
    finite = np.isfinite(e64)
    if not finite.any():
        return
    if atol_scale is None:
        atol_scale = rtol
    atol = atol_scale * max(1.0, float(np.abs(e64[finite]).max()))
    close = np.abs(a64[finite] - e64[finite]) <= atol + rtol * np.abs(e64[finite])
    if not close.all():
        worst = np.argmax(np.abs(a64[finite] - e64[finite]))
        raise AssertionError(
            f"{what}: {int((~close).sum())}/{close.size} values differ (rtol={rtol}, atol={atol:.3g}); "
            f"worst: minigrad {a64[finite][worst]!r}, torch {e64[finite][worst]!r}")


def grads(backend, outputs, inputs, grad_outputs, create_graph=False):
    """d(Σ grad_outputs·outputs)/d(inputs) (a tuple, ``None`` where an input is unused)."""
    outputs = [o for o in outputs]
    if backend is torch:
        return torch.autograd.grad(outputs, inputs, grad_outputs, allow_unused=True,
                                   create_graph=create_graph)
    return mg.autograd.grad(outputs, inputs, grad_outputs, allow_unused=True,
                            create_graph=create_graph)


def floating(outputs):
    return [o for o in outputs if np_dtype(o.dtype).kind == "f"]


def as_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


# ---------------------------------------------------------------- the losses as op-table rows
def _probabilities(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


def _class_targets(draw, n, classes):
    """n class indices in [0, classes)."""
    return draw.rng.integers(0, classes, n)


LOSS_REDUCTIONS = ("mean", "sum", "none")


def _pairs(draw, reduction):
    return Sample((draw(3, 4), draw(3, 4)), {"reduction": reduction})


LOSSES = [
    OpInfo("mse_loss", mg.nn.functional.mse_loss, TF.mse_loss,
           lambda draw: [_pairs(draw, r) for r in LOSS_REDUCTIONS]),
    OpInfo("l1_loss", mg.nn.functional.l1_loss, TF.l1_loss,
           lambda draw: [_pairs(draw, r) for r in LOSS_REDUCTIONS]),
    OpInfo("huber_loss", mg.nn.functional.huber_loss, TF.huber_loss,
           lambda draw: [_pairs(draw, r) for r in LOSS_REDUCTIONS]
           + [Sample((draw(3, 4), draw(3, 4)), {"delta": 0.5})]),
    OpInfo("smooth_l1_loss", mg.nn.functional.smooth_l1_loss, TF.smooth_l1_loss,
           lambda draw: [_pairs(draw, r) for r in LOSS_REDUCTIONS]
           + [Sample((draw(3, 4), draw(3, 4)), {"beta": 0.5})]),
    OpInfo("binary_cross_entropy", mg.nn.functional.binary_cross_entropy, TF.binary_cross_entropy,
           lambda draw: [_pairs(draw, r) for r in LOSS_REDUCTIONS], _probabilities),
    OpInfo("binary_cross_entropy_with_logits", mg.nn.functional.binary_cross_entropy_with_logits,
           TF.binary_cross_entropy_with_logits,
           lambda draw: [_pairs(draw, r) for r in LOSS_REDUCTIONS], _probabilities),
    OpInfo("cross_entropy", mg.nn.functional.cross_entropy, TF.cross_entropy,
           lambda draw: [Sample((draw(4, 3), _class_targets(draw, 4, 3)), {"reduction": r})
                         for r in LOSS_REDUCTIONS]
           + [Sample((draw(4, 3), draw(4, 3)), {}),                      # probabilities as targets
              Sample((draw(4, 3), _class_targets(draw, 4, 3)), {"label_smoothing": 0.1}),
              Sample((draw(2, 3, 5), _class_targets(draw, 10, 3).reshape(2, 5)), {})]),
    OpInfo("nll_loss", mg.nn.functional.nll_loss, TF.nll_loss,
           lambda draw: [Sample((draw(4, 3), _class_targets(draw, 4, 3)), {"reduction": r})
                         for r in LOSS_REDUCTIONS]),
]

__all__ = ["np_dtype", "to_numpy", "assert_same", "grads", "floating", "as_tuple", "LOSSES"]
