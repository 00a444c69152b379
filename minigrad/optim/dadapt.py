"""D-Adaptation Adam: Adam whose step size d is a lower bound on the distance to a solution.

D-Adaptation estimates d ≤ ‖x₀ − x*‖ from the gradients seen so far and uses
d·lr as the step size, so that lr = 1 needs no tuning. pytorch-optimizer
4.1.0's ``DAdaptAdam`` exactly (its plain loop, in the parameters' dtype; see
the differences below), which is the authors' "V3" Adam variant. Each
``step`` runs over all parameters of all groups twice, with d, lr, β₁, β₂ and
t (steps so far, counted from 1) the optimizer's (the first group's):

    γ = d · lr / c,  c = (1 − β₁ᵗ) / √(1 − β₂ᵗ) with bias_correction, else 1
    first pass, for each parameter x (gradient g; g ← g + λx for coupled decay):
        A = √v + ε                                   (v, s before this step's update)
        r_t += γ ⟨g, s ⊘ A⟩                          one number for all parameters
        m ← β₁ m + γ (1 − β₁) g                      the step size lives inside m
        v ← β₂ v + (1 − β₂) g ⊙ g
        s ← √β₂ s + γ (1 − √β₂) g
    if Σ‖s‖₁ = 0: stop here (r, d and the parameters stay)
    r ← √β₂ r + (1 − √β₂) r_t
    d̂ = r / ((1 − √β₂) Σ‖s‖₁);  d ← max(d, min(d̂, d · growth_rate))    (only if lr > 0)
    second pass, for each parameter:
        x ← x (1 − λ γ)                               decoupled decay (λ without γ if fixed_decay)
        x ← x − m / (√v + ε)

This is the Adam variant of the paper's appendix as the authors' code
implements it, plus the optional bias correction, growth_rate and
fixed_decay. Weight decay is coupled (L2, added to the gradient) by default
and decoupled (AdamW-style, scaled by γ) with weight_decouple=True.

One estimate for all groups, as in pytorch-optimizer: d, lr, the betas,
growth_rate, the bias correction and t belong to the whole optimizer.
pytorch-optimizer silently reads growth_rate from the last group and the
others from the first; here a group that disagrees with the first on any of
them (d, lr, betas, growth_rate, bias_correction) is refused with a
ValueError, so a group may differ only in weight_decay, weight_decouple,
fixed_decay, eps and maximize. The step size uses the first group's lr, as
pytorch-optimizer does, also where a scheduler later makes the groups' lrs
differ.

Differences from pytorch-optimizer: the sums of each step (r_t, Σ‖s‖₁) are
computed in the parameters' dtype on their device, and r, d̂ and d are Python
floats, read to the host once per step (as in both reference
implementations, the max and min that steer d are decided there);
pytorch-optimizer accumulates r and Σ‖s‖₁ in tensors of torch's default dtype
(float32 unless changed). The gradient is never changed in place
(pytorch-optimizer writes the decay and maximize's negation into ``p.grad``).
``foreach`` is accepted for compatibility and changes nothing.

Not elementwise: d̂ needs sums over every parameter of every group before any
parameter can move, so DAdaptAdam overrides ``step`` and does not declare
``elementwise = True`` (``optim/fast/rule.py``): the fast path never runs it.

Group state: ``step`` (t), ``d``, ``numerator_weighted`` (r), kept in every
group as pytorch-optimizer does. Parameter state: ``exp_avg`` (m),
``exp_avg_sq`` (v), ``s``, ``step``.

Reference: Defazio & Mishchenko, "Learning-Rate-Free Learning by
D-Adaptation" (ICML 2023); implementation matched: pytorch-optimizer 4.1.0
``pytorch_optimizer.DAdaptAdam`` (from the authors' facebookresearch/dadaptation).
"""
import math

from ..backend import array_module
from ._validation import check_betas, check_foreach, check_lr, check_same_in_every_group, real
from .optimizer import Optimizer
from .prodigy import statistics_gradient

# The hyperparameters of D-Adaptation's one estimate of d: the same in every group.
SHARED = ("lr", "betas", "d", "growth_rate", "bias_correction")


