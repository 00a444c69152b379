"""Index-driven ops along one dimension: ``gather``, ``scatter``, ``scatter_add``,
and ``one_hot``.

``gather(x, dim, index)`` reads y[i][j][k] = x[i][index[i][j][k]][k] (for dim=1):
the index replaces the coordinate along ``dim``, every other coordinate is the
output's own. ``scatter`` writes the other way, x[i][index[i][j][k]][k] = src[i][j][k];
``scatter_add`` adds instead, so repeated indices accumulate. Gathering is
indexing with a full key (one index array per dimension), so its gradient is
the scatter-add of ``GetItem``; the gradient of what a scatter wrote is the
gather of the gradient at the same positions.

As in PyTorch: index has the input's number of dimensions, is no larger than
the input in every other dimension (and no larger than src in any), and every
index must lie in 0..size-1 (checked: NumPy would wrap a negative index).
"""
import numpy as np

from ..autograd import tracing
from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from ..tensor import Tensor, new_tensor
from .arguments import checked_fill_value, tensor_arguments
from .dims import normalize_dim
from .index_bounds import checked_index
from .shape import GetItem, getitem, key_tuple, reshape


def _full_key(index, dim, xp):
    """The indexing key that reads x[..., index, ...] along ``dim`` and the
    output's own coordinate along every other dimension."""
    ndim = index.ndim
    return tuple(index if d == dim else xp.arange(size).reshape((size,) + (1,) * (ndim - d - 1))
                 for d, size in enumerate(index.shape))


def _checked_key(op, x, dim, index, src=None):
    """Validate (x, dim, index[, src]) by PyTorch's rules; the key for ``dim``."""
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index, got {index.dtype}")
    if index._backend is not x._backend:
        raise RuntimeError(f"{op}: index is on {index.device} but the tensor is on {x.device}")
    if index.ndim != x.ndim:
        raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as the "
                           f"input tensor, got index shape {tuple(index.shape)} and input "
                           f"shape {tuple(x.shape)}")
    for d, size in enumerate(index.shape):
        if d != dim and size > x.shape[d]:
            raise RuntimeError(f"{op}: size does not match at dimension {d}: expected index "
                               f"{tuple(index.shape)} to be no larger than the input "
                               f"{tuple(x.shape)} apart from dimension {dim}")
        if src is not None and size > src.shape[d]:
            raise RuntimeError(f"{op}: expected index {tuple(index.shape)} to be no larger than "
                               f"src {tuple(src.shape)} in dimension {d}")
    message = f"{op}: index {{}} is out of bounds for dimension {dim} with size {x.shape[dim]}"
    return tracing.derived(_checked_full_key, index._array, x._backend, dim, x.shape[dim], message)


def _checked_full_key(index, backend, dim, size, message):
    """``_full_key`` of ``index`` after checking it against the dimension's ``size``."""
    positions = checked_index(backend, index, size, message, negative=False, error=RuntimeError)
    return _full_key(positions, dim, backend.xp)


@tensor_arguments("x", "index")
def gather(x, dim, index):
    """y[i][j][k] = x[i][index[i][j][k]][k] for dim=1 (likewise for every dim);
    y has index's shape. dL/dx adds each gradient back where it was read."""
    dim = normalize_dim(dim, x.ndim, "gather")
    if x.ndim == 0:
        return reshape(gather(reshape(x, 1), 0, _as_vector(index, "gather")), index.shape)
    return GetItem.apply(x, key=_checked_key("gather", x, dim, index))


class Scatter(Function):
    """y = x with src written at the key's positions (where an index repeats, one
    write wins);  dL/dx = g with those positions zeroed, dL/dsrc = g[key]"""

    @staticmethod
    def forward(ctx, x, src, key):
        ctx.save_intermediates(key_tuple(key))  # kept as GetItem keeps its key
        y = x.copy()
        y[key] = src
        return y

    @staticmethod
    def backward(ctx, grad):
        key, = ctx.saved_intermediates
        return (Scatter.apply(grad, 0.0, key=key) if ctx.needs_input_grad[0] else None,
                GetItem.apply(grad, key=key) if ctx.needs_input_grad[1] else None)


