"""Prodigy: Adam whose step size d is learned from the distance travelled.

Prodigy estimates d ≈ ‖x₀ − x*‖, the distance from the start to a solution,
and uses d·lr as Adam's step size, so that lr = 1 works on most problems.
pytorch-optimizer 4.1.0's ``Prodigy`` exactly (its plain loop, in the
parameters' dtype; see the deviations below). Each ``step`` runs over all
parameters of all groups twice, with d, lr, β₁, β₂, β₃ = β₃ or √β₂, d₀ and
t (steps so far, counted from 1) the optimizer's (the first group's):

    γ = d · lr / c,  c = (1 − β₁ᵗ) / √(1 − β₂ᵗ) with bias_correction, else 1
    first pass, for each parameter x (gradient g, start x₀):
        r ← β₃ r + (d/d₀) γ ⟨g, x₀ − x⟩       one number r for all parameters
        m ← β₁ m + d (1 − β₁) g
        v ← β₂ v + d² (1 − β₂) g ⊙ g
        s ← β₃ s + (d/d₀) γ' g                 γ' = γ, or d with safeguard_warmup
    d̂ = d_coef · r / Σ‖s‖₁     (if Σ‖s‖₁ = 0: stop here; d and the parameters stay)
    d ← max(d, d̂) on the very first estimate (d = d₀);  d_max ← max(d_max, d̂)
    d ← min(d_max, d · growth_rate)
    second pass, for each parameter:
        x ← x (1 − λ γ)                         decoupled decay (λ without γ if fixed_decay)
        x ← x − γ m / (√v + d ε)                with the new d; eps=None: x ← x − γ atan2(m, √v)

The paper's Adam version writes r and s with d²η(1 − √β₂) and d̂ = r/‖s‖₁
with d ← max(d, d̂). The implementation scales r and s by (d/d₀)γ instead (the
constant factors cancel in d̂) and adds d_coef, growth_rate, the optional
bias correction, safeguard_warmup, fixed_decay and the atan2 form (eps=None,
as in "Adam-atan2"); with growth_rate = ∞ the update of d is the paper's.
These are pytorch-optimizer's (and the authors' code's) and are followed here.

One estimate for all groups, as in pytorch-optimizer: d, d₀, lr, the betas,
β₃, d_coef, growth_rate, the bias correction and t belong to the whole
optimizer. pytorch-optimizer silently reads some of them from the first group
and some from the last; here a group that disagrees with the first on any of
them (d, lr, betas, beta3, d0, d_coef, growth_rate, bias_correction) is
refused with a ValueError, so a group may differ only in weight_decay,
weight_decouple, fixed_decay, safeguard_warmup, eps and maximize. The step
size uses the first group's lr, as pytorch-optimizer does, also where a
scheduler later makes the groups' lrs differ.

Deliberate differences from pytorch-optimizer:

- coupled weight decay (weight_decouple=False) is applied as in the authors'
  code: g ← g + λx before the first pass. pytorch-optimizer adds λx to the
  gradient only after the moments are updated, so its coupled decay has no
  effect at all (tests/test_optim_prodigy_dadapt_sam.py shows both);
- the sums of each step (⟨g, x₀ − x⟩, ‖s‖₁) are computed in the parameters'
  dtype on their device, and r, d̂, d and d_max are Python floats, read to
  the host once per step (the max and min that steer d are decided there, as
  in both reference implementations). pytorch-optimizer accumulates r and
  Σ‖s‖₁ in tensors of torch's default dtype (float32 unless changed), so in
  float64 it agrees with this only under ``torch.set_default_dtype(float64)``;
- the gradient is never changed in place (pytorch-optimizer negates ``p.grad``
  for maximize);
- ``foreach`` is accepted for compatibility and changes nothing: the step is
  one loop (the fast path does not apply, see below).

Not elementwise: d̂ needs sums over every parameter of every group before
any parameter can move, so Prodigy overrides ``step`` and does not declare
``elementwise = True`` (``optim/fast/rule.py``): the fast path never runs it.

Group state: ``step`` (t), ``d``, ``d_max``, ``d_hat``, ``d_numerator`` (r),
``d_de_nom`` (Σ‖s‖₁), kept in every group as pytorch-optimizer does (so
``optimizer.param_groups[0]["d"]`` is the current estimate). Parameter state:
``p0`` (x₀), ``exp_avg`` (m), ``exp_avg_sq`` (v), ``s``, ``step``.

Reference: Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive
Parameter-Free Learner" (ICML 2024); implementation matched:
pytorch-optimizer 4.1.0 ``pytorch_optimizer.Prodigy`` (from the authors'
facebookresearch/prodigy); optax 0.2.8 ``optax.contrib.prodigy`` is compared
in the tests too.
"""
import math

from ..backend import array_module
from ._validation import check_betas, check_foreach, check_lr, check_same_in_every_group, real
from .optimizer import Optimizer

# The hyperparameters of Prodigy's one estimate of d: the same in every group.
SHARED = ("lr", "betas", "beta3", "d", "d0", "d_coef", "growth_rate", "bias_correction")


