"""Cross-entropy as fused operations: softmax cross-entropy, negative log-likelihood
and binary cross-entropy, with PyTorch's conventions.

Softmax cross-entropy
---------------------
Logits z of shape (M, C): M rows (samples), C classes. Row i has a target
distribution q_i over the classes, and its loss is

    ℓ_i = −Σ_c q_ic log p_ic,    log p_ic = z_ic − log Σ_k e^(z_ik)

Writing S_i = Σ_c q_ic (1 for a plain distribution, other values once classes
are weighted), its gradient is the textbook one,

    ∂ℓ_i/∂z_ic = S_i p_ic − q_ic,    p = softmax(z)

(and, for class-probability targets t, ∂ℓ_i/∂t_ic = −(1 − ε) w_c log p_ic).

What q is (PyTorch's ``cross_entropy``):

- class indices y with class weights w and label smoothing ε:
  q_ic = (1 − ε) w_{y_i} [c = y_i] + (ε/C) w_c, and q_i = 0 where y_i = ignore_index;
- class probabilities t:  q_ic = w_c ((1 − ε) t_ic + ε/C).

``reduction="mean"`` divides Σ_i ℓ_i by Σ_i w_{y_i} over the rows not ignored
(class indices; nan when every row is ignored, while the ignored rows still get
a zero gradient, as in PyTorch) or by M (probabilities).

The forward pass computes log Σ e^z once, shifted by the row maximum m so that
no exponential overflows (finite for logits of ±1e4), and keeps p = softmax(z)
when a gradient will be wanted. With g_i the incoming gradient of row i (times
the mean's 1/Σ w), the backward pass is

    ∂L/∂z_ic = G_ic − p_ic Σ_k G_ik,    G_ic = −q_ic g_i  (∂L/∂ log p_ic)

(= p_ic (S_i g_i) − q_ic g_i), in the order PyTorch's log_softmax backward takes,
so that an infinite g_i gives PyTorch's numbers too (inf − inf = nan at the target
class; nan across a row whose q has entries of both signs, as Σ_k G_ik is then
inf − inf). For class indices without smoothing q_i is r_i at the target class and
0 elsewhere, so p_ic r_i g_i is added everywhere and r_i g_i subtracted at one entry
per row, never as a dense one-hot. Rows with
y_i = ignore_index get exactly 0, by a select (an infinite g_i must not make
0 · g_i = nan there). Under ``create_graph=True`` p is recomputed from
differentiable operations, so gradients of gradients are exact.

Negative log-likelihood
-----------------------
Input x = log-probabilities (M, C):  ℓ_i = −w_{y_i} x_{i,y_i};  ∂ℓ_i/∂x_ic = −w_{y_i} [c = y_i].
Same weights, ignore_index and "mean" as above.

Binary cross-entropy
--------------------
Elementwise, for a probability x and a target y in [0, 1]:

    ℓ = −(y log x + (1 − y) log(1 − x)),  each log clamped at −100 (so ℓ ≤ 100 at x = 0 or 1)
    ∂ℓ/∂x = (x − y) / max(x (1 − x), 1e-12),    ∂ℓ/∂y = log(1 − x) − log x

as PyTorch computes them.

Binary cross-entropy with logits
--------------------------------
Elementwise, for a logit x, a target y and a positive-class weight p (1 without one):

    ℓ = (1 − y) x + (1 + (p − 1) y) softplus(−x)     (= −(p y log σ(x) + (1 − y) log σ(−x)))
    ∂ℓ/∂x = (p y + 1 − y) σ(x) − p y,    ∂ℓ/∂y = log σ(−x) − p log σ(x)

softplus(−x) = max(−x, 0) + log(1 + e^(−|x|)) never overflows. One operation with
PyTorch's gradient formulas, so an infinite incoming gradient gives its numbers
(composing the loss from softplus and products would give inf − inf = nan).
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from .elementwise import clamp, log, sigmoid, softplus, where
from .reduction import softmax
from .shape import IndexAdd

# PyTorch's floor for x (1 − x) in the binary cross-entropy gradient.
_BCE_EPSILON = 1e-12
# PyTorch's floor for the logarithms in the binary cross-entropy.
_LOG_FLOOR = -100.0


def values_are_on_host(xp):
    """True for NumPy arrays, whose values cost nothing to read. On a device (CuPy, or
    the 'strict' stand-in) reading one value waits for all queued work, so checks
    that need the values (class index in range, probability in [0, 1]) run on the
    CPU only, as PyTorch's CPU kernels check and its CUDA kernels do not."""
    return xp is np


