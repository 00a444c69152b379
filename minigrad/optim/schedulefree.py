"""Schedule-Free SGD and AdamW: momentum through averaging, no lr schedule needed.

The ``schedulefree`` package's (1.4.1) ``SGDScheduleFree`` and
``AdamWScheduleFree`` exactly. Three sequences share one parameter:

    z   the base iterate, moved by plain (normalised) gradient steps
    x   a weighted running average of the z's: the weights to evaluate with
    y = (1 − β) z + β x        the point where gradients are taken (β: momentum / β₁)

At step k = 0, 1, 2, ... of a param group (lr γ, weight_decay λ):

    γ_k = γ · min(1, (k + 1) / warmup_steps)          linear warmup
    γ_max ← max(γ_max, γ_k)
    w_k = (k + 1)^r · γ_max^p,   W ← W + w_k,   c = w_k / W   (r, p = weight_lr_power)
    ĝ = g                                              SGD
    v ← β₂ v + (1 − β₂) g²,  ĝ = g / (√(v / (1 − β₂^(k+1))) + ε)     AdamW
    ĝ ← ĝ + λ y                                        weight decay, taken at y
    z ← z − γ_k ĝ
    x ← (1 − c) x + c z
    y = (1 − β) z + β x

Only y (in the parameter) and z (``state["z"]``) are stored, x being
x = (y − (1 − β) z) / β; substituting, the step updates them as

    y ← (1 − c) y + c z + γ_k (β (1 − c) − 1) ĝ,   then   z ← z − γ_k ĝ.

With c = 1/(k+1) (constant lr, r = 0) x is the plain average of all z's,
which is what makes a decaying schedule unnecessary: the average does the
annealing. The momentum β interpolates between evaluating gradients at the
average (β → 1) and at z (β = 0). γ_max^p weighting gives the small steps of
the warmup little weight in the average.

Train and eval modes. In train mode the parameters hold y; ``eval()`` swaps
in x (p ← p + (1 − 1/β)(z − p)) and ``train()`` swaps y back
(p ← p + (1 − β)(z − p)). Groups start in *eval* mode and ``step()`` refuses to
run until ``train()`` has been called; evaluate and save checkpoints in eval
mode, and recompute batch-norm statistics there if the model has any.

Per-group bookkeeping, as in schedulefree, lives in the param group dict (so it
is saved by ``state_dict()``): ``k`` (steps taken), ``train_mode``,
``weight_sum`` (W), ``lr_max`` (γ_max, starting at −1) and ``scheduled_lr``
(γ_k, for logging). Per-parameter state: ``z``, and ``exp_avg_sq`` (v) for
AdamW, plus the base class's ``step``. Step counts and bias correction use the
group's ``k``, as schedulefree does, so a parameter that first gets a gradient
late joins the group's schedule where it stands.

Reference: Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky, "The Road Less
Scheduled" (NeurIPS 2024); implementation matched: schedulefree 1.4.1
``SGDScheduleFree`` and ``AdamWScheduleFree`` (without ``foreach``, which is a
speed option, and without writing into ``p.grad`` as they do).

Hyperparameters (schedulefree's names and defaults):

- ``lr`` (γ): 1.0 for SGD, 0.0025 for AdamW; larger than with a schedule;
- ``momentum`` (β, SGD, strictly between 0 and 1), 0.9; ``betas=(β₁, β₂)``
  (AdamW, β₁ strictly between 0 and 1), (0.9, 0.999); ``eps`` (AdamW), 1e-8;
- ``weight_decay`` (λ), 0: an L2 term evaluated at y and added to the
  normalised gradient;
- ``warmup_steps``, 0: linear lr warmup over that many steps;
- ``r``, 0: polynomial weighting (k + 1)^r of the average;
- ``weight_lr_power`` (p), 2: during warmup the average weights each z by γ_max^p.
"""
from ..autograd import tracing as _tracing
from ..autograd.grad_mode import no_grad
from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay, integer, real
from .optimizer import Optimizer


def _check_schedule(warmup_steps, weight_lr_power):
    if not 0 <= integer("warmup_steps", warmup_steps):
        raise ValueError(f"Invalid warmup_steps value: {warmup_steps}")
    if not 0.0 <= real("weight_lr_power", weight_lr_power):
        raise ValueError(f"Invalid weight_lr_power value: {weight_lr_power}")


