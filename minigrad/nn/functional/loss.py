"""Loss functions as ``torch.nn.functional`` names them.

Regression, elementwise on d = input − target (target broadcast to the input, with
PyTorch's warning when the shapes differ):

    mse_loss        d²
    l1_loss         |d|
    huber_loss      ½ d²  where |d| < δ,  else δ (|d| − ½ δ)          (δ > 0)
    smooth_l1_loss  ½ d²/β where |d| < β, else |d| − ½ β;  β = 0 is l1_loss

Binary classification, elementwise (target of the input's shape, weight w broadcast):

    binary_cross_entropy              −w (y log x + (1 − y) log(1 − x)), x a probability;
                                      logs clamped at −100, as PyTorch
    binary_cross_entropy_with_logits  −w (p y log σ(x) + (1 − y) log(1 − σ(x))), x a logit,
                                      p = pos_weight (per class, the last dimension);
                                      computed as w ((1 − y) x + (1 + (p − 1) y) softplus(−x)),
                                      which never overflows, with PyTorch's gradients

Neither ``weight`` nor ``pos_weight`` is differentiated (as in PyTorch): one that
requires grad raises.

Classification over C classes, input (C,), (N, C) or (N, C, d1, d2, ...):

    cross_entropy   −Σ_c q_c log softmax(input)_c, with q from class indices (weights,
                    ignore_index, label smoothing) or class probabilities;
                    see ``minigrad.ops.cross_entropy`` for the exact q
    nll_loss        −w_y input_y, the input being log-probabilities

``reduction``: "mean" (the average; for class indices the weighted average
Σ ℓ_i / Σ w_{y_i}), "sum", or "none" (one loss per element or sample).
Arguments after the target (and after ``weight``) are keyword-only: PyTorch keeps
the deprecated ``size_average`` and ``reduce`` in those positions.
"""
import warnings

import numpy as np

from ...autograd.autocast_hook import autocast_op
from ...ops.cross_entropy import (BinaryCrossEntropy, BinaryCrossEntropyWithLogits,
                                  NegativeLogLikelihood, SoftmaxCrossEntropy, values_are_on_host)
from ...ops.elementwise import abs, where
from ...ops.squared_error import SquaredError
from ...tensor import Tensor
from .arguments import check_tensor

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"]

_REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------- regression
@autocast_op("mse_loss")
def mse_loss(input, target, *, reduction="mean"):
    """(input − target)², reduced."""
    _check_arguments("mse_loss", input, target, reduction)
    return SquaredError.apply(input, target, reduction=reduction)


@autocast_op("l1_loss")
def l1_loss(input, target, *, reduction="mean"):
    """|input − target|, reduced."""
    _check_arguments("l1_loss", input, target, reduction)
    return _reduce(abs(input - target), reduction)


@autocast_op("huber_loss")
def huber_loss(input, target, reduction="mean", delta=1.0):
    """½ d² where |d| < delta, else delta · (|d| − ½ delta); d = input − target."""
    _check_arguments("huber_loss", input, target, reduction)
    if not delta > 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, "
                           f"got delta={delta}")
    difference = input - target
    size = abs(difference)
    loss = where(size < delta, 0.5 * difference * difference, delta * (size - 0.5 * delta))
    return _reduce(loss, reduction)


