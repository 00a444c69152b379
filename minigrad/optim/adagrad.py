"""Adagrad: a per-coordinate learning rate that shrinks with the sum of squared gradients.

PyTorch's ``torch.optim.Adagrad`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g, at step t = 1, 2, ...:

    g ← g + λ θ                               (weight_decay λ: L2, through the gradient)
    γ_t = γ / (1 + (t − 1) η)                 (lr γ, lr_decay η)
    G ← G + g²                                (G starts at initial_accumulator_value)
    θ ← θ − γ_t g / (√G + ε)                  (ε outside the square root)

Each coordinate divides its step by the root of *all* its squared gradients so
far: coordinates with large or frequent gradients slow down, rare ones keep a
large step (good for sparse features). G only grows, so the effective step
γ/√G decays like 1/√t and training eventually stalls ("never forgets"). With
G₀ = 0 the first step is γ·g/|g| ≈ γ·sign(g) for every coordinate, whatever |g| is.

Hyperparameters (defaults): lr γ = 1e-2; lr_decay η = 0; weight_decay λ = 0;
initial_accumulator_value G₀ = 0; eps ε = 1e-10; maximize = False (ascend:
g ← −g first).

Reference: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online
Learning and Stochastic Optimization" (JMLR 2011). PyTorch creates the state of
every parameter at construction; here it is created on a parameter's first step
with a gradient (the numbers are the same), from its own group's
initial_accumulator_value.
"""
from ..backend import array_module
from ._validation import check_eps, check_lr, check_weight_decay, real
from .fast.kernel import FusedKernel
from .optimizer import Optimizer

# The update below as a fused kernel: one element at a time, in the same order of operations
# (compiled for the CPU or a GPU by optim/fast/).
_KERNEL = FusedKernel("adagrad", ["sum"], [("float64", "weight_decay"), ("float64", "eps"),
                                           ("float64", "decayed_lr")], """
T g = grad;
if (weight_decay != 0) g = g + (T)weight_decay * param;
sum = sum + g * g;
T denominator = sqrt(sum);
denominator = denominator + (T)eps;
param = param - (T)decayed_lr * (g / denominator);
""")


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, *, maximize=False, foreach=None, fused=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False, foreach=None,
                 fused=None):
        check_lr(lr)
        if not 0.0 <= real("lr_decay", lr_decay):
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        check_weight_decay(weight_decay)
        if not 0.0 <= real("initial_accumulator_value", initial_accumulator_value):
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        check_eps(eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize, fused=fused))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"sum": xp.full_like(param, group["initial_accumulator_value"])}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        weight_decay = group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        decayed_lr = self._decayed_lr(group, step)
        squared_sum = state["sum"]
        squared_sum += grad * grad
        denominator = xp.sqrt(squared_sum)
        denominator += group["eps"]
        param -= decayed_lr * (grad / denominator)

    @staticmethod
    def _decayed_lr(group, step):
        """γ_t = γ / (1 + (t − 1) η)"""
        return group["lr"] / (1 + (step - 1) * group["lr_decay"])

    def fused_kernel(self, group):
        return _KERNEL

    def kernel_scalars(self, group, step):
        return dict(weight_decay=group["weight_decay"], eps=group["eps"],
                    decayed_lr=self._decayed_lr(group, step))
