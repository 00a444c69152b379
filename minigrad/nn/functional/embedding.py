"""``F.embedding``: look up rows of a weight matrix by integer index, y = W[i].

The arguments are checked here (and ``max_norm`` applied); the operation and its
gradient, with ``padding_idx`` and ``scale_grad_by_freq``, are ``Embedding`` in
ops/embedding.py.
"""
from ...autograd.grad_mode import no_grad
from ...ops.embedding import Embedding
from ...ops.index_bounds import checked_index
from .arguments import check_tensor


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer tensor ``input``: output shape input.shape + (dim,).

    ``padding_idx`` (may be negative) gets no gradient. An index outside
    [0, num_embeddings) is an IndexError: at once on the CPU, at the next read of values
    on a device, where checking costs no wait (ops/index_bounds.py). ``max_norm`` first rescales,
    in place, every looked-up row whose ``norm_type``-norm exceeds it to that norm.
    """
    check_tensor("embedding", "input", input, 1)
    check_tensor("embedding", "weight", weight, 2)
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported in minigrad; use "
                         "sparse=False (gradients are dense)")
    if input.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have an integer "
                           f"dtype (int64 or int32), but got {input.dtype}")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                           f"shape {tuple(weight.shape)}")
    if input._backend is not weight._backend:
        raise RuntimeError(f"embedding: the indices are on {input.device} but the weight is on "
                           f"{weight.device}; move the indices with .to({str(weight.device)!r})")
    num_embeddings = weight.shape[0]
    if padding_idx is not None:
        padding_idx = checked_padding_idx(padding_idx, num_embeddings)
    indices = checked_index(input._backend, input._array, num_embeddings,
                            f"index out of range in self: embedding indices must lie in "
                            f"[0, {num_embeddings}), got {{}}", negative=False)
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return Embedding.apply(weight, indices, padding_idx=padding_idx,
                           scale_grad_by_freq=scale_grad_by_freq)


def checked_padding_idx(padding_idx, num_embeddings):
    """``padding_idx`` as a row number in [0, num_embeddings); negative counts from the end."""
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"Padding_idx must be within num_embeddings: got padding_idx="
                         f"{padding_idx} for num_embeddings={num_embeddings}")
    return padding_idx % num_embeddings


def _renorm_rows(weight, indices, max_norm, norm_type):
    """W[k] ← W[k] · max_norm / (‖W[k]‖ + 1e-7) for each looked-up row whose norm exceeds max_norm."""
    xp = weight._backend.xp
    rows = xp.unique(indices)
    norms = (xp.abs(weight._array[rows]) ** norm_type).sum(axis=1) ** (1 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    with no_grad():
        weight[rows] = weight._array[rows] * scale[:, None]
