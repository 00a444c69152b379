"""NovoGrad: momentum on gradients normalised by a layer-wise second moment.

For each parameter θ (a "layer": one tensor) with gradient g, at step t:

    vₜ = ‖g₁‖²                                 at t = 1
    vₜ = β₂ vₜ₋₁ + (1 − β₂) ‖gₜ‖²              after: one number per tensor, not per element
    ĝ = g / (√vₜ + ε)                          the gradient, normalised by its layer's scale
    ĝ ← ĝ + λ θ                                weight decay, after the normalisation (L2)
    mₜ = ĝ                                     at t = 1
    mₜ = β₁ mₜ₋₁ + ĝ                           after ((1 − β₁) ĝ with grad_averaging)
    θ ← θ − γ mₜ

The second moment is one scalar per tensor (‖g‖² summed over its elements),
so NovoGrad keeps half of Adam's memory, and the step is invariant to
rescaling a layer's gradient: only its direction and its size relative to
the layer's recent history count.

Not elementwise: each element's update depends on the whole tensor's ‖g‖, so
NovoGrad does not declare ``elementwise = True``. The fast path
(``optim/fast/rule.py``) would otherwise run ``update`` on flat buckets of
several parameters and on slices of one, and ‖g‖ would be taken over the
bucket or the slice instead of over each parameter. It runs the plain loop,
one parameter on its whole arrays at a time (``foreach=True`` is refused).

This follows pytorch-optimizer 4.1.0's ``NovoGrad`` exactly (defaults
β = (0.95, 0.98), ε = 1e-8 outside the square root, as the paper writes it).
Its options beyond the paper: ``weight_decouple=True`` shrinks θ ← θ (1 − γλ)
(θ ← θ (1 − λ) with ``fixed_decay``) before the step instead of adding λθ to ĝ;
``grad_averaging`` scales ĝ by 1 − β₁ in the momentum (after the first step);
``adam_debias`` multiplies the step by √(1 − β₂ᵗ). Not copied: pytorch-optimizer
writes the normalised gradient back into ``param.grad``; here the caller's
gradient is never changed.

optax 0.2.8's ``optax.novograd`` computes the same rule as
``weight_decouple=False, grad_averaging=False``, with other defaults
(b₁ = 0.9, b₂ = 0.25, ε = 1e-6); the tests compare with it too.

Reference: Ginsburg, Castonguay, Hrinchuk, Kuchaiev, Lavrukhin, Leary, Li,
Nguyen, Zhang & Cohen, "Stochastic Gradient Methods with Layer-wise Adaptive
Moments for Training of Deep Networks" (arXiv 2019); implementation matched:
pytorch-optimizer 4.1.0 ``NovoGrad``.
"""
import math

from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .optimizer import Optimizer


class NovoGrad(Optimizer):
    """NovoGrad(params, lr=1e-3, betas=(0.95, 0.98), weight_decay=0.0, weight_decouple=False,
    fixed_decay=False, grad_averaging=False, eps=1e-8, maximize=False, foreach=None,
    adam_debias=False)"""

    def __init__(self, params, lr=1e-3, betas=(0.95, 0.98), weight_decay=0.0,
                 weight_decouple=False, fixed_decay=False, grad_averaging=False, eps=1e-8,
                 maximize=False, foreach=None, adam_debias=False):
        check_lr(lr)
        check_betas(betas)
        check_weight_decay(weight_decay)
        check_eps(eps)
        super().__init__(params, dict(lr=lr, foreach=foreach, betas=tuple(betas),
                                      weight_decay=weight_decay,
                                      weight_decouple=weight_decouple, fixed_decay=fixed_decay,
                                      grad_averaging=grad_averaging, eps=eps,
                                      maximize=maximize, adam_debias=adam_debias))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"grads_ema": xp.zeros((), dtype=param.dtype),  # v: one number per tensor
                "moments": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        v, m = state["grads_ema"], state["moments"]
        squared_norm = xp.sum(grad * grad)
        if step == 1:
            v[...] = squared_norm
        else:
            v += (squared_norm - v) * (1 - beta2)
        grad = grad / (xp.sqrt(v) + group["eps"])
        if weight_decay != 0:
            if group["weight_decouple"]:
                param *= 1 - weight_decay * (1.0 if group["fixed_decay"] else lr)
            else:
                grad += weight_decay * param
        if step == 1:
            m[...] = grad
        else:
            if group["grad_averaging"]:
                grad *= 1 - beta1
            m *= beta1
            m += grad
        step_size = lr * math.sqrt(1 - beta2 ** step) if group["adam_debias"] else lr
        param -= step_size * m
