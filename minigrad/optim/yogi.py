"""Yogi: Adam whose second moment moves additively, by at most (1 − β₂) g² per step.

pytorch-optimizer 4.1.0's ``Yogi`` exactly. For each parameter θ with gradient
g, at step t = 1, 2, ... (m and v start at ``initial_accumulator``, not at 0):

    θ ← θ (1 − γ λ),  or g ← g + λ θ        weight decay (``weight_decay.py``)
    m ← β₁ m + (1 − β₁) g
    v ← v − (1 − β₂) sign(v − g²) g²         v moves towards g² by a step of size (1 − β₂) g²
    θ ← θ − γ / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

Adam's v ← β₂ v + (1 − β₂) g² = v − (1 − β₂)(v − g²) moves by a step proportional
to v − g²: after a stretch of small gradients, when v ≫ g², v collapses quickly and
the effective learning rate γ/√v jumps up. Yogi keeps the direction (towards g²)
but not the size: the change depends on g² alone, so v, and with it the
effective learning rate, changes gradually. The paper pairs this with a large
ε = 1e-3, which bounds the step by γ/ε where v is tiny.

Where pytorch-optimizer deviates from the paper (and this file follows it):

- bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ as in Adam; the paper's Algorithm 2
  writes the rule without them (the corrections assume m and v start at 0, while
  here they start at ``initial_accumulator``);
- m as well as v starts at ``initial_accumulator`` (1e-6), as in optax's Yogi, so
  even a zero gradient moves θ slightly in the first steps;
- steps are counted per parameter here, as torch.optim does; pytorch-optimizer
  counts them per param group, which differs only for a parameter whose first
  gradient comes in a later step than its group's first.

optax 0.2.8's ``optax.yogi`` computes the same iterates (same initial values and
bias corrections).

References: Zaheer, Reddi, Sachan, Kale & Kumar, "Adaptive Methods for Nonconvex
Optimization" (NeurIPS 2018), Algorithm 2; implementation matched:
pytorch-optimizer 4.1.0 ``pytorch_optimizer.Yogi``.

Hyperparameters (defaults): lr γ = 1e-2; betas (β₁, β₂) = (0.9, 0.999), each in
[0, 1); initial_accumulator = 1e-6 (≥ 0); weight_decay λ = 0; weight_decouple =
True (AdamW-style); fixed_decay = False (decoupled decay not scaled by γ when
True); eps ε = 1e-3; maximize = False (ascend: g ← −g first).
"""
import math

from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay, real
from .optimizer import Optimizer
from .weight_decay import decay_weights


class Yogi(Optimizer):
    """Yogi(params, lr=1e-2, betas=(0.9, 0.999), initial_accumulator=1e-6, weight_decay=0,
    weight_decouple=True, fixed_decay=False, eps=1e-3, maximize=False, foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), initial_accumulator=1e-6,
                 weight_decay=0.0, weight_decouple=True, fixed_decay=False, eps=1e-3,
                 maximize=False, foreach=None):
        check_lr(lr)
        check_betas(betas)
        if not 0.0 <= real("initial_accumulator", initial_accumulator):
            raise ValueError(f"Invalid initial_accumulator value: {initial_accumulator} (the "
                             f"starting value of m and v must be non-negative)")
        check_weight_decay(weight_decay)
        check_eps(eps)
        super().__init__(params, dict(lr=lr, betas=tuple(betas),
                                      initial_accumulator=initial_accumulator,
                                      weight_decay=weight_decay, weight_decouple=weight_decouple,
                                      fixed_decay=fixed_decay, eps=eps, maximize=maximize,
                                      foreach=foreach))

    def init_state(self, group, param):
        xp = array_module(param)
        start = group["initial_accumulator"]
        return {"exp_avg": xp.full_like(param, start), "exp_avg_sq": xp.full_like(param, start)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        (beta1, beta2), m, v = group["betas"], state["exp_avg"], state["exp_avg_sq"]
        grad = decay_weights(group, param, grad)
        m += (grad - m) * (1 - beta1)
        grad_squared = grad * grad
        v -= (1 - beta2) * xp.sign(v - grad_squared) * grad_squared
        denominator = xp.sqrt(v)
        denominator /= math.sqrt(1 - beta2 ** step)
        denominator += group["eps"]
        param -= (group["lr"] / (1 - beta1 ** step)) * (m / denominator)
