"""Diagonals: ``diagonal`` (a view), ``diag`` and ``trace``.

``diagonal(x, offset, dim1, dim2)`` takes the elements x[..., i, ..., i + offset, ...]
of the plane (dim1, dim2), removes those two dims and puts the diagonal last, as
PyTorch. Its gradient puts g back on that diagonal of a zero tensor, and the
gradient of that is taking the diagonal again: two small ops, each the other's
backward, so both are differentiable to any order.
"""

from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from .arguments import tensor_arguments
from .dims import normalize_dim
from .elementwise import clone, refuse_dtype
from .reduction import sum


def _diagonal_key(shape, offset, dim1, dim2, xp):
    """The index that picks the diagonal out of an array of ``shape`` (as NumPy's
    ``diagonal`` orders it: the other dims first, the diagonal last)."""
    length = max(0, min(shape[dim1] + min(offset, 0), shape[dim2] - max(offset, 0)))
    steps = xp.arange(length)
    key = [slice(None)] * len(shape)
    key[dim1], key[dim2] = steps - min(offset, 0), steps + max(offset, 0)
    return tuple(key), length


class Diagonal(Function):
    """y = the diagonal of x in the plane (dim1, dim2);  dL/dx = g on that diagonal, 0 elsewhere"""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.input_shape, ctx.offset, ctx.dim1, ctx.dim2 = x.shape, offset, dim1, dim2
        return ctx.xp.diagonal(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return OnDiagonal.apply(grad, shape=ctx.input_shape, offset=ctx.offset,
                                dim1=ctx.dim1, dim2=ctx.dim2)


class OnDiagonal(Function):
    """y = zeros of ``shape`` with x on the diagonal (offset, dim1, dim2);  dL/dx = diagonal of g"""

    @staticmethod
    def forward(ctx, x, shape, offset, dim1, dim2):
        xp = ctx.xp
        ctx.offset, ctx.dim1, ctx.dim2 = offset, dim1, dim2
        y = xp.zeros(shape, dtype=x.dtype)
        key, _ = _diagonal_key(shape, offset, dim1, dim2, xp)
        # fancy indexing with two index arrays puts the diagonal first: move it there
        first = min(dim1, dim2)
        y[key] = xp.moveaxis(x, -1, 0) if _separated(dim1, dim2) else xp.moveaxis(x, -1, first)
        return y

    @staticmethod
    def backward(ctx, grad):
        return diagonal(grad, ctx.offset, ctx.dim1, ctx.dim2)


def _separated(dim1, dim2):
    """NumPy puts the dims of two index arrays first when other dims lie between them."""
    return abs(dim1 - dim2) != 1


@tensor_arguments("input")
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` above (below, if negative) the main one of each
    (dim1, dim2) plane, as a last dim; a view that shares input's memory (with
    NumPy it is read-only)."""
    if input.ndim < 2:
        raise RuntimeError(f"diagonal(): expected a tensor with at least 2 dimensions, got "
                           f"{input.ndim}")
    dim1 = normalize_dim(dim1, input.ndim, "diagonal")
    dim2 = normalize_dim(dim2, input.ndim, "diagonal")
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=int(offset), dim1=dim1, dim2=dim2)


@tensor_arguments("input")
def diag(input, diagonal=0):
    """A 1-D tensor: the square matrix with it on diagonal ``diagonal``. A 2-D tensor:
    that diagonal, as a new 1-D tensor."""
    if input.ndim == 1:
        size = input.shape[0] + abs(diagonal)
        return OnDiagonal.apply(input, shape=(size, size), offset=int(diagonal), dim1=0, dim2=1)
    if input.ndim == 2:
        return clone(Diagonal.apply(input, offset=int(diagonal), dim1=0, dim2=1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@autocast_op("trace")
@tensor_arguments("input")
def trace(input):
    """The sum of the main diagonal of a matrix (int64 for integer input; a boolean
    matrix is refused, as in PyTorch)."""
    refuse_dtype(input, "trace", "b", hint="x.int()")
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return sum(Diagonal.apply(input, offset=0, dim1=0, dim2=1))
