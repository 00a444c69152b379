"""Stochastic gradient descent, with momentum, Nesterov momentum and L2 weight decay.

PyTorch's ``torch.optim.SGD`` exactly. For each parameter θ with gradient g:

    g ← g + λ θ                                  (weight_decay λ: L2, through the gradient)
    b ← g                                         on the first step (no dampening)
    b ← μ b + (1 − τ) g                           afterwards (momentum μ, dampening τ)
    g ← g + μ b   if nesterov,   g ← b   otherwise
    θ ← θ − γ g                                   (lr γ)

With μ = 0 this is plain gradient descent, θ ← θ − γ g: full-batch gradient
descent when g is the gradient of the loss on the whole data set, mini-batch
or per-sample SGD when it comes from a batch (the data loader's batch_size).
SGD's weight decay equals adding λ/2·‖θ‖² to the loss.

Reference: Sutskever, Martens, Dahl & Hinton, "On the importance of
initialization and momentum in deep learning" (ICML 2013), in PyTorch's form;
Nesterov, "A method for solving the convex programming problem with
convergence rate O(1/k²)" (1983). ``maximize=True`` ascends (g ← −g first).
"""
from ..backend import array_module
from ._validation import check_lr, check_momentum, check_weight_decay
from .fast.kernel import FusedKernel
from .optimizer import Optimizer

_SCALARS = [("float64", "lr"), ("float64", "weight_decay"), ("float64", "momentum"),
            ("float64", "dampening"), ("int32", "nesterov"), ("int32", "first_step")]
# The update above as a fused kernel: one element at a time, in the same order of operations
# (compiled for the CPU or a GPU by optim/fast/).
_KERNEL_BODY = """
T g = grad;
if (weight_decay != 0) g = g + (T)weight_decay * param;
MOMENTUM
param = param - (T)lr * g;
"""
_MOMENTUM = """
if (first_step) momentum_buffer = g;
else momentum_buffer = momentum_buffer * (T)momentum + (T)(1.0 - dampening) * g;
if (nesterov) g = g + (T)momentum * momentum_buffer;
else g = momentum_buffer;
"""
_PLAIN_KERNEL = FusedKernel("sgd", [], _SCALARS, _KERNEL_BODY.replace("MOMENTUM", ""))
_MOMENTUM_KERNEL = FusedKernel("sgd_momentum", ["momentum_buffer"], _SCALARS,
                               _KERNEL_BODY.replace("MOMENTUM", _MOMENTUM))


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
    maximize=False, foreach=None, fused=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False, foreach=None, fused=None):
        check_lr(lr)
        check_momentum(momentum)
        check_weight_decay(weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach, fused=fused))

    def init_state(self, group, param):
        if group["momentum"] == 0:
            return {}
        return {"momentum_buffer": array_module(param).zeros_like(param)}

    def update(self, group, param, grad, state, step):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            buffer = state["momentum_buffer"]
            if step == 1:
                buffer[...] = grad
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= lr * grad

    def fused_kernel(self, group):
        return _PLAIN_KERNEL if group["momentum"] == 0 else _MOMENTUM_KERNEL

    def kernel_scalars(self, group, step):
        return dict(lr=group["lr"], weight_decay=group["weight_decay"],
                    momentum=group["momentum"], dampening=group["dampening"],
                    nesterov=int(group["nesterov"]), first_step=int(step == 1))
