"""Shape operations: reshape, permute, broadcast, concatenate, index, pad.

These move or copy elements without changing their values, so each gradient
is the inverse movement: reshape back, permute back, sum a broadcast back,
cut a concatenation apart, and scatter an indexed gradient back to where the
elements came from, *adding* at repeated indices (``x[[0, 0]]`` uses x[0]
twice, so x[0] receives both gradients).
"""
import builtins

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, index_key


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


def reshape(x, *shape):
    """x with a new shape holding the same elements (one dimension may be −1)."""
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    try:
        return Reshape.apply(x, shape=shape)
    except RuntimeError:
        raise RuntimeError(f"reshape: shape {shape} is invalid for a tensor of shape "
                           f"{tuple(x.shape)} ({x.numel()} elements)") from None


def view(x, *shape):
    """Like ``reshape`` (minigrad does not distinguish views)."""
    return reshape(x, *shape)


def flatten(x, start_dim=0, end_dim=-1):
    """x with dimensions ``start_dim`` to ``end_dim`` merged into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    middle = 1
    for size in x.shape[start:end + 1]:
        middle *= size
    return reshape(x, x.shape[:start] + (middle,) + x.shape[end + 1:])


def permute(x, *dims):
    """x with its dimensions reordered as ``dims``."""
    dims = tuple(d % builtins.max(x.ndim, 1) for d in _shape_arg(dims))
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dimensions")
    return Permute.apply(x, dims=dims)


def transpose(x, dim0, dim1):
    """x with dimensions ``dim0`` and ``dim1`` swapped."""
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, *dims)


def squeeze(x, dim=None):
    """Remove dimensions of size 1 (only ``dim``, if given, and only if it has size 1)."""
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dims = {d % x.ndim for d in ((dim,) if isinstance(dim, int) else dim)} if x.ndim else set()
    return reshape(x, tuple(s for a, s in enumerate(x.shape) if not (a in dims and s == 1)))


def unsqueeze(x, dim):
    """Insert a dimension of size 1 at ``dim`` (negative counts from the new end)."""
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


# ---------------------------------------------------------------- broadcasting
class BroadcastTo(Function):
    """y = x repeated along broadcast dimensions;  dL/dx = g summed over them"""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, shape):
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
        ctx.input_shape = x.shape
        leading = x.ndim - len(shape)
        if leading < 0:
            raise ValueError(f"cannot sum shape {x.shape} to the longer shape {shape}")
        stretched = tuple(leading + a for a, size in enumerate(shape)
                          if size == 1 and x.shape[leading + a] != 1)
        if any(size not in (1, x.shape[leading + a]) for a, size in enumerate(shape)):
            raise ValueError(f"shape {x.shape} does not broadcast from {shape}")
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


def expand(x, *sizes):
    """Broadcast to ``sizes``; -1 keeps a dimension's size."""
    sizes = _shape_arg(sizes)
    leading = len(sizes) - x.ndim
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


