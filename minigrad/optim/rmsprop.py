"""RMSprop: divide each step by a running root-mean-square of recent gradients.

PyTorch's ``torch.optim.RMSprop`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g:

    g ← g + λ θ                              (weight_decay λ: L2, through the gradient)
    v ← α v + (1 − α) g²                     (a running mean of g², from v = 0; no bias correction)
    centered:  ḡ ← α ḡ + (1 − α) g,   d = √(v − ḡ²) + ε     (divide by a running std. deviation)
    otherwise:                         d = √v + ε            (ε outside the square root)
    momentum μ > 0:  b ← μ b + g / d,   θ ← θ − γ b
    otherwise:                          θ ← θ − γ g / d     (lr γ)

Adagrad divides by the root of the *sum* of all squared gradients, so its step
only shrinks; RMSprop uses an exponential moving average instead, which forgets
old gradients (over about 1/(1 − α) steps) and keeps adapting — useful for
non-stationary, noisy problems such as recurrent networks. Because v starts at 0
without bias correction, the first step is γ/√(1 − α) per coordinate: 10·γ·sign(g)
for α = 0.99. (TensorFlow puts ε inside the square root; PyTorch, and this,
outside.)

Hyperparameters (defaults): lr γ = 1e-2; alpha α = 0.99; eps ε = 1e-8;
weight_decay λ = 0; momentum μ = 0; centered = False; maximize = False (ascend:
g ← −g first).

References: Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning",
lecture 6e (Coursera, 2012); centered form: Graves, "Generating Sequences With
Recurrent Neural Networks" (arXiv 1308.0850, 2013).
"""
from ..backend import array_module
from ._validation import check_eps, check_lr, check_momentum, check_weight_decay, real
from .fast.kernel import FusedKernel
from .optimizer import Optimizer


_SCALARS = [("float64", "lr"), ("float64", "alpha"), ("float64", "eps"),
            ("float64", "weight_decay"), ("float64", "momentum")]
_CENTERED = """
grad_avg = grad_avg + (g - grad_avg) * (T)(1.0 - alpha);
T denominator = sqrt(square_avg - grad_avg * grad_avg);
"""
_MOMENTUM = """
momentum_buffer = momentum_buffer * (T)momentum;
momentum_buffer = momentum_buffer + g / denominator;
param = param - (T)lr * momentum_buffer;
"""


def _kernel(centered, with_momentum):
    """The update below as a fused kernel: one element at a time, in the same order of
    operations (compiled for the CPU or a GPU by ``optim/fast/``)."""
    body = f"""
T g = grad;
if (weight_decay != 0) g = g + (T)weight_decay * param;
square_avg = square_avg * (T)alpha;
square_avg = square_avg + (T)(1.0 - alpha) * g * g;
{_CENTERED if centered else "T denominator = sqrt(square_avg);"}
denominator = denominator + (T)eps;
{_MOMENTUM if with_momentum else "param = param - (T)lr * (g / denominator);"}
"""
    state = ["square_avg"] + ["grad_avg"] * centered + ["momentum_buffer"] * with_momentum
    return FusedKernel(f"rmsprop_{int(centered)}{int(with_momentum)}", state, _SCALARS, body)


_KERNELS = {(c, m): _kernel(c, m) for c in (False, True) for m in (False, True)}

class RMSprop(Optimizer):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, *, maximize=False, foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False, foreach=None):
        check_lr(lr)
        check_eps(eps)
        check_momentum(momentum)
        check_weight_decay(weight_decay)
        if not 0.0 <= real("alpha", alpha):
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def init_state(self, group, param):
        xp = array_module(param)
        state = {"square_avg": xp.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(param)
        return state

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, alpha, momentum = group["lr"], group["alpha"], group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (grad - grad_avg) * (1 - alpha)
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denominator = xp.sqrt(square_avg)
        denominator += group["eps"]
        if momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / denominator
            param -= lr * buffer
        else:
            param -= lr * (grad / denominator)

    def fused_kernel(self, group):
        return _KERNELS[(bool(group["centered"]), group["momentum"] > 0)]

    def kernel_scalars(self, group, step):
        return dict(lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                    weight_decay=group["weight_decay"], momentum=group["momentum"])
