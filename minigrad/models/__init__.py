"""Small reference models that the examples, the command line and the benchmarks share.

- ``CharGPT``: a character-level GPT (nanoGPT's ``shakespeare_char`` shape) built from
  ``Embedding`` and pre-norm ``TransformerEncoderLayer`` blocks under a causal mask.
- ``DigitsCNN``: conv → pool → conv → pool → linear, for the 8×8 handwritten digits.

Each is written with PyTorch's module names, so the same model built in PyTorch loads
its ``state_dict``.
"""
from .char_gpt import CharGPT, causal_mask
from .digits_cnn import DigitsCNN

__all__ = ["CharGPT", "DigitsCNN", "causal_mask"]
