"""Reductions that test or count: ``all``, ``any``, ``count_nonzero``.

Their results are booleans or counts, constants of the graph (no gradient), as
in PyTorch. ``dim`` is an int, a tuple of ints, or None for every dimension.
"""
import numpy as np

from ..autograd import tracing
from ..tensor import new_tensor
from .reduction import normalize_dims, resolve_keepdim


def _truth_reduction(x, dim, keepdim, keepdims, op):
    """all/any: the truth of every element (or of one) along ``dim``. The result is
    boolean, except for a uint8 input, which gives uint8 as in PyTorch."""
    result = tracing.derived(_truth, x, x._backend.xp, op, normalize_dims(dim, x.ndim, op),
                             resolve_keepdim(keepdim, keepdims))
    return new_tensor(result, x._backend, None, 0)


def _truth(array, xp, op, dims, keepdim):
    """all/any of ``array`` over ``dims``, as an array (uint8 for uint8, else bool)."""
    reduce = xp.all if op == "all" else xp.any
    result = xp.asarray(reduce(array, axis=dims, keepdims=keepdim))
    return result.astype(np.uint8) if array.dtype == np.uint8 else result


def all(input, dim=None, keepdim=False, *, keepdims=None):
    """True where every element along ``dim`` (all dims by default) is nonzero;
    over no elements, True."""
    return _truth_reduction(input, dim, keepdim, keepdims, "all")


def any(input, dim=None, keepdim=False, *, keepdims=None):
    """True where some element along ``dim`` (all dims by default) is nonzero;
    over no elements, False."""
    return _truth_reduction(input, dim, keepdim, keepdims, "any")


def count_nonzero(input, dim=None):
    """The number of nonzero elements along ``dim`` (an int or tuple; all dims by
    default), as int64. PyTorch has no ``keepdim`` here."""
    dims = normalize_dims(dim, input.ndim, "count_nonzero")
    return new_tensor(tracing.derived(_nonzero_count, input, input._backend.xp, dims),
                      input._backend, None, 0)


def _nonzero_count(array, xp, dims):
    return xp.asarray((array != 0).sum(axis=dims, dtype=np.int64))
