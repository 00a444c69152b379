"""Scaled dot-product attention without dropout, as one operation.

For Q (..., L, E), K (..., S, E), V (..., S, Ev), a constant additive mask B
(0 where a key takes part, −∞ where it does not) and a scale c:

    S = c · Q Kᵀ + B          A = softmax(S) over the keys        O = A V

and A = 0 in a row whose scores are all −∞ (PyTorch's CPU result: no distribution
to take). For an upstream gradient dO, with D = rowsum(dA ⊙ A) (softmax's Jacobian
applied to dA: dS = A ⊙ (dA − D)):

    dV = Aᵀ dO        dA = dO Vᵀ        dS = A ⊙ (dA − D)
    dQ = c · dS K     dK = c · dSᵀ Q

A fully masked row has A = 0, so its dS is 0 for a finite dO (NaN for an infinite
one: ∞ · 0, as in PyTorch). One operation instead of the eight of the composed
version (``F.scaled_dot_product_attention`` with dropout, or a mask that needs a
gradient, still composes them): the forward keeps A, and a plain backward is five
array products. The backward is written with operators Tensors and arrays share,
so under ``create_graph=True`` it runs on Tensors, A recomputed from Q and K by
``attention_weights``, and second derivatives are exact.
"""
import math

from ..autograd.function import Function
from .nonfinite import nan_to_num
from .selection import where


def attention_weights(scores):
    """softmax(scores) over the last dim, and zeros in the rows that are −∞ throughout
    (where a plain softmax would give NaN), as PyTorch's CPU attention gives them; for
    a Tensor, built from differentiable operations.

    Its gradient is PyTorch's too: such a row's weights are a softmax times 0, and its
    scores made finite by ``nan_to_num``, whose gradient is the incoming one times 0, so
    a finite incoming gradient gives 0 there and an infinite one NaN (∞ · 0), as PyTorch's
    P ⊙ (dP − D) with P = 0 does."""
    masked_row = (scores == -math.inf).all(dim=-1, keepdim=True)
    finite_scores = where(masked_row, nan_to_num(scores, neginf=0.0), scores)
    return finite_scores.softmax(-1) * where(masked_row, 0.0, 1.0).to(scores.dtype)


def _attention_weights_array(xp, scores):
    """``attention_weights`` on an array (the same steps: finite scores, softmax, zeros)."""
    masked_row = (scores == -math.inf).all(axis=-1, keepdims=True)
    finite_scores = xp.where(masked_row, 0, scores) if scores.size else scores
    shifted = finite_scores - (finite_scores.max(axis=-1, keepdims=True) if scores.size else 0)
    e = xp.exp(shifted)
    weights = e / e.sum(axis=-1, keepdims=True)
    weights *= xp.where(masked_row, 0.0, 1.0).astype(scores.dtype)
    return weights


class Attention(Function):
    """O = softmax(scale · Q Kᵀ + B) V (module docstring); ``mask``: the additive mask B,
    a constant broadcastable to the scores, or None. Q, K and V have the same batch
    dimensions (..., so no gradient has to be summed over broadcasting)."""

    array_backward = True

    @staticmethod
    def forward(ctx, query, key, value, mask, scale):
        scores = query @ key.swapaxes(-2, -1)
        scores *= scale
        if mask is not None:
            scores += mask
        weights = _attention_weights_array(ctx.xp, scores)
        ctx.scale = scale
        ctx.save_for_backward(query, key, value, mask)
        ctx.save_intermediates(weights)
        return weights @ value

    @staticmethod
    def recompute_intermediates(ctx, query, key, value, mask):
        """A as a function of Q and K, for a backward that builds a graph."""
        scores = query.matmul(key.swapaxes(-2, -1)) * ctx.scale
        if mask is not None:
            scores = scores + mask
        return (attention_weights(scores),)

    @staticmethod
    def backward(ctx, grad):
        query, key, value, _ = ctx.saved_tensors
        weights, = ctx.saved_intermediates
        need_query, need_key, need_value, _ = ctx.needs_input_grad
        grad_value = weights.swapaxes(-2, -1) @ grad if need_value else None
        grad_query = grad_key = None
        if need_query or need_key:
            grad_weights = grad @ value.swapaxes(-2, -1)
            grad_scores = weights * (grad_weights - (grad_weights * weights).sum(-1)[..., None])
            if need_query:
                grad_query = (grad_scores @ key) * ctx.scale
            if need_key:
                grad_key = (grad_scores.swapaxes(-2, -1) @ query) * ctx.scale
        return grad_query, grad_key, grad_value, None
