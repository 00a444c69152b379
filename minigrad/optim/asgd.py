"""ASGD: stochastic gradient descent with a decaying step and Polyak–Ruppert averaging.

PyTorch's ``torch.optim.ASGD`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g, at step t = 1, 2, ..., with the step size η
and averaging weight μ left by the previous step (η = γ and μ = 1 at first):

    g ← g + λ θ                           (weight_decay λ: L2, through the gradient)
    θ ← θ (1 − λ_a η)                     (lambd λ_a: a decay built into the method)
    θ ← θ − η g
    a ← a + μ (θ − a)    (a ← θ when μ = 1)          running average of the iterates ("ax")
    then, for the next step:
    η ← γ / (1 + λ_a γ t)^α,   μ ← 1 / max(1, t − t₀)

The iterates θ follow SGD with a slowly decaying step size; the average a of the
iterates after step t₀ converges faster and is less noisy than θ itself
(Polyak & Juditsky). Until step t₀, μ = 1, so a simply tracks θ; afterwards a is
the plain mean of θ over the steps since t₀. The average lives in the state
("ax", ``optimizer.state[p]["ax"]``); the parameters themselves are never
replaced by it — copy it into them to evaluate the averaged model.

Hyperparameters (defaults): lr γ = 1e-2; lambd λ_a = 1e-4; alpha α = 0.75 (the
power of the step-size decay); t0 t₀ = 1e6 (the step at which averaging starts);
weight_decay λ = 0; maximize = False (ascend: g ← −g first).

References: Polyak & Juditsky, "Acceleration of Stochastic Approximation by
Averaging" (SIAM J. Control Optim., 1992); the step-size schedule follows Bottou,
"Stochastic Gradient Descent Tricks" (2012). PyTorch keeps eta and mu as 0-d
tensors of the default float dtype (float32 unless changed); here they are
Python floats (float64).
"""
from ..backend import array_module
from ._validation import check_lr, check_weight_decay
from .optimizer import Optimizer


class ASGD(Optimizer):
    """ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, *, maximize=False,
    foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, *,
                 maximize=False, foreach=None):
        check_lr(lr)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"eta": float(group["lr"]), "mu": 1.0, "ax": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        eta, mu = state["eta"], state["mu"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        param *= 1 - group["lambd"] * eta
        param -= eta * grad
        average = state["ax"]
        if mu != 1:
            average += (param - average) * mu
        else:
            average[...] = param

    def _step_group(self, group):
        """The step uses the η and μ of the previous step; they advance afterwards, as
        in PyTorch (so a new lr takes effect on η one step later, and the state holds
        the values for the next step)."""
        super()._step_group(group)
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        for param in group["params"]:
            if param.grad is not None:
                state = self.state[param]
                step = state["step"]
                state["eta"] = lr / ((1 + lambd * lr * step) ** alpha)
                state["mu"] = 1 / max(1, step - t0)