def cat(tensors, dim=0):
    """Tensors joined along an existing dimension ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    dim = dim % builtins.max(tensors[0].ndim, 1)
    shapes = [tuple(t.shape) for t in tensors]
    for shape in shapes:
        if len(shape) != len(shapes[0]) or any(
                a != dim and shape[a] != shapes[0][a] for a in range(len(shape))):
            raise RuntimeError(f"cat: sizes must match except in dimension {dim}, got shapes "
                               f"{' and '.join(map(str, shapes))}")
    return Cat.apply(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Tensors of equal shape joined along a new dimension ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) != 1:
        raise RuntimeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def narrow(x, dim, start, length):
    """The slice ``start:start+length`` along ``dim`` (a negative start counts from the end)."""
    dim = dim % x.ndim
    if start < 0:
        start += x.shape[dim]
    key = (slice(None),) * dim + (slice(start, start + length),)
    return getitem(x, key)


def split(x, split_size_or_sections, dim=0):
    """Cut along ``dim`` into pieces of ``split_size`` (the last may be shorter)
    or of the listed sizes."""
    length = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [builtins.min(size, length - start) for start in range(0, length, size)]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != length:
            raise ValueError(f"split: sections {sizes} do not add up to the size {length} of dim {dim}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(narrow(x, dim, start, size))
        start += size
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    """``chunks`` pieces of ceil(n / chunks) along ``dim`` (fewer if n is small)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    length = x.shape[dim]
    return split(x, builtins.max(-(-length // chunks), 1), dim)


# ---------------------------------------------------------------- indexing
class GetItem(Function):
    """y = x[key];  dL/dx = zeros with g scattered (added) back at key"""

    may_return_view = True  # ints, slices, None and ... select a view; index arrays copy

    @staticmethod
    def forward(ctx, x, key):
        ctx.input_shape, ctx.key = x.shape, key
        if _is_basic(key) and not _has_ellipsis(key):
            key = (key if isinstance(key, tuple) else (key,)) + (Ellipsis,)  # x[1, 2] is then a
        return x[key]                                                       # 0-d view, not a copy

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, shape=ctx.input_shape, key=ctx.key)


class IndexAdd(Function):
    """y = zeros(shape) with x added at key (repeated indices add up);  dL/dx = g[key]"""

    @staticmethod
    def forward(ctx, x, shape, key):
        ctx.key = key
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        if _is_basic(key):
            y[key] = x
        else:
            ctx.backend.scatter_add(y, key, x)
        return y

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, key=ctx.key)


def _is_basic(key):
    """True for keys of ints, slices, None and ... only (no element is picked twice)."""
    items = key if isinstance(key, tuple) else (key,)
    return builtins.all(item is None or item is Ellipsis or isinstance(item, (int, slice))
                        for item in items)


def _has_ellipsis(key):
    return builtins.any(item is Ellipsis for item in (key if isinstance(key, tuple) else (key,)))


def _booleans_to_indices(key, xp):
    """Replace boolean masks by the integer index arrays they select, so that the
    backward scatter-add sees plain integer indices."""
    items = key if isinstance(key, tuple) else (key,)
    converted = []
    for item in items:
        if hasattr(item, "dtype") and item.dtype == np.bool_ and item.ndim > 0:
            converted.extend(xp.nonzero(item))
        else:
            converted.append(item)
    return tuple(converted)


def _ints_first(key):
    """Split a key mixing ints and index arrays into (basic key, advanced key).

    PyTorch applies integer indices first, like slices, and only then the index
    arrays; NumPy counts an int beside an index array as one more index array,
    which moves the result's dimensions when a slice lies between them (for x of
    shape (m, n, k), ``x[1, :, [0, 2]]`` is (n, 2) in PyTorch, (2, n) in NumPy). Indexing with
    the basic key and then with the advanced key gives PyTorch's result.
    """
    basic = tuple(slice(None) if _is_index_array(item) else item for item in key)
    advanced = tuple(item if _is_index_array(item) or item is Ellipsis else slice(None)
                     for item in key if not _is_int(item))
    return basic, advanced


def _is_int(item):
    """An int, or a 0-d integer index tensor (which PyTorch treats as an int)."""
    return isinstance(item, int) or (getattr(item, "ndim", None) == 0 and item.dtype.kind in "iu")


def _is_index_array(item):
    return not (item is None or item is Ellipsis or isinstance(item, slice) or _is_int(item))


def getitem(x, key):
    """``x[key]`` with ints, slices, None, ..., integer arrays and boolean masks."""
    key = index_key(key, x)
    try:
        if not _is_basic(key):
            key = _booleans_to_indices(key, x._backend.xp)
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


def pad(x, pad, mode="constant", value=0.0):
    """PyTorch's ``F.pad``: ``pad`` lists (before, after) widths starting from the
    last dimension. Modes: constant, reflect, replicate, circular; the other
    modes copy input elements, so their gradient is a scatter-add."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of widths for at most {x.ndim} "
                         f"dimensions, got {tuple(pad)}")
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
