"""Normalization: subtract the mean, divide by the standard deviation, scale and shift.

Batch norm and layer norm are one computation over different dimensions D
(batch norm: every dimension but the channel dimension 1; layer norm: the last few):

    μ = mean_D(x)          σ² = mean_D((x − μ)²)        (biased: divided by N = |D|)
    x̂ = (x − μ) / √(σ² + ε)
    y = γ · x̂ + β                                      (γ, β broadcast along D)

For an upstream gradient g = dL/dy, with ⟨·⟩ the mean over D and ĝ = γ · g:

    dL/dβ = Σ g        dL/dγ = Σ g · x̂               (summed over the axes γ is broadcast along)
    dL/dx = (ĝ − ⟨ĝ⟩ − x̂ · ⟨ĝ · x̂⟩) / √(σ² + ε)

(Differentiating x̂ by x gives three paths, through x itself, through μ and
through σ²; the two mean terms are the last two.) ``forward`` works on arrays;
``backward`` uses minigrad's operations, so its result is differentiable again.
"""
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from .reduction import mean
from .shape import reshape, sum_to


class Normalize(Function):
    """y = γ · (x − μ) / √(σ² + ε) + β with μ, σ² the mean and biased variance over ``dims``.

    ``param_shape`` is the shape γ and β take to broadcast against x (``(1, C, 1)``
    for batch norm of an (N, C, L) input). Given ``running_mean`` and
    ``running_var`` tensors, the forward pass also updates them in place, as
    PyTorch's batch-norm kernel does:

        running_mean ← (1 − momentum) · running_mean + momentum · μ
        running_var  ← (1 − momentum) · running_var  + momentum · σ² · N / (N − 1)

    (the running variance is the unbiased estimate). They are buffers, not part
    of the graph. An empty batch leaves them as they are (PyTorch), not nan.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, dims, param_shape, eps,
                running_mean=None, running_var=None, momentum=0.0):
        xp = ctx.xp
        mu = x.mean(axis=dims, keepdims=True)
        centered = x - mu
        var = (centered * centered).mean(axis=dims, keepdims=True)
        inv_std = 1 / xp.sqrt(var + eps)
        x_hat = centered * inv_std
        if running_mean is not None and x.size:  # an empty batch has no statistics to add
            count = x.size // mu.size
            running_mean.mul_(1 - momentum).add_(mu.reshape(running_mean.shape), alpha=momentum)
            running_var.mul_(1 - momentum).add_(
                var.reshape(running_var.shape) * (count / (count - 1)), alpha=momentum)
        if weight is not None:
            y = x_hat * weight.reshape(param_shape)
            if bias is not None:
                y += bias.reshape(param_shape)  # y is a fresh array: add in place
        else:
            y = x_hat if bias is None else x_hat + bias.reshape(param_shape)
        ctx.dims, ctx.param_shape, ctx.eps = dims, param_shape, eps
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight, x_hat, inv_std)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, x_hat, inv_std = ctx.saved_tensors
        dims, param_shape = ctx.dims, ctx.param_shape
        if is_grad_enabled():  # building a graph (create_graph): x̂ and 1/σ depend on x
            x_hat, inv_std = normalized(x, dims, ctx.eps)
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = grad_weight = grad_bias = None
        if need_x:
            g = grad if weight is None else grad * reshape(weight, param_shape)
            grad_x = inv_std * (g - mean(g, dims, keepdim=True)
                                - x_hat * mean(g * x_hat, dims, keepdim=True))
        if need_weight:
            grad_weight = reshape(sum_to(grad * x_hat, param_shape), weight.shape)
        if need_bias:
            grad_bias = reshape(sum_to(grad, param_shape), ctx.bias_shape)
        return grad_x, grad_weight, grad_bias


def normalized(x, dims, eps):
    """(x̂, 1/√(σ² + ε)) for a Tensor x, built from minigrad operations."""
    centered = x - mean(x, dims, keepdim=True)
    inv_std = (mean(centered * centered, dims, keepdim=True) + eps) ** -0.5
    return centered * inv_std, inv_std

