"""Normalization: subtract the mean, divide by the standard deviation, scale and shift.

Batch norm and layer norm are one computation over different dimensions D
(batch norm: every dimension but the channel dimension 1; layer norm: the last few):

    μ = mean_D(x)          σ² = mean_D((x − μ)²)        (biased: divided by N = |D|)
    x̂ = (x − μ) / √(σ² + ε)
    y = γ · x̂ + β                                      (γ, β broadcast along D)

For an upstream gradient g = dL/dy, with ⟨·⟩ the mean over D, N = |D| and
ρ = 1/√(σ² + ε):

    dL/dβ = Σ g        dL/dγ = Σ g · x̂               (summed over the axes γ is broadcast along)
    dL/dx = (g − ⟨g⟩ − x̂ · ⟨g · x̂⟩) · ρ · γ                        (batch norm)

(Differentiating x̂ by x gives three paths, through x itself, through μ and
through σ²; the two mean terms are the last two.) Layer norm, where γ varies
along D, writes the same with ĝ = γ · g expanded in x and μ, as PyTorch's
layer-norm kernel does:

    dL/dx = ρ · ĝ + b · x + c,   b = (μ · Σ ĝ − Σ ĝ · x) · ρ³ / N,   c = −b · μ − ρ · Σ ĝ / N

The two are equal in exact arithmetic but not for an infinite g: an infinite ĝᵢ
makes Σ ĝ and Σ ĝ · x infinite, and b = ∞ − ∞ = NaN spreads over the whole
row, where the batch-norm form can leave ±∞ at some elements. Each layer uses
the form PyTorch uses for it, and so gives PyTorch's result.
``forward`` works on arrays; ``backward`` uses minigrad's operations, so its
result is differentiable again.

Group norm is layer norm (without γ, β) of each sample's channels taken in groups:
the (N, C, ...) input seen as (N, G, C/G · ...), normalised over its last
dimension, then scaled and shifted per channel. RMS norm divides by the root mean
square without centring, y = x / √(mean_D(x²) + ε) · γ (``rms_normalize``, written
with minigrad operations, so differentiable as it stands).
"""
import math

from ..autograd.function import Function
from .reduction import mean, sum
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
    ``kind`` picks the form of dL/dx PyTorch uses: "batch" (γ is constant along
    ``dims``, one value per channel) or "layer" (γ may vary along ``dims``).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, dims, param_shape, eps, kind,
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
        ctx.dims, ctx.param_shape, ctx.eps, ctx.kind = dims, param_shape, eps, kind
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight)
        ctx.save_intermediates(x_hat, inv_std)
        return y

    @staticmethod
    def recompute_intermediates(ctx, x, weight):
        """(x̂, 1/σ) as functions of x, for a backward that builds a graph."""
        return normalized(x, ctx.dims, ctx.eps)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        x_hat, inv_std = ctx.saved_intermediates
        dims, param_shape = ctx.dims, ctx.param_shape
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = grad_weight = grad_bias = None
        if need_x and ctx.kind == "layer":
            g = grad if weight is None else grad * reshape(weight, param_shape)
            count = math.prod(x.shape[d] for d in dims)
            mu = mean(x, dims, keepdim=True)
            sum_g, sum_gx = sum(g, dims, keepdim=True), sum(g * x, dims, keepdim=True)
            b = (sum_g * mu - sum_gx) * inv_std ** 3 / count
            c = -b * mu - sum_g * inv_std / count
            grad_x = inv_std * g + b * x + c
        elif need_x:
            grad_x = (grad - mean(grad, dims, keepdim=True)
                      - x_hat * mean(grad * x_hat, dims, keepdim=True)) * inv_std
            if weight is not None:
                grad_x = grad_x * reshape(weight, param_shape)
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



def rms_normalize(x, dims, eps):
    """x / √(mean_D(x²) + ε) for a Tensor x: the root mean square over ``dims`` scaled to one."""
    return x * (mean(x * x, dims, keepdim=True) + eps) ** -0.5
