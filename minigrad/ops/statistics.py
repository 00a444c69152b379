"""Statistics of a tensor: ``aminmax``, ``std_mean``, ``var_mean``, ``median``, ``quantile``.

The order statistics pick elements of x: the median's gradient goes to the
element it picked (with ``dim``: the one at the returned index; without: shared
evenly by every element equal to the median, as in PyTorch), and a quantile
between two elements is their linear interpolation, differentiable in both.
NaN is larger than every number when sorting; a NaN in the reduced elements
makes the median and the quantiles NaN, as in PyTorch.
"""
import collections
import numbers

import numpy as np

from ..autograd import tracing
from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from ..tensor import Tensor, new_tensor
from .arguments import tensor_arguments
from .arithmetic import Lerp
from .dims import normalize_dim
from .elementwise import clone, gradient_where, refuse_dtype
from .indexing import gather
from .reduction import amax, amin, mean, refuse_empty, resolve_keepdim, std, var
from .shape import permute, reshape, squeeze, unsqueeze

AminmaxResult = collections.namedtuple("aminmax", ["min", "max"])
MedianResult = collections.namedtuple("median", ["values", "indices"])


def _int_dim(dim, op):
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return dim


def aminmax(input, *, dim=None, keepdim=False, keepdims=None):
    """``(min, max)`` over one ``dim`` or, when None, every element; ties share the
    gradient evenly, as ``amin``/``amax``."""
    keepdim = resolve_keepdim(keepdim, keepdims)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = ()
    else:
        dims = normalize_dim(_int_dim(dim, "aminmax"), input.ndim, "aminmax")
        refuse_empty(input, dim, (dims,) if input.ndim else (), "aminmax")
    if dim is None and keepdim:  # PyTorch keeps every dimension, with size 1
        return AminmaxResult(reshape(amin(input), (1,) * input.ndim),
                             reshape(amax(input), (1,) * input.ndim))
    return AminmaxResult(amin(input, dims, keepdim), amax(input, dims, keepdim))


def _moments(second, x, dim, unbiased, keepdim, correction, keepdims):
    """``(var or std, mean)``: ``unbiased`` may come second, as in PyTorch's
    ``var_mean(x, True)``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    keepdim = resolve_keepdim(keepdim, keepdims)
    spread = second(x, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    return spread, mean(x, dim, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """``(var, mean)`` over ``dim``: the variance Σ (x - mean)² / (n - correction)
    (correction=1 by default; ``unbiased=False`` is correction=0) and the mean."""
    return _moments(var, input, dim, unbiased, keepdim, correction, keepdims)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """``(std, mean)`` over ``dim``: √var (see ``var_mean``) and the mean."""
    return _moments(std, input, dim, unbiased, keepdim, correction, keepdims)


# ---------------------------------------------------------------- median
def _flat_median_position(array, xp):
    return _median_positions(array.reshape(-1), 0, xp).reshape(())


def _zero_index(array, xp):
    return xp.zeros((), dtype=np.int64)


def _median_positions(array, axis, xp):
    """The index along ``axis`` of the lower median of each slice, keeping the axis:
    the element at sorted position (n - 1) // 2 (a stable sort), or, where the
    slice has a NaN, its first NaN."""
    order = xp.argsort(array, axis=axis, kind="stable")
    size = array.shape[axis]
    nan_count = xp.isnan(array).sum(axis=axis, keepdims=True) if array.dtype.kind == "f" else 0
    position = xp.where(nan_count > 0, size - nan_count, (size - 1) // 2).astype(np.int64)
    position = xp.broadcast_to(position, tuple(1 if a == axis else s
                                               for a, s in enumerate(array.shape)))
    return xp.take_along_axis(order, position, axis=axis).astype(np.int64)


class SharedByEqualElements(Function):
    """y = x[i] for a chosen element i;  the gradient is shared evenly by every
    element equal to y (NaN counting as equal to NaN), as PyTorch's ``median()``."""

    @staticmethod
    def forward(ctx, x, flat_index):
        y = x.reshape(-1)[flat_index]
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        equal = (x == y) | ((x != x) & (y != y))
        count = equal.sum()
        return gradient_where(equal, grad / count), None


