"""AdaBelief: Adam that divides by the spread of g around its prediction m.

optax 0.2.8's ``optax.adabelief`` exactly. For each parameter θ with gradient
g, at step t = 1, 2, ...:

    g ← g + λ θ                              weight_decay λ (L2, through the moments)
    θ ← θ (1 − γ λ)                          instead, if decoupled_weight_decay (as AdamW)
    m ← β₁ m + (1 − β₁) g                    first moment: the "prediction" of g
    s ← β₂ s + (1 − β₂) (g − m)² + ε_root    the "belief": how far g is from the new m
    m̂ = m / (1 − β₁ᵗ),   ŝ = s / (1 − β₂ᵗ)
    θ ← θ − γ m̂ / (√ŝ + ε)

Where Adam divides by √(mean of g²), AdaBelief divides by √(mean of (g − m)²):
when the gradient agrees with its running mean (we "believe" it), s is small
and the step is large; when the gradient is noisy around its mean, the step is
small. In a steep valley with a consistent gradient this takes big steps where
Adam, seeing a large g², would crawl. ε_root is added to s on *every* step, so
it accumulates in the state (s never reaches 0); both epsilons default to 1e-16,
and Adam's 1e-8 there changes the behaviour noticeably.

Reference: Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris & Duncan,
"AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients"
(NeurIPS 2020); implementation matched: optax 0.2.8 ``optax.adabelief``, with
weight decay as ``optax.chain(optax.add_decayed_weights(λ), optax.adabelief(γ))``
(L2) or ``optax.chain(optax.scale_by_belief(), optax.add_decayed_weights(λ),
optax.scale_by_learning_rate(γ))`` (decoupled).

Hyperparameters (optax name → minigrad name, default):

- ``learning_rate`` → ``lr`` (γ), 1e-3 (optax has no default);
- ``b1``, ``b2`` → ``betas=(β₁, β₂)``, (0.9, 0.999);
- ``eps`` → ``eps`` (ε, outside the square root), 1e-16;
- ``eps_root`` → ``eps_root`` (ε_root, added to s each step), 1e-16;
- ``weight_decay`` (λ), 0, and ``decoupled_weight_decay``, False: not in the
  optax alias; they follow minigrad's Adam (L2, or AdamW-style with the flag);
- ``nesterov``: not offered.
"""
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .optimizer import Optimizer, apply_weight_decay


class AdaBelief(Optimizer):
    """AdaBelief(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16, eps_root=1e-16,
    weight_decay=0, *, decoupled_weight_decay=False)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16, eps_root=1e-16,
                 weight_decay=0.0, *, decoupled_weight_decay=False):
        check_lr(lr)
        check_betas(betas)
        check_eps(eps)
        check_eps(eps_root, "eps_root value", "eps_root")
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, eps_root=eps_root,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_avg_var": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        m, s = state["exp_avg"], state["exp_avg_var"]
        grad = apply_weight_decay(group, param, grad)
        m *= beta1
        m += (1 - beta1) * grad
        surprise = grad - m
        s *= beta2
        s += (1 - beta2) * surprise * surprise
        s += group["eps_root"]
        denominator = xp.sqrt(s / (1 - beta2 ** step))
        denominator += eps
        param -= lr * ((m / (1 - beta1 ** step)) / denominator)
