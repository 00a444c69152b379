"""MARS: variance-reduced gradient corrections for AdamW (or Lion).

MARS-AdamW as the paper writes it (Algorithm 1, the approximate version that
reuses the previous step's gradient), for a parameter θ with gradient gₜ:

    cₜ = gₜ + γ β₁/(1 − β₁) (gₜ − gₜ₋₁)          the corrected gradient (g₀ = 0)
    cₜ ← cₜ / ‖cₜ‖   if ‖cₜ‖ > 1                  clipped to norm 1 (over the tensor)
    mₜ = β₁ mₜ₋₁ + (1 − β₁) cₜ
    vₜ = β₂ vₜ₋₁ + (1 − β₂) cₜ²
    θ ← θ − η [m̂ₜ / (√v̂ₜ + ε) + λ θ]            m̂, v̂: divided by 1 − β₁ᵗ, 1 − β₂ᵗ

γ (``gamma``, 0.025) scales the correction: the difference of consecutive
gradients estimates how the gradient moved, a cheap stand-in for the variance
reduction of STORM. ``mars_type='lion'`` steps by sign(mₜ) instead of
m̂ₜ / (√v̂ₜ + ε). Parameters with fewer than two dimensions (biases, norms)
get plain AdamW with their own ``lr_1d``, ``betas_1d`` and ``weight_decay_1d``
unless ``optimize_1d=True``.

This follows pytorch-optimizer 4.1.0's ``MARS`` exactly, with its choices:

- the denominator is (√(v + 10⁻¹⁵) + ε) / √(1 − β₂ᵗ): ε is added before the
  bias correction, and 10⁻¹⁵ inside the root;
- ``ams_bound=True`` uses the running maximum of v (AMSGrad) in the root;
- ``weight_decouple=True`` (default): θ ← θ (1 − ηλ) (θ (1 − λ) with
  ``fixed_decay``) before the step. ``weight_decouple=False`` adds λθ to the
  gradient only *after* the step is computed, so the step does not see it:
  λθ only enters the gradient that is remembered as gₜ₋₁ for the next
  correction (for 1-d AdamW parameters, it has no effect at all);
- the 1-d learning rate is ``lr · (lr_1d / lr)`` with the ratio fixed at
  construction from the constructor's ``lr`` and ``lr_1d``: a scheduler that
  changes ``lr`` scales it too, and ``lr_1d`` in a param group is not read
  (``lr_1d_factor`` is). ``lr`` must therefore be > 0;
- ``cautious=True`` (Liang et al., 2024) masks the step before the sign or the
  division by the denominator (``optim/cautious.py``), with the raw gradient gₜ.

Not elementwise: ‖cₜ‖ and the cautious mask's rescaling are taken over each
whole tensor, so MARS runs the plain loop (``update`` on one parameter's whole
arrays; ``foreach=True`` is refused). Not copied: pytorch-optimizer writes the
negated (``maximize``) and decayed gradient back into ``param.grad``; here the
caller's gradient is never changed.

Reference: Yuan, Liu, Wu, Zhou & Gu, "MARS: Unleashing the Power of Variance
Reduction for Training Large Models" (ICML 2025); Liang, Chen, Liu & Liu,
"Cautious Optimizers: Improving Training with One Line of Code" (arXiv 2024);
implementation matched: pytorch-optimizer 4.1.0 ``MARS``.

Not supported (refused with an error): ``mars_type='shampoo'``, whose
Newton–Schulz iteration runs in bfloat16 in pytorch-optimizer.
"""
import math

from ..backend import array_module
from .cautious import cautious_mask
from ._validation import (check_betas, check_eps, check_lr, check_weight_decay,
                          numbers_tuple, real, refuse_options)
from .optimizer import Optimizer

_MARS_TYPES = ("adamw", "lion")
_DENOMINATOR_FLOOR = 1e-15  # added to v inside the square root, as pytorch-optimizer does


