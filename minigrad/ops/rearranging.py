"""Rearranging a tensor's elements and dims: ``flip`` (``fliplr``, ``flipud``),
``movedim`` (``moveaxis``), ``swapaxes`` (``swapdims``), ``unflatten``,
``view_as``, ``reshape_as`` and ``sum_to_size``.

All but ``flip`` and ``sum_to_size`` are reshapes and permutations, so they are
views of their input (sharing its memory and its version counter) wherever
``reshape`` and ``permute`` are; ``flip`` is a copy, as in PyTorch. The
gradient of a rearrangement is the inverse rearrangement of the gradient.
"""
import math
import operator

from ..autograd.function import Function
from ..tensor import Tensor
from .dims import normalize_dim, normalize_distinct_dims
from .shape import permute, reshape, sum_to, transpose, view
from .arguments import tensor_arguments


# ---------------------------------------------------------------- flipping
class Flip(Function):
    """y = x reversed along ``dims``: y[..., i, ...] = x[..., n − 1 − i, ...];
    dL/dx = g reversed along the same dims"""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.flip(x, axis=dims).copy()   # a copy, as PyTorch's flip

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, dims=ctx.dims)


@tensor_arguments("input")
def flip(input, dims):
    """``input`` with the order of its elements reversed along each dim in ``dims``
    (a tuple or list; ``Tensor.flip`` also takes separate ints). A copy, not a view."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    dims = normalize_distinct_dims(dims, input.ndim, "flip")
    return Flip.apply(input, dims=dims if input.ndim else ())


@tensor_arguments("input")
def fliplr(input):
    """Columns reversed (dim 1, left to right), for a tensor of at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {tuple(input.shape)}")
    return flip(input, (1,))


@tensor_arguments("input")
def flipud(input):
    """Rows reversed (dim 0, up to down), for a tensor of at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got a 0-d tensor")
    return flip(input, (0,))


# ---------------------------------------------------------------- moving and swapping dims
@tensor_arguments("input")
def movedim(input, source, destination):
    """The dims ``source`` (an int or a sequence) moved to the positions
    ``destination``; the other dims keep their order. A view (``permute``)."""
    source = _dims(source, input.ndim, "movedim")
    destination = _dims(destination, input.ndim, "movedim")
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(destination)} dims)")
    for name, dims in (("source", source), ("destination", destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    if input.ndim == 0:   # a 0-d tensor's one "dim" (0 or -1) moves nowhere
        return permute(input)
    order = [d for d in range(input.ndim) if d not in source]
    for target, moved in sorted(zip(destination, source)):
        order.insert(target, moved)
    return permute(input, *order)


def _dims(dims, ndim, name):
    dims = (dims,) if not isinstance(dims, (tuple, list)) else dims
    return tuple(normalize_dim(d, ndim, name) for d in dims)


moveaxis = movedim


@tensor_arguments("input")
def swapaxes(input, axis0, axis1):
    """``transpose(input, axis0, axis1)`` under NumPy's name. A view."""
    return transpose(input, axis0, axis1)


@tensor_arguments("input")
def swapdims(input, dim0, dim1):
    """``transpose(input, dim0, dim1)`` under another of PyTorch's names. A view."""
    return transpose(input, dim0, dim1)


# ---------------------------------------------------------------- reshaping
@tensor_arguments("input")
def unflatten(input, dim, sizes):
    """Dim ``dim`` split into dims of ``sizes`` (whose product is its size; one
    entry may be −1, inferred). The inverse of ``flatten``; a view."""
    if input.ndim == 0:
        raise RuntimeError("unflatten: Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim(dim, input.ndim, "unflatten")
    sizes = tuple(operator.index(size) for size in sizes)
    length = input.shape[dim]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    for position, size in enumerate(sizes):
        if size < -1:
            raise RuntimeError(f"unflatten: invalid shape dimension {size} at index {position} "
                               f"of sizes {list(sizes)}")
    if sizes.count(-1) > 1:
        raise RuntimeError(f"unflatten: only one dimension can be inferred (-1), got sizes "
                           f"{list(sizes)}")
    known = math.prod(size for size in sizes if size != -1)
    if -1 in sizes:
        if known == 0:
            raise RuntimeError(f"unflatten: cannot unflatten dimension {dim} of size {length} into "
                               f"sizes {list(sizes)}: the size for -1 can be any value and is "
                               "ambiguous")
        if length % known == 0:
            sizes = tuple(length // known if size == -1 else size for size in sizes)
    if math.prod(sizes) != length or -1 in sizes:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({length}) in the input tensor")
    return reshape(input, input.shape[:dim] + sizes + input.shape[dim + 1:])


@tensor_arguments("input")
def view_as(input, other):
    """``input.view(other.size())``: the shape of ``other`` (a Tensor); its dtype is kept."""
    return view(input, *_shape_of(other, "view_as"))


@tensor_arguments("input")
def reshape_as(input, other):
    """``input.reshape(other.size())``: the shape of ``other`` (a Tensor)."""
    return reshape(input, *_shape_of(other, "reshape_as"))


def _shape_of(other, name):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")
    return other.shape


@tensor_arguments("input")
def sum_to_size(input, *size):
    """``input`` summed down to ``size`` (ints or one tuple): the dims that
    broadcasting ``size`` to ``input``'s shape would add or stretch are summed
    over, so ``size`` must broadcast to ``input.shape``. ``input`` itself when
    the shapes are equal."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(operator.index(length) for length in size)
    shape = tuple(input.shape)
    leading = len(shape) - len(size)
    if leading < 0 or any(length not in (1, shape[leading + d]) for d, length in enumerate(size)):
        raise RuntimeError(f"sum_to_size: size {{{list(size)}}} is not expandable to size "
                           f"{{{list(shape)}}}")
    if input.dtype.kind in "biu":  # PyTorch sums integers and booleans in int64
        input = input.long()
    return sum_to(input, size)
