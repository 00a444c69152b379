"""Dropout: zero each element with probability p, scale the survivors by 1/(1 − p).

    m_i ~ Bernoulli(1 − p)            y = x ⊙ m / (1 − p)           dL/dx = g ⊙ m / (1 − p)

Scaling at training time ("inverted dropout") keeps E[y] = x, so evaluation
needs no rescaling: there dropout is the identity. The mask comes from the
device's random generator, which ``mg.manual_seed`` seeds.
"""
import numpy as np

from ..autograd.function import Function

_SAMPLED_DTYPES = (np.dtype("float32"), np.dtype("float64"))  # what NumPy's generator draws


class Dropout(Function):
    """y = x ⊙ m / (1 − p) with a fresh random mask m; p = 1 gives zeros."""

    @staticmethod
    def forward(ctx, x, p):
        sample_dtype = x.dtype if x.dtype in _SAMPLED_DTYPES else np.float32
        keep = ctx.backend.generator.random(x.shape, dtype=sample_dtype) >= p
        scaled_mask = keep.astype(x.dtype)
        if p < 1:  # (p = 1 keeps nothing: the mask is already 0, for any dtype)
            scaled_mask *= 1 / (1 - p)
        ctx.save_intermediates(scaled_mask)
        return x * scaled_mask

    @staticmethod
    def backward(ctx, grad):
        scaled_mask, = ctx.saved_intermediates
        return grad * scaled_mask