class MARS(Optimizer):
    """MARS(params, lr=3e-3, betas=(0.95, 0.99), gamma=0.025, mars_type='adamw',
    optimize_1d=False, lr_1d=3e-3, betas_1d=(0.9, 0.95), weight_decay=0.0,
    weight_decay_1d=0.1, weight_decouple=True, fixed_decay=False, ams_bound=False,
    cautious=False, eps=1e-8, maximize=False, foreach=None)"""

    def __init__(self, params, lr=3e-3, betas=(0.95, 0.99), gamma=0.025, mars_type="adamw",
                 optimize_1d=False, lr_1d=3e-3, betas_1d=(0.9, 0.95), weight_decay=0.0,
                 weight_decay_1d=1e-1, weight_decouple=True, fixed_decay=False,
                 ams_bound=False, cautious=False, eps=1e-8, maximize=False, foreach=None,
                 **kwargs):
        refuse_options("MARS", kwargs, {})
        check_lr(lr)
        if lr == 0:
            raise ValueError("MARS needs lr > 0: the 1-d learning rate is lr · (lr_1d / lr)")
        if not 0.0 <= real("lr_1d", lr_1d):
            raise ValueError(f"Invalid lr_1d (the learning rate of 1-d parameters): {lr_1d}")
        check_betas(betas)
        betas_1d = numbers_tuple("betas_1d", betas_1d, 2, "(beta1, beta2) of the 1-d AdamW")
        for index, beta in enumerate(betas_1d):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid betas_1d parameter at index {index}: {beta}")
        if mars_type == "shampoo":
            raise ValueError("MARS does not support mars_type='shampoo' (its Newton-Schulz "
                             "iteration runs in bfloat16 in the reference); use 'adamw' or "
                             "'lion'")
        if mars_type not in _MARS_TYPES:
            raise ValueError(f"mars_type must be 'adamw' or 'lion', got {mars_type!r}")
        if not 0.0 <= real("gamma", gamma):
            raise ValueError(f"Invalid gamma (the correction's scale): {gamma}")
        check_weight_decay(weight_decay)
        if not 0.0 <= real("weight_decay_1d", weight_decay_1d):
            raise ValueError(f"Invalid weight_decay_1d value: {weight_decay_1d}")
        check_eps(eps)
        super().__init__(params, dict(lr=lr, lr_1d=lr_1d, lr_1d_factor=lr_1d / lr,
                                      betas=tuple(betas), betas_1d=betas_1d,
                                      mars_type=mars_type, gamma=gamma,
                                      optimize_1d=optimize_1d, weight_decay=weight_decay,
                                      weight_decay_1d=weight_decay_1d,
                                      weight_decouple=weight_decouple, fixed_decay=fixed_decay,
                                      ams_bound=ams_bound, cautious=cautious, eps=eps,
                                      maximize=maximize, foreach=foreach))

    def init_state(self, group, param):
        xp = array_module(param)
        state = {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param),
                 "last_grad": xp.zeros_like(param)}
        if group["ams_bound"]:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        return state

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        corrected = group["optimize_1d"] or param.ndim >= 2  # MARS; else plain AdamW
        if corrected:
            lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        else:
            lr, (beta1, beta2) = group["lr"] * group["lr_1d_factor"], group["betas_1d"]
            weight_decay = group["weight_decay_1d"]
        m, v, last_grad = state["exp_avg"], state["exp_avg_sq"], state["last_grad"]
        if corrected:
            c = (grad - last_grad) * (group["gamma"] * beta1 / (1 - beta1)) + grad
            c /= xp.maximum(xp.sqrt(xp.sum(c * c)), 1.0)  # ‖c‖ ≤ 1
        else:
            c = grad
        m += (c - m) * (1 - beta1)
        direction = m * cautious_mask(m, grad) if group["cautious"] else m.copy()
        if corrected and group["mars_type"] == "lion":
            direction = xp.sign(direction)
        else:
            v *= beta2
            v += (1 - beta2) * c * c
            if group["ams_bound"]:
                xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                v = state["max_exp_avg_sq"]
            denominator = xp.sqrt(v + _DENOMINATOR_FLOOR) + group["eps"]
            denominator /= math.sqrt(1 - beta2 ** step)
            denominator *= 1 - beta1 ** step
            direction /= denominator
        remembered_grad = grad
        if weight_decay != 0:
            if group["weight_decouple"]:
                param *= 1 - weight_decay * (1.0 if group["fixed_decay"] else lr)
            else:
                remembered_grad = grad + weight_decay * param  # seen by the next step only
        param -= lr * direction
        last_grad[...] = remembered_grad

