"""Lion: evolved sign momentum.

optax 0.2.8's ``optax.lion`` exactly. For each parameter θ with gradient g:

    c = β₁ m + (1 − β₁) g          interpolate the momentum and the new gradient
    u = sign(c)                     every coordinate becomes −1, 0 or +1 (sign(0) = 0)
    m ← β₂ m + (1 − β₂) g           the momentum itself uses β₂, not β₁
    u ← u ⊙ cautious_mask(u, g)     only with cautious=True (``cautious.py``)
    θ ← θ − γ (u + λ θ)             decoupled weight decay, scaled by the lr γ

Because u is a sign, every coordinate moves by exactly γ per step (plus the
decay term): the step size does not adapt to the gradient's magnitude at all.
Lion therefore wants an lr 3–10× smaller than AdamW's, and, to keep the same
effective decay γλ, a weight decay 3–10× larger. It keeps one state array
(``exp_avg``, the momentum m) where Adam keeps two.

Reference: Chen, Liang, Huang, Real, Wang, Pham, Dong, Luong, Hsieh, Lu & Le,
"Symbolic Discovery of Optimization Algorithms" (NeurIPS 2023), Program 1;
implementation matched: optax 0.2.8 ``optax.lion``.

Hyperparameters (optax name → minigrad name, default):

- ``learning_rate`` → ``lr`` (γ), 1e-4 (kozistr's and the paper's typical value);
- ``b1``, ``b2`` → ``betas=(β₁, β₂)``, (0.9, 0.99);
- ``weight_decay`` → ``weight_decay`` (λ), 1e-3 as in optax;
- ``mask`` → a param group with ``weight_decay=0``;
- ``mu_dtype``: not offered (the momentum has the parameter's dtype);
- ``cautious`` (keyword only), False: not in optax. True masks the sign update
  where it disagrees with g (Liang, Chen, Liu & Liu, "Cautious Optimizers:
  Improving Training with One Line of Code", 2024), as pytorch-optimizer 4.1.0's
  ``Lion(cautious=True)`` does; the mask sums over each parameter, so a cautious
  group runs per parameter, without the fast path. The tests compare it with
  pytorch-optimizer's Lion (``weight_decouple=True``, ``fixed_decay=False``, whose
  other defaults differ: weight_decay 0, and a ``maximize`` that is not offered
  here).
"""
from ..backend import array_module
from ._validation import check_betas, check_lr, check_weight_decay
from .cautious import cautious_mask
from .fast.kernel import FusedKernel
from .optimizer import Optimizer


# The update below as a fused kernel: one element at a time, in the same order of operations
# (compiled for the CPU or a GPU by optim/fast/).
_KERNEL = FusedKernel("lion", ["exp_avg"], [("float64", "lr"), ("float64", "beta1"),
                                            ("float64", "beta2"), ("float64", "weight_decay")], """
T c = (T)(1.0 - beta1) * grad + (T)beta1 * exp_avg;
T direction = (T)((c > 0) - (c < 0));
exp_avg = exp_avg * (T)beta2;
exp_avg = exp_avg + (T)(1.0 - beta2) * grad;
if (weight_decay != 0) direction = direction + (T)weight_decay * param;
param = param - (T)lr * direction;
""")

class Lion(Optimizer):
    """Lion(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=1e-3, *, cautious=False)"""

    elementwise = True

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=1e-3, *,
                 cautious=False):
        check_lr(lr)
        check_betas(betas)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay,
                                      cautious=cautious))

    def init_state(self, group, param):
        return {"exp_avg": array_module(param).zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        m = state["exp_avg"]
        direction = xp.sign((1 - beta1) * grad + beta1 * m)
        m *= beta2
        m += (1 - beta2) * grad
        if group["cautious"]:
            direction *= cautious_mask(direction, grad)
        if weight_decay != 0:
            direction += weight_decay * param
        param -= lr * direction

    def fused_kernel(self, group):
        return _KERNEL

    def kernel_scalars(self, group, step):
        (beta1, beta2) = group["betas"]
        return dict(lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"])
