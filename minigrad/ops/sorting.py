"""Ordering along a dimension: ``sort``, ``argsort``, ``topk``.

The order itself (the indices) is a constant; the values are ``gather(x, dim,
indices)``, so their gradient goes back to the positions they came from, as in
PyTorch. Sorting is stable in both directions: equal elements keep their
original order (descending too), and NaN counts as larger than every number.
"""
import collections

import numpy as np

from ..autograd import tracing
from ..tensor import new_tensor
from .arguments import tensor_arguments
from .dims import normalize_dim
from .indexing import gather

SortResult = collections.namedtuple("sort", ["values", "indices"])
TopKResult = collections.namedtuple("topk", ["values", "indices"])


def _sorted_indices(array, xp, dim, descending, k=None):
    """int64 indices that order ``array`` along ``dim`` (stably), the first ``k`` of
    them where given; a 0-d array's order is 0."""
    if array.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    if not descending:
        order = xp.argsort(array, axis=dim, kind="stable")
    else:  # sort the reversed array stably, then reverse back: ties keep their order
        size = array.shape[dim]
        reversed_order = xp.argsort(xp.flip(array, dim), axis=dim, kind="stable")
        order = (size - 1) - xp.flip(reversed_order, dim)
    if k is not None:
        order = order[(slice(None),) * dim + (slice(0, k),)]
    return order.astype(np.int64)


@tensor_arguments("x")
def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort x along ``dim`` (ascending unless ``descending``);
    always stable, so ``stable`` changes nothing."""
    return _order(x, dim, descending, "argsort")


@tensor_arguments("x")
def sort(x, dim=-1, descending=False, stable=False):
    """``(values, indices)``: x sorted along ``dim`` and where each value came from.
    The values are differentiable (their gradient returns to the original positions)."""
    indices = _order(x, dim, descending, "sort")
    return SortResult(gather(x, dim, indices), indices)


def _order(x, dim, descending, op):
    dim = normalize_dim(dim, x.ndim, op)
    # (mg.compile: a call of the replay, computed from the array at every replay)
    order = tracing.derived(_sorted_indices, x, x._backend.xp, dim, descending)
    return new_tensor(order, x._backend, None, 0)


@tensor_arguments("x")
def topk(x, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or, with ``largest=False``,
    smallest) elements along ``dim``, in sorted order (also when ``sorted=False``,
    which PyTorch leaves unspecified). Differentiable in the values."""
    if x.dtype == np.bool_:
        raise RuntimeError("topk does not support bool tensors (as PyTorch on the CPU); "
                           "convert first, e.g. x.int()")
    dim = normalize_dim(dim, x.ndim, "topk")
    size = x.shape[dim] if x.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: selected index k out of range: k = {k} for dimension {dim} "
                           f"of size {size}")
    if x.ndim == 0:
        return TopKResult(*sort(x))
    order = tracing.derived(_sorted_indices, x, x._backend.xp, dim, largest, k)
    indices = new_tensor(order, x._backend, None, 0)
    return TopKResult(gather(x, dim, indices), indices)
