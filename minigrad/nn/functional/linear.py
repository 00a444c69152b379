"""``F.linear``: the affine map of a fully connected layer, as one operation.

    y = x Wᵀ + b          x: (..., in),  W: (out, in),  b: (out,),  y: (..., out)

For an upstream gradient G = dL/dy, with x and G viewed as matrices of rows
(every dimension but the last one merged):

    dL/dx = G W           dL/dW = Gᵀ x           dL/db = Σ_rows G

One fused operation (one matrix product and a broadcast add forward, two products
and a sum backward) keeps the graph of an MLP small: composing ``transpose``,
``matmul`` and ``add`` would record three nodes per layer instead of one.
"""
import math

from ...autograd.function import Function
from ...ops.shape import reshape
from .arguments import check_tensor


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
        y = x @ weight.T
        if bias is not None:
            y += bias  # y is a fresh array: add in place, no copy
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = grad @ weight if need_x else None
        grad_weight = grad.T @ x if need_weight else None
        grad_bias = None
        if need_bias:
            grad_bias = grad if ctx.bias_per_row else grad.sum(0)
        return grad_x, grad_weight, grad_bias


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias, for input (..., in_features), weight (out_features,
    in_features) and bias (out_features,) or None.

    An input with other than two dimensions is viewed as a matrix of rows (..., in)
    → (rows, in) and the result viewed back, so the operation itself is 2-D.
    """
    check_tensor("linear", "input", input, 1)
    check_tensor("linear", "weight", weight, 2)
    check_tensor("linear", "bias", bias, 3, optional=True)
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be a matrix (out_features, in_features), "
                           f"got shape {tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        rows, columns = math.prod(input.shape[:-1]), input.shape[-1] if input.ndim else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{columns} and "
            f"{weight.shape[1]}x{weight.shape[0]}): the last dimension of the input (shape "
            f"{tuple(input.shape)}) must be in_features = {weight.shape[1]}")
    if input.dtype != weight.dtype or bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(f"linear: input, weight and bias must have the same dtype, got "
                           f"{input.dtype}, {weight.dtype}"
                           + ("" if bias is None else f" and {bias.dtype}"))
    if input.ndim == 2:
        return Linear.apply(input, weight, bias)
    leading = tuple(input.shape[:-1])  # () for a vector: one row
    rows = Linear.apply(reshape(input, math.prod(leading), weight.shape[1]), weight, bias)
    return reshape(rows, *leading, weight.shape[0])
