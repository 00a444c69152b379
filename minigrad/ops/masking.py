"""Keep some elements, replace the others: ``tril``, ``triu``, ``masked_fill``.

The kept elements pass through unchanged and the replaced ones are constants,
so the gradient is the incoming gradient with the same positions set to zero
(the same masking applied to it); a filled-in value that is a tensor receives
the sum of the gradient over the positions it fills.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .arguments import checked_fill_value, tensor_arguments
from .broadcasting import broadcast_shapes
from .logical import logical_not
from .shape import sum_to


class Triangular(Function):
    """y = x below (tril) or above (triu) the ``diagonal``-th diagonal of the last
    two dims, zero elsewhere;  dL/dx = g masked the same way"""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        return ctx.xp.triu(x, diagonal) if upper else ctx.xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Triangular.apply(grad, diagonal=ctx.diagonal, upper=ctx.upper)


@tensor_arguments("x")
def tril(x, diagonal=0):
    """The lower triangle of the last two dims: y[..., i, j] = x[..., i, j] where
    j - i <= diagonal, else 0 (diagonal > 0 keeps diagonals above the main one)."""
    return _triangle(x, diagonal, upper=False, name="tril")


@tensor_arguments("x")
def triu(x, diagonal=0):
    """The upper triangle of the last two dims: y[..., i, j] = x[..., i, j] where
    j - i >= diagonal, else 0."""
    return _triangle(x, diagonal, upper=True, name="triu")


def _triangle(x, diagonal, upper, name):
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}")
    return Triangular.apply(x, diagonal=int(diagonal), upper=upper)


class MaskedFill(Function):
    """y = value where mask, else x (broadcast together);
    dL/dx = g where not mask (summed back to x's shape), dL/dvalue = Σ g where mask"""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.input_shape = x.shape
        ctx.save_for_backward(mask)
        fill = ctx.xp.asarray(value).astype(x.dtype)
        return ctx.xp.where(mask, fill, x)

    @staticmethod
    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        grad_x = grad_value = None
        if ctx.needs_input_grad[0]:
            grad_x = sum_to(MaskedFill.apply(grad, mask, 0.0), ctx.input_shape)
        if ctx.needs_input_grad[2]:
            grad_value = MaskedFill.apply(grad, logical_not(mask), 0.0).sum()
        return grad_x, None, grad_value


def _checked_mask_and_value(x, mask, value, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}: mask must be a boolean Tensor, got {type(mask).__name__}")
    if mask.dtype != np.bool_:
        raise RuntimeError(f"{name}: only boolean masks are supported, but got a mask with dtype "
                           f"{mask.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"{name}: only a 0-dimensional value tensor is supported, but got a "
                           f"tensor of shape {tuple(value.shape)}")
    return broadcast_shapes((mask.shape, x.shape), name)  # PyTorch's order


@tensor_arguments("x", "mask")
def masked_fill(x, mask, value):
    """x with ``value`` (a number or a 0-d tensor, cast to x's dtype) wherever the
    boolean ``mask`` (broadcast against x) is True."""
    _checked_mask_and_value(x, mask, value, "masked_fill")
    if not isinstance(value, Tensor):
        value = checked_fill_value(value, x.dtype, "masked_fill")
    elif value._backend is not x._backend:
        value = value.to(x.device)
    return MaskedFill.apply(x, mask, value)


@tensor_arguments("x", "mask")
def masked_fill_(x, mask, value):
    """In place: x[mask] = value, the mask broadcast to x's shape. Bumps x's version
    (and its views'), and like every in-place change is refused on a tensor that
    requires grad while the graph is being recorded."""
    shape = _checked_mask_and_value(x, mask, value, "masked_fill_")
    if shape != x.shape:
        raise RuntimeError(f"masked_fill_: the output with shape {tuple(x.shape)} doesn't match "
                           f"the broadcast shape {shape} of the tensor and the mask")
    x._begin_in_place("masked_fill_", value)
    return x._store_result("masked_fill_", masked_fill(x, mask, value))