class ClassTargets:
    """Class-index targets y (M,) checked against C classes, with their row weights.

    On the CPU a target outside [0, C) raises IndexError; on a device, where that
    check would wait for the device, its row's weight is nan, so the loss and the
    gradient come out nan instead of silently reading another class.

    ``keep``: the rows not ignored; ``index``: y, with ignored rows pointing at
    class 0 so that it can index; ``key``: the index pair (i, y_i) that picks each
    row's target entry out of an (M, C) array, whatever its memory layout (so that
    ``a[key] -= v`` writes into ``a`` itself, never into a reshaped copy); ``row_weight``:
    r_i = w_{y_i}, 0 on ignored rows; ``total_weight``: Σ_i r_i, the denominator of "mean".
    """

    def __init__(self, xp, target, weight, ignore_index, classes, dtype):
        self.keep = target != ignore_index
        self.index = xp.where(self.keep, target, 0)
        out_of_range = (self.index < 0) | (self.index >= classes)
        checked = values_are_on_host(xp)
        if checked and out_of_range.any():
            bad = int(self.index[out_of_range][0])
            raise IndexError(f"Target {bad} is out of bounds: class indices must lie in "
                             f"[0, {classes}) or equal ignore_index={ignore_index}")
        if not checked:  # no read-back on a device: a bad target makes its row nan instead
            self.index = xp.where(out_of_range, 0, self.index)
        self.key = (xp.arange(target.shape[0]), self.index)
        if weight is None:
            row_weight = self.keep.astype(dtype)
        else:
            row_weight = xp.where(self.keep, weight[self.index], 0).astype(dtype, copy=False)
        self.row_weight = row_weight if checked else xp.where(out_of_range, xp.nan, row_weight)
        self.total_weight = self.row_weight.sum()

    def row_scale(self, xp):
        """∂(mean loss)/∂ℓ_i: 1/Σr on the rows not ignored, 0 on the others (even when Σr = 0)."""
        return xp.where(self.keep, 1 / self.total_weight, 0)

    def distribution(self, xp, classes, weight, label_smoothing):
        """The dense target distribution q (M, C) of these targets."""
        one_hot = self.index[:, None] == xp.arange(classes)
        q = one_hot * ((1 - label_smoothing) * self.row_weight)[:, None]
        if label_smoothing:
            spread = self.keep[:, None] * (label_smoothing / classes)
            q = q + (spread if weight is None else spread * weight)
        return q.astype(self.row_weight.dtype, copy=False)


def smoothed_distribution(target, label_smoothing, classes, weight):
    """q = w ((1 − ε) t + ε/C) for class probabilities t (arrays or Tensors alike)."""
    q = target if not label_smoothing else target * (1 - label_smoothing) + label_smoothing / classes
    return q if weight is None else q * weight


def reduce_rows(xp, row_losses, reduction, denominator):
    """Σ ℓ_i / denominator ("mean"), Σ ℓ_i ("sum"), or the rows themselves ("none").

    A mean whose denominator is 0 is nan even where Σ ℓ_i is not 0 (label smoothing
    over rows whose class weights are all 0), as in PyTorch, whose mean of the
    NLL part is then 0/0."""
    if reduction == "none":
        return row_losses
    total = row_losses.sum()
    if reduction == "sum":
        return total
    return xp.where(denominator == 0, xp.asarray(xp.nan, dtype=total.dtype), total / denominator)