@autocast_op("smooth_l1_loss")
def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """½ d²/beta where |d| < beta, else |d| − ½ beta; d = input − target (beta = 0: |d|)."""
    _check_arguments("smooth_l1_loss", input, target, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, "
                           f"got beta={beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    difference = input - target
    size = abs(difference)
    loss = where(size < beta, 0.5 * difference * difference / beta, size - 0.5 * beta)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- binary classification
@autocast_op("binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """−weight · (y log x + (1 − y) log(1 − x)) for probabilities x = input, y = target,
    each log clamped at −100. Both must lie in [0, 1]: checked on the CPU; on a device
    (no read-back) an input outside gives nan."""
    _check_binary_arguments("binary_cross_entropy", input, target, reduction)
    if target.dtype != input.dtype:
        raise RuntimeError(f"binary_cross_entropy: target has dtype {target.dtype} but input has "
                           f"dtype {input.dtype}; they must be the same")
    if values_are_on_host(input._backend.xp):  # on a device the check would wait for it
        for which, value in (("input", input), ("target", target)):
            if not ((value._array >= 0) & (value._array <= 1)).all():  # False for nan too
                raise RuntimeError(f"binary_cross_entropy: all elements of {which} should be "
                                   "between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _weight(weight, input.shape, "binary_cross_entropy")
    return _reduce(loss, reduction)


@autocast_op("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """−weight · (p y log σ(x) + (1 − y) log(1 − σ(x))) for logits x = input, y = target and
    p = pos_weight, computed as (1 − y) x + (1 + (p − 1) y) softplus(−x) in one operation."""
    name = "binary_cross_entropy_with_logits"
    _check_binary_arguments(name, input, target, reduction)
    if pos_weight is not None:
        pos_weight = _broadcastable(pos_weight, input.shape, name, "pos_weight")
        _check_not_differentiable(name, "pos_weight", pos_weight)
    loss = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        loss = loss * _weight(weight, input.shape, name)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- classification over classes
@autocast_op("cross_entropy")
def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy of logits ``input`` (class dimension 1, or 0 for 1-D input).

    ``target``: class indices (the input's shape without the class dimension, integers)
    or class probabilities (the input's shape, floating point). ``weight``: one weight
    per class. ``ignore_index``: a class index whose samples count for nothing, not
    even in the mean (class indices only). ``label_smoothing`` ε: the target becomes
    (1 − ε) · target + ε/C. A class index outside [0, C) raises IndexError on the CPU;
    on a device, which is never read back, it makes the loss and gradient nan.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    probabilities = isinstance(target, Tensor) and isinstance(input, Tensor) and \
        target.shape == input.shape
    logits, target, restore = _class_rows("cross_entropy", input, target, probabilities)
    if probabilities:
        if ignore_index != -100:
            raise RuntimeError("cross_entropy: ignore_index is not supported for floating point "
                               "target (class probabilities)")
        dtype = np.promote_types(logits.dtype, target.dtype)
        logits, target = logits.to(dtype), target.to(dtype)
    weight = _class_weight("cross_entropy", weight, logits)
    loss = SoftmaxCrossEntropy.apply(logits, target, weight, ignore_index=ignore_index,
                                     label_smoothing=label_smoothing, reduction=reduction)
    return restore(loss) if reduction == "none" else loss


@autocast_op("nll_loss")
def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood −weight[y] · input[y] of log-probabilities ``input``
    (class dimension 1, or 0 for 1-D input) at class indices y = ``target``."""
    _check_reduction(reduction)
    log_probs, target, restore = _class_rows("nll_loss", input, target, probabilities=False)
    weight = _class_weight("nll_loss", weight, log_probs)
    loss = NegativeLogLikelihood.apply(log_probs, target, weight, ignore_index=ignore_index,
                                       reduction=reduction)
    return restore(loss) if reduction == "none" else loss


# ---------------------------------------------------------------- shared checks and helpers
def _check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction: "
                         "expected 'mean', 'sum' or 'none'")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_tensors(name, input, target):
    check_tensor(name, "input", input, 1)
    check_tensor(name, "target", target, 2)


def _check_arguments(name, input, target, reduction):
    """Regression losses: tensors, a known reduction, and a target that broadcasts
    to the input (warning when the shapes differ, as PyTorch does)."""
    _check_reduction(reduction)
    _check_tensors(name, input, target)
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(f"{name}: target shape {tuple(target.shape)} does not broadcast "
                               f"with input shape {tuple(input.shape)}") from None
        warnings.warn(f"{name}: using a target size {tuple(target.shape)} that is different "
                      f"to the input size {tuple(input.shape)}. This will likely lead to "
                      "incorrect results due to broadcasting. Please ensure they have the same "
                      "size.", UserWarning, stacklevel=3)


def _check_binary_arguments(name, input, target, reduction):
    """Binary losses: a known reduction, floating tensors, and a target of the input's shape."""
    _check_reduction(reduction)
    _check_tensors(name, input, target)
    if target.shape != input.shape:
        raise ValueError(f"{name}: target size {tuple(target.shape)} must be the same as input "
                         f"size {tuple(input.shape)}")
    for argument, value in (("input", input), ("target", target)):
        if value.dtype.kind != "f":
            raise RuntimeError(f"{name}: {argument} must be floating point, got dtype {value.dtype}")


def _broadcastable(value, shape, name, argument):
    """``value`` (a weight) after checking that it broadcasts to ``shape`` without growing it."""
    check_tensor(name, argument, value)
    try:
        broadcast = np.broadcast_shapes(tuple(shape), tuple(value.shape))
    except ValueError:
        broadcast = None
    if broadcast != tuple(shape):
        raise RuntimeError(f"{name}: {argument} of shape {tuple(value.shape)} does not broadcast "
                           f"to the input shape {tuple(shape)}")
    return value


def _check_not_differentiable(name, argument, value):
    """PyTorch does not differentiate these losses by ``weight`` or ``pos_weight``: refuse one
    that requires grad rather than return a gradient PyTorch would not."""
    if value.requires_grad:
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument "
                           f"'{argument}'. This input cannot have requires_grad True; pass "
                           f"{argument}.detach()")


