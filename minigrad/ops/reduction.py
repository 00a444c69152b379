"""Reductions (sum, mean, var, max, logsumexp) and the softmax family.

``dim`` is an int, a tuple of ints, or None (or ``()``) for all dimensions; ``keepdim``
keeps the reduced dimensions with size 1. A reduction's gradient is spread
back over the reduced dimensions: first the kept-dim shape is restored with
``reshape``, then ``broadcast_to`` copies it along them.

Ties: ``max``/``min``/``amax``/``amin`` split the gradient evenly among all
elements equal to the maximum, like PyTorch's ``amax`` (PyTorch's
``max(dim=...)`` gives it all to the element at the returned index instead).
"""
import builtins
import collections

from ..autograd.function import Function
from ..backend import array_module
from ..tensor import Tensor, new_tensor
from .elementwise import exp, float_function, gradient_where, refuse_dtype, where
from .shape import broadcast_to, reshape


def normalize_dims(dim, ndim):
    """``dim`` as a sorted tuple of non-negative axes (``None``, ``()``, ``[]`` = all,
    as in PyTorch)."""
    if dim is None or not isinstance(dim, int) and len(dim) == 0:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    result = []
    for d in dims:
        if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
            raise IndexError(f"dimension {d} is out of range for a tensor with {ndim} dimensions")
        result.append(d % ndim if ndim else 0)
    if len(set(result)) != len(result):
        raise ValueError(f"dimension repeated in dim={dim}")
    return tuple(sorted(result)) if ndim else ()


def kept_shape(shape, dims):
    """The shape after reducing ``dims`` with keepdim=True."""
    return tuple(1 if axis in dims else size for axis, size in enumerate(shape))


def spread_back(grad, input_shape, dims):
    """A reduction's output gradient, broadcast over the dimensions it reduced
    (a Tensor, or an array when the backward runs on arrays)."""
    if not isinstance(grad, Tensor):
        return array_module(grad).broadcast_to(grad.reshape(kept_shape(input_shape, dims)),
                                               input_shape)
    return broadcast_to(reshape(grad, kept_shape(input_shape, dims)), input_shape)


class Sum(Function):
    """y = Σ x over dims;  dy/dx = 1 for every summed element

    Integer and boolean tensors are summed in int64, as in PyTorch (NumPy would
    give uint64 for unsigned input).
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.input_shape, ctx.dims = x.shape, dims
        return x.sum(axis=dims, keepdims=keepdim, dtype="int64" if x.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx, grad):
        return spread_back(grad, ctx.input_shape, ctx.dims)


class Mean(Function):
    """y = (1/n) Σ x over dims;  dy/dx = 1/n"""

    array_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.input_shape, ctx.dims = x.shape, dims
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        count = 1
        for axis in ctx.dims:
            count *= ctx.input_shape[axis]
        return spread_back(grad, ctx.input_shape, ctx.dims) / count


class Amax(Function):
    """y = max x over dims;  the gradient is shared evenly by the maximal elements

    The other elements get 0: selected for ``max``/``min`` (so an infinite
    incoming gradient gives 0 there, as in PyTorch); ``amax``/``amin``
    (``select_extremes=False``) multiply by the 0/1 mask instead, as PyTorch's
    do, so ∞ · 0 = NaN there.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, take_min=False, select_extremes=True):
        y = x.min(axis=dims, keepdims=True) if take_min else x.max(axis=dims, keepdims=True)
        ctx.dims, ctx.select_extremes = dims, select_extremes
        ctx.save_for_backward(x, y)
        return y if keepdim else y.reshape(tuple(s for a, s in enumerate(y.shape) if a not in dims))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        is_extreme = x == y
        count = is_extreme.to(grad.dtype).sum(ctx.dims, keepdim=True)
        share = spread_back(grad, x.shape, ctx.dims) / count
        if ctx.select_extremes:
            return gradient_where(is_extreme, share)
        return share * is_extreme.to(grad.dtype)


class LogSumExp(Function):
    """y = log Σ e^x over dims, computed as m + log Σ e^(x - m) with m = max x;
    dy/dx = e^(x - y) = softmax(x)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = ctx.xp
        shift = x.max(axis=dims, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0)
        y = xp.log(xp.exp(x - shift).sum(axis=dims, keepdims=True)) + shift
        if not keepdim:
            y = y.reshape(tuple(s for a, s in enumerate(y.shape) if a not in dims))
        ctx.dims = dims
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        y = reshape(y, kept_shape(x.shape, ctx.dims))
        return spread_back(grad, x.shape, ctx.dims) * exp(x - y)


class Softmax(Function):
    """y_i = e^(x_i - m) / Σ_j e^(x_j - m) along dim (m = max x: no overflow);
    dL/dx = y ⊙ (g - Σ_j g_j y_j)"""

    @staticmethod
    def forward(ctx, x, dim):
        e = ctx.xp.exp(x - x.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along dim;  dL/dx = g - e^y · Σ_j g_j"""

    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad - exp(y) * grad.sum(ctx.dim, keepdim=True)


