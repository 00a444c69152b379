"""Loss modules: the functions of ``minigrad.nn.functional.loss`` with their options
kept, as ``torch.nn`` has them. ``loss_fn = CrossEntropyLoss(label_smoothing=0.1)``,
then ``loss = loss_fn(logits, target)``.

    MSELoss            (x − y)²
    L1Loss             |x − y|
    HuberLoss          ½ d² where |d| < δ, else δ (|d| − ½ δ)
    SmoothL1Loss       ½ d²/β where |d| < β, else |d| − ½ β
    CrossEntropyLoss   −Σ_c q_c log softmax(x)_c (class indices or probabilities)
    NLLLoss            −w_y x_y for log-probabilities x
    BCELoss            −w (y log x + (1 − y) log(1 − x)) for probabilities x
    BCEWithLogitsLoss  −w (p y log σ(x) + (1 − y) log(1 − σ(x))) for logits x

``reduction`` is "mean", "sum" or "none". Class weights (``weight``) and
``pos_weight`` are buffers: they appear in ``state_dict()`` and move with ``.to()``.
"""
from . import functional as F
from .module import Module


class _Loss(Module):
    """A loss with a ``reduction``."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with a ``reduction`` and an optional ``weight`` buffer."""

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """ℓ = (x − y)², reduced."""

    def __init__(self, *, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """ℓ = |x − y|, reduced."""

    def __init__(self, *, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """ℓ = ½ d² where |d| < delta, else delta (|d| − ½ delta); d = x − y."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """ℓ = ½ d²/beta where |d| < beta, else |d| − ½ beta; d = x − y (beta = 0: |d|)."""

    def __init__(self, *, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """ℓ_i = −Σ_c q_ic log softmax(x_i)_c, the target distribution q made from class
    indices (with ``weight``, ``ignore_index``, ``label_smoothing``) or given as class
    probabilities; "mean" over class indices is Σ ℓ_i / Σ_i weight[y_i]."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction=reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """ℓ_i = −weight[y_i] · x_{i, y_i} for log-probabilities x; "mean" is
    Σ ℓ_i / Σ_i weight[y_i] over the samples not ignored."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction=reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """ℓ = −weight · (y log x + (1 − y) log(1 − x)) for probabilities x; logs clamped at −100."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """ℓ = −weight · (p y log σ(x) + (1 − y) log(1 − σ(x))) for logits x, p = ``pos_weight``
    (one per class, broadcast along the last dimension); stable for any x."""

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction=reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
