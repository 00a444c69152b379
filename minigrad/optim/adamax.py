"""Adamax: Adam with the infinity norm (a decaying maximum of |g|) in the denominator.

PyTorch's ``torch.optim.Adamax`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g, at step t = 1, 2, ...:

    g ← g + λ θ                          (weight_decay λ: L2, through the gradient)
    m ← β₁ m + (1 − β₁) g                (first moment, from 0)
    u ← max(β₂ u, |g| + ε)               (exponentially weighted infinity norm; ε inside the max)
    θ ← θ − γ / (1 − β₁ᵗ) · m / u        (lr γ; only m needs a bias correction)

Adam's √v is an L2 norm of past gradients; letting the exponent go to infinity
gives a decaying maximum, which is simpler (no square root, no bias correction
of u) and less sensitive to one huge gradient's square. The step is bounded by
about γ per coordinate.

Hyperparameters (defaults): lr γ = 2e-3; betas (β₁, β₂) = (0.9, 0.999), each in
[0, 1); eps ε = 1e-8; weight_decay λ = 0; maximize = False (ascend: g ← −g first).

Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015),
section 7.1. optax ``adamax`` computes the same iterates.
"""
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False,
    foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *,
                 maximize=False, foreach=None):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, foreach=foreach, maximize=maximize))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_inf": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        (beta1, beta2), eps = group["betas"], group["eps"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        m, u = state["exp_avg"], state["exp_inf"]
        m += (grad - m) * (1 - beta1)
        u *= beta2
        xp.maximum(u, xp.abs(grad) + eps, out=u)
        param -= (group["lr"] / (1 - beta1 ** step)) * (m / u)
