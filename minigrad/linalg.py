"""``mg.linalg``: linear algebra, as ``torch.linalg``.

``vector_norm``, ``matrix_norm`` and ``norm`` (the norms minigrad can compute
without a matrix decomposition) and ``cross``. The functions live in
``minigrad.ops``; this namespace gives them PyTorch's names.
"""
from .ops.norms import linalg_norm as norm, matrix_norm, vector_norm
from .ops.vector_products import linalg_cross as cross

__all__ = ["cross", "matrix_norm", "norm", "vector_norm"]
