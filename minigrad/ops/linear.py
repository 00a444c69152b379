"""The affine map of a fully connected layer, as one operation (``F.linear``).

    y = x Wᵀ + b          x: (rows, in),  W: (out, in),  b: (out,),  y: (rows, out)

For an upstream gradient G = dL/dy:

    dL/dx = G W           dL/dW = Gᵀ x           dL/db = Σ_rows G

One fused operation (one matrix product and a broadcast add forward, two products
and a sum backward) keeps the graph of an MLP small: composing ``transpose``,
``matmul`` and ``add`` would record three nodes per layer instead of one.
``F.linear`` (nn/functional/linear.py) checks the arguments and views an input
with other than two dimensions as a matrix of rows.
"""
import operator

from ..autograd.function import Function


class Linear(Function):
    """Y = X Wᵀ + b for a matrix X of rows;  dL/dX = G W,  dL/dW = Gᵀ X,  dL/db = Σ_rows G

    ``b`` may also be a matrix with one row per row of X (then dL/db = G): the
    recurrent layers pass each time step's input part x_t W_ihᵀ + b that way, so
    a step's pre-activation is one operation. The gradients are written with
    operators that arrays share, so a plain backward runs them on the arrays
    (``array_backward``).
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.bias_per_row = bias is not None and bias.ndim == 2
        y = ctx.backend.matmul(x, weight.T)
        if bias is not None:
            y += bias  # y is a fresh array: add in place, no copy
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        # On arrays, the backend's product (float16 through float32 on the CPU);
        # on tensors (a graph of the backward), matmul, whose forward is that product.
        product = ctx.backend.matmul if ctx._on_arrays else operator.matmul
        grad_x = product(grad, weight) if need_x else None
        grad_weight = product(grad.T, x) if need_weight else None
        grad_bias = None
        if need_bias:
            grad_bias = grad if ctx.bias_per_row else grad.sum(0)
        return grad_x, grad_weight, grad_bias
