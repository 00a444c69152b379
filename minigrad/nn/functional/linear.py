"""``F.linear``: the affine map of a fully connected layer, as one operation.

    y = x Wᵀ + b          x: (..., in),  W: (out, in),  b: (out,),  y: (..., out)

For an upstream gradient G = dL/dy (rows of x and G paired up over the batch dims):

    dL/dx = G W           dL/dW = Gᵀ x           dL/db = Σ_rows G

One fused operation (one matrix product and a broadcast add forward, two products
and a sum backward) keeps the graph of an MLP small: composing ``transpose``,
``matmul`` and ``add`` would record three nodes per layer instead of one.
"""
import math

from ...autograd.function import Function
from ...ops.linalg import matmul
from ...ops.reduction import sum
from ...ops.shape import reshape, transpose


class Linear(Function):
    """y = x Wᵀ + b;  dL/dx = G W,  dL/dW = Gᵀ x,  dL/db = Σ G"""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias  # y is a fresh array: add in place, no copy
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = matmul(grad, weight) if need_x else None
        grad_weight = grad_bias = None
        if need_weight:
            rows_of_grad, rows_of_x = grad, x
            if x.ndim != 2:  # a single vector, or extra batch dims: make both matrices of rows
                rows_of_grad = reshape(grad, -1, weight.shape[0])
                rows_of_x = reshape(x, -1, weight.shape[1])
            grad_weight = matmul(transpose(rows_of_grad, 0, 1), rows_of_x)
        if need_bias:
            grad_bias = grad if grad.ndim == 1 else sum(grad, tuple(range(grad.ndim - 1)))
        return grad_x, grad_weight, grad_bias


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias, for input (..., in_features), weight (out_features,
    in_features) and bias (out_features,) or None."""
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
    return Linear.apply(input, weight, bias)
