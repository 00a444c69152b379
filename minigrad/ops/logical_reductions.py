"""Reductions that test or count: ``all``, ``any``, ``count_nonzero``.

Their results are booleans or counts, constants of the graph (no gradient), as
in PyTorch. ``dim`` is an int, a tuple of ints, or None for every dimension.
"""
import numpy as np

from ..tensor import new_tensor
from .reduction import normalize_dims, resolve_keepdim


def _truth_reduction(x, dim, keepdim, keepdims, op):
    """all/any: the truth of every element (or of one) along ``dim``. The result is
    boolean, except for a uint8 input, which gives uint8 as in PyTorch."""
    xp = x._backend.xp
    reduce = xp.all if op == "all" else xp.any
    result = reduce(x._array, axis=normalize_dims(dim, x.ndim, op),
                    keepdims=resolve_keepdim(keepdim, keepdims))
    result = xp.asarray(result)
    if x.dtype == np.uint8:
        result = result.astype(np.uint8)
    return new_tensor(result, x._backend, None, 0)


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
    xp = input._backend.xp
    dims = normalize_dims(dim, input.ndim, "count_nonzero")
    counts = xp.asarray((input._array != 0).sum(axis=dims, dtype=np.int64))
    return new_tensor(counts, input._backend, None, 0)
