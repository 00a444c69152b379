"""Selecting elements by index, mask or value: ``index_select``, ``masked_select``,
``nonzero`` (``argwhere``, one-argument ``where``) and ``unique``.

``index_select`` and ``masked_select`` copy the chosen elements, so their
gradient is a scatter-add of the incoming gradient back to where the elements
came from (an index chosen twice receives both gradients). ``nonzero`` and
``unique`` return positions, values and counts: no gradient flows through them.
"""
import numpy as np

from ..autograd import tracing
from ..tensor import Tensor, new_tensor
from .dims import normalize_dim
from .index_bounds import checked_index
from .elementwise import where as choose
from .shape import GetItem, broadcast_to, reshape
from .arguments import tensor_arguments
from .broadcasting import broadcast_shapes


def _check_tensor(value, name, argument):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{argument}' must be Tensor, not "
                        f"{type(value).__name__}")


def _same_device(input, other, name, argument):
    if other._backend is not input._backend:
        raise RuntimeError(f"{name}: {argument} is on {other.device} but the tensor is on "
                           f"{input.device}; move it with .to({str(input.device)!r})")


@tensor_arguments("input")
def index_select(input, dim, index):
    """The entries of ``input`` at positions ``index`` (a 1-D or 0-d integer tensor)
    along ``dim``: y[..., j, ...] = input[..., index[j], ...]. A copy; an index may
    repeat, and its gradients then add up. Every index must lie in 0..size−1."""
    _check_tensor(input, "index_select", "input")
    _check_tensor(index, "index_select", "index")
    _same_device(input, index, "index_select", "index")
    dim = normalize_dim(dim, input.ndim, "index_select")
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"index_select(): Expected dtype int32 or int64 for index, got "
                           f"{index.dtype}")
    if index.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape "
                         f"{tuple(index.shape)}")
    if input.ndim == 0:
        if index.numel() != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{index.numel()} value(s)")
        return reshape(index_select(reshape(input, 1), 0, index), ())
    size = input.shape[dim]
    if index.numel() and size == 0:
        raise RuntimeError(f"index_select(): self indexing axis dim should be positive: "
                           f"dimension {dim} has size 0, so no index is valid")
    positions = tracing.derived(_checked_positions, index._array, input._backend, dim, size)
    return GetItem.apply(input, key=(slice(None),) * dim + (positions,))


def _checked_positions(index, backend, dim, size):
    """``index_select``'s index as a vector of positions checked against ``size``."""
    positions = index.reshape(-1)
    if not positions.size:
        return positions
    return checked_index(backend, positions, size, f"index_select(): index out of range in "
                         f"self: index {{}} for dimension {dim} of size {size}", negative=False)


@tensor_arguments("input")
def masked_select(input, mask):
    """The elements of ``input`` where the boolean ``mask`` is True, as a 1-D tensor
    in row-major order; ``input`` and ``mask`` broadcast together first. The
    gradient goes back to the selected elements (summed over broadcast copies)."""
    _check_tensor(input, "masked_select", "input")
    _check_tensor(mask, "masked_select", "mask")
    _same_device(input, mask, "masked_select", "mask")
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got dtype {mask.dtype}")
    shape = broadcast_shapes((mask.shape, input.shape), "masked_select")  # PyTorch's order
    xp = input._backend.xp
    chosen = xp.nonzero(xp.broadcast_to(mask._array, shape).reshape(-1))[0]
    return GetItem.apply(reshape(broadcast_to(input, shape), -1), key=(chosen,))


@tensor_arguments("input")
def nonzero(input, *, as_tuple=False):
    """Where ``input`` is not zero (NaN counts as not zero), in row-major order.

    ``as_tuple=False``: an int64 tensor of shape (n, input.ndim), one row of
    coordinates per element found. ``as_tuple=True``: one int64 vector of n
    coordinates per dim (a 0-d input counts as 1-d), usable as an index:
    ``x[x.nonzero(as_tuple=True)]``.
    """
    _check_tensor(input, "nonzero", "input")
    backend = input._backend
    xp = backend.xp
    array = input._array
    coordinates = xp.nonzero(array.reshape(1) if array.ndim == 0 else array)

    def int64_tensor(values):
        return new_tensor(values.astype(np.int64), backend, None, 0)
    if as_tuple:
        return tuple(int64_tensor(c) for c in coordinates)
    if array.ndim == 0:
        return int64_tensor(xp.zeros((coordinates[0].shape[0], 0)))
    return int64_tensor(xp.stack(coordinates, axis=1))


@tensor_arguments("input")
def argwhere(input):
    """``nonzero(input)``: the (n, ndim) int64 coordinates of the non-zero elements."""
    return nonzero(input)


def where(condition, input=None, other=None):
    """``where(condition, input, other)``: ``input`` where ``condition`` is true, else
    ``other`` (broadcasting; differentiable, see ``mg.where``'s row in the docs).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    return choose(condition, input, other)


@tensor_arguments("input")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of ``input``, in ascending order, as ``torch.unique``.

    Without ``dim`` the tensor is flattened: the result is 1-D. With ``dim``,
    the distinct slices along that dim (compared whole, ordered
    lexicographically). ``return_inverse=True`` adds, for every element (or
    slice), the position of its value in the result (int64; the input's shape,
    or one per slice); ``return_counts=True`` adds how often each value occurs.
    As in PyTorch on the CPU, ``sorted=False`` also gives ascending order. NaNs
    are all distinct from one another. No gradient flows through the result
    (PyTorch has none either).
    """
    _check_tensor(input, "unique", "input")
    xp = input._backend.xp
    array = input._array
    if dim is None:
        values, inverse, counts = xp.unique(array.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(array.shape)
    else:
        dim = normalize_dim(dim, input.ndim, "unique")
        if array.ndim == 0:
            array = array.reshape(1)
        values, inverse, counts = xp.unique(array, return_inverse=True, return_counts=True,
                                            axis=dim, equal_nan=False)
        inverse = inverse.reshape(-1)
    backend = input._backend
    results = [new_tensor(values.astype(input.dtype, copy=False), backend, None, 0)]
    if return_inverse:
        results.append(new_tensor(inverse.astype(np.int64), backend, None, 0))
    if return_counts:
        results.append(new_tensor(counts.astype(np.int64), backend, None, 0))
    return results[0] if len(results) == 1 else tuple(results)
