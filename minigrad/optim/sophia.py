"""SophiaH: a clipped second-order step, with the Hessian's diagonal from Hutchinson's estimator.

The paper's rule (Algorithm 3 with the Hutchinson estimator), for each
parameter θ with gradient g at step t, refreshing the curvature every k steps:

    m ← β₁ m + (1 − β₁) g                          momentum
    if t mod k = 1:  ĥ = u ⊙ ∇(gᵀu), u ~ N(0, I)    Hutchinson's estimate of diag(∇²L)
                     h ← β₂ h + (1 − β₂) ĥ           a running mean of the curvature
    θ ← θ − η λ θ                                   decoupled weight decay
    θ ← θ − η clip(m / max(γ h, ε), 1)              clip(x, 1) = min(max(x, −1), 1)

Each coordinate is a Newton step m/h where the curvature is positive and large
enough, and never moves more than η: where h is small, negative (the estimate of
a non-convex loss) or noisy, the clip turns the step into sign(m), a
sign-momentum step. The Hessian is only estimated every k = ``update_period``
steps, so a step costs about a gradient on average.

What runs here is pytorch-optimizer 4.1.0's ``SophiaH``, exactly:

    θ ← θ(1 − γλ)    (θ(1 − λ) with ``fixed_decay``)   if weight_decouple
    g ← g + λθ                                        otherwise
    m ← m + (1 − β₁)(g − m)
    h ← h + (1 − β₂)(ĥ − h)                             on a refresh step only
    θ ← θ − γ clip(m / max(h, ε), −p, p)

with γ = ``lr``, ``p`` the clip. This is the paper's rule written with other
parameters: lr·clip(m / max(h, ε), −p, p) = (lr·p)·clip(m / max(p h, p ε), 1), so
the paper's (η, γ, ε) are (lr·p, p, p·eps), and the decoupled decay is λ·lr =
λ·η/p rather than λη. Other differences from the paper: ĥ may be given to
``step(hessian=...)`` instead (that step refreshes h whatever the schedule), the
probes may be Rademacher (``hessian_distribution``, see ``hutchinson.py``), and
several probes may be averaged (``num_samples``). The refresh steps are 1,
1 + k, 1 + 2k, ... of the first param group's count.

Use: ``loss.backward(create_graph=True)`` before ``step()``, so that the
gradients keep the graph that Hutchinson's estimate differentiates once more;
or ``step(hessian=[...])`` with an estimate of your own (one tensor per
parameter, in order).

Reference: Liu, Li, Hall, Liang & Ma, "Sophia: A Scalable Stochastic
Second-order Optimizer for Language Model Pre-training" (ICLR 2024);
implementation matched: pytorch-optimizer 4.1.0 ``SophiaH`` (Kim, ``kozistr``).

Hyperparameters (pytorch-optimizer's names and defaults): lr = 6e-2,
betas = (0.96, 0.99), weight_decay = 0, weight_decouple = True,
fixed_decay = False, p = 1e-2, update_period = 10, num_samples = 1,
hessian_distribution = 'gaussian', eps = 1e-12, maximize = False, foreach = None
(accepted for compatibility: minigrad runs these with its plain loop, so only
None or False). minigrad adds ``generator``: the ``mg.Generator`` the probes
are drawn from (the parameters' device's default generator when None).
"""
from ..backend import array_module
from ._validation import real
from .hutchinson import HessianDiagonalOptimizer, check_common


class SophiaH(HessianDiagonalOptimizer):
    """SophiaH(params, lr=6e-2, betas=(0.96, 0.99), weight_decay=0.0, weight_decouple=True,
    fixed_decay=False, p=1e-2, update_period=10, num_samples=1,
    hessian_distribution='gaussian', eps=1e-12, maximize=False, foreach=None, generator=None)"""

    def __init__(self, params, lr=6e-2, betas=(0.96, 0.99), weight_decay=0.0,
                 weight_decouple=True, fixed_decay=False, p=1e-2, update_period=10,
                 num_samples=1, hessian_distribution="gaussian", eps=1e-12, maximize=False,
                 foreach=None, generator=None):
        check_common(lr, betas, weight_decay, eps)
        if real("p", p) < 0:
            raise ValueError(f"p (the clip of the update) must be non-negative, got {p}")
        defaults = dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay,
                        weight_decouple=weight_decouple, fixed_decay=fixed_decay, p=p, eps=eps,
                        foreach=foreach)
        super().__init__(params, defaults, update_period, num_samples, hessian_distribution,
                         maximize, generator)

    def init_state(self, group, param):
        xp = array_module(param)
        return {"momentum": xp.zeros_like(param), "hessian_moment": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step, hessian):
        xp = array_module(param)
        beta1, beta2 = group["betas"]
        momentum, hessian_moment = state["momentum"], state["hessian_moment"]
        momentum += (1.0 - beta1) * (grad - momentum)
        if hessian is not None:
            hessian_moment += (1.0 - beta2) * (hessian - hessian_moment)
        ratio = momentum / xp.maximum(hessian_moment, group["eps"])
        param -= group["lr"] * xp.clip(ratio, -group["p"], group["p"])