class SoftmaxCrossEntropy(Function):
    """Reduced −Σ_c q_ic log softmax(z)_ic over rows i (see the module docstring);
    ∂L/∂z_i = g_i (S_i softmax(z_i) − q_i).

    Class-index targets are kept as arrays (which rows count, their weights r_i, the
    key of the target entries) with ``save_intermediates``, so they are freed with
    the graph. The backward uses operators and ``ctx.math`` only (``array_backward``):
    a plain ``backward()`` runs it on the arrays, in place where it can.
    """

    array_backward = True

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index=-100, label_smoothing=0.0,
                reduction="mean"):
        xp = ctx.xp
        rows, classes = logits.shape
        mean = reduction == "mean"
        keep = row_weight = key = None  # class indices only
        with np.errstate(divide="ignore", invalid="ignore"):  # a mean over nothing: 0/0 = nan
            shifted = logits - logits.max(axis=1, keepdims=True)
            exp = xp.exp(shifted)
            sum_exp = exp.sum(axis=1, keepdims=True)
            log_sum_exp = xp.log(sum_exp)  # log Σ e^z − m, so log p = shifted − log_sum_exp

            if target.dtype.kind == "f":  # class probabilities: a dense q
                q = smoothed_distribution(target, label_smoothing, classes, weight)
                denominator = rows
                row_scale = xp.full(rows, 1 / max(rows, 1), logits.dtype) if mean else None
            else:  # class indices: dense only when smoothing spreads q over every class
                targets = ClassTargets(xp, target, weight, ignore_index, classes, logits.dtype)
                keep, row_weight, key = targets.keep, targets.row_weight, targets.key
                q = targets.distribution(xp, classes, weight, label_smoothing) \
                    if label_smoothing else None
                denominator = targets.total_weight
                row_scale = targets.row_scale(xp) if mean else None

            if q is not None:
                total_q = q.sum(axis=1, keepdims=True)
                row_losses = (total_q * log_sum_exp - (q * shifted).sum(axis=1, keepdims=True))[:, 0]
            else:  # ℓ_i = r_i (log Σ e^z_i − z_{i,y_i}), r_i = w_{y_i} (0 if ignored)
                picked = shifted[key]
                row_losses = xp.where(keep, row_weight * (log_sum_exp[:, 0] - picked), 0)
            loss = reduce_rows(xp, row_losses, reduction, denominator)
        probabilities = None
        # p = softmax(z), computed in place, only when a graph will be recorded (apply
        # records in grad mode only) in which the logits need a gradient
        if ctx.needs_input_grad[0] and is_grad_enabled():
            probabilities = exp
            probabilities /= sum_exp
        ctx.label_smoothing, ctx.classes = label_smoothing, classes
        ctx.save_for_backward(logits, target, weight)
        ctx.save_intermediates(probabilities, row_scale, None if keep is None else q,
                               keep, row_weight, key)
        return loss

    @staticmethod
    def recompute_intermediates(ctx, logits, target, weight):
        """p = softmax(z) as a function of the logits, for a backward that builds a
        graph; the rest (row scales, targets) does not depend on z."""
        _, *constants = ctx.constant_intermediates()
        return (softmax(logits, 1), *constants)

    @staticmethod
    def backward(ctx, grad):
        logits, target, weight = ctx.saved_tensors
        probabilities, row_scale, q, keep, row_weight, key = ctx.saved_intermediates
        row_grad = grad if row_scale is None else grad * row_scale  # g_i: (M,), or one value
        grad_logits = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_logits = SoftmaxCrossEntropy._grad_logits(ctx, probabilities, target, weight, q,
                                                           keep, row_weight, key, row_grad)
        if ctx.needs_input_grad[1]:  # ∂ℓ_i/∂t_ic = −(1 − ε) w_c log p_ic
            grad_target = ctx.math.log_softmax(logits, 1) * (row_grad.reshape(-1, 1)
                                                             * -(1 - ctx.label_smoothing))
            if weight is not None:
                grad_target = grad_target * weight
        return grad_logits, grad_target, None

    @staticmethod
    def _grad_logits(ctx, probabilities, target, weight, q, keep, row_weight, key, row_grad):
        """G_ic − p_ic Σ_k G_ik with G_ic = −q_ic g_i, ignored rows set to 0 by a select."""
        if keep is None:  # class probabilities (perhaps requiring grad themselves)
            q = smoothed_distribution(target, ctx.label_smoothing, ctx.classes, weight)
        else:
            row_grad = ctx.math.where(keep, row_grad, 0.0)
            if q is None:  # no smoothing: q_i = r_i at the target class, 0 elsewhere
                target_grad = row_grad * row_weight
                return ctx.math.subtract_at(probabilities * target_grad.reshape(-1, 1), key,
                                            target_grad)
        log_probability_grad = -(q * row_grad.reshape(-1, 1))
        return log_probability_grad - probabilities * log_probability_grad.sum(1, keepdims=True)


