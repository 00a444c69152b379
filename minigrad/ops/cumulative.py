"""Running sums and products along a dimension (``cumsum``, ``cumprod``) and the
product of all elements (``prod``).

For y_k = Σ_{j≤k} x_j (cumsum), dL/dx_i = Σ_{k≥i} g_k: the running sum of the
incoming gradient taken from the end (reverse, cumsum, reverse).

For y_k = Π_{j≤k} x_j (cumprod), dL/dx_i = Σ_{k≥i} g_k Π_{j≤k, j≠i} x_j, and for
y = Π_j x_j (prod), dy/dx_i = Π_{j≠i} x_j. Dividing by x_i would give these where
x_i ≠ 0 only; zeros are handled as PyTorch handles them (one zero gets the
product of the others, every element after it 0 in cumprod; with two zeros or
more, prod's gradient is 0 everywhere), without division wherever it would be
by zero.

Integer and boolean inputs give int64 (no gradient), as in PyTorch; ``dtype=``
casts the input first.
"""
import numpy as np

from ..autograd.autocast_hook import autocast_op
from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import new_tensor
from .arguments import tensor_arguments
from .dims import normalize_dim
from .elementwise import cast, computed_in_float32, gradient_where, where
from .reduction import resolve_keepdim, spread_back, sum
from .shape import broadcast_to, cat, getitem, narrow, reshape, transpose, unsqueeze


def _reverse(x, dim):
    """x with its elements along ``dim`` in reverse order (differentiable)."""
    return getitem(x, (slice(None),) * dim + (slice(None, None, -1),))


def _reverse_cumsum(x, dim):
    """z_i = Σ_{k≥i} x_k along ``dim``: the running sum from the end."""
    return _reverse(cumsum(_reverse(x, dim), dim), dim)


def _shifted_in_one(x, dim):
    """x moved one place along ``dim``, with 1 in front: the exclusive running
    product when x is the inclusive one (x has at least one element along dim)."""
    xp = x._backend.xp
    shape = tuple(1 if axis == dim else size for axis, size in enumerate(x.shape))
    one = new_tensor(xp.ones(shape, dtype=x.dtype), x._backend, None, 0)
    return cat([one, narrow(x, dim, 0, x.shape[dim] - 1)], dim)


def _product_of_the_others(x, dim):
    """Π_{j≠i} x_j along ``dim``, for every i: the running product from the front
    times the one from the back, each excluding x_i. Exact at zeros, and
    differentiable again (through cumprod)."""
    if x.shape[dim] <= 1:
        return new_tensor(x._backend.xp.ones(x.shape, dtype=x.dtype), x._backend, None, 0)
    before = _shifted_in_one(cumprod(x, dim), dim)
    after = _reverse(_shifted_in_one(cumprod(_reverse(x, dim), dim), dim), dim)
    return before * after


def _result_dtype(x):
    """Integer and boolean tensors accumulate in int64, as in PyTorch."""
    return np.int64 if x.dtype.kind in "biu" else None


class Cumsum(Function):
    """y_k = Σ_{j≤k} x_j along dim;  dL/dx_i = Σ_{k≥i} g_k"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return ctx.xp.cumsum(x, axis=dim, dtype=_result_dtype(x))

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.dim)


class Cumprod(Function):
    """y_k = Π_{j≤k} x_j along dim;  dL/dx_i = Σ_{k≥i} g_k Π_{j≤k, j≠i} x_j

    Before the first zero of x this is (Σ_{k≥i} g_k y_k) / x_i (y_k = 0 from the
    zero on, so the sum stops there). At the first zero z it is
    y_{z-1} · Σ_{k≥z} g_k Π_{z<j≤k} x_j (a running product that skips x_z).
    After it, every product contains x_z = 0: the gradient is 0. Each sum takes
    only its own range's terms (PyTorch's masks), so an infinite g_k past a zero
    (g_k y_k = ∞ · 0) does not make the earlier gradients NaN.

    That O(n) form is exact, but where x has zeros its own derivative is not
    (its branches are chosen by where the zeros are). So when the gradient will be
    differentiated again (``create_graph=True``), the sum is taken as written, an
    O(n²) product for every pair (i, k), as PyTorch does.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = ctx.xp.cumprod(x, axis=dim, dtype=_result_dtype(x))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dim = ctx.dim
        if x.shape[dim] <= 1:  # y = x
            return grad
        if grad_mode._state.enabled:
            return _cumprod_gradient_as_written(grad, x, dim)
        # PyTorch's masks, selected (never multiplied): a term g_k y_k past the first
        # zero is ∞ · 0 = NaN for an infinite g_k, and must not reach the sums
        is_zero = x == 0
        zeros_so_far = cumsum(is_zero, dim)
        before_first_zero = zeros_so_far == 0
        up_to_second_zero = zeros_so_far == 1
        at_first_zero = is_zero & up_to_second_zero
        between_zeros = up_to_second_zero & ~is_zero
        before = (_reverse_cumsum(where(before_first_zero, grad * y, 0.0), dim)
                  / where(before_first_zero, x, 1.0))
        skipping_zero = cumprod(where(between_zeros, x, 1.0), dim)
        after_zero = sum(skipping_zero * where(up_to_second_zero, grad, 0.0), dim, keepdim=True)
        at_zero = after_zero * _shifted_in_one(y, dim)
        return where(before_first_zero, before, gradient_where(at_first_zero, at_zero))


