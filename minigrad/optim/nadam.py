"""NAdam: Adam with Nesterov momentum and Dozat's momentum schedule.

PyTorch's ``torch.optim.NAdam`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g, at step t = 1, 2, ...:

    θ ← θ (1 − γ λ)                if decoupled_weight_decay (NAdamW): shrink θ directly
    g ← g + λ θ                    otherwise (L2: the decay goes through the moments)
    μ_t = β₁ (1 − ½ · 0.96^(t ψ))                  momentum schedule (momentum_decay ψ)
    Π_t = Π_{t−1} · μ_t,   Π_0 = 1                  (state "mu_product")
    m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²   as in Adam
    d = √(v / (1 − β₂ᵗ)) + ε
    θ ← θ − γ (1 − μ_t) / (1 − Π_t) · g / d − γ μ_{t+1} / (1 − Π_t μ_{t+1}) · m / d

Nesterov momentum "looks ahead": it applies the momentum that the *next* step
will use (μ_{t+1}·m) together with the current gradient's share (1 − μ_t)·g,
each bias-corrected by the product of the momentum coefficients so far. The
schedule warms the momentum up from about β₁/2 towards β₁ over the first few
hundred steps. This is Dozat's algorithm as PyTorch codes it, not optax's
``nadam`` (which has no momentum schedule and gives different iterates).

Hyperparameters (defaults): lr γ = 2e-3; betas (β₁, β₂) = (0.9, 0.999), each in
[0, 1); eps ε = 1e-8; weight_decay λ = 0; momentum_decay ψ = 4e-3;
decoupled_weight_decay = False; maximize = False (ascend: g ← −g first).

References: Dozat, "Incorporating Nesterov Momentum into Adam" (ICLR 2016
workshop); Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR
2019) for the decoupled decay. PyTorch keeps mu_product as a 0-d tensor of the
default float dtype (float32 unless changed); here it is a Python float (float64).
"""
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay, real
from .optimizer import Optimizer, apply_weight_decay


class NAdam(Optimizer):
    """NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False, foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False,
                 foreach=None):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        if not 0.0 <= real("momentum_decay", momentum_decay):
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach))

    @staticmethod
    def _momentum(group, step):
        """μ_t = β₁ (1 − ½ · 0.96^(t ψ))"""
        return group["betas"][0] * (1.0 - 0.5 * (0.96 ** (step * group["momentum_decay"])))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"mu_product": 1.0, "exp_avg": xp.zeros_like(param),
                "exp_avg_sq": xp.zeros_like(param)}

    def update_scalars(self, group, state, step):
        state["mu_product"] = state["mu_product"] * self._momentum(group, step)

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        grad = apply_weight_decay(group, param, grad)
        momentum, next_momentum = self._momentum(group, step), self._momentum(group, step + 1)
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (grad - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * grad * grad
        denominator = xp.sqrt(v / (1 - beta2 ** step))
        denominator += group["eps"]
        param -= (lr * (1.0 - momentum) / (1.0 - mu_product)) * (grad / denominator)
        param -= (lr * next_momentum / (1.0 - mu_product * next_momentum)) * (m / denominator)