class _ScheduleFree(Optimizer):
    """The part SGD and AdamW schedule-free share: modes, bookkeeping, the y/z step.

    A subclass names its interpolation constant (``momentum_of``) and its
    normalised gradient (``direction``).
    """

    elementwise = True

    def __init__(self, params, defaults):
        defaults.update(k=0, train_mode=False, weight_sum=0.0, lr_max=-1.0, scheduled_lr=0.0)
        super().__init__(params, defaults)

    def momentum_of(self, group):
        """β, the weight of x in y = (1 − β) z + β x."""
        raise NotImplementedError

    def direction(self, group, grad, state):
        """The normalised gradient ĝ (before weight decay); may update state in place."""
        raise NotImplementedError

    # -- modes ------------------------------------------------------------------------
    def train(self):
        """Put the parameters at y (where gradients are taken) and allow ``step()``."""
        self._switch(True, lambda beta: 1 - beta)

    def eval(self):
        """Put the parameters at x (the average, the weights to evaluate and save)."""
        self._switch(False, lambda beta: 1 - 1 / beta)

    def _switch(self, train_mode, weight_of):
        with no_grad():
            for group in self.param_groups:
                if group["train_mode"] == train_mode:
                    continue
                weight = weight_of(self.momentum_of(group))
                for param in group["params"]:
                    state = self.state.get(param)
                    if state and "z" in state:
                        param._array += weight * (state["z"]._array - param._array)
                        param._version[0] += 1
                group["train_mode"] = train_mode

    # -- the step ---------------------------------------------------------------------
    @_tracing.whole_call
    def step(self, closure=None):
        """One schedule-free step; the optimizer must be in train mode."""
        if not all(group["train_mode"] for group in self.param_groups):
            raise RuntimeError(f"{type(self).__name__} is not in train mode: call "
                               "optimizer.train() before training (and optimizer.eval() "
                               "before evaluating or saving)")
        return super().step(closure)

    def _step_group(self, group):
        k = group["k"]
        warmup = group["warmup_steps"]
        lr = group["lr"] * ((k + 1) / warmup if k < warmup else 1.0)
        group["scheduled_lr"] = lr
        group["lr_max"] = max(lr, group["lr_max"])
        group["weight_sum"] += self._average_weight(group)
        super()._step_group(group)
        group["k"] = k + 1

    @staticmethod
    def _average_weight(group):
        """w_k = (k + 1)^r · γ_max^p for the group's current step k."""
        return (group["k"] + 1) ** group["r"] * group["lr_max"] ** group["weight_lr_power"]

    def init_state(self, group, param):
        return {"z": param.copy()}

    def update(self, group, param, grad, state, step):
        lr, weight_decay = group["scheduled_lr"], group["weight_decay"]
        beta = self.momentum_of(group)
        weight_sum = group["weight_sum"]
        average_weight = self._average_weight(group) / weight_sum if weight_sum != 0 else 0.0
        z = state["z"]
        grad = self.direction(group, grad, state)
        if weight_decay != 0:
            grad = grad + weight_decay * param
        param += average_weight * (z - param)
        param += (lr * (beta * (1 - average_weight) - 1)) * grad
        z -= lr * grad


class SGDScheduleFree(_ScheduleFree):
    """SGDScheduleFree(params, lr=1.0, momentum=0.9, weight_decay=0, warmup_steps=0, r=0.0,
    weight_lr_power=2.0): call ``.train()`` before stepping and ``.eval()`` to evaluate."""

    def __init__(self, params, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                 weight_lr_power=2.0):
        check_lr(lr)
        check_weight_decay(weight_decay)
        if not 0.0 < real("momentum", momentum) < 1.0:
            raise ValueError(f"Momentum must be between 0 and 1 exclusive: {momentum}")
        _check_schedule(warmup_steps, weight_lr_power)
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      warmup_steps=warmup_steps, r=r,
                                      weight_lr_power=weight_lr_power))

    def momentum_of(self, group):
        return group["momentum"]

    def direction(self, group, grad, state):
        return grad


class AdamWScheduleFree(_ScheduleFree):
    """AdamWScheduleFree(params, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    warmup_steps=0, r=0.0, weight_lr_power=2.0): call ``.train()`` before stepping and
    ``.eval()`` to evaluate."""

    def __init__(self, params, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 warmup_steps=0, r=0.0, weight_lr_power=2.0):
        check_lr(lr)
        check_betas(betas)
        if betas[0] == 0.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]} (schedule-free "
                             "needs 0 < beta1 < 1: eval() divides by it)")
        check_eps(eps)
        check_weight_decay(weight_decay)
        _check_schedule(warmup_steps, weight_lr_power)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, warmup_steps=warmup_steps, r=r,
                                      weight_lr_power=weight_lr_power))

    def momentum_of(self, group):
        return group["betas"][0]

    def init_state(self, group, param):
        state = super().init_state(group, param)
        state["exp_avg_sq"] = array_module(param).zeros_like(param)
        return state

    def direction(self, group, grad, state):
        xp = array_module(grad)
        beta2, eps = group["betas"][1], group["eps"]
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * grad * grad
        denominator = xp.sqrt(v / (1 - beta2 ** (group["k"] + 1)))
        denominator += eps
        return grad / denominator
