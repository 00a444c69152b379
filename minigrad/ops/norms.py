"""Norms: ``vector_norm``, ``matrix_norm``, ``linalg.norm`` and ``torch.norm``'s ``norm``.

The vector p-norm over ``dim`` is ‖x‖_p = (Σ |x_i|^p)^(1/p); ord=inf is max |x_i|,
-inf min |x_i|, 0 the number of nonzero elements. Its gradient, as PyTorch writes it:

- p = 2:       x / ‖x‖
- p = 1:       sign(x)
- p = ±inf:    sign(x), shared evenly by the elements where |x_i| = ‖x‖ (or is NaN),
               the share multiplied by that 0/1 mask (∞ · 0 = NaN elsewhere, as PyTorch)
- other p:     sign(x) |x|^(p-1) / ‖x‖^(p-1)
- p = 0:       none (the count does not change with x)

and 0 where ‖x‖ = 0 (the origin is a minimum of the 2-norm: its gradient there is
0, not 0/0), and 0 for an element x_i = 0 when p < 1.

The matrix norms over two dims: 'fro' (the 2-norm of all the elements), 1 and -1
(the largest and smallest column sum of |A|), inf and -inf (the same for rows).
The spectral norms (2, -2) and the nuclear norm ('nuc') need a singular value
decomposition, which minigrad does not have: they are refused.
"""
import math
import numbers

import numpy as np

from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from .elementwise import abs, cast, computed_in_float32, gradient_where, pow, sign, where
from .nonfinite import isnan
from .reduction import amax, amin, normalize_dims, resolve_keepdim, spread_back, sum
from .shape import reshape


class VectorNorm(Function):
    """y = ‖x‖_p over dims (kept with size 1); the gradient as in the module docstring"""

    @staticmethod
    def forward(ctx, x, ord, dims, distances=False):
        xp = ctx.xp
        magnitude = xp.abs(x)
        if ord == math.inf:
            y = magnitude.max(axis=dims, keepdims=True)
        elif ord == -math.inf:
            y = magnitude.min(axis=dims, keepdims=True)
        elif ord == 0:
            y = (x != 0).sum(axis=dims, keepdims=True).astype(x.dtype)
        elif ord == 1:
            y = magnitude.sum(axis=dims, keepdims=True)
        elif ord == 2:
            y = xp.sqrt((x * x).sum(axis=dims, keepdims=True))
        else:
            with np.errstate(divide="ignore"):  # 0 ** (negative p) = inf, as in PyTorch
                y = (magnitude ** ord).sum(axis=dims, keepdims=True) ** (1.0 / ord)
        y = xp.asarray(y)  # a 0-d input's reductions give NumPy scalars: the output must be saved
        ctx.ord, ctx.dims, ctx.distances = ord, dims, distances
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        p, dims = ctx.ord, ctx.dims
        if p == 0:
            return None
        grad = spread_back(grad, x.shape, dims)
        if p == 1:
            return sign(x) * grad
        if p in (math.inf, -math.inf):
            # the share is multiplied by the 0/1 mask, as PyTorch does (an infinite
            # incoming gradient gives NaN, not 0, at the other elements)
            magnitude = abs(x)
            is_extreme = cast((magnitude == y) | isnan(magnitude), x.dtype)
            return sign(x) * ((grad / is_extreme.sum(dims, keepdim=True)) * is_extreme)
        norm = spread_back(y, x.shape, dims)
        if ctx.distances:
            return _distance_gradient(grad, x, norm, p)
        norm_is_zero = norm == 0
        safe_norm = where(norm_is_zero, 1.0, norm)
        if p == 2:  # g · (x / ‖x‖), that factor 0 where ‖x‖ = 0 (PyTorch's order)
            return grad * where(norm_is_zero, 0.0, x / safe_norm)
        if p < 1:  # |x|^(p-1) is infinite at x = 0, where the gradient is 0
            x_is_zero = x == 0
            scaled = sign(x) * gradient_where(~x_is_zero, pow(where(x_is_zero, 1.0, abs(x)), p - 1))
            return scaled * grad * pow(norm, 1 - p)
        scaled = sign(x) * pow(abs(x), p - 1)
        return scaled * gradient_where(~norm_is_zero, grad / pow(safe_norm, p - 1))


