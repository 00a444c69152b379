"""The squared error of ``F.mse_loss`` as one operation, with PyTorch's gradient.

With d = x − y (the target y broadcast to the input x) and n the number of elements,

    ℓ = Σ d² / n   ("mean"),     Σ d²   ("sum"),     d² elementwise   ("none")

    ∂ℓ/∂x = c · d · g,   c = 2/n ("mean") or 2,     ∂ℓ/∂y = −∂ℓ/∂x

where g is the incoming gradient (one number, or one per element for "none").
The gradient is computed in that order, c rounded to the inputs' dtype, as
PyTorch's ``mse_loss_backward`` does, so float32 gradients equal PyTorch's bit
for bit. Composing the loss from a subtraction, a product and a mean would
record three operations and, backward, spread the mean, add the product's two
halves and negate; one operation does the same work in three array calls each
way. The backward is written with operators that Tensors share, so gradients of
gradients follow from it.
"""
from ..autograd.function import Function
from .reduction import mean_of_array


class SquaredError(Function):
    """ℓ = reduce((x − y)²);  dℓ/dx = c (x − y) g,  dℓ/dy = −dℓ/dx  (see the module docstring)"""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.save_for_backward(x, y)
        squared = x - y
        squared *= squared  # a fresh array: squared in place
        ctx.scale = 2 / squared.size if reduction == "mean" and squared.size else 2
        if reduction == "mean":
            return mean_of_array(ctx.xp, squared, tuple(range(squared.ndim)), False)
        if reduction == "sum":
            return squared.sum()
        return squared

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = (x - y) * ctx.scale * grad
        need_x, need_y = ctx.needs_input_grad
        return grad_x if need_x else None, -grad_x if need_y else None
