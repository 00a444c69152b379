"""``MultiheadAttention``: attention run ``num_heads`` times side by side on slices of
the embedding, then mixed by one linear layer (Vaswani et al., 2017).

For query X_q (L, E), key X_k and value X_v (S, E) (per batch element):

    Q = X_q W_qᵀ + b_q,   K = X_k W_kᵀ + b_k,   V = X_v W_vᵀ + b_v
    split Q, K, V into h heads of E/h features: Q_i, K_i, V_i
    A_i   = softmax(Q_i K_iᵀ / √(E/h) + M)          (L, S), the attention weights
    out   = concat_i(A_i V_i) W_oᵀ + b_o            (L, E)

W_q, W_k, W_v are the three row blocks of ``in_proj_weight`` (3E, E) and b_q, b_k,
b_v of ``in_proj_bias``; W_o, b_o are ``out_proj``, as in PyTorch (so state_dicts
load across). Initialisation is PyTorch's: ``xavier_uniform_`` for
``in_proj_weight``, zeros for both biases, ``out_proj.weight`` as a ``Linear``'s.

Masks, as in PyTorch, say what is *left out* (the opposite of
``F.scaled_dot_product_attention``): a boolean True means "do not attend", a float
is added to the scores. ``attn_mask`` is (L, S) or (N·h, L, S);
``key_padding_mask`` (N, S) leaves out padded keys of each batch element. Both are
turned into one additive mask M (0 or −∞ for boolean ones) before the softmax.

With ``need_weights=True`` the weights are computed explicitly (a row whose keys
are all left out gives NaN, as PyTorch's does); with ``need_weights=False`` the
heads go through ``F.scaled_dot_product_attention`` (such a row gives zeros, as
PyTorch's does).
"""
import math

from ...creation import empty, zeros
from .. import init
from ..functional.attention import scaled_dot_product_attention
from ..functional.dropout import dropout
from ..functional.linear import linear
from ..module import Module
from ..parameter import Parameter
from .linear import Linear


class MultiheadAttention(Module):
    """Multi-head attention over (L, N, E) inputs, or (N, L, E) with ``batch_first=True``,
    or unbatched (L, E). ``forward`` returns ``(attn_output, attn_weights)``; the
    weights are averaged over the heads unless ``average_attn_weights=False``, and
    None when ``need_weights=False``.

    ``add_bias_kv``, ``add_zero_attn`` and a ``kdim`` or ``vdim`` other than
    ``embed_dim`` are not implemented and refused.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads}")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                                      "implemented in minigrad")
        if kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise NotImplementedError(f"MultiheadAttention: kdim and vdim other than embed_dim "
                                      f"({embed_dim}) are not implemented in minigrad, got "
                                      f"kdim={kdim} and vdim={vdim}")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = self.vdim = embed_dim
        self._qkv_same_embed_dim = True
        self.head_dim = embed_dim // num_heads
        self.batch_first = batch_first
        self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype, device=device))
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype, device=device))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's: in_proj_weight by xavier_uniform_, in_proj_bias and out_proj.bias zero."""
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                               "Transformer module method `generate_square_subsequent_mask` to "
                               "create this mask.")
        unbatched = query.ndim == 2
        self._check_shapes(query, key, value, unbatched)
        if unbatched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:  # work on (N, L, E)
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        batch, length, source_length = query.shape[0], query.shape[1], key.shape[1]
        mask = self._additive_mask(attn_mask, key_padding_mask, query, batch, length,
                                   source_length)
        q, k, v = self._project_into_heads(query, key, value)
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * math.sqrt(1.0 / self.head_dim)).matmul(k.transpose(-2, -1))
            weights = (scores if mask is None else scores + mask).softmax(-1)
            heads = dropout(weights, p).matmul(v)
        else:
            heads = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        output = linear(heads.transpose(1, 2).reshape(batch, length, self.embed_dim),
                        self.out_proj.weight, self.out_proj.bias)
        if unbatched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        return output, weights.squeeze(0) if unbatched else weights

    def _project_into_heads(self, query, key, value):
        """Q, K, V by the three blocks of the input projection, each (N, heads, length, head_dim)."""
        weights = self.in_proj_weight.chunk(3)
        biases = (None,) * 3 if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        return tuple(linear(x, w, b).reshape(x.shape[0], x.shape[1], self.num_heads, self.head_dim)
                     .transpose(1, 2) for x, w, b in zip((query, key, value), weights, biases))

    def _additive_mask(self, attn_mask, key_padding_mask, query, batch, length, source_length):
        """attn_mask and key_padding_mask as one float mask that broadcasts against the
        (N, heads, L, S) scores: 0 where attention goes, −∞ (or the float given) otherwise."""
        mask = None
        if attn_mask is not None:
            mask = _as_additive(attn_mask, "attn_mask", query)
            if mask.ndim == 2 and tuple(mask.shape) != (length, source_length):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(mask.shape)}, but "
                                   f"should be {(length, source_length)}.")
            if mask.ndim == 3:
                expected = (batch * self.num_heads, length, source_length)
                if tuple(mask.shape) != expected:
                    raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(mask.shape)}, "
                                       f"but should be {expected}.")
                mask = mask.reshape(batch, self.num_heads, length, source_length)
            elif mask.ndim != 2:
                raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")
        if key_padding_mask is not None:
            padding = _as_additive(key_padding_mask, "key_padding_mask", query)
            if tuple(padding.shape) != (batch, source_length):
                raise RuntimeError(f"expecting key_padding_mask shape of {(batch, source_length)}"
                                   f", but got {tuple(padding.shape)}")
            padding = padding.reshape(batch, 1, 1, source_length)
            mask = padding if mask is None else mask + padding
        return mask

    def _check_shapes(self, query, key, value, unbatched):
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise RuntimeError(f"MultiheadAttention: query, key and value must all be 3-D "
                               f"(batched) or all 2-D (unbatched), got shapes "
                               f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.embed_dim \
                or value.shape[-1] != self.embed_dim:
            raise RuntimeError(f"was expecting embedding dimension of {self.embed_dim}, but got "
                               f"query, key and value shapes {tuple(query.shape)}, "
                               f"{tuple(key.shape)} and {tuple(value.shape)}")
        if key.shape[:-1] != value.shape[:-1]:
            raise RuntimeError(f"key shape {tuple(key.shape)} does not match value shape "
                               f"{tuple(value.shape)}")
        batch_dim = 0 if self.batch_first else 1
        if not unbatched and key.shape[batch_dim] != query.shape[batch_dim]:
            raise RuntimeError(f"MultiheadAttention: query and key have different batch sizes "
                               f"({query.shape[batch_dim]} and {key.shape[batch_dim]})")

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"


def _as_additive(mask, name, query):
    """A boolean mask (True = left out) as 0/−∞ in query's dtype; a float mask as it is."""
    if mask.dtype.kind == "b":
        return zeros(*mask.shape, dtype=query.dtype, device=query.device).masked_fill(mask,
                                                                                    -math.inf)
    if mask.dtype.kind != "f":
        raise TypeError(f"only bool and floating types of {name} are supported")
    return mask
