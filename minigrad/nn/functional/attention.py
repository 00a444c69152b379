"""``F.scaled_dot_product_attention``: every query position takes a weighted average of
the values, weighted by how well the query matches each key.

For query Q (..., L, E), key K (..., S, E) and value V (..., S, Ev):

    scores = Q Kᵀ · scale + B          scale = 1/√E unless given
    A      = softmax(scores) over the S keys
    out    = dropout(A) V               (..., L, Ev)

B is the mask as an additive bias: 0 where a key takes part and −∞ where it does
not. A boolean ``attn_mask`` says True = takes part (the opposite of
``nn.MultiheadAttention``'s masks); a float ``attn_mask`` is added as it is;
``is_causal=True`` lets query i see keys 0..i only (the lower triangle of an L×S
grid, aligned top-left as in PyTorch).

A query row whose keys are all masked has no distribution to take: softmax would
give 0/0. PyTorch's CPU result for such a row is zeros, with zero gradients, and so is
minigrad's: the scores of those rows are replaced by zeros before the softmax (so
nothing divides 0 by 0, forward or backward) and their weights by zeros after it.

Without dropout, and with a mask that needs no gradient, the whole computation is
one operation (``ops/attention.Attention``: the backward derived there on arrays).
Otherwise it is composed of differentiable operations (matmul, softmax, where,
dropout), so its gradients, and their gradients, come from those.
"""
import math

from ...autograd.autocast_hook import autocast_op
from ...creation import ones
from ...ops.attention import Attention, attention_weights
from ...ops.selection import where
from .arguments import check_tensor
from .dropout import dropout


@autocast_op("scaled_dot_product_attention")
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q Kᵀ · scale + mask) V, with dropout of probability ``dropout_p`` on the
    attention weights (always applied when ``dropout_p > 0``, as in PyTorch: pass 0.0
    in evaluation). ``enable_gqa=True`` lets ``query`` have a multiple of the heads
    (dim −3) of ``key`` and ``value``: each key/value head serves that many query heads.
    """
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        check_tensor("scaled_dot_product_attention", name, tensor, 1)
    check_tensor("scaled_dot_product_attention", "attn_mask", attn_mask, 4, optional=True)
    _check_arguments(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    if enable_gqa:
        key, value = _repeat_heads(query, key), _repeat_heads(query, value)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    mask = None
    if is_causal:
        allowed = ones(query.shape[-2], key.shape[-2], dtype=bool, device=query.device).tril()
        mask = _additive(allowed, query.dtype)
    elif attn_mask is not None and attn_mask.dtype.kind == "b":
        mask = _additive(attn_mask, query.dtype)
    elif attn_mask is not None:
        mask = attn_mask
    if dropout_p == 0 and _one_operation_fits(query, key, value, mask):
        return Attention.apply(query, key, value, mask, scale=scale)
    scores = query.matmul(key.transpose(-2, -1)) * scale
    if mask is not None:
        scores = scores + mask
    weights = attention_weights(scores)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights.matmul(value)


def _one_operation_fits(query, key, value, mask):
    """Whether ``Attention`` computes this call: Q, K and V with the same batch
    dimensions, and a mask (if any) of the query's dtype that needs no gradient and
    broadcasts to the scores without enlarging them."""
    batch_shape = tuple(query.shape[:-2])
    if tuple(key.shape[:-2]) != batch_shape or tuple(value.shape[:-2]) != batch_shape:
        return False
    if mask is None:
        return True
    scores_shape = (*batch_shape, query.shape[-2], key.shape[-2])
    return (mask.dtype == query.dtype and not mask.requires_grad and mask.ndim <= len(scores_shape)
            and all(m in (1, s) for m, s in zip(reversed(mask.shape), reversed(scores_shape))))


def _additive(allowed, dtype):
    """A boolean mask as the float mask PyTorch's math path adds to the scores: 0 where
    a key takes part, −∞ where it does not. Added, not selected, so a masked score's
    gradient passes through as PyTorch's does (an infinite incoming gradient meets its
    zero weight there: ∞ · 0 = NaN, as in PyTorch)."""
    return where(allowed, 0.0, -math.inf).to(dtype)


def _repeat_heads(query, key_or_value):
    """Each of key's (or value's) heads repeated for the query heads it serves."""
    return key_or_value.repeat_interleave(query.shape[-3] // key_or_value.shape[-3], dim=-3)


def _check_arguments(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    """The checks PyTorch makes, with its messages."""
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {query.dtype} key.dtype: {key.dtype} and value.dtype: "
                           f"{value.dtype} instead.")
    if query.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: query, key and value must be "
                           f"floating point, got {query.dtype}")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"scaled_dot_product_attention: query, key and value need at least "
                           f"2 dims (..., length, features), got shapes {tuple(query.shape)}, "
                           f"{tuple(key.shape)} and {tuple(value.shape)}")
    if key.shape[-1] != query.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query (..., L, E), key (..., S, E) "
                           f"and value (..., S, Ev) do not fit: got shapes {tuple(query.shape)}, "
                           f"{tuple(key.shape)} and {tuple(value.shape)}")
    if attn_mask is not None and attn_mask.dtype.kind not in "bf":
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {attn_mask.dtype} and  query.dtype: "
                           f"{query.dtype} instead.")
    if enable_gqa and (query.ndim < 3 or key.ndim < 3 or value.ndim < 3
                       or query.shape[-3] % key.shape[-3] or query.shape[-3] % value.shape[-3]):
        raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa=True the query heads "
                           f"(dim -3) must be a multiple of the key and value heads, got shapes "
                           f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if not 0 <= dropout_p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