class Prodigy(Optimizer):
    """Prodigy(params, lr=1.0, betas=(0.9, 0.999), beta3=None, d0=1e-6, d_coef=1.0,
    growth_rate=inf, weight_decay=0.0, weight_decouple=True, fixed_decay=False,
    bias_correction=False, safeguard_warmup=False, eps=1e-8, maximize=False, foreach=None)"""

    accepts_none = ("eps",)  # eps=None: the atan2 form, no division

    def __init__(self, params, lr=1.0, betas=(0.9, 0.999), beta3=None, d0=1e-6, d_coef=1.0,
                 growth_rate=float("inf"), weight_decay=0.0, weight_decouple=True,
                 fixed_decay=False, bias_correction=False, safeguard_warmup=False, eps=1e-8,
                 maximize=False, foreach=None):
        check_lr(lr)
        check_betas(betas)
        if beta3 is not None and not 0.0 <= real("beta3", beta3) <= 1.0:
            raise ValueError(f"beta3 must be in [0, 1] (or None for the square root of beta2), "
                             f"got {beta3}")
        if not 0.0 <= real("weight_decay", weight_decay):
            raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
        if eps is not None and not 0.0 <= real("eps", eps):
            raise ValueError(f"eps must be non-negative (or None for the atan2 form), got {eps}")
        if not 0.0 < real("d0", d0):
            raise ValueError(f"d0 (the initial distance estimate) must be positive, got {d0}")
        if not 0.0 < real("d_coef", d_coef):
            raise ValueError(f"d_coef must be positive, got {d_coef}")
        if not 1.0 <= real("growth_rate", growth_rate):
            raise ValueError(f"growth_rate must be at least 1, got {growth_rate}")
        check_foreach(foreach)
        super().__init__(params, dict(
            lr=lr, betas=tuple(betas), beta3=beta3, d=d0, d0=d0, d_max=d0, d_coef=d_coef,
            growth_rate=growth_rate, weight_decay=weight_decay, weight_decouple=weight_decouple,
            fixed_decay=fixed_decay, bias_correction=bias_correction,
            safeguard_warmup=safeguard_warmup, eps=eps, maximize=maximize, step=0))

    def add_param_group(self, param_group):
        """Add a group; it must agree with the first on d's hyperparameters (``SHARED``)."""
        check_same_in_every_group(self, param_group, SHARED)
        super().add_param_group(param_group)

    def init_state(self, group, param):
        xp = array_module(param)
        return {"s": xp.zeros_like(param), "p0": param.copy(), "exp_avg": xp.zeros_like(param),
                "exp_avg_sq": xp.zeros_like(param)}

    def _step_groups(self):
        """One Prodigy step over all groups (``Optimizer.step`` runs the closure and the hooks
        around it)."""
        first = self.param_groups[0]
        beta1, beta2 = first["betas"]
        beta3 = math.sqrt(beta2) if first["beta3"] is None else first["beta3"]
        t = first["step"] + 1
        correction = ((1 - beta1 ** t) / math.sqrt(1 - beta2 ** t)
                      if first["bias_correction"] else 1.0)
        d, d0 = first["d"], first["d0"]
        step_size = d * first["lr"] / correction  # γ
        numerator, l1_norm = 0.0, 0.0  # this step's sums, on the device
        with_grads = []
        for group in self.param_groups:
            group["step"] += 1
            params = self._params_with_grads(group)
            with_grads.append(params)
            for param in params:
                xp = array_module(param._array)
                grad = statistics_gradient(group, param)
                state = {k: v._array for k, v in self.state[param].items() if k != "step"}
                self.state[param]["step"] += 1
                x = param._array
                numerator = numerator + (d / d0) * step_size * (grad * (state["p0"] - x)).sum()
                state["exp_avg"] *= beta1
                state["exp_avg"] += (d * (1 - beta1)) * grad
                state["exp_avg_sq"] *= beta2
                state["exp_avg_sq"] += (d * d * (1 - beta2)) * grad * grad
                s = state["s"]
                s *= beta3
                s += ((d / d0) * (d if group["safeguard_warmup"] else step_size)) * grad
                l1_norm = l1_norm + xp.abs(s).sum()
        d_numerator = beta3 * first.get("d_numerator", 0.0) + float(numerator)
        d_de_nom = float(l1_norm)
        for group in self.param_groups:
            group["d_numerator"] = d_numerator
        if d_de_nom == 0:
            return
        d_hat = first["d_coef"] * d_numerator / d_de_nom
        if d == d0:
            d = max(d, d_hat)
        d_max = max(first["d_max"], d_hat)
        d = min(d_max, d * first["growth_rate"])
        for group, params in zip(self.param_groups, with_grads):
            group.update(d=d, d_max=d_max, d_hat=d_hat, d_de_nom=d_de_nom)
            for param in params:
                self._move(group, param, d, step_size)

    def _move(self, group, param, d, step_size):
        """The second pass on one parameter: decoupled decay, then x ← x − γ m / (√v + d ε)."""
        xp = array_module(param._array)
        x, state = param._array, self.state[param]
        weight_decay = group["weight_decay"]
        if weight_decay != 0 and group["weight_decouple"]:
            x *= 1 - weight_decay * (1.0 if group["fixed_decay"] else step_size)
        exp_avg, denominator = state["exp_avg"]._array, xp.sqrt(state["exp_avg_sq"]._array)
        if group["eps"] is None:
            x -= step_size * xp.arctan2(exp_avg, denominator)
        else:
            denominator += d * group["eps"]
            x -= step_size * (exp_avg / denominator)
        param._version[0] += 1


def statistics_gradient(group, param):
    """The gradient the statistics use: negated for maximize, plus λx for coupled decay
    (a new array where either applies: the parameter's own gradient is never written)."""
    grad = param.grad._array
    if group["maximize"]:
        grad = -grad
    if group["weight_decay"] != 0 and not group["weight_decouple"]:
        grad = grad + group["weight_decay"] * param._array
    return grad
