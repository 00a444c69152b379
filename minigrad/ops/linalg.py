"""Matrix multiplication.

For C = A @ B (A: n×k, B: k×m) and an upstream gradient G = dL/dC:
dL/dA = G @ Bᵀ and dL/dB = Aᵀ @ G. Batched matmul works the same on the last
two axes; batch axes broadcast, and the engine sums them back.
"""
from ..autograd.function import Function
from .shape import squeeze, transpose, unsqueeze


class MatMul(Function):
    """C = A @ B for A, B with at least two dimensions"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (matmul(grad, transpose(b, -1, -2)) if ctx.needs_input_grad[0] else None,
                matmul(transpose(a, -1, -2), grad) if ctx.needs_input_grad[1] else None)


def matmul(a, b):
    """``a @ b`` with NumPy's rules: 1-D operands are treated as a row (left) or a
    column (right) vector, and that dimension is removed from the result."""
    from .elementwise import _both, refuse_dtype
    a, b = _both(a, b)
    refuse_dtype(a, "matmul", "b")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                           f"multiplied ({inner_a} != {inner_b})")
    a_is_vector, b_is_vector = a.ndim == 1, b.ndim == 1
    if a_is_vector:
        a = unsqueeze(a, 0)
    if b_is_vector:
        b = unsqueeze(b, -1)
    result = MatMul.apply(a, b)
    if b_is_vector:
        result = squeeze(result, -1)
    if a_is_vector:
        result = squeeze(result, -2 if not b_is_vector else -1)
    return result