class NegativeLogLikelihood(Function):
    """Reduced −w_{y_i} x_{i,y_i} over rows i;  ∂ℓ_i/∂x_ic = −w_{y_i} [c = y_i], and exactly
    0 (a select) on ignored rows, whatever the incoming gradient."""

    @staticmethod
    def forward(ctx, log_probs, target, weight, ignore_index=-100, reduction="mean"):
        xp = ctx.xp
        classes = log_probs.shape[1]
        with np.errstate(divide="ignore", invalid="ignore"):  # a mean over nothing: 0/0 = nan
            targets = ClassTargets(xp, target, weight, ignore_index, classes, log_probs.dtype)
            picked = log_probs[targets.key]
            row_losses = xp.where(targets.keep, -targets.row_weight * picked, 0)
            row_gradient = targets.row_weight  # −∂(reduced loss)/∂x_{i,y_i}
            if reduction == "mean":
                row_gradient = row_gradient * targets.row_scale(xp)
            loss = reduce_rows(xp, row_losses, reduction, targets.total_weight)
        ctx.shape = log_probs.shape
        ctx.save_intermediates(row_gradient, targets.keep, targets.key)
        return loss

    @staticmethod
    def backward(ctx, grad):
        row_gradient, keep, key = ctx.saved_intermediates
        values = where(keep, -(row_gradient * grad), 0.0)
        return IndexAdd.apply(values, shape=ctx.shape, key=key), None, None


class BinaryCrossEntropy(Function):
    """ℓ = −(y max(log x, −100) + (1 − y) max(log(1 − x), −100)), elementwise;
    ∂ℓ/∂x = (x − y) / max(x (1 − x), 1e-12),  ∂ℓ/∂y = log(1 − x) − log x."""

    broadcasts = True

    @staticmethod
    def forward(ctx, x, y):
        xp = ctx.xp
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = −inf (clamped); x ∉ [0, 1]: nan
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_one_minus_x = xp.maximum(xp.log1p(-x), _LOG_FLOOR)
        ctx.save_for_backward(x, y)
        return (y - 1) * log_one_minus_x - y * log_x

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - y) / clamp(x * (1 - x), min=_BCE_EPSILON)
        if ctx.needs_input_grad[1]:
            grad_y = grad * (log(1 - x) - log(x))
        return grad_x, grad_y


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = (1 − y) x + (1 + (p − 1) y) softplus(−x), elementwise (p = pos_weight, broadcast;
    None for 1);  ∂ℓ/∂x = (p y + 1 − y) σ(x) − p y,  ∂ℓ/∂y = log σ(−x) − p log σ(x).
    p gets no gradient (PyTorch does not differentiate it either)."""

    broadcasts = True

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        xp = ctx.xp
        softplus_of_minus_x = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        ctx.save_for_backward(x, y, pos_weight)
        return (1 - y) * x + log_weight * softplus_of_minus_x

    @staticmethod
    def backward(ctx, grad):
        x, y, pos_weight = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_x = (sigmoid(x) - y) * grad
            else:
                weighted_target = pos_weight * y
                grad_x = ((weighted_target + 1 - y) * sigmoid(x) - weighted_target) * grad
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_y = x * -grad
            else:  # log σ(z) = −softplus(−z)
                infinite = float("inf")
                grad_y = (pos_weight * softplus(-x, threshold=infinite)
                          - softplus(x, threshold=infinite)) * grad
        return grad_x, grad_y, None