def _cumprod_gradient_as_written(grad, x, dim):
    """dL/dx_i = Σ_{k≥i} g_k Π_{j≤k, j≠i} x_j, with the products for every (i, k)
    taken as the running product over k of x with x_i replaced by 1."""
    xp, size = x._backend.xp, x.shape[dim]
    x, grad = transpose(x, dim, -1), transpose(grad, dim, -1)
    positions = xp.arange(size)
    own_place = new_tensor(positions[:, None] == positions[None, :], x._backend, None, 0)
    from_i_on = new_tensor(positions[None, :] >= positions[:, None], x._backend, None, 0)
    rows = broadcast_to(unsqueeze(x, -2), x.shape[:-1] + (size, size))   # rows[..., i, j] = x_j
    products = cumprod(where(own_place, 1.0, rows), -1)                # [..., i, k]
    terms = where(from_i_on, unsqueeze(grad, -2) * products, 0.0)
    return transpose(sum(terms, -1), dim, -1)


class Prod(Function):
    """y = Π x over ``dim`` (every element when None);  dy/dx_i = Π_{j≠i} x_j

    Taken as PyTorch takes it: y / x_i when x has no zero at all (g · (y / x));
    else the product of the others (exact at zeros); and, for the product of every
    element with two zeros or more, 0 (when the gradient will not be differentiated
    again: then every product of the others holds a zero, whatever g is).
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.dim = dim
        y = ctx.xp.asarray(ctx.xp.prod(x, axis=dim, keepdims=keepdim, dtype=_result_dtype(x)))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if x.ndim == 0:  # y = x
            return grad
        if ctx.dim is None:
            others = reshape(_product_of_the_others(reshape(x, -1), 0), x.shape)
            dims = tuple(range(x.ndim))
        else:
            others, dims = _product_of_the_others(x, ctx.dim), (ctx.dim,)
        grad = spread_back(grad, x.shape, dims)
        is_zero = x == 0
        zero_count = sum(is_zero)
        divided = grad * (spread_back(y, x.shape, dims) / where(is_zero, 1.0, x))
        gradient = where(zero_count > 0, grad * others, divided)
        if ctx.dim is None and not grad_mode._state.enabled:
            gradient = where(zero_count > 1, 0.0, gradient)
        return gradient


def _along_one_dim(function, x, dim, dtype, op):
    """cumsum/cumprod: ``dtype`` cast first; a 0-d tensor as a one-element vector;
    float16 computed in float32 and rounded once, as PyTorch accumulates."""
    dim = normalize_dim(dim, x.ndim, op)
    if dtype is not None:
        x = cast(x, dtype)
    if x.ndim == 0:
        return reshape(function.apply(reshape(x, 1), dim=0), ())
    return computed_in_float32(lambda value: function.apply(value, dim=dim), x)


@autocast_op("cumsum")
@tensor_arguments("input")
def cumsum(input, dim, *, dtype=None):
    """The running sum along ``dim``: y_k = x_0 + … + x_k (int64 for integer input)."""
    return _along_one_dim(Cumsum, input, dim, dtype, "cumsum")


@autocast_op("cumprod")
@tensor_arguments("input")
def cumprod(input, dim, *, dtype=None):
    """The running product along ``dim``: y_k = x_0 · … · x_k (int64 for integer
    input); its gradient is exact where x has zeros, as in PyTorch."""
    return _along_one_dim(Cumprod, input, dim, dtype, "cumprod")


@autocast_op("prod")
@tensor_arguments("input")
def prod(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """The product of all elements, or along one ``dim`` (an int, as in PyTorch);
    int64 for integer input; ``dtype=`` casts first. Its gradient is the product
    of the other elements, exact where there are zeros."""
    if dim is not None:
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
        dim = normalize_dim(dim, input.ndim, "prod")
        if input.ndim == 0:
            dim = None
    keepdim = resolve_keepdim(keepdim, keepdims)
    if dtype is not None:
        input = cast(input, dtype)
    return computed_in_float32(lambda value: Prod.apply(value, dim=dim, keepdim=keepdim), input)
