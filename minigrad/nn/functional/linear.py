"""``F.linear``: y = x Wᵀ + b, for x (..., in), W (out, in), b (out,), y (..., out).

The arguments are checked here; the operation and its gradient are ``Linear`` in
ops/linear.py, on x viewed as a matrix of rows (every dimension but the last one
merged).
"""
import math

from ...autograd.autocast_hook import autocast_op
from ...ops.linear import Linear
from ...ops.shape import reshape
from .arguments import check_tensor


@autocast_op("linear")
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
