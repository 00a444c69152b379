"""Adan: adaptive Nesterov momentum, from gradients and gradient differences.

The paper (Algorithm 1) writes β₁, β₂, β₃ as the weights of the *new* terms
(0.02, 0.08, 0.01). With g₀ = g₁ (the first difference is 0), at step k:

    mₖ = (1 − β₁) mₖ₋₁ + β₁ gₖ                               momentum of the gradients
    vₖ = (1 − β₂) vₖ₋₁ + β₂ (gₖ − gₖ₋₁)                       momentum of their differences
    nₖ = (1 − β₃) nₖ₋₁ + β₃ [gₖ + (1 − β₂)(gₖ − gₖ₋₁)]²        second moment of the Nesterov gradient
    ηₖ = η / (√nₖ + ε)
    θₖ₊₁ = (1 + λη)⁻¹ [θₖ − ηₖ ∘ (mₖ + (1 − β₂) vₖ)]          proximal weight decay λ

The difference term is Nesterov momentum rewritten so that the gradient is
taken at θ itself, not at an extrapolated point: it costs one more state
array (the previous gradient) and no second gradient evaluation.

This follows pytorch-optimizer 4.1.0's ``Adan`` exactly, which writes betas
as decay rates, β = 1 − (the paper's β), defaults (0.98, 0.92, 0.99), and
departs from the paper as the authors' own implementation does:

- bias corrections: m, v and n are divided by 1 − βᵗ (t counted from 1),
  which Algorithm 1 does not have:

      m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) (g − g_prev)
      n ← β₃ n + (1 − β₃) [g + β₂ (g − g_prev)]²
      θ ← θ − γ [m / (1 − β₁ᵗ) + β₂ v / (1 − β₂ᵗ)] / (√(n / (1 − β₃ᵗ)) + ε)

- weight decay: ``weight_decouple=False`` (the default) is the paper's
  proximal form, θ ← θ / (1 + γλ) after the step; ``weight_decouple=True`` is
  AdamW's, θ ← θ (1 − γλ) before it. The gradient itself never gets λθ;
- ``max_grad_norm`` > 0 first scales every gradient by
  c = min(1, max_grad_norm / (‖g‖ + ε)), ‖g‖ the norm over every parameter of
  every group (one c per step, from the constructor's ``max_grad_norm`` and
  ``eps``, as pytorch-optimizer reads them from its defaults); the first
  step's difference is 0 whatever c is.

The state holds ``previous_grad`` = −c gₖ₋₁ (pytorch-optimizer's sign, so that
its state dicts mean the same here), hence g − g_prev = g + previous_grad.
Not copied: pytorch-optimizer writes the scaled, negated gradient back into
``param.grad``; here the caller's gradient is never changed. It computes
‖g‖ in float32; here it is in the gradients' dtype.

optax 0.2.8's ``optax.adan`` is the second implementation the tests compare
with; it disagrees with the paper and with pytorch-optimizer in one place:
it weighs the difference terms by 1 − b₂ (0.08) instead of b₂ (0.92), in
the Nesterov gradient g + (1 − b₂)(g − g_prev) and in the step
m̂ + (1 − b₂) v̂. Both agree for β₂ = 0.5, which the tests check; minigrad
follows pytorch-optimizer, whose weights are the paper's. (optax's weight
decay is AdamW's, ``weight_decouple=True`` here; its default ``eps_root`` =
1e-8 inside the square root is 0 here, as in pytorch-optimizer.)

Reference: Xie, Zhou, Li, Lin & Yan, "Adan: Adaptive Nesterov Momentum
Algorithm for Faster Optimizing Deep Models" (IEEE TPAMI 2024, arXiv 2022);
implementation matched: pytorch-optimizer 4.1.0 ``Adan``.

Not supported (pytorch-optimizer's extra options, refused with an error):
``use_gc`` (gradient centralization), ``adanorm`` and ``adanorm_r``
(AdaNorm's rescaling by the running gradient norm).
"""
from ..autograd import tracing as _tracing
import math

