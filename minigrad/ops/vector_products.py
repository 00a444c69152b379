"""Products of vectors and matrices built on ``matmul``: ``dot``, ``outer`` (``ger``),
``cross``, ``addmm``, ``baddbmm``; and the pairwise distances ``cdist``.

Each is a few differentiable operations, so each gradient is theirs:
for dot(a, b) = Σ a_i b_i, d/da = b; for outer(a, b)_ij = a_i b_j, d/da_i = Σ_j g_ij b_j;
for c = a × b, dc/da is the cross product with b (the operands' roles swapped).
"""
import warnings

from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from .arguments import tensor_arguments
from .broadcasting import broadcast_shapes
from .dims import normalize_dim
from .elementwise import mul
from .linalg import bmm, matmul, mm
from .norms import distance_norm
from .shape import broadcast_to, cat, narrow, unsqueeze


@autocast_op("dot")
@tensor_arguments("input", "tensor")
def dot(input, tensor):
    """Σ_i a_i b_i of two 1-D tensors of one size and dtype (no broadcasting)."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors "
                           f"(shapes {tuple(input.shape)} and {tuple(tensor.shape)})")
    if input.dtype != tensor.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype} and {tensor.dtype}")
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{tensor.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {tensor.shape[0]} elements respectively")
    return matmul(input, tensor)


@tensor_arguments("input", "vec2")
def outer(input, vec2):
    """The matrix a_i b_j of two 1-D tensors (their dtypes promoted as by ``*``)."""
    for name, value in (("vec1", input), ("vec2", vec2)):
        if value.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {value.ndim}-D "
                               f"(shapes {tuple(input.shape)} and {tuple(vec2.shape)})")
    return mul(unsqueeze(input, 1), unsqueeze(vec2, 0))


ger = outer  # PyTorch's older name


@autocast_op("cross")
@tensor_arguments("input", "other")
def cross(input, other, dim=None):
    """The cross product a × b of 3-vectors along ``dim``, with a and b broadcast together.

    As ``torch.cross``: without ``dim``, the first dim of size 3 (PyTorch warns that
    this will change to -1, as ``torch.linalg.cross``; so does minigrad: pass dim).
    """
    shape = _broadcast_shape(input, other, "cross")
    if dim is None:
        warnings.warn("Using cross without specifying the dim arg is deprecated (as in PyTorch): "
                      "it takes the first dimension of size 3; pass dim=, or use mg.linalg.cross "
                      "(dim=-1)", UserWarning, stacklevel=2)
        dim = next((axis for axis, size in enumerate(shape) if size == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (broadcast shape {shape})")
    return _cross(input, other, dim, shape, "cross")


@tensor_arguments("input", "other")
def linalg_cross(input, other, *, dim=-1):
    """The cross product a × b of 3-vectors along ``dim`` (the last by default), as
    ``torch.linalg.cross``; a and b broadcast together."""
    return _cross(input, other, dim, _broadcast_shape(input, other, "linalg.cross"), "linalg.cross")


def _broadcast_shape(a, b, op):
    if a.ndim != b.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions, got {a.ndim} "
                           f"and {b.ndim} (shapes {tuple(a.shape)} and {tuple(b.shape)})")
    return broadcast_shapes((a.shape, b.shape), op)


def _cross(a, b, dim, shape, op):
    dim = normalize_dim(dim, len(shape), op)
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got {a.shape[dim]} "
                           f"and {b.shape[dim]}")
    a0, a1, a2 = (narrow(a, dim, k, 1) for k in range(3))
    b0, b1, b2 = (narrow(b, dim, k, 1) for k in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


class IgnoredInput(Function):
    """y = 0 · x for β = 0 in the addmm family, without reading x (NaN or inf in x
    does not reach y);  dL/dx = g · 0, multiplied as PyTorch multiplies the incoming
    gradient by β (an infinite or NaN g gives NaN)."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.zeros_like(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0


def _scaled_sum(input, product, beta, alpha, op):
    """β · input + α · product, as PyTorch's addmm family: input broadcast to the
    product's shape; β = 0 ignores input's values (NaN in it does not propagate),
    and its gradient is the incoming one times 0, as in PyTorch."""
    if input.dtype != product.dtype:
        raise RuntimeError(f"{op}: self and mat2 must have the same dtype, but got {input.dtype} "
                           f"and {product.dtype}")
    input = broadcast_to(input, tuple(product.shape))
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled + IgnoredInput.apply(input)
    return scaled + (input if beta == 1 else input * beta)


@autocast_op("addmm")
@tensor_arguments("input", "mat1", "mat2")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """β · input + α · (mat1 @ mat2) for matrices; input broadcasts to the product."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha, "addmm")


@autocast_op("baddbmm")
@tensor_arguments("input", "batch1", "batch2")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """β · input + α · (batch1 @ batch2) for batches of matrices (3-D); input
    broadcasts to the product."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


@autocast_op("cdist")
@tensor_arguments("x1", "x2")
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances ‖x1_i - x2_j‖_p between the rows of x1 (…, P, M) and of
    x2 (…, R, M): a (…, P, R) tensor; batch dims broadcast. The gradient at a zero
    distance is 0 (selected: also for an infinite incoming gradient), as in PyTorch.

    minigrad always takes the differences x1_i - x2_j (``compute_mode`` is accepted
    and changes nothing): exact where PyTorch's matrix-product shortcut for p = 2
    (used for more than 25 rows) loses digits for close points."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, value in (("X1", x1), ("X2", x2)):
        if value.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{value.ndim}D (shape {tuple(value.shape)})")
        if value.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{value.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    differences = unsqueeze(x1, -2) - unsqueeze(x2, -3)     # (…, P, R, M)
    return distance_norm(differences, p)
