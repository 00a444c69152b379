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

from ..autograd import tracing
from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from ..backend import array_module
from ..tensor import Tensor, new_tensor
from .arguments import tensor_arguments
from .elementwise import (computed_in_float32, exp, float_function, gradient_where, refuse_dtype,
                          where)
from .shape import broadcast_to, reshape


def normalize_dims(dim, ndim, op="dim"):
    """``dim`` as a sorted tuple of non-negative axes (``None``, ``()``, ``[]`` = all,
    as in PyTorch). As PyTorch, a dim outside [-ndim, ndim - 1] (a 0-d tensor takes
    -1 and 0) is an IndexError naming the valid range, a repeated one a RuntimeError;
    ``op`` names the function in the message."""
    if dim is None or not isinstance(dim, int) and len(dim) == 0:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    size = builtins.max(ndim, 1)
    result = []
    for d in dims:
        if not -size <= d < size:
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                             f"[{-size}, {size - 1}], but got {d})")
        axis = d % size
        if axis in result:
            raise RuntimeError(f"{op}: dim {axis} appears multiple times in the list of dims {dims}")
        result.append(axis)
    return tuple(sorted(result)) if ndim else ()


def refuse_empty(x, dim, dims, op, unspecified_error=RuntimeError):
    """PyTorch's errors for a reduction that picks an element (max, argmax, ...)
    from none: a reduced dimension of size 0, or no ``dim`` given for an empty tensor."""
    if x._array.size == 0 and (dim is None or not isinstance(dim, int) and len(dim) == 0):
        raise unspecified_error(f"{op}(): Expected reduction dim to be specified for "
                                "input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
    for axis in dims:
        if x.shape[axis] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")


def resolve_keepdim(keepdim, keepdims):
    """``keepdims=`` is accepted as an alias of ``keepdim=``, as PyTorch accepts it."""
    return keepdim if keepdims is None else bool(keepdims)


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


def _count(shape, dims):
    """How many elements a reduction over ``dims`` of an array of ``shape`` combines."""
    count = 1
    for axis in dims:
        count *= shape[axis]
    return count


def mean_of_array(xp, x, dims, keepdim):
    """The mean of the array ``x`` over ``dims``: its sum (float16 summed in float32, as
    PyTorch and NumPy's ``mean`` do) divided by the count, as an array of x's dtype;
    NaN over no elements."""
    count = _count(x.shape, dims)
    total = x.sum(axis=dims, keepdims=keepdim, dtype=xp.float32 if x.dtype == xp.float16 else None)
    if count == 0:
        return xp.full(total.shape, float("nan"), dtype=x.dtype)
    mean = xp.empty(total.shape, dtype=x.dtype)  # an array, also for a 0-d total
    return xp.divide(total, count, out=mean)


class Mean(Function):
    """y = (1/n) Σ x over dims;  dy/dx = 1/n

    On arrays the mean is the sum divided by n (float16 summed in float32, as
    PyTorch and NumPy's ``mean`` do) and the gradient one division written
    straight into an array of the input's shape: both are a single array call
    each, where NumPy's ``mean`` and ``broadcast_to`` run Python code around it.
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.input_shape, ctx.dims = x.shape, dims
        ctx.count = _count(x.shape, dims)
        return mean_of_array(ctx.xp, x, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return spread_back(grad, ctx.input_shape, ctx.dims) / ctx.count
        spread = ctx.xp.empty(ctx.input_shape, dtype=grad.dtype)
        ctx.xp.divide(grad.reshape(kept_shape(ctx.input_shape, ctx.dims)), ctx.count, out=spread)
        return spread


class Amax(Function):
    """y = max x over dims;  the gradient is shared evenly by the maximal elements

    The other elements get 0: selected for ``max``/``min`` (so an infinite
    incoming gradient gives 0 there, as in PyTorch), where a NaN result counts
    as the extreme of the NaN elements (PyTorch gives them its gradient); ``amax``/``amin``
    (``select_extremes=False``) multiply by the 0/1 mask instead, as PyTorch's
    do, so ∞ · 0 = NaN there.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, take_min=False, select_extremes=True):
        y = x.min(axis=dims, keepdims=True) if take_min else x.max(axis=dims, keepdims=True)
        ctx.dims, ctx.select_extremes = dims, select_extremes
        ctx.save_for_backward(x)
        ctx.save_intermediates(y)  # compared with x only: a constant to the gradient
        return y if keepdim else y.reshape(tuple(s for a, s in enumerate(y.shape) if a not in dims))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        y, = ctx.saved_intermediates
        is_extreme = x == y
        if ctx.select_extremes:  # a NaN maximum came from the NaN elements: theirs is the gradient
            is_extreme = is_extreme | ((x != x) & (y != y))
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
        if x.size == 0:  # a sum of no terms is 0, and log 0 = -inf (an empty result stays empty)
            y = xp.full(kept_shape(x.shape, dims), -xp.inf, dtype=x.dtype)
        else:
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


