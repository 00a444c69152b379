"""Looking up rows of a weight matrix by integer index (``F.embedding``).

    y[..., :] = W[i[...], :]          W: (num_embeddings, embedding_dim)

The gradient scatters back: dL/dW[k] = Σ over the positions where i = k of dL/dy
(repeated indices accumulate). Two options change it, as in PyTorch: the row
``padding_idx`` receives no gradient, and ``scale_grad_by_freq=True`` divides
each row's gradient by how often its index occurs in the batch. ``F.embedding``
(nn/functional/embedding.py) checks the arguments and applies ``max_norm``.
"""
from ..autograd.function import Function
from .elementwise import where
from .shape import IndexAdd


class Embedding(Function):
    """y = W[i];  dL/dW = zeros with g added at the rows i, each position's g first divided
    by its index's frequency (``scale_grad_by_freq``) and replaced by 0 where i = padding_idx
    (a select, not a product with a 0/1 mask: an infinite g there still gives 0, as in PyTorch)"""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None, scale_grad_by_freq=False):
        xp = ctx.xp
        ctx.weight_shape = weight.shape
        ctx.save_for_backward(indices)  # an argument that is not a Tensor: kept as it is
        frequency_scale = not_padding = None  # per looked-up position, broadcast along the row
        if ctx.needs_input_grad[0]:
            if scale_grad_by_freq:
                counts = xp.bincount(indices.ravel(), minlength=weight.shape[0])
                frequency_scale = (1 / counts[indices].astype(weight.dtype))[..., None]
            if padding_idx is not None:
                not_padding = (indices != padding_idx)[..., None]
            ctx.save_intermediates(frequency_scale, not_padding)
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        indices, = ctx.saved_tensors
        frequency_scale, not_padding = ctx.saved_intermediates
        if frequency_scale is not None:
            grad = grad * frequency_scale
        if not_padding is not None:
            grad = where(not_padding, grad, 0.0)
        return IndexAdd.apply(grad, shape=ctx.weight_shape, key=(indices,)), None
