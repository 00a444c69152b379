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
from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        check_lr(lr)
        check_momentum(momentum)
        check_weight_decay(weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

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
