"""Indexing keys: what ``tensor[key]`` and ``tensor[key] = value`` are given, read as
PyTorch reads them.

- ``index_key``: a key with its tensors and lists as backend arrays, and a bad
  item (a zero slice step, a string, a float) refused with PyTorch's error;
- ``setitem_keys``: the keys through which ``tensor[key] = value`` writes the
  elements ``tensor[key]`` selects.
"""
from types import SimpleNamespace

import numpy as np

from .autograd import tracing
from .tensor import Tensor


def index_key(key, tensor):
    """An indexing key with Tensors and lists replaced by backend arrays. As in
    PyTorch, a slice step of 0 is a ValueError, a string a TypeError and a float
    an IndexError."""
    def convert(item):
        if isinstance(item, slice) and isinstance(item.step, (int, np.integer)) and item.step == 0:
            raise ValueError(f"slice step cannot be zero (index {item})")
        if isinstance(item, (str, bytes)):
            raise TypeError(f"a tensor index must be an int, a slice, None, ..., a tensor or a "
                            f"list, not {type(item).__name__} ({item!r})")
        if isinstance(item, (float, np.floating)):
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and integer or "
                             f"boolean tensors are valid indices (got float {item!r})")
        if isinstance(item, Tensor):
            if item._backend is not tensor._backend:
                raise RuntimeError(
                    f"indexing a tensor on {tensor.device} with an index tensor on {item.device}; "
                    f"move the index with .to({str(tensor.device)!r})")
            return item._array
        if isinstance(item, list) or isinstance(item, np.ndarray) and tensor._backend.name != "numpy":
            host = np.asarray(item)
            if host.size == 0:  # ``x[[]]`` selects nothing: an empty *integer* index
                host = host.astype(np.int64)
            return _constant(tensor._backend.from_host(host))
        if isinstance(item, np.ndarray):
            return _constant(item)
        return item
    if isinstance(key, tuple):
        return tuple(convert(item) for item in key)
    return convert(key)


def _constant(array):
    """An index array made from the caller's Python data (a list, a NumPy array): while
    ``mg.compile`` records a step it is a constant of the replay."""
    if tracing.recorder is not None:
        tracing.recorder.constant_array(array)
    return array


def setitem_keys(key, tensor, value):
    """``(view_key, key)`` such that ``tensor._array[view_key][key] = value`` writes the
    elements PyTorch's ``tensor[key] = value`` writes.

    The key is read as ``tensor[key]`` reads it (a list holding sequences is a tuple;
    ints apply before index arrays; a mask must match the shape it covers). A key of
    ints, slices, None and ... selects a view, also for a single element, so a value
    of shape (1,) fits it as in PyTorch. With index arrays PyTorch writes a value
    tensor only of the tensor's own dtype (Python numbers are converted), except a
    one-element value under a single boolean mask.
    """
    # Imported here, not at the top: ops.shape (getitem) imports index_key from this module.
    from .ops.shape import (_booleans_to_indices, _ints_first, _is_basic, _is_index_array,
                            _is_int, _is_mask, _sequence_as_tuple)

    key = index_key(_sequence_as_tuple(key), tensor)
    items = key if isinstance(key, tuple) else (key,)
    index_arrays = [item for item in items if _is_index_array(item)]
    if _is_basic(key) or not index_arrays:  # a 0-d integer tensor is an int
        return Ellipsis, items if any(item is Ellipsis for item in items) else items + (Ellipsis,)
    one_mask = len(index_arrays) == 1 and _is_mask(index_arrays[0])
    key = _booleans_to_indices(key, tensor.shape, tensor._backend.xp)
    if (isinstance(value, Tensor) and value.dtype != tensor.dtype
            and not (one_mask and value.numel() == 1)):
        raise RuntimeError(
            f"tensor[index] = value with an index tensor, list or mask writes only a value of "
            f"the tensor's dtype {tensor.dtype} (as in PyTorch), got a value of dtype "
            f"{value.dtype}; convert it with value.to({tensor.dtype})")
    view_key = Ellipsis
    if any(map(_is_int, key)) and any(map(_is_index_array, key)):
        view_key, key = _ints_first(key)
    if tensor._backend.xp is not np:  # a device checks without waiting (ops/index_bounds.py)
        key = setitem_in_bounds(tensor, view_key, key)
    return view_key, key


def setitem_in_bounds(tensor, view_key, key):
    """``key`` (of ``tensor._array[view_key][key] = value``) with its ints and index arrays
    checked against the dimensions they index (``ops.shape.in_bounds``). On the CPU the
    write runs first, so that a value of the wrong shape is reported first, as in
    PyTorch; its IndexError then comes here for minigrad's message."""
    from .ops.shape import in_bounds
    view = tensor._array[view_key]  # the index arrays index this view
    return in_bounds(key, SimpleNamespace(shape=view.shape, ndim=view.ndim,
                                          _backend=tensor._backend), tuple(tensor.shape))