class ScatterAdd(Function):
    """y = x with src added at the key's positions (repeated indices accumulate);
    dL/dx = g, dL/dsrc = g[key]"""

    @staticmethod
    def forward(ctx, x, src, key):
        ctx.save_intermediates(key_tuple(key))  # kept as GetItem keeps its key
        y = x.copy()
        ctx.backend.scatter_add(y, key, src)
        return y

    @staticmethod
    def backward(ctx, grad):
        key, = ctx.saved_intermediates
        return grad, GetItem.apply(grad, key=key) if ctx.needs_input_grad[1] else None


@tensor_arguments("x", "index")
def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """A copy of x with x[i][index[i][j][k]][k] = src[i][j][k] (dim=1), or = ``value``
    (a number, given as ``src`` or ``value=``) at every indexed position."""
    if reduce is not None:
        raise ValueError(f"scatter: reduce={reduce!r} is not supported; use scatter_add for "
                         "sums, or scatter without reduce")
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor or a number) and value")
    return _scatter(Scatter, "scatter", x, dim, index, value if src is None else src)


@autocast_op("scatter_add")
@tensor_arguments("x", "index", "src")
def scatter_add(x, dim, index, src):
    """A copy of x with src[i][j][k] added to x[i][index[i][j][k]][k] (dim=1);
    repeated indices add up."""
    return _scatter(ScatterAdd, "scatter_add", x, dim, index, src)


def _scatter(function, op, x, dim, index, src):
    dim = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:
        src = reshape(src, -1) if isinstance(src, Tensor) else src
        return reshape(_scatter(function, op, reshape(x, 1), 0, _as_vector(index, op), src), ())
    if isinstance(src, Tensor):
        if src.ndim < x.ndim:  # PyTorch reads src's size in every dimension of x
            limit = max(src.ndim, 1)
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-limit}, "
                             f"{limit - 1}], but got {x.ndim - 1}): src of shape {tuple(src.shape)} "
                             f"has fewer dimensions than the input of shape {tuple(x.shape)}")
        if src.dtype != x.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype, got "
                               f"{x.dtype} and {src.dtype}")
        if src.ndim != index.ndim:
            raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as "
                               f"src, got index shape {tuple(index.shape)} and src shape "
                               f"{tuple(src.shape)}")
    else:
        src = checked_fill_value(src, x.dtype, op)
    key = _checked_key(op, x, dim, index, src if isinstance(src, Tensor) else None)
    if isinstance(src, Tensor) and src.shape != index.shape:
        src = getitem(src, tuple(slice(0, size) for size in index.shape))
    return function.apply(x, src, key=key)


def _as_vector(index, op):
    if index.ndim > 1:
        raise RuntimeError(f"{op}: the index of a 0-d tensor must have at most one dimension")
    return reshape(index, -1)


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*tensor.shape, num_classes) with a 1 at each class
    index; ``num_classes=-1`` takes the largest index + 1. Not differentiable."""
    if not isinstance(tensor, Tensor) or tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensors of dtype int64 (LongTensor), "
                           f"got {getattr(tensor, 'dtype', type(tensor).__name__)}")
    backend, values = tensor._backend, tensor._array
    xp = backend.xp
    if tensor.numel():
        low, high = (int(backend.to_host(f(values))) for f in (xp.min, xp.max))
        if low < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {low}")
        if num_classes == -1:
            num_classes = high + 1
        elif high >= num_classes:
            raise RuntimeError(f"one_hot: class values must be smaller than num_classes "
                               f"({num_classes}), got {high}")
    elif num_classes == -1:
        raise RuntimeError("one_hot: can not infer the total number of classes from an empty "
                           "tensor; pass num_classes")
    if num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be non-negative or -1, got {num_classes}")
    result = values[..., None] == xp.arange(num_classes)
    return new_tensor(result.astype(np.int64), backend, None, 0)