def sum(x, dim=None, keepdim=False):
    """The sum over ``dim`` (all elements by default), optionally keeping the dimension."""
    return Sum.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim)


def mean(x, dim=None, keepdim=False):
    """The mean over ``dim`` (all elements by default), optionally keeping the dimension.
    Floating tensors only, as in PyTorch."""
    refuse_dtype(x, "mean()", "biu", RuntimeError)
    return Mean.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim)


def var(x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """Σ (x - mean)² / (n - correction); correction=1 (Bessel's, the default) or 0."""
    refuse_dtype(x, "var and std", "biu", RuntimeError)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = normalize_dims(dim, x.ndim)
    count = 1
    for axis in dims:
        count *= x.shape[axis]
    centered = x - mean(x, dims, keepdim=True)
    return sum(centered * centered, dims, keepdim) / builtins.max(count - correction, 0)


class SqrtOfVariance(Function):
    """y = √v for a variance v;  dy/dv = 1 / (2y), taken as 0 where y = 0

    That is PyTorch's convention for ``std``: a constant input has gradient 0,
    not 0 · ∞ = NaN (the centred values x - mean are all 0 there).
    """

    @staticmethod
    def forward(ctx, variance):
        y = ctx.xp.sqrt(variance)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        is_zero = y == 0
        return gradient_where(~is_zero, grad / (2 * where(is_zero, 1.0, y)))


def std(x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    """√var; its gradient is 0 where the standard deviation is 0 (as in PyTorch)."""
    return SqrtOfVariance.apply(var(x, dim, correction=correction, keepdim=keepdim,
                                    unbiased=unbiased))


def amax(x, dim=(), keepdim=False):
    """The maximum over ``dim`` (all dims when empty or None); ties share the gradient."""
    return Amax.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim, select_extremes=False)


def amin(x, dim=(), keepdim=False):
    """The minimum over ``dim`` (all dims when empty or None); ties share the gradient."""
    return Amax.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim, take_min=True,
                      select_extremes=False)


MaxResult = collections.namedtuple("MaxResult", ["values", "indices"])


def max(x, dim=None, keepdim=False):
    """``max(x)``: the largest element. ``max(x, dim)``: ``(values, indices)``
    along ``dim``, as in PyTorch. ``max(x, other_tensor)``: ``maximum``."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(x, dim)
    if dim is None:
        return Amax.apply(x, dims=normalize_dims(None, x.ndim), keepdim=False)
    values = Amax.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim)
    return MaxResult(values, _index_of_extreme(x, dim, keepdim, "argmax"))


def min(x, dim=None, keepdim=False):
    """``min(x)``, ``min(x, dim)`` → ``(values, indices)``, or ``minimum(x, other)``."""
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(x, dim)
    if dim is None:
        return Amax.apply(x, dims=normalize_dims(None, x.ndim), keepdim=False, take_min=True)
    values = Amax.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim, take_min=True)
    return MaxResult(values, _index_of_extreme(x, dim, keepdim, "argmin"))


def argmax(x, dim=None, keepdim=False):
    """The index of the largest element (flat when ``dim`` is None); not differentiable."""
    refuse_dtype(x, "argmax()", "b", RuntimeError, "x.int()")
    return _index_of_extreme(x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    """The index of the smallest element (flat when ``dim`` is None); not differentiable."""
    refuse_dtype(x, "argmin()", "b", RuntimeError, "x.int()")
    return _index_of_extreme(x, dim, keepdim, "argmin")


def _index_of_extreme(x, dim, keepdim, function_name):
    xp = x._backend.xp
    find = getattr(xp, function_name)
    indices = xp.asarray(find(x._array)) if dim is None else find(x._array, axis=dim, keepdims=keepdim)
    return new_tensor(indices, x._backend, None, 0)


def logsumexp(x, dim, keepdim=False):
    """log Σ exp(x) over ``dim``, stable for any finite input."""
    return float_function(LogSumExp, x, "logsumexp", dims=normalize_dims(dim, x.ndim),
                          keepdim=keepdim)


def softmax(x, dim):
    """e^x / Σ e^x along ``dim``, stable for any finite input (floating tensors only)."""
    refuse_dtype(x, "softmax", "biu")
    return Softmax.apply(x, dim=normalize_dims(dim, x.ndim)[0] if x.ndim else 0)


def log_softmax(x, dim):
    """x - logsumexp(x) along ``dim``, stable for any finite input (floating tensors only)."""
    refuse_dtype(x, "log_softmax", "biu")
    return LogSoftmax.apply(x, dim=normalize_dims(dim, x.ndim)[0] if x.ndim else 0)
