"""Two functions of our own whose gradients we want to trust.

``Swish`` (also called SiLU) is a custom operation with a hand-derived
gradient:

    f(x)  = x · σ(x),            σ(x) = 1 / (1 + e^(−x))
    f'(x) = σ(x) + x · σ(x) · (1 − σ(x))

``log_cosh`` is built from minigrad operations, so minigrad differentiates it;
it is written in a form that does not overflow for large |x|:

    log cosh(x) = |x| + log(1 + e^(−2|x|)) − log 2
"""
import math

import minigrad as mg


class Swish(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x):                # x: a NumPy (or CuPy) array
        ctx.save_for_backward(x)
        return x / (1 + ctx.xp.exp(-x))

    @staticmethod
    def backward(ctx, grad):            # grad: a Tensor shaped like the output
        x, = ctx.saved_tensors          # a Tensor, still part of the graph
        s = mg.sigmoid(x)               # recomputed with minigrad ops: differentiable again
        return grad * (s + x * s * (1 - s))


def log_cosh(x):
    a = mg.abs(x)
    return a + mg.softplus(-2 * a) - math.log(2)