def _distance_gradient(grad, difference, distance, p):
    """``torch.cdist``'s gradient for p ∉ {0, 1, ±inf} (PyTorch's own backward, not the
    vector norm's): the p-norm's gradient written in its order, selected 0 (not
    multiplied by 0) where the distance is 0 and, for p < 1, where a difference is 0:

    - p < 2:  sign(d) |d|^(p-1) · g / dist^(p-1)
    - p ≥ 2:  d |d|^(p-2) · g / dist^(p-1)   (p = 2: d · g / dist)
    """
    distance_is_zero = distance == 0
    safe_distance = where(distance_is_zero, 1.0, distance)
    if p == 2:
        return gradient_where(~distance_is_zero, grad * difference / safe_distance)
    used = ~distance_is_zero
    magnitude = abs(difference)
    if p < 1:  # |d|^(p-1) is infinite at d = 0
        difference_is_zero = difference == 0
        used = used & ~difference_is_zero
        magnitude = where(difference_is_zero, 1.0, magnitude)
    if p < 2:
        scaled = sign(difference) * pow(magnitude, p - 1)
    else:
        scaled = difference * pow(magnitude, p - 2)
    return gradient_where(used, scaled * grad / pow(safe_distance, p - 1))


def _order(ord, op):
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"{op}(): argument 'ord' must be a number, not {type(ord).__name__}")
    return float(ord)


def _floating(x, dtype, op):
    if dtype is not None:
        x = cast(x, dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {x.dtype}; "
                           "convert it first, e.g. x.float(), or pass dtype=")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """‖x‖_ord over ``dim`` (an int, a tuple, or None for every element, flattened),
    as ``torch.linalg.vector_norm``: ord 2 (default), 1, inf, -inf, 0 or any number."""
    return _vector_norm(x, ord, dim, resolve_keepdim(keepdim, keepdims), dtype, distances=False)


def distance_norm(differences, p):
    """‖d‖_p over the last dim of ``differences`` (cdist's distances), with
    ``torch.cdist``'s gradient: 0 at a zero distance whatever the incoming gradient."""
    return _vector_norm(differences, p, -1, False, None, distances=True)


def _vector_norm(x, ord, dim, keepdim, dtype, distances):
    ord = _order(ord, "linalg.vector_norm")
    x = _floating(x, dtype, "linalg.vector_norm")
    dims = normalize_dims(dim, x.ndim, "linalg.vector_norm")
    if ord in (math.inf, -math.inf):
        if x.numel() == 0 and (dim is None or not isinstance(dim, int) and len(dim) == 0):
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                               "because the operation does not have an identity")
        for axis in dims:
            if x.shape[axis] == 0:
                raise IndexError(f"linalg.vector_norm: Expected reduction dim {axis} to have "
                                 "non-zero size.")
    norm = computed_in_float32(
        lambda value: VectorNorm.apply(value, ord=ord, dims=dims, distances=distances), x)
    if keepdim:
        return norm
    return reshape(norm, tuple(size for axis, size in enumerate(x.shape) if axis not in dims))


def _two_dims(dim, x, op):
    if isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' must be a tuple of two ints, not int")
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    rows, columns = (normalize_dims(d, x.ndim, op)[0] for d in dim)
    if rows == columns:
        raise RuntimeError(f"{op}: dims must be different. Got ({rows}, {columns})")
    return rows, columns


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, keepdims=None):
    """The matrix norm of A over the two dims ``dim`` (rows, columns), as
    ``torch.linalg.matrix_norm``: 'fro', 1 / -1 (largest / smallest column sum of
    |A|), inf / -inf (the same for rows). 2, -2 and 'nuc' are refused (they need
    singular values)."""
    keepdim = resolve_keepdim(keepdim, keepdims)
    op = "linalg.matrix_norm"
    A = _floating(A, dtype, op)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    rows, columns = _two_dims(dim, A, op)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(
            f"{op}: ord={ord!r} needs the singular values of A (a singular value "
            "decomposition), which minigrad does not have; 'fro', 1, -1, inf and -inf are "
            "available")
    if ord == "fro":
        return vector_norm(A, 2, (rows, columns), keepdim)
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    # 1: the sums down each column (over the rows), then their max; inf: across each row
    summed, extreme_over = (rows, columns) if ord in (1, -1) else (columns, rows)
    if A.shape[extreme_over] == 0:
        raise IndexError(f"{op}: Expected reduction dim {extreme_over} to have non-zero size.")
    sums = sum(abs(A), summed, keepdim=True)
    norm = (amax if ord > 0 else amin)(sums, extreme_over, keepdim=True)
    if keepdim:
        return norm
    return reshape(norm, tuple(size for axis, size in enumerate(A.shape)
                               if axis not in (rows, columns)))


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """``torch.linalg.norm``: a vector norm over one dim (or all elements when neither
    ``ord`` nor ``dim`` is given), a matrix norm over two; with ``ord`` and no ``dim``
    A must be 1-D (vector norm) or 2-D (matrix norm)."""
    keepdim = resolve_keepdim(keepdim, keepdims)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


@autocast_op("norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """``torch.norm``: p a number is the vector p-norm over ``dim`` (all elements when
    None, also over a tuple of dims); p='fro' the 2-norm over ``dim`` (at most two
    dims); p='nuc' is refused (it needs singular values)."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        return matrix_norm(input, p, tuple(range(input.ndim)) if dim is None else dim, keepdim,
                           dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype)
