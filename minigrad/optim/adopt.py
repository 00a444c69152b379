"""ADOPT: Adam whose step divides by the second moment of the *previous* gradients.

pytorch-optimizer 4.1.0's ``ADOPT`` exactly. For each parameter θ with gradient
g, at step t = 1, 2, ...:

    θ ← θ (1 − γ λ),  or g ← g + λ θ       weight decay (``weight_decay.py``)
    t = 1:   v ← g²                         the first step only fills v: θ stays
    t > 1:   ĝ = clip(g / max(√v, ε), c_t)  normalise by the *old* v, then clip to [−c_t, c_t]
             m ← β₁ m + (1 − β₁) ĝ          momentum of the normalised gradient
             θ ← θ − γ m                    (with cautious=True: γ m ⊙ cautious_mask(m, ĝ))
             v ← β₂ v + (1 − β₂) g²         v learns g only after it was used

with c_t = ``clip_lambda(t)``, t^¼ by default (``clip_lambda=None``: no clipping).

Adam divides m (which contains g_t) by √v (which contains g_t² too), so the step
and its scale are correlated, and Adam can diverge unless β₂ is tuned with the
problem. ADOPT normalises g_t by a v that has not seen it yet, and normalises
*before* the momentum, not after: the authors prove convergence at the optimal
rate for any β₂, and β₂ = 0.9999 works across tasks. The clip tames the first
steps, where v holds a single gradient and a near-zero entry would blow ĝ up.

Where pytorch-optimizer deviates from the paper (and this file follows it):

- the clip at the first real update is c(2) = 2^¼, not c(1) = 1: pytorch-optimizer
  passes its step count t (from 1, the initialising step) to ``clip_lambda``, where
  the paper's t (and the authors' code, and optax.contrib.adopt) counts the
  updates after initialisation. optax's ``clip_value_fn(n)`` equals
  ``clip_lambda(n + 1)`` here;
- decoupled weight decay shrinks θ on the initialising step too (the authors'
  code decays only when it updates θ);
- steps are counted per parameter here, as torch.optim does; pytorch-optimizer
  counts them per param group, which differs only for a parameter whose first
  gradient comes in a later step than its group's first.

``cautious=True`` (Liang et al., 2024; ``cautious.py``) masks m where it disagrees
with ĝ, as pytorch-optimizer does; m itself keeps every coordinate.

References: Taniguchi, Harada, Minegishi, Oshima, Jeong, Nagahara, Iiyama, Suzuki,
Iwasawa & Matsuo, "ADOPT: Modified Adam Can Converge with Any β₂ with the Optimal
Rate" (NeurIPS 2024), the clipped form of the revised version; implementation matched:
pytorch-optimizer 4.1.0 ``pytorch_optimizer.ADOPT``.

Hyperparameters (defaults): lr γ = 1e-3; betas (β₁, β₂) = (0.9, 0.9999), each in
[0, 1); clip_lambda c = t ↦ t^¼ (a callable, or None); weight_decay λ = 0;
weight_decouple = False (L2); fixed_decay = False (decoupled decay not scaled by γ
when True); eps ε = 1e-6 (a floor under √v, not added to it); maximize = False
(ascend: g ← −g first); cautious = False.
"""
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .cautious import cautious_mask
from .optimizer import Optimizer
from .weight_decay import decay_weights


def quarter_power(step):
    """ADOPT's default clip value at step t: t^¼."""
    return step ** 0.25


class ADOPT(Optimizer):
    """ADOPT(params, lr=1e-3, betas=(0.9, 0.9999), clip_lambda=quarter_power, weight_decay=0,
    weight_decouple=False, fixed_decay=False, foreach=None, eps=1e-6, maximize=False, *,
    cautious=False)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.9999), clip_lambda=quarter_power,
                 weight_decay=0.0, weight_decouple=False, fixed_decay=False, foreach=None,
                 eps=1e-6, maximize=False, *, cautious=False):
        check_lr(lr)
        check_betas(betas)
        check_weight_decay(weight_decay)
        check_eps(eps)
        if clip_lambda is not None and not callable(clip_lambda):
            raise TypeError(f"clip_lambda must be a function of the step (or None for no "
                            f"clipping), got {clip_lambda!r} ({type(clip_lambda).__name__})")
        self.clip_lambda = clip_lambda
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay,
                                      weight_decouple=weight_decouple, fixed_decay=fixed_decay,
                                      foreach=foreach, eps=eps, maximize=maximize,
                                      cautious=cautious))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        (beta1, beta2), m, v = group["betas"], state["exp_avg"], state["exp_avg_sq"]
        grad = decay_weights(group, param, grad)
        if step == 1:
            v += grad * grad
            return
        normed_grad = grad / xp.maximum(xp.sqrt(v), group["eps"])
        if self.clip_lambda is not None:
            clip = self.clip_lambda(int(step))  # an int, as pytorch-optimizer passes it
            xp.clip(normed_grad, -clip, clip, out=normed_grad)
        m += (normed_grad - m) * (1 - beta1)
        direction = m * cautious_mask(m, normed_grad) if group["cautious"] else m
        param -= group["lr"] * direction
        v *= beta2
        v += (1 - beta2) * grad * grad
