"""Reductions that skip NaN: ``nansum`` and ``nanmean``.

A NaN element counts as absent: it adds 0 to the sum and 1 less to the count.
Its gradient is 0 (the other elements' is that of ``sum``/``mean``), as in PyTorch.
"""
from ..tensor import new_tensor
from .arguments import tensor_arguments
from .elementwise import cast, where
from .reduction import normalize_dims, resolve_keepdim, sum


def _without_nan(x):
    """x with every NaN replaced by 0 (a select: the NaN elements get gradient 0)."""
    if x.dtype.kind != "f":
        return x
    is_nan = new_tensor(x._backend.xp.isnan(x._array), x._backend, None, 0)
    return where(is_nan, 0.0, x)


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
    counted = new_tensor(~input._backend.xp.isnan(input._array), input._backend, None, 0)
    count = cast(sum(counted, dim, keepdim), input.dtype)
    return nansum(input, dim, keepdim) / count
