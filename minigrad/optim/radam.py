"""RAdam: Adam whose adaptive step is switched on gradually, by a variance rectification.

PyTorch's ``torch.optim.RAdam`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g, at step t = 1, 2, ...:

    θ ← θ (1 − γ λ)                if decoupled_weight_decay (RAdamW): shrink θ directly
    g ← g + λ θ                    otherwise (L2: the decay goes through the moments)
    m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²     as in Adam
    m̂ = m / (1 − β₁ᵗ)
    ρ_∞ = 2 / (1 − β₂) − 1,   ρ_t = ρ_∞ − 2 t β₂ᵗ / (1 − β₂ᵗ)
    if ρ_t > 5:  r_t = √[(ρ_t − 4)(ρ_t − 2) ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2) ρ_t)]
                 θ ← θ − γ m̂ · r_t · √(1 − β₂ᵗ) / (√v + ε)     (ε before bias correction)
    else:        θ ← θ − γ m̂                                   (momentum SGD, no division)

ρ_t is the number of gradients the running mean v effectively averages. While it
is small, v is too noisy an estimate of the gradient's second moment to divide
by (this is why Adam needs a learning-rate warmup), so RAdam takes plain
momentum steps instead and afterwards scales the adaptive step by r_t, which
rises from 0 towards 1. With β₂ = 0.999, ρ_t ≈ t early on, so the first five
steps are momentum-SGD steps; the first is exactly θ ← θ − γ g.

Hyperparameters (defaults): lr γ = 1e-3; betas (β₁, β₂) = (0.9, 0.999), each in
[0, 1); eps ε = 1e-8; weight_decay λ = 0; decoupled_weight_decay = False;
maximize = False (ascend: g ← −g first).

Reference: Liu, Jiang, He, Chen, Liu, Gao & Han, "On the Variance of the Adaptive
Learning Rate and Beyond" (ICLR 2020).
"""
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .optimizer import Optimizer, apply_weight_decay


class RAdam(Optimizer):
    """RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, *, maximize=False, foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, maximize=False, foreach=None):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        grad = apply_weight_decay(group, param, grad)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (grad - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * grad * grad
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        corrected_m = m / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rectification = ((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            denominator = xp.sqrt(v)
            denominator += group["eps"]
            param -= corrected_m * lr * (bias_correction2 ** 0.5 / denominator) * rectification
        else:
            param -= corrected_m * lr
