"""Shape operations: reshape, permute, broadcast, concatenate, roll, index, pad.

These move or copy elements without changing their values, so each gradient
is the inverse movement: reshape back, permute back, sum a broadcast back,
cut a concatenation apart, and scatter an indexed gradient back to where the
elements came from, *adding* at repeated indices (``x[[0, 0]]`` uses x[0]
twice, so x[0] receives both gradients).
"""
import builtins
import math
import operator
import warnings

import numpy as np

from ..autograd.function import Function
from ..index_keys import index_key
from ..tensor import Tensor
from .arguments import check_tensor, tensor_arguments
from .broadcasting import check_expandable
from .dims import normalize_dim, normalize_distinct_dims
from .elementwise import cast
from .index_bounds import checked_index


def _shape_arg(shape):
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


# ---------------------------------------------------------------- reshape and permute
class Reshape(Function):
    """y = x with a new shape (same elements, same order);  dL/dx = g reshaped back"""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return reshape(grad, ctx.input_shape)


class Permute(Function):
    """y = x with its axes reordered;  dL/dx = g with the inverse order"""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return permute(grad, *np.argsort(ctx.dims).tolist())


def _resolved_shape(shape, input_shape):
    """``shape`` with its one −1 replaced by the size that keeps the number of
    elements of ``input_shape``; RuntimeError for any other negative size, two
    −1s, or a different count."""
    numel = math.prod(input_shape)
    shape = tuple(operator.index(size) for size in shape)
    for position, size in enumerate(shape):
        if size < -1:
            raise RuntimeError(f"reshape: invalid shape dimension {size} at index {position} "
                               f"of shape {shape}")
    if shape.count(-1) > 1:
        raise RuntimeError(f"reshape: only one dimension can be inferred (-1), got shape {shape}")
    known = math.prod(size for size in shape if size != -1)
    if -1 in shape:
        if known == 0:
            raise RuntimeError(f"reshape: cannot reshape a tensor of {numel} elements into shape "
                               f"{shape}: the size for -1 can be any value and is ambiguous")
        if numel % known == 0:
            return tuple(numel // known if size == -1 else size for size in shape)
    if known != numel or -1 in shape:
        raise RuntimeError(f"reshape: shape {shape} is invalid for a tensor of shape "
                           f"{tuple(input_shape)} ({numel} elements)")
    return shape


@tensor_arguments("x")
def reshape(x, *shape):
    """x with a new shape holding the same elements (one dimension may be −1).

    The result shares x's memory (a view) when the elements' layout allows it,
    and is a copy otherwise, as in PyTorch.
    """
    shape = _resolved_shape(_shape_arg(shape), x.shape)
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


@tensor_arguments("x")
def view(x, *shape):
    """x with a new shape, always sharing x's memory (and its version counter).

    As in PyTorch, a shape that x's layout cannot give without copying (a
    transposed or expanded tensor flattened, ...) is a RuntimeError: ``reshape``
    copies in that case, ``contiguous()`` first makes any layout viewable.
    """
    shape = _resolved_shape(_shape_arg(shape), x.shape)
    if not _viewable(x.shape, x._array.strides, shape):
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one "
            f"dimension spans across two contiguous subspaces): a tensor of shape "
            f"{tuple(x.shape)} and strides {tuple(s // x._array.itemsize for s in x._array.strides)} "
            f"cannot be viewed as shape {shape}. Use .reshape(...) instead.")
    return reshape(x, shape)


