"""AdaHessian: Adam with the squared gradient replaced by the squared Hessian diagonal.

The paper's rule, for each parameter θ with gradient g at step t:

    D = z ⊙ ∇(gᵀz), z Rademacher               Hutchinson's estimate of diag(∇²L)
        (for a convolution kernel, |D| averaged over its spatial dimensions)
    m ← β₁ m + (1 − β₁) g                       first moment
    v ← β₂ v + (1 − β₂) D ⊙ D                   second moment of the curvature
    θ ← θ − η (m / (1 − β₁ᵗ)) / ((v / (1 − β₂ᵗ))^(k/2) + ε)

with k = ``hessian_power`` ∈ (0, 1]: k = 1 divides by the root mean square of
the curvature, a Newton-like step m/|D|; smaller k moves towards SGD with
momentum. Where Adam scales by √v of the gradient, whose size says little
about the curvature, AdaHessian scales by the curvature itself.

What runs here is pytorch-optimizer 4.1.0's ``AdaHessian``, exactly:

    θ ← θ(1 − γλ)    (θ(1 − λ) with ``fixed_decay``)   if weight_decouple
    g ← g + λθ                                        otherwise
    m ← m + (1 − β₁)(g − m)
    v ← β₂ v + (1 − β₂) ĥ ⊙ ĥ                          on a refresh step only
    θ ← θ − (γ / (1 − β₁ᵗ)) m / ((v / (1 − β₂ᵗ))^(k/2) + ε)

with γ = ``lr`` and ĥ the estimate (see ``hutchinson.py``). Where it departs
from the paper:

- no spatial averaging: a 4-D convolution kernel gets the plain elementwise
  estimate, like every other parameter (the paper's official code takes
  |D| averaged over the kernel's height and width for 4-D parameters);
- with ``update_period`` = k > 1, v is refreshed on steps 1, 1 + k, ... only, but
  its bias correction 1 − β₂ᵗ counts every step (the correction assumes a
  refresh per step, so v/(1 − β₂ᵗ) is too small while t is small);
- ĥ may be given to ``step(hessian=...)`` instead (that step refreshes v
  whatever the schedule), the probes may be Gaussian (``hessian_distribution``)
  and several may be averaged (``num_samples``).

The decoupled decay before the step equals the paper's code, which subtracts
η(m̂/d + λθ) at once: the step does not depend on θ.

Use: ``loss.backward(create_graph=True)`` before ``step()``, so that the
gradients keep the graph that Hutchinson's estimate differentiates once more;
or ``step(hessian=[...])`` with an estimate of your own (one tensor per
parameter, in order).

Reference: Yao, Gholami, Shen, Mustafa, Keutzer & Mahoney, "ADAHESSIAN: An
Adaptive Second Order Optimizer for Machine Learning" (AAAI 2021);
implementation matched: pytorch-optimizer 4.1.0 ``AdaHessian`` (Kim, ``kozistr``).

Hyperparameters (pytorch-optimizer's names and defaults): lr = 1e-1,
betas = (0.9, 0.999), weight_decay = 0, weight_decouple = True,
fixed_decay = False, hessian_power = 1, update_period = 1, num_samples = 1,
hessian_distribution = 'rademacher', eps = 1e-16, maximize = False,
foreach = None (accepted for compatibility: minigrad runs these with its plain
loop, so only None or False). minigrad adds ``generator``: the ``mg.Generator``
the probes are drawn from (the parameters' device's default generator when
None). pytorch-optimizer's extra keyword ``adam_debias`` is not offered.
"""
from ..backend import array_module
from ._validation import real
from .hutchinson import HessianDiagonalOptimizer, check_common


class AdaHessian(HessianDiagonalOptimizer):
    """AdaHessian(params, lr=1e-1, betas=(0.9, 0.999), weight_decay=0.0, weight_decouple=True,
    fixed_decay=False, hessian_power=1.0, update_period=1, num_samples=1,
    hessian_distribution='rademacher', eps=1e-16, maximize=False, foreach=None, generator=None)"""

    def __init__(self, params, lr=1e-1, betas=(0.9, 0.999), weight_decay=0.0,
                 weight_decouple=True, fixed_decay=False, hessian_power=1.0, update_period=1,
                 num_samples=1, hessian_distribution="rademacher", eps=1e-16, maximize=False,
                 foreach=None, generator=None):
        check_common(lr, betas, weight_decay, eps)
        if not 0.0 < real("hessian_power", hessian_power) <= 1.0:
            raise ValueError(f"hessian_power must be in the range (0, 1], got {hessian_power}")
        defaults = dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay,
                        weight_decouple=weight_decouple, fixed_decay=fixed_decay,
                        hessian_power=hessian_power, eps=eps, foreach=foreach)
        super().__init__(params, defaults, update_period, num_samples, hessian_distribution,
                         maximize, generator)

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_hessian_diag_sq": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step, hessian):
        beta1, beta2 = group["betas"]
        exp_avg, exp_hessian_diag_sq = state["exp_avg"], state["exp_hessian_diag_sq"]
        exp_avg += (1.0 - beta1) * (grad - exp_avg)
        if hessian is not None:
            exp_hessian_diag_sq *= beta2
            exp_hessian_diag_sq += (1.0 - beta2) * hessian * hessian
        bias_correction1, bias_correction2 = 1.0 - beta1 ** step, 1.0 - beta2 ** step
        denominator = (exp_hessian_diag_sq / bias_correction2) ** (group["hessian_power"] / 2)
        denominator += group["eps"]
        param -= (group["lr"] / bias_correction1) * exp_avg / denominator