def _weight(weight, shape, name):
    """A binary loss's ``weight``: a Tensor that broadcasts to ``shape`` and needs no gradient."""
    weight = _broadcastable(weight, shape, name, "weight")
    _check_not_differentiable(name, "weight", weight)
    return weight


def _class_rows(name, input, target, probabilities):
    """(rows, target rows, restore): the input as (M, C) rows with the classes last, the
    target as (M,) indices or (M, C) probabilities, and a function that gives per-row
    losses the target's shape (N, d1, d2, ...) back. Checks shapes and dtypes."""
    _check_tensors(name, input, target)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: input must be floating point, got dtype {input.dtype}")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    if probabilities:
        if target.dtype.kind != "f":
            raise RuntimeError(f"{name}: expected floating point type for target with class "
                               f"probabilities, got {target.dtype}")
    else:
        expected = tuple(input.shape[:class_dim] + input.shape[class_dim + 1:])
        if target.dtype.kind not in "iu":
            raise RuntimeError(
                f"{name}: expected class indices of an integer dtype (or, for class "
                f"probabilities, a floating target of the input's shape {tuple(input.shape)}), "
                f"got dtype {target.dtype} and shape {tuple(target.shape)}")
        if tuple(target.shape) != expected:
            error = ValueError if input.ndim == 2 and target.ndim == 1 else RuntimeError
            raise error(f"{name}: expected target shape {expected} (class indices) for input "
                        f"shape {tuple(input.shape)}, got target shape {tuple(target.shape)}")
    if input.ndim == 1:
        rows = input.reshape(1, classes)
        target = target.reshape(1, classes) if probabilities else target.reshape(1)
        return rows, target, lambda loss: loss.reshape(())
    if input.ndim == 2:
        return input, target, lambda loss: loss
    # (N, C, d1, ..., dk) → (N, d1, ..., dk, C) → (N·d1·…·dk, C)
    classes_last = (0,) + tuple(range(2, input.ndim)) + (1,)
    rows = input.permute(*classes_last).reshape(-1, classes)
    target = target.permute(*classes_last).reshape(-1, classes) if probabilities \
        else target.reshape(-1)
    sample_shape = (input.shape[0],) + tuple(input.shape[2:])
    return rows, target, lambda loss: loss.reshape(sample_shape)


def _class_weight(name, weight, rows):
    """A class weight (C,) checked and in the dtype of ``rows``, or None."""
    if weight is None:
        return None
    classes = rows.shape[1]
    check_tensor(name, "weight", weight, position=3)
    if tuple(weight.shape) != (classes,):
        raise RuntimeError(f"{name}: weight tensor should be defined either for all {classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    if weight.requires_grad:
        raise RuntimeError(f"{name}: the derivative for 'weight' is not implemented; "
                           "pass weight.detach()")
    return weight.to(rows.dtype)
