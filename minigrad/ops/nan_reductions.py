"""Reductions that skip NaN: ``nansum`` and ``nanmean``.

A NaN element counts as absent: it adds 0 to the sum and 1 less to the count.
Its gradient is the incoming one times 0 (the other elements' is that of ``sum``/``mean``),
as in PyTorch: 0 for a finite incoming gradient, NaN for an infinite or NaN one.
"""
from ..autograd import tracing
from ..autograd.function import Function
from ..tensor import new_tensor
from .arguments import tensor_arguments
from .elementwise import cast
from .reduction import normalize_dims, resolve_keepdim, sum


class WithoutNaN(Function):
    """y = x with every NaN replaced by 0;  dL/dx = g · [x is not NaN], the incoming
    gradient multiplied by the 0/1 mask as PyTorch's nansum backward does (an infinite
    or NaN g gives NaN at the NaN elements, a finite one 0)."""

    @staticmethod
    def forward(ctx, x):
        is_nan = ctx.xp.isnan(x)
        ctx.save_intermediates((~is_nan).astype(x.dtype))
        return ctx.xp.where(is_nan, 0, x)

    @staticmethod
    def backward(ctx, grad):
        is_number, = ctx.saved_intermediates
        return grad * is_number


def _without_nan(x):
    """x with every NaN replaced by 0 (floating tensors; others are returned as they are)."""
    return WithoutNaN.apply(x) if x.dtype.kind == "f" else x


@tensor_arguments("input")
def nansum(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """The sum over ``dim`` (all dims by default) treating NaN as 0; int64 for
    integer input, as ``sum``; ``dtype=`` casts first."""
    if dtype is not None:
        input = cast(input, dtype)
    normalize_dims(dim, input.ndim, "nansum")
    return sum(_without_nan(input), dim, resolve_keepdim(keepdim, keepdims))


@tensor_arguments("input")
def nanmean(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """The mean of the elements that are not NaN over ``dim`` (all dims by default):
    ``nansum / count``; NaN where every element is NaN or there are none.
    Floating tensors only, as in PyTorch."""
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{input.dtype}; convert it first, e.g. x.float()")
    keepdim = resolve_keepdim(keepdim, keepdims)
    counted = new_tensor(tracing.derived(_not_nan, input, input._backend.xp), input._backend,
                         None, 0)
    count = cast(sum(counted, dim, keepdim), input.dtype)
    return nansum(input, dim, keepdim) / count


def _not_nan(array, xp):
    return ~xp.isnan(array)
