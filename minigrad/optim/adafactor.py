"""Adafactor: adaptive steps with factored second moments, and steps relative to the weights.

PyTorch's ``torch.optim.Adafactor`` (torch 2.13, ``_single_tensor_adafactor``)
exactly. For each parameter θ with gradient G, at step t = 1, 2, ...:

    1 − β̂₂ₜ = t^τ                          (beta2_decay τ = −0.8: step 1 replaces the statistics)
    ρₜ = min(γ, 1/√t)                      relative step size (lr γ caps it)
    αₜ = max(ε₂, RMS(θₜ₋₁)) · ρₜ           absolute step size, from θ *before* the decay
    θ ← θ (1 − γ λ)                         decoupled weight decay λ

    if θ has two or more dimensions (factored: statistics of the last two dims,
    leading dims are a batch of matrices of shape m × n):
        R ← β̂₂ₜ R + (1 − β̂₂ₜ) mean_cols(G ⊙ G)        shape [..., m, 1]  (row_var)
        C ← β̂₂ₜ C + (1 − β̂₂ₜ) mean_rows(G ⊙ G)        shape [..., 1, n]  (col_var)
        V̂ = R C / max(mean(R), ε₁)                     rank-1 estimate of E[G²]
    else (vectors and scalars):
        V ← β̂₂ₜ V + (1 − β̂₂ₜ) G ⊙ G                    (variance);  V̂ = V
    U = G / √max(V̂, ε₁²)
    Û = U / max(1, RMS(U) / d)               update clipping at threshold d
    θ ← θ − αₜ Û

where RMS(x) = ‖x‖₂ / √numel(x). The factored statistics take m + n numbers
per matrix instead of Adam's m·n, which is the point of the method (memory),
and there is no first moment. Because αₜ scales with RMS(θ), the step is
relative: at step 1, |Δθ| is ρ₁ = min(γ, 1) times the weights' RMS.

Hyperparameters (torch's names and defaults):
    lr = 1e-2            γ: cap of ρₜ and the decay's coefficient (the paper has no lr;
                         its constant 0.01 is the default here)
    beta2_decay = −0.8   τ, must be ≤ 0
    eps = (None, 1e-3)   (ε₁, ε₂): ε₁ floors V̂ (None: the dtype's machine epsilon),
                         ε₂ floors RMS(θ) so zero-initialised weights still move
    d = 1.0              clipping threshold, ≥ 1
    weight_decay = 0.0   λ, decoupled and multiplied by γ
    maximize = False     ascend (G ← −G first)

Deviations of torch from the paper that this follows: ε₁ is a floor (clamp) on
V̂ and on mean(R) instead of being added to G²; means instead of sums; γ caps ρₜ.
One torch quirk not copied: with ε₁ = None torch takes the machine epsilon of
the *first* parameter's dtype for the whole group; here each parameter uses
its own dtype's (the same whenever a group has one dtype).

Reference: Shazeer & Stern, "Adafactor: Adaptive Learning Rates with Sublinear
Memory Cost" (ICML 2018); implementation: torch 2.13 ``torch/optim/_adafactor.py``.
"""
import math

from ..backend import array_module
from ._validation import numbers_tuple, real
from .optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor(params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
    *, maximize=False, foreach=None)"""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, maximize=False, foreach=None):
        if not 0.0 <= real("lr (the learning rate)", lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= real("beta2_decay", beta2_decay):
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        eps = numbers_tuple("eps", eps, 2, "(epsilon1 or None, epsilon2)", allow_none=True)
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= real("d", d):
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= real("weight_decay", weight_decay):
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def init_state(self, group, param):
        xp = array_module(param)
        if param.ndim > 1:
            *batch, rows, cols = param.shape
            return {"row_var": xp.zeros((*batch, rows, 1), dtype=param.dtype),
                    "col_var": xp.zeros((*batch, 1, cols), dtype=param.dtype)}
        return {"variance": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, weight_decay, (eps1, eps2) = group["lr"], group["weight_decay"], group["eps"]
        if eps1 is None:
            eps1 = float(xp.finfo(param.dtype).eps)
        new_weight = step ** group["beta2_decay"]  # 1 − β̂₂ₜ
        relative_step = min(lr, 1 / math.sqrt(step))
        step_size = xp.maximum(eps2, _rms(xp, param)) * relative_step
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        squared = grad * grad
        if param.ndim > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            row_var += (squared.mean(axis=-1, keepdims=True) - row_var) * new_weight
            col_var += (squared.mean(axis=-2, keepdims=True) - col_var) * new_weight
            variance = row_var @ col_var
            variance /= xp.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            state["variance"] += (squared - state["variance"]) * new_weight
            variance = state["variance"]
        scaled = 1 / xp.sqrt(xp.maximum(variance, eps1 * eps1))
        scaled *= grad
        clip = xp.maximum(1.0, _rms(xp, scaled) / group["d"])
        param -= (step_size / clip) * scaled


def _rms(xp, array):
    """Root mean square, ‖x‖₂ / √numel(x), as a 0-d array (no host synchronisation)."""
    return xp.sqrt(xp.mean(array * array))
