"""LAMB: Adam with a layer-wise trust ratio.

optax 0.2.8's ``optax.lamb`` exactly. For each parameter θ (norms over the
whole tensor) with gradient g, at step t = 1, 2, ...:

    m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²          Adam's moments
    m̂ = m / (1 − β₁ᵗ),       v̂ = v / (1 − β₂ᵗ)              bias corrections
    u = m̂ / (√v̂ + ε) + λ θ                                  Adam's step plus decoupled decay λ
    r = ‖θ‖ / ‖u‖,   r = 1 if ‖θ‖ = 0 or ‖u‖ = 0               the trust ratio
    θ ← θ − γ r u

Adam's step has about unit size per coordinate whatever the layer; the trust
ratio rescales it so that each layer moves by γ‖θ‖ per step, a fixed fraction
of its own size. This keeps the update sane across layers of very different
scales at the large learning rates of large-batch training (BERT in 76
minutes). Unlike some implementations, there is no clamp on ‖θ‖, no trust
coefficient and no gradient pre-clipping; ε defaults to 1e-6, not Adam's 1e-8.

Reference: You, Li, Reddi, Hseu, Kumar, Bhojanapalli, Song, Demmel, Keutzer &
Hsieh, "Large Batch Optimization for Deep Learning: Training BERT in 76
minutes" (ICLR 2020, arXiv:1904.00962, 2019); implementation matched: optax
0.2.8 ``optax.lamb`` (scale_by_adam → add_decayed_weights →
scale_by_trust_ratio → scale_by_learning_rate).

Hyperparameters (optax name → minigrad name, default):

- ``learning_rate`` → ``lr`` (γ), 1e-3 (optax has no default);
- ``b1``, ``b2`` → ``betas=(β₁, β₂)``, (0.9, 0.999);
- ``eps`` → ``eps`` (ε, outside the square root), 1e-6;
- ``weight_decay`` → ``weight_decay`` (λ), 0; ``mask`` → a param group with
  ``weight_decay=0``;
- ``eps_root``, ``mu_dtype``: not offered (0 and the parameter's dtype).
"""
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .lars import layer_trust_ratio
from .optimizer import Optimizer


class LAMB(Optimizer):
    """LAMB(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0)"""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        check_lr(lr)
        check_betas(betas)
        check_eps(eps)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        denominator = xp.sqrt(v / (1 - beta2 ** step))
        denominator += eps
        direction = (m / (1 - beta1 ** step)) / denominator
        if weight_decay != 0:
            direction += weight_decay * param
        param -= lr * layer_trust_ratio(param, direction) * direction