from ..autograd.grad_mode import enable_grad, no_grad
from ..backend import array_module
from ._validation import (check_eps, check_lr, check_weight_decay, numbers_tuple, real,
                          refuse_options)
from .optimizer import Optimizer

_UNSUPPORTED = {"use_gc": "gradient centralization",
                "adanorm": "AdaNorm's rescaling by the running gradient norm",
                "adanorm_r": "AdaNorm's rescaling by the running gradient norm"}


class Adan(Optimizer):
    """Adan(params, lr=1e-3, betas=(0.98, 0.92, 0.99), weight_decay=0.0,
    weight_decouple=False, max_grad_norm=0.0, foreach=None, eps=1e-8, maximize=False)"""

    elementwise = True  # given the step's clipping coefficient c, computed before any update

    def __init__(self, params, lr=1e-3, betas=(0.98, 0.92, 0.99), weight_decay=0.0,
                 weight_decouple=False, max_grad_norm=0.0, foreach=None, eps=1e-8,
                 maximize=False, **kwargs):
        refuse_options("Adan", kwargs, _UNSUPPORTED)
        check_lr(lr)
        betas = numbers_tuple("betas", betas, 3, "(beta1, beta2, beta3)")
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta} "
                                 "(each beta must be in [0, 1))")
        check_weight_decay(weight_decay)
        if not 0.0 <= real("max_grad_norm", max_grad_norm):
            raise ValueError(f"Invalid max_grad_norm: {max_grad_norm} (0 turns clipping off)")
        check_eps(eps)
        self._grad_scale = 1.0  # c, the clipping coefficient of the step under way
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay,
                                      weight_decouple=weight_decouple,
                                      max_grad_norm=max_grad_norm, foreach=foreach, eps=eps,
                                      maximize=maximize))

    @_tracing.whole_call
    def step(self, closure=None):
        """One step: the closure (if any), then the clipping coefficient c over every
        gradient, then the update of every group."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            self._grad_scale = self._clipping_coefficient()
        super().step()
        return loss

    def _clipping_coefficient(self):
        """c = min(1, max_grad_norm / (‖g‖ + ε)) over all gradients (1 where clipping is off),
        as a 0-d array: no host synchronisation."""
        max_grad_norm, eps = self.defaults["max_grad_norm"], self.defaults["eps"]
        grads = [p.grad._array for group in self.param_groups for p in group["params"]
                 if p.grad is not None]
        if max_grad_norm == 0 or not grads:
            return 1.0
        xp = array_module(grads[0])
        norm = xp.sqrt(sum(xp.sum(grad * grad) for grad in grads))
        return xp.minimum(max_grad_norm / (norm + eps), 1.0)

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param),
                "exp_avg_diff": xp.zeros_like(param), "previous_grad": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2, beta3), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        m, v, n = state["exp_avg"], state["exp_avg_diff"], state["exp_avg_sq"]
        previous_grad = state["previous_grad"]
        if self.defaults["max_grad_norm"] != 0:
            grad = grad * self._grad_scale
        if step == 1:  # no earlier gradient: the first difference is 0
            previous_grad[...] = -grad
        difference = grad + previous_grad                     # g − g_prev
        m += (grad - m) * (1 - beta1)
        v += (difference - v) * (1 - beta2)
        nesterov_grad = difference * beta2 + grad              # g + β₂ (g − g_prev)
        n *= beta3
        n += (1 - beta3) * nesterov_grad * nesterov_grad
        denominator = xp.sqrt(n)
        denominator /= math.sqrt(1 - beta3 ** step)
        denominator += eps
        if weight_decay != 0 and group["weight_decouple"]:
            param *= 1 - lr * weight_decay
        param -= (lr / (1 - beta1 ** step)) * (m / denominator)
        param -= (lr * beta2 / (1 - beta2 ** step)) * (v / denominator)
        if weight_decay != 0 and not group["weight_decouple"]:
            param /= 1 + lr * weight_decay
        previous_grad[...] = -grad