@tensor_arguments("input")
def median(input, dim=None, keepdim=False, *, keepdims=None):
    """``median(x)``: the lower median of all elements (the smaller of the two middle
    ones for an even count); NaN if there is a NaN, NaN for no elements.
    ``median(x, dim)``: ``(values, indices)`` along ``dim``, as in PyTorch.
    Boolean tensors are refused, as in PyTorch."""
    refuse_dtype(input, "median", "b", hint="x.int()")
    keepdim = resolve_keepdim(keepdim, keepdims)
    xp = input._backend.xp
    if dim is None:
        if input.numel() == 0:
            return new_tensor(xp.full((), xp.nan, dtype=input.dtype), input._backend, None, 0)
        # (mg.compile: the positions are a call of the replay, computed at every replay)
        flat_index = tracing.derived(_flat_median_position, input, xp)
        return SharedByEqualElements.apply(input, flat_index)
    dim = normalize_dim(_int_dim(dim, "median"), input.ndim, "median")
    if input.ndim == 0:
        index = new_tensor(tracing.derived(_zero_index, input, xp), input._backend, None, 0)
        return MedianResult(clone(input), index)
    refuse_empty(input, dim, (dim,), "median")
    indices = new_tensor(tracing.derived(_median_positions, input, dim, xp), input._backend,
                         None, 0)
    values = gather(input, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return MedianResult(values, indices)


# ---------------------------------------------------------------- quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@autocast_op("quantile")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", keepdims=None):
    """The q-th quantiles of the elements along ``dim`` (all elements, flattened, when
    None), as ``torch.quantile``: with the sorted values v_0 ≤ … ≤ v_{n-1}, the
    quantile q sits at rank r = q·(n - 1); between v_⌊r⌋ and v_⌈r⌉ it is their
    ``linear`` interpolation, the ``lower`` or ``higher`` of the two, their
    ``midpoint`` or the ``nearest`` (r rounded half to even). ``q`` is a number or
    a 0-d or 1-D tensor of input's dtype, in [0, 1]; a 1-D q adds its dimension
    in front of the result. Differentiable in the input."""
    keepdim = resolve_keepdim(keepdim, keepdims)
    xp = input._backend.xp
    if input.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q._backend is not input._backend:
            raise RuntimeError(f"quantile() q tensor must be on the same device as the input "
                               f"tensor ({input.device}), got {q.device}")
        q_values, q_is_vector = input._backend.to_host(q._array).astype(np.float64), q.ndim == 1
    elif isinstance(q, numbers.Real) and not isinstance(q, bool):
        q_values, q_is_vector = np.asarray(float(q)), False
    else:
        raise TypeError(f"quantile(): argument 'q' must be a float or a Tensor, not "
                        f"{type(q).__name__}")
    for value in q_values.reshape(-1):
        if not 0 <= value <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {value}")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")

    if dim is None:
        values, axis = reshape(input, -1), 0
    else:
        axis = normalize_dim(_int_dim(dim, "quantile"), input.ndim, "quantile")
        values = reshape(input, 1) if input.ndim == 0 else input
    order = new_tensor(xp.argsort(values._array, axis=axis, kind="stable").astype(np.int64),
                       values._backend, None, 0)
    ordered = gather(values, axis, order)
    size = values.shape[axis]
    ranks = q_values.reshape(-1) * (size - 1)
    below, above = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    if interpolation == "higher":
        below = above
    elif interpolation == "nearest":
        below = np.round(ranks).astype(np.int64)
    q_along_axis = (1,) * axis + (-1,) + (1,) * (values.ndim - axis - 1)
    # a NaN anywhere in a slice is sorted last: there every rank is the last one
    # (as in PyTorch), so the quantile is that NaN and takes its gradient
    has_nan = xp.isnan(ordered._array).any(axis=axis, keepdims=True)

    def at(positions):  # the sorted values at these positions, q's dimension in place of axis
        index = xp.where(has_nan, size - 1, xp.asarray(positions).reshape(q_along_axis))
        return gather(ordered, axis, new_tensor(index, values._backend, None, 0))
    if interpolation in ("lower", "higher", "nearest"):
        result = at(below)
    else:
        weights = np.full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        weights = xp.asarray(weights.astype(input.dtype)).reshape(q_along_axis)
        if interpolation == "linear":  # the last rank is a whole one: weight 0
            weights = xp.where(has_nan, 0, weights).astype(input.dtype)
        weight = new_tensor(weights, values._backend, None, 0)
        result = Lerp.apply(at(below), at(above), weight)
    # the quantiles' dimension goes first, then keepdim's dimensions of size 1
    result = permute(result, axis, *(a for a in range(values.ndim) if a != axis))
    if keepdim and dim is None:
        result = reshape(result, (len(below),) + (1,) * input.ndim)
    elif keepdim and input.ndim:
        result = unsqueeze(result, axis + 1)
    return result if q_is_vector else squeeze(result, 0)
