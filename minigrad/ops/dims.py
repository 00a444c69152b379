"""Dimension arguments: one check and one normalisation for every op.

PyTorch accepts a dim d of a tensor with n dimensions when -n <= d < n (a 0-d
tensor behaves as if it had one dimension: -1 and 0 are accepted) and counts
a negative d from the end; anything else is an ``IndexError`` naming the valid
range. NumPy would wrap d modulo n instead, which silently picks a dimension
the user did not ask for.
"""
import operator


def normalize_dim(dim, ndim, op="dim"):
    """``dim`` as an index in 0..ndim-1 (0 for a 0-d tensor), or IndexError.

    ``ndim`` is the number of dimensions ``dim`` is counted in (``unsqueeze``
    and ``stack`` pass one more than the input has: the new dimension's places).
    """
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: a dimension must be an integer, got {type(dim).__name__}") from None
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-size}, {size - 1}], but got {dim})")
    return dim % size


def normalize_distinct_dims(dims, ndim, op="dim"):
    """Several dims (an int or a sequence), each checked, none repeated (RuntimeError)."""
    dims = (dims,) if isinstance(dims, int) or not hasattr(dims, "__iter__") else tuple(dims)
    normalized = [normalize_dim(dim, ndim, op) for dim in dims]
    for position, dim in enumerate(normalized):
        if dim in normalized[:position]:
            raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims {dims}")
    return tuple(normalized)