def _viewable(old_shape, old_strides, new_shape):
    """Can the elements of an array (``old_shape``, ``old_strides``) be addressed in
    ``new_shape`` with strides alone? PyTorch's rule (``computeStride``): walking
    from the last dimension, the old dimensions fall into chunks that are each
    contiguous in memory; every new dimension must lie inside one chunk, and each
    chunk must be made of whole new dimensions."""
    if not old_shape or math.prod(old_shape) == 0:
        return True
    new_position = len(new_shape) - 1
    chunk_stride = old_strides[-1]          # the stride of the chunk's innermost element
    old_count = new_count = 1               # elements of the chunk so far, old and new
    for position in range(len(old_shape) - 1, -1, -1):
        old_count *= old_shape[position]
        chunk_ends = position == 0 or (old_shape[position - 1] != 1
                                       and old_strides[position - 1] != old_count * chunk_stride)
        if not chunk_ends:
            continue
        while new_position >= 0 and (new_count < old_count or new_shape[new_position] == 1):
            new_count *= new_shape[new_position]
            new_position -= 1
        if new_count != old_count:
            return False
        if position > 0:
            chunk_stride, old_count, new_count = old_strides[position - 1], 1, 1
    return new_position == -1


@tensor_arguments("x")
def flatten(x, start_dim=0, end_dim=-1):
    """x with dimensions ``start_dim`` to ``end_dim`` merged into one."""
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} "
                           f"for a tensor of shape {tuple(x.shape)}")
    if x.ndim == 0:
        return reshape(x, 1)
    middle = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (middle,) + x.shape[end + 1:])


@tensor_arguments("x")
def permute(x, *dims):
    """x with its dimensions reordered as ``dims`` (each dimension exactly once)."""
    dims = _shape_arg(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute: the tensor has {x.ndim} dimensions (shape {tuple(x.shape)}) "
                           f"but the order {dims} lists {len(dims)}")
    dims = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute: duplicate dims are not allowed, got {dims}")
    return Permute.apply(x, dims=dims)


@tensor_arguments("x")
def transpose(x, dim0, dim1):
    """x with dimensions ``dim0`` and ``dim1`` swapped."""
    dim0, dim1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    if x.ndim:
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, *dims)


@tensor_arguments("x")
def squeeze(x, dim=None):
    """Remove dimensions of size 1 (only ``dim``, an int or a tuple, if given, and
    only those of size 1)."""
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dims = normalize_distinct_dims(dim, x.ndim, "squeeze")
    return reshape(x, tuple(s for a, s in enumerate(x.shape) if not (a in dims and s == 1)))


@tensor_arguments("x")
def unsqueeze(x, dim):
    """Insert a dimension of size 1 at ``dim`` (in -ndim-1..ndim; negative counts
    from the new end)."""
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


# ---------------------------------------------------------------- broadcasting
class BroadcastTo(Function):
    """y = x repeated along broadcast dimensions;  dL/dx = g summed over them"""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, shape):
        check_expandable(x.shape, shape, "broadcast_to")
        ctx.input_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.input_shape)


class SumTo(Function):
    """y = x summed over the dimensions that broadcasting to its shape added or
    stretched (the inverse of broadcasting);  dL/dx = g broadcast back"""

    @staticmethod
    def forward(ctx, x, shape):
        check_expandable(shape, x.shape, "sum_to")  # x is what shape broadcasts to
        ctx.input_shape = x.shape
        leading = x.ndim - len(shape)
        stretched = tuple(leading + a for a, size in enumerate(shape)
                          if size == 1 and x.shape[leading + a] != 1)
        y = x.sum(axis=tuple(range(leading)) + stretched, keepdims=True)
        return y.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.input_shape)