class DAdaptAdam(Optimizer):
    """DAdaptAdam(params, lr=1.0, betas=(0.9, 0.999), d0=1e-6, growth_rate=inf,
    weight_decay=0.0, weight_decouple=False, fixed_decay=False, bias_correction=False,
    eps=1e-8, maximize=False, foreach=None)"""

    def __init__(self, params, lr=1.0, betas=(0.9, 0.999), d0=1e-6, growth_rate=float("inf"),
                 weight_decay=0.0, weight_decouple=False, fixed_decay=False,
                 bias_correction=False, eps=1e-8, maximize=False, foreach=None):
        check_lr(lr)
        check_betas(betas)
        if not 0.0 <= real("weight_decay", weight_decay):
            raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
        if not 0.0 <= real("eps", eps):
            raise ValueError(f"eps must be non-negative, got {eps}")
        if not 0.0 < real("d0", d0):
            raise ValueError(f"d0 (the initial distance estimate) must be positive, got {d0}")
        if not 1.0 <= real("growth_rate", growth_rate):
            raise ValueError(f"growth_rate must be at least 1, got {growth_rate}")
        check_foreach(foreach)
        super().__init__(params, dict(
            lr=lr, betas=tuple(betas), d=d0, growth_rate=growth_rate, weight_decay=weight_decay,
            weight_decouple=weight_decouple, fixed_decay=fixed_decay,
            bias_correction=bias_correction, eps=eps, maximize=maximize, step=0))

    def add_param_group(self, param_group):
        """Add a group; it must agree with the first on d's hyperparameters (``SHARED``)."""
        check_same_in_every_group(self, param_group, SHARED)
        super().add_param_group(param_group)

    def init_state(self, group, param):
        xp = array_module(param)
        return {"s": xp.zeros_like(param), "exp_avg": xp.zeros_like(param),
                "exp_avg_sq": xp.zeros_like(param)}

    def _step_groups(self):
        """One D-Adaptation step over all groups (``Optimizer.step`` runs the closure and the hooks
        around it)."""
        first = self.param_groups[0]
        beta1, beta2 = first["betas"]
        sqrt_beta2 = math.sqrt(beta2)
        t = first["step"] + 1
        correction = ((1 - beta1 ** t) / math.sqrt(1 - beta2 ** t)
                      if first["bias_correction"] else 1.0)
        d, lr = first["d"], first["lr"]
        step_size = d * lr / correction  # γ
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
                exp_avg, exp_avg_sq, s = state["exp_avg"], state["exp_avg_sq"], state["s"]
                denominator = xp.sqrt(exp_avg_sq) + group["eps"]
                numerator = numerator + step_size * (grad * (s / denominator)).sum()
                exp_avg *= beta1
                exp_avg += (step_size * (1 - beta1)) * grad
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                s *= sqrt_beta2
                s += (step_size * (1 - sqrt_beta2)) * grad
                l1_norm = l1_norm + xp.abs(s).sum()
        l1_norm = float(l1_norm)
        if l1_norm == 0:
            return
        numerator_weighted = first.get("numerator_weighted", 0.0)
        numerator_weighted += (1 - sqrt_beta2) * (float(numerator) - numerator_weighted)
        if lr > 0:
            d_hat = numerator_weighted / ((1 - sqrt_beta2) * l1_norm)
            d = max(d, min(d_hat, d * first["growth_rate"]))
        for group, params in zip(self.param_groups, with_grads):
            group.update(d=d, numerator_weighted=numerator_weighted)
            for param in params:
                self._move(group, param, step_size)

    def _move(self, group, param, step_size):
        """The second pass on one parameter: decoupled decay, then x ← x − m / (√v + ε)."""
        xp = array_module(param._array)
        x, state = param._array, self.state[param]
        weight_decay = group["weight_decay"]
        if weight_decay != 0 and group["weight_decouple"]:
            x *= 1 - weight_decay * (1.0 if group["fixed_decay"] else step_size)
        x -= state["exp_avg"]._array / (xp.sqrt(state["exp_avg_sq"]._array) + group["eps"])
        param._version[0] += 1