def _shift(x, dim):
    """max x along dim, subtracted before exp so that nothing overflows; 0 for an
    empty x (whose softmax is empty, as in PyTorch)."""
    return x.max(axis=dim, keepdims=True) if x.size else 0


class Softmax(Function):
    """y_i = e^(x_i - m) / Σ_j e^(x_j - m) along dim (m = max x: no overflow);
    dL/dx = y ⊙ (g - Σ_j g_j y_j)"""

    @staticmethod
    def forward(ctx, x, dim):
        e = ctx.xp.exp(x - _shift(x, dim))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True))


def log_softmax_array(xp, x, dim):
    """x − m − log Σ e^(x − m) along dim (m = max x: no overflow), on an array."""
    shifted = x - _shift(x, dim)
    total = xp.exp(shifted).sum(axis=dim, keepdims=True)
    return shifted - xp.log(total) if x.size else shifted  # empty: no log 0


class LogSoftmax(Function):
    """y = x - logsumexp(x) along dim;  dL/dx = g - e^y · Σ_j g_j"""

    @staticmethod
    def forward(ctx, x, dim):
        y = log_softmax_array(ctx.xp, x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad - exp(y) * grad.sum(ctx.dim, keepdim=True)


@autocast_op("sum")
@tensor_arguments("x")
def sum(x, dim=None, keepdim=False, *, keepdims=None):
    """The sum over ``dim`` (all elements by default), optionally keeping the dimension.
    Integer and boolean tensors sum to int64, as in PyTorch."""
    return Sum.apply(x, dims=normalize_dims(dim, x.ndim, "sum"),
                     keepdim=resolve_keepdim(keepdim, keepdims))


@tensor_arguments("x")
def mean(x, dim=None, keepdim=False, *, keepdims=None):
    """The mean over ``dim`` (all elements by default), optionally keeping the dimension.
    Floating tensors only, as in PyTorch; over no elements it is NaN."""
    refuse_dtype(x, "mean()", "biu", RuntimeError)
    return Mean.apply(x, dims=normalize_dims(dim, x.ndim, "mean"),
                      keepdim=resolve_keepdim(keepdim, keepdims))


class Variance(Function):
    """y = Σ (x − x̄)² / (n − correction) over dims (x̄ the mean, n the count);
    dy/dx = 2 (x − x̄) / (n − correction)

    One operation, with PyTorch's gradient formula: composed from a mean, a
    square and a sum, an infinite incoming gradient would meet the mean's
    gradient Σ (x − x̄) = 0 as inf − inf = NaN where PyTorch gives ±inf.
    Where n ≤ correction the value is Σ (x − x̄)² / 0 (inf, or NaN for a constant
    input), and the gradient is PyTorch's: 2/(n − correction) (inf at n = correction)
    over given dims; over all dims (``dims_given=False``), ±inf, NaN where x = x̄.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction, dims_given):
        count = 1
        for axis in dims:
            count *= x.shape[axis]
        centered = x - x.mean(axis=dims, keepdims=True)
        y = (centered * centered).sum(axis=dims, keepdims=keepdim) / builtins.max(count - correction, 0)
        ctx.dims, ctx.count, ctx.correction, ctx.dims_given = dims, count, correction, dims_given
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        grad = spread_back(grad, x.shape, ctx.dims)
        x_mean = mean(x, ctx.dims, keepdim=True)
        degrees_of_freedom = ctx.count - ctx.correction
        if degrees_of_freedom <= 0 and not ctx.dims_given:
            return grad * where(x == x_mean, float("nan"), float("inf"))
        scale = 2 / degrees_of_freedom if degrees_of_freedom else float("inf")
        return scale * grad * (x - x_mean)


@tensor_arguments("x")
def var(x, dim=None, *, correction=None, keepdim=False, unbiased=None, keepdims=None):
    """Σ (x - mean)² / (n - correction); correction=1 (Bessel's, the default) or 0."""
    refuse_dtype(x, "var and std", "biu", RuntimeError)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = normalize_dims(dim, x.ndim, "var")
    dims_given = x.ndim > 0 and not (dim is None or not isinstance(dim, int) and len(dim) == 0)
    return computed_in_float32(
        lambda value: Variance.apply(value, dims=dims, keepdim=resolve_keepdim(keepdim, keepdims),
                                     correction=correction, dims_given=dims_given), x)


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


@tensor_arguments("x")
def std(x, dim=None, *, correction=None, keepdim=False, unbiased=None, keepdims=None):
    """√var; its gradient is 0 where the standard deviation is 0 (as in PyTorch)."""
    return computed_in_float32(lambda value: SqrtOfVariance.apply(var(
        value, dim, correction=correction, keepdim=keepdim, unbiased=unbiased, keepdims=keepdims)), x)


def _extreme(x, dim, keepdim, op, take_min, select_extremes):
    """amax, amin, max and min: the checks, then the one Function."""
    dims = normalize_dims(dim, x.ndim, op)
    refuse_empty(x, dim, dims, op)
    return Amax.apply(x, dims=dims, keepdim=keepdim, take_min=take_min,
                      select_extremes=select_extremes)


@tensor_arguments("x")
def amax(x, dim=(), keepdim=False, *, keepdims=None):
    """The maximum over ``dim`` (all dims when empty or None); ties share the gradient."""
    return _extreme(x, dim, resolve_keepdim(keepdim, keepdims), "amax", False, False)


@tensor_arguments("x")
def amin(x, dim=(), keepdim=False, *, keepdims=None):
    """The minimum over ``dim`` (all dims when empty or None); ties share the gradient."""
    return _extreme(x, dim, resolve_keepdim(keepdim, keepdims), "amin", True, False)


# named as PyTorch's torch.return_types.max / .min (as sort's and median's are)
MaxResult = collections.namedtuple("max", ["values", "indices"])
MinResult = collections.namedtuple("min", ["values", "indices"])


@tensor_arguments("x")
def max(x, dim=None, keepdim=False, *, keepdims=None):
    """``max(x)``: the largest element. ``max(x, dim)``: ``(values, indices)``
    along ``dim``, as in PyTorch. ``max(x, other_tensor)``: ``maximum``."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(x, dim)
    keepdim = resolve_keepdim(keepdim, keepdims)
    if dim is None:
        return _extreme(x, None, False, "max", False, True)
    return MaxResult(_extreme(x, dim, keepdim, "max", False, True),
                     _index_of_extreme(x, dim, keepdim, "argmax"))


@tensor_arguments("x")
def min(x, dim=None, keepdim=False, *, keepdims=None):
    """``min(x)``, ``min(x, dim)`` → ``(values, indices)``, or ``minimum(x, other)``."""
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(x, dim)
    keepdim = resolve_keepdim(keepdim, keepdims)
    if dim is None:
        return _extreme(x, None, False, "min", True, True)
    return MinResult(_extreme(x, dim, keepdim, "min", True, True),
                     _index_of_extreme(x, dim, keepdim, "argmin"))


@tensor_arguments("x")
def argmax(x, dim=None, keepdim=False, *, keepdims=None):
    """The index of the largest element (flat when ``dim`` is None); not differentiable."""
    refuse_dtype(x, "argmax()", "b", RuntimeError, "x.int()")
    return _index_of_extreme(x, dim, resolve_keepdim(keepdim, keepdims), "argmax")


@tensor_arguments("x")
def argmin(x, dim=None, keepdim=False, *, keepdims=None):
    """The index of the smallest element (flat when ``dim`` is None); not differentiable."""
    refuse_dtype(x, "argmin()", "b", RuntimeError, "x.int()")
    return _index_of_extreme(x, dim, resolve_keepdim(keepdim, keepdims), "argmin")


def _index_of_extreme(x, dim, keepdim, function_name):
    """argmax/argmin along one dim, or of the flattened tensor when ``dim`` is None
    (with keepdim: every dimension kept with size 1, as in PyTorch)."""
    if dim is None:
        refuse_empty(x, None, (), function_name, IndexError)
        axis = None
    else:
        if not isinstance(dim, int):
            raise TypeError(f"{function_name}(): dim must be an int, got {type(dim).__name__}")
        dims = normalize_dims(dim, x.ndim, function_name)
        refuse_empty(x, dim, dims, function_name)
        axis = dims[0] if dims else None  # (a 0-d tensor: its one element)
    # (mg.compile: a call of the replay, computed from the array at every replay)
    indices = tracing.derived(_extreme_index, x, x._backend.xp, function_name, axis, keepdim)
    return new_tensor(indices, x._backend, None, 0)


def _extreme_index(array, xp, function_name, axis, keepdim):
    if array.ndim == 0:
        return xp.zeros((), dtype="int64")
    find = getattr(xp, function_name)
    if axis is None:
        indices = xp.asarray(find(array))
        return indices.reshape((1,) * array.ndim) if keepdim else indices
    return find(array, axis=axis, keepdims=keepdim)


@autocast_op("logsumexp")
@tensor_arguments("x")
def logsumexp(x, dim, keepdim=False, *, keepdims=None):
    """log Σ exp(x) over ``dim``, stable for any finite input; −∞ over no elements."""
    return float_function(LogSumExp, x, "logsumexp", dims=normalize_dims(dim, x.ndim, "logsumexp"),
                          keepdim=resolve_keepdim(keepdim, keepdims))


def _softmax_dim(x, dim, op):
    if not isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_dims(dim, x.ndim, op)[0] if x.ndim else 0


def _empty_integer_copy(x):
    """An empty integer or boolean tensor, copied: PyTorch's softmax and log_softmax
    return an empty input before their dtype check. None for any other tensor."""
    if x._array.size == 0 and x.dtype.kind in "biu":
        return new_tensor(x._array.copy(), x._backend, None, 0)
    return None


@autocast_op("softmax")
@tensor_arguments("x")
def softmax(x, dim):
    """e^x / Σ e^x along ``dim``, stable for any finite input (floating tensors only;
    an empty integer tensor comes back as it is, as in PyTorch)."""
    dim = _softmax_dim(x, dim, "softmax")
    empty = _empty_integer_copy(x)
    if empty is not None:
        return empty
    refuse_dtype(x, "softmax", "biu")
    return computed_in_float32(lambda value: Softmax.apply(value, dim=dim), x)


@autocast_op("log_softmax")
@tensor_arguments("x")
def log_softmax(x, dim):
    """x - logsumexp(x) along ``dim``, stable for any finite input (floating tensors only;
    an empty integer tensor comes back as it is, as in PyTorch)."""
    dim = _softmax_dim(x, dim, "log_softmax")
    empty = _empty_integer_copy(x)
    if empty is not None:
        return empty
    refuse_dtype(x, "log_softmax", "biu")
    return computed_in_float32(lambda value: LogSoftmax.apply(value, dim=dim), x)
