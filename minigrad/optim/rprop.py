"""Rprop: resilient backpropagation — steps that use only the sign of the gradient.

PyTorch's ``torch.optim.Rprop`` (torch 2.13, single-tensor path) exactly, the
iRprop⁻ variant. Each coordinate keeps its own step size s (starting at lr) and
the gradient of the previous step g_prev (starting at 0). For each parameter θ
with gradient g:

    c = sign(g · g_prev)
    s ← clip(s · η₊, s_min, s_max)   where c > 0   (same sign as last time: grow the step)
    s ← clip(s · η₋, s_min, s_max)   where c < 0   (the sign flipped: we jumped over a minimum)
    g ← 0                            where c < 0   (and skip this coordinate for one step)
    θ ← θ − sign(g) · s
    g_prev ← g

The size of the gradient is ignored, only its sign counts, so Rprop is immune to
badly scaled gradients; but a mini-batch's sign flips are noise, not overshoots,
so it is meant for full-batch training. The first step is lr·sign(g).

Hyperparameters (defaults): lr = 1e-2 (the initial step size); etas (η₋, η₊) =
(0.5, 1.2) with 0 < η₋ < 1 < η₊; step_sizes (s_min, s_max) = (1e-6, 50);
maximize = False (ascend: g ← −g first). No weight decay.

References: Riedmiller & Braun, "A Direct Adaptive Method for Faster
Backpropagation Learning: The RPROP Algorithm" (ICNN 1993); Igel & Hüsken,
"Improving the Rprop Learning Algorithm" (2000) for iRprop⁻.
"""
from ..backend import array_module
from ._validation import check_lr, numbers_tuple
from .optimizer import Optimizer


class Rprop(Optimizer):
    """Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False,
    foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 maximize=False, foreach=None):
        check_lr(lr)
        etas = numbers_tuple("etas", etas, 2, "(eta_minus, eta_plus)")
        step_sizes = numbers_tuple("step_sizes", step_sizes, 2, "(smallest, largest)")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      foreach=foreach, maximize=maximize))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"prev": xp.zeros_like(param), "step_size": xp.full_like(param, group["lr"])}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        (eta_minus, eta_plus), (smallest, largest) = group["etas"], group["step_sizes"]
        prev, step_size = state["prev"], state["step_size"]
        agreement = xp.sign(grad * prev)
        step_size *= xp.where(agreement > 0, eta_plus, xp.where(agreement < 0, eta_minus, 1.0))
        xp.clip(step_size, smallest, largest, out=step_size)
        grad = xp.where(agreement < 0, 0.0, grad)
        param -= xp.sign(grad) * step_size
        prev[...] = grad