def broadcast_to(x, shape):
    """x expanded to ``shape`` by NumPy broadcasting (gradient summed back)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


@tensor_arguments("x")
def expand(x, *sizes):
    """Broadcast to ``sizes``; -1 keeps a dimension's size."""
    sizes = _shape_arg(sizes)
    leading = len(sizes) - x.ndim
    if leading < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({x.ndim}): sizes "
                           f"{sizes} for a tensor of shape {tuple(x.shape)}")
    if -1 in sizes[:leading]:
        raise RuntimeError(f"expand: -1 is not allowed for a new leading dimension, got sizes "
                           f"{sizes} for a tensor of shape {tuple(x.shape)}")
    shape = tuple(x.shape[a - leading] if size == -1 else size for a, size in enumerate(sizes))
    return broadcast_to(x, shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape``, undoing broadcasting (used by the engine)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumTo.apply(x, shape=shape)


# ---------------------------------------------------------------- concatenate and split
class Cat(Function):
    """y = [x₁, x₂, ...] joined along dim;  dL/dxᵢ = the slice of g that xᵢ filled"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return ctx.xp.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        pieces, start = [], 0
        for size in ctx.sizes:
            pieces.append(narrow(grad, ctx.dim, start, size))
            start += size
        return tuple(pieces)


def promoted_dtype(tensors):
    """PyTorch's result dtype for tensors combined as equals (cat, stack): the
    highest kind present (float > integer > bool) decides, and within it the
    dtypes promote as usual: float32 with int64 is float32, not NumPy's float64."""
    dtypes = [t.dtype for t in tensors]
    highest = builtins.max(_KIND_RANK[dtype.kind] for dtype in dtypes)
    return np.result_type(*[dtype for dtype in dtypes if _KIND_RANK[dtype.kind] == highest])


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def cat(tensors, dim=0):
    """Tensors joined along an existing dimension ``dim``, their dtypes promoted
    as PyTorch does. As in PyTorch, a 1-D tensor with no elements may appear
    among tensors of any shape and contributes nothing."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    for position, t in enumerate(tensors):
        check_tensor("cat", f"tensors[{position}]", t)
        if t.ndim == 0:
            raise RuntimeError(f"cat: a zero-dimensional tensor (at position {position}) cannot "
                               "be concatenated; unsqueeze it or use stack")
    joined = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    dim = normalize_dim(dim, joined[0].ndim, "cat")
    first = tuple(joined[0].shape)
    for position, t in enumerate(tensors):
        if t.shape == (0,) and len(first) != 1:
            continue
        if t.ndim != len(first):
            raise RuntimeError(f"cat: tensors must have the same number of dimensions: got "
                               f"{len(first)} and {t.ndim} (tensor number {position})")
        for axis, (size, expected) in enumerate(zip(t.shape, first)):
            if axis != dim and size != expected:
                raise RuntimeError(
                    f"cat: sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{expected} but got size {size} for tensor number {position} in the list "
                    f"(shapes {' and '.join(str(tuple(t.shape)) for t in tensors)})")
    dtype = promoted_dtype(tensors)
    return Cat.apply(*[cast(t, dtype) for t in joined], dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Tensors of equal shape joined along a new dimension ``dim`` (in -ndim-1..ndim)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for position, t in enumerate(tensors):
        check_tensor("stack", f"tensors[{position}]", t)
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: all tensors must have the same shape, but got {tuple(tensors[0].shape)} "
                f"at entry 0 and {tuple(t.shape)} at entry {position}")
    dim = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@tensor_arguments("x")
def narrow(x, dim, start, length):
    """The slice ``start:start+length`` along ``dim``, a view of x.

    ``start`` may be negative (counted from the end) down to −size, or equal to
    the size (with length 0); the slice must fit inside the dimension.
    """
    if x.ndim == 0:
        raise RuntimeError("narrow: cannot be applied to a 0-dim tensor")
    dim = normalize_dim(dim, x.ndim, "narrow")
    start, length, size = operator.index(start), operator.index(length), x.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, "
                         f"{size}], but got {start}) for dimension {dim} of size {size}")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size "
                           f"({size}) of dimension {dim}")
    key = (slice(None),) * dim + (slice(start, start + length),)
    return getitem(x, key)


@tensor_arguments("x")
def split(x, split_size_or_sections, dim=0):
    """Cut along ``dim`` into views of ``split_size`` elements (the last may be
    shorter; an empty dim gives one empty piece) or of the listed sizes."""
    if x.ndim == 0:
        raise RuntimeError("split: expects at least a 1-dimensional tensor")
    dim = normalize_dim(dim, x.ndim, "split")
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split: split_size must be non-negative, got {size}")
        if size == 0 and length:
            raise RuntimeError(f"split: split_size can only be 0 if the dimension's size is 0, "
                               f"but dimension {dim} has size {length}")
        sizes = [builtins.min(size, length - start) for start in range(0, length, size or 1)] or [0]
    else:
        sizes = [operator.index(size) for size in split_size_or_sections]
        if builtins.any(size < 0 for size in sizes):
            raise RuntimeError(f"split: section sizes must be non-negative, got {sizes}")
        if builtins.sum(sizes) != length:
            raise RuntimeError(f"split: section sizes {sizes} must sum exactly to {length} (the "
                               f"size of dimension {dim})")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(narrow(x, dim, start, size))
        start += size
    return tuple(pieces)


@tensor_arguments("x")
def chunk(x, chunks, dim=0):
    """``chunks`` pieces of ceil(n / chunks) along ``dim`` (fewer if n is small;
    an empty dim gives ``chunks`` empty pieces, as in PyTorch)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be greater than 0, got {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk: expects at least a 1-dimensional tensor")
    length = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    if length == 0:
        return split(x, [0] * chunks, dim)
    return split(x, -(-length // chunks), dim)


# ---------------------------------------------------------------- rolling
class Roll(Function):
    """y = x shifted cyclically: y[(i + shift) mod n] = x[i] along each dim (over
    the flattened tensor when dims is None);  dL/dx = g rolled back by −shift"""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return ctx.xp.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        back = -ctx.shifts if ctx.dims is None else tuple(-shift for shift in ctx.shifts)
        return Roll.apply(grad, shifts=back, dims=ctx.dims)


@tensor_arguments("x")
def roll(x, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims`` (ints or equal-length
    tuples); without dims the tensor is rolled as if flattened, then restored."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align: {len(shifts)} shifts "
                               "but no dims")
        return Roll.apply(x, shifts=operator.index(shifts[0]), dims=None)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align: {len(shifts)} shifts for "
                           f"{len(dims)} dims")
    if x.ndim == 0:
        raise IndexError(f"roll: dimension specified as {dims[0]} but the tensor has no dimensions")
    dims = tuple(normalize_dim(dim, x.ndim, "roll") for dim in dims)
    return Roll.apply(x, shifts=tuple(operator.index(s) for s in shifts), dims=dims)


# ---------------------------------------------------------------- indexing
class GetItem(Function):
    """y = x[key];  dL/dx = zeros with g scattered (added) back at key

    The key is kept with ``save_intermediates`` (its index arrays are freed with the
    graph) as a tuple, which comes back as it is: an index, never a constant Tensor.
    """

    may_return_view = True  # ints, slices, None and ... select a view; index arrays copy

    @staticmethod
    def forward(ctx, x, key):
        key = key_tuple(key)
        ctx.input_shape = x.shape
        ctx.save_intermediates(key)
        if _is_basic(key) and not _has_ellipsis(key):
            key += (Ellipsis,)  # x[1, 2] is then a 0-d view, not a copy
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        key, = ctx.saved_intermediates
        return IndexAdd.apply(grad, shape=ctx.input_shape, key=key)


class IndexAdd(Function):
    """y = zeros(shape) with x added at key (repeated indices add up);  dL/dx = g[key]
    (the key kept as GetItem keeps it)"""

    @staticmethod
    def forward(ctx, x, shape, key):
        key = key_tuple(key)
        ctx.save_intermediates(key)
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        if _is_basic(key):
            y[key] = x
        else:
            ctx.backend.scatter_add(y, key, x)
        return y

    @staticmethod
    def backward(ctx, grad):
        key, = ctx.saved_intermediates
        return GetItem.apply(grad, key=key)


def key_tuple(key):
    """An indexing key as a tuple of per-dimension items: ``x[k]`` is ``x[(k,)]``."""
    return key if isinstance(key, tuple) else (key,)


def _is_basic(key):
    """True for keys of ints, slices, None and ... only (no element is picked twice)."""
    return builtins.all(item is None or item is Ellipsis or isinstance(item, (int, slice))
                        for item in key_tuple(key))


def _has_ellipsis(key):
    return builtins.any(item is Ellipsis for item in key_tuple(key))


def _is_mask(item):
    return hasattr(item, "dtype") and item.dtype == np.bool_ and item.ndim > 0


def _booleans_to_indices(key, shape, xp):
    """Replace boolean masks by the integer index arrays they select, so that the
    backward scatter-add sees plain integer indices.

    A mask must have the shape of the dimensions it covers (IndexError otherwise,
    as in PyTorch): its indices alone would silently accept a shorter mask.
    """
    items = key_tuple(key)
    covered = builtins.sum(item.ndim if _is_mask(item) else 0 if _covers_no_dim(item) else 1
                           for item in items)
    converted, position = [], 0
    for item in items:
        if item is Ellipsis:
            position += builtins.max(len(shape) - covered, 0)
        elif _is_mask(item):
            covered_shape = tuple(shape[position:position + item.ndim])
            if covered_shape != tuple(item.shape):
                raise IndexError(
                    f"the shape of the mask {tuple(item.shape)} does not match the shape "
                    f"{covered_shape} of the indexed tensor (shape {tuple(shape)}) at dimension "
                    f"{position}")
            converted.extend(xp.nonzero(item))
            position += item.ndim
            continue
        elif not _covers_no_dim(item):
            position += 1
        converted.append(item)
    return tuple(converted)


def in_bounds(key, x, shape_in_message=None):
    """``key`` with each int and integer index array checked against the dimension of ``x``
    it indexes: an int out of range raises IndexError; an index array is checked as
    ``index_bounds.py`` says (at once on the CPU, at the next read on a device). The
    message names ``shape_in_message`` (default: x's shape) as the indexed tensor's."""
    items = key_tuple(key)
    covered = builtins.sum(0 if _covers_no_dim(item) or isinstance(item, bool) else 1
                           for item in items)
    checked, position = [], 0
    for item in items:
        if item is Ellipsis:
            position += builtins.max(x.ndim - covered, 0)
        elif not (_covers_no_dim(item) or isinstance(item, bool)):
            if not isinstance(item, slice) and position < x.ndim:
                size = x.shape[position]
                message = (f"index out of range for a tensor of shape "
                           f"{tuple(shape_in_message or x.shape)}: index "
                           f"{{}} is out of bounds for dimension {position} with size {size}")
                if isinstance(item, (int, np.integer)):
                    if not -size <= item < size:
                        raise IndexError(message.format(item))
                else:
                    item = checked_index(x._backend, item, size, message)
            position += 1
        checked.append(item)
    return tuple(checked) if isinstance(key, tuple) else checked[0]


def _covers_no_dim(item):
    """None, ... and a 0-d boolean (which adds a dimension) index no dimension of x."""
    return item is None or item is Ellipsis or (hasattr(item, "dtype") and item.dtype == np.bool_)


def _ints_first(key):
    """Split a key mixing ints and index arrays into (basic key, advanced key).

    PyTorch applies integer indices first, like slices, and only then the index
    arrays; NumPy counts an int beside an index array as one more index array,
    which moves the result's dimensions when a slice lies between them (for x of
    shape (m, n, k), ``x[1, :, [0, 2]]`` is (n, 2) in PyTorch, (2, n) in NumPy). Indexing with
    the basic key and then with the advanced key gives PyTorch's result.
    """
    basic = tuple(slice(None) if _is_index_array(item) else item
                  for item in key if not _is_scalar_bool(item))
    advanced = tuple(item if _is_index_array(item) or item is Ellipsis else slice(None)
                     for item in key if not _is_int(item))
    return basic, advanced


def _is_int(item):
    """An int, or a 0-d integer index tensor (which PyTorch treats as an int)."""
    return ((isinstance(item, int) and not isinstance(item, bool))
            or (getattr(item, "ndim", None) == 0 and item.dtype.kind in "iu"))


def _is_scalar_bool(item):
    """True/False or a 0-d boolean tensor: a new dimension of size 1 or 0, indexing none."""
    return isinstance(item, bool) or (getattr(item, "ndim", None) == 0 and item.dtype == np.bool_)


def _is_index_array(item):
    return not (item is None or item is Ellipsis or isinstance(item, slice) or _is_int(item))


def _sequence_as_tuple(key):
    """PyTorch still reads a list holding a sequence, slice, None, ... or tensor as
    a tuple of indices (``x[[[0, 1], [3, 3]]]`` is ``x[[0, 1], [3, 3]]``), and warns
    that this is deprecated; so does minigrad."""
    if isinstance(key, list) and len(key) < 32 and builtins.any(
            item is None or item is Ellipsis
            or isinstance(item, (list, tuple, slice, Tensor, np.ndarray)) for item in key):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated "
                      "(as in PyTorch); use x[tuple(seq)] instead of x[seq]", UserWarning,
                      stacklevel=3)
        return tuple(key)
    return key


def getitem(x, key):
    """``x[key]`` with ints, slices, None, ..., integer arrays and boolean masks."""
    key = index_key(_sequence_as_tuple(key), x)
    if not _is_basic(key):
        key = _booleans_to_indices(key, x.shape, x._backend.xp)
    key = in_bounds(key, x)
    try:
        if not _is_basic(key):
            if any(map(_is_int, key)) and any(map(_is_index_array, key)):
                basic, key = _ints_first(key)
                x = GetItem.apply(x, key=basic)
        return GetItem.apply(x, key=key)
    except IndexError as error:
        raise IndexError(f"index out of range for a tensor of shape {tuple(x.shape)}: {error}") from None


# ---------------------------------------------------------------- padding
class ConstantPad(Function):
    """y = x surrounded by ``value``;  dL/dx = the middle of g"""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.middle = tuple(slice(before, before + size) for (before, _), size in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return getitem(grad, ctx.middle)


def _source_positions(size, before, after, mode, xp):
    """For each padded position along one axis, the input position it copies."""
    positions = np.arange(-before, size + after)
    if mode == "replicate":
        positions = np.clip(positions, 0, size - 1)
    elif mode == "circular":
        positions = positions % size
    elif mode == "reflect":
        period = 2 * (size - 1)
        positions = np.abs(positions) % period if period else positions * 0
        positions = np.where(positions >= size, period - positions, positions)
    return xp.asarray(positions)


@tensor_arguments("x")
def pad(x, pad, mode="constant", value=0.0):
    """PyTorch's ``F.pad``: ``pad`` lists (before, after) widths starting from the
    last dimension. Modes: constant, reflect, replicate, circular; the other
    modes copy input elements, so their gradient is a scatter-add."""
    if len(pad) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2 (a (before, after) pair "
                           f"per dimension), got {len(pad)} widths {tuple(pad)}")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} is more than two times the number of "
                           f"dimensions {x.ndim} of the input (shape {tuple(x.shape)})")
    if builtins.any(width < 0 for width in pad):
        raise ValueError(f"pad: widths must be non-negative, got {tuple(pad)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return ConstantPad.apply(x, widths=tuple(widths), value=value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: unknown mode {mode!r}")
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if mode == "reflect" and builtins.max(before, after) >= x.shape[axis]:
                raise ValueError(f"pad: reflect padding ({before}, {after}) must be smaller than "
                                 f"the size {x.shape[axis]} of dimension {axis}")
            positions = _source_positions(x.shape[axis], before, after, mode, x._backend.xp)
            x = GetItem.apply(x, key=(slice(None),) * axis + (positions,))
    return x
