"""``CharGPT``: a decoder-only transformer that reads characters and predicts the next one.

For a batch of character indices c (B, T):

    x₀ = E_tok[c] + E_pos[0..T−1]                          (B, T, width)
    xₗ = Blockₗ(xₗ₋₁) for l = 1..layers                     pre-norm, causal self-attention
    logits = LayerNorm(x_L) W_headᵀ                         (B, T, vocab_size)

Each block is ``nn.TransformerEncoderLayer(width, heads, 4·width, activation="gelu",
batch_first=True, norm_first=True)`` under the causal mask, so position t attends to
positions 0..t only and the logits at t predict character t + 1 from what precedes
it. That is nanoGPT's model with PyTorch's encoder layer in place of its own block
(the same computation: LayerNorm → attention → residual, LayerNorm → 4× MLP with GELU →
residual), and its ``shakespeare_char`` configuration is ``CharGPT(65, context=256,
width=384, layers=6, heads=6, dropout=0.2)``: about 10.8 M parameters.

The weights start as GPT-2's (and nanoGPT's) do, not as the layers' own defaults: every
weight matrix and embedding ~ N(0, 0.02²), biases 0, and the two projections that write
into the residual stream (``self_attn.out_proj`` and ``linear2``) ~ N(0, (0.02/√(2·layers))²),
so the residual stream's variance does not grow with depth. The first logits are then
close to 0 and the first loss close to ln(vocab_size), the loss of a uniform guess.
"""
import math

from ..autograd.grad_mode import no_grad
from ..creation import arange, ones
from ..nn import init
from ..nn.containers import ModuleList
from ..nn.layers.dropout import Dropout
from ..nn.layers.embedding import Embedding
from ..nn.layers.linear import Linear
from ..nn.layers.normalization import LayerNorm
from ..nn.layers.transformer import TransformerEncoderLayer
from ..nn.module import Module
from ..ops.shape import cat
from ..random import multinomial


def causal_mask(length, device=None):
    """The (length, length) boolean mask that leaves out the future: True above the
    diagonal, where ``nn.MultiheadAttention`` must not look (True = left out)."""
    return ones(length, length, dtype=bool, device=device).triu(1)


class CharGPT(Module):
    """A character-level GPT: ``forward(indices)`` maps (B, T) int64 indices, T ≤
    ``context``, to (B, T, vocab_size) logits of the next character."""

    def __init__(self, vocab_size, context=128, width=128, layers=4, heads=4, dropout=0.0,
                 device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.context = context
        self.token_embedding = Embedding(vocab_size, width, **factory)
        self.position_embedding = Embedding(context, width, **factory)
        self.dropout = Dropout(dropout)
        self.blocks = ModuleList([
            TransformerEncoderLayer(width, heads, 4 * width, dropout, activation="gelu",
                                    batch_first=True, norm_first=True, **factory)
            for _ in range(layers)])
        self.norm = LayerNorm(width, **factory)
        self.head = Linear(width, vocab_size, bias=False, **factory)
        self._init_weights(layers)

    def _init_weights(self, layers):
        """GPT-2's initialisation (see the module docstring)."""
        residual_std = 0.02 / math.sqrt(2 * layers)
        for name, parameter in self.named_parameters():
            if name.endswith("out_proj.weight") or name.endswith("linear2.weight"):
                init.normal_(parameter, 0.0, residual_std)
            elif name.endswith("weight") and parameter.ndim == 2:
                init.normal_(parameter, 0.0, 0.02)
            elif name.endswith("bias") and "norm" not in name:
                init.zeros_(parameter)

    def forward(self, indices):
        length = indices.shape[-1]
        if length > self.context:
            raise ValueError(f"CharGPT: a sequence of {length} characters is longer than the "
                             f"model's context of {self.context}")
        positions = arange(length, device=indices.device)
        x = self.dropout(self.token_embedding(indices) + self.position_embedding(positions))
        mask = causal_mask(length, device=indices.device)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))

    def generate(self, indices, new_characters, temperature=1.0, generator=None):
        """``indices`` (B, T) followed by ``new_characters`` more, each drawn from the
        softmax of the last position's logits / temperature, reading at most the last
        ``context`` characters (nanoGPT's ``generate``). Runs without a graph."""
        was_training = self.training
        self.eval()
        with no_grad():
            for _ in range(new_characters):
                logits = self(indices[:, -self.context:])[:, -1, :] / temperature
                following = multinomial(logits.softmax(-1), 1, generator=generator)
                indices = cat([indices, following], dim=1)
        self.train(was_training)
        return indices
