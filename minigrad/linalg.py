"""``mg.linalg``: linear algebra, as ``torch.linalg``.

``vector_norm``, ``matrix_norm`` and ``norm``: the norms minigrad can compute
without a matrix decomposition. The functions live in
``minigrad.ops``; this namespace gives them PyTorch's names.
"""
from .ops.norms import linalg_norm as norm, matrix_norm, vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]
