"""The gradients a backward pass starts from: ``backward(gradient=)`` and
``mg.autograd.grad(grad_outputs=)``, checked against the outputs they belong to."""
from ..tensor import Tensor, new_tensor


def as_gradient(gradient, output, where, argument):
    """The gradient a backward pass starts from: ``gradient`` checked against the
    tensor it is the gradient of, or 1 for a single-element tensor.

    A gradient of another floating dtype is cast (differentiably) to the
    output's, as PyTorch does, so every ``.grad`` keeps its tensor's dtype.
    """
    if gradient is None:
        if output._array.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but {where} has shape "
                f"{tuple(output.shape)}: pass {argument} (dL/d(that tensor))")
        return new_tensor(output._backend.xp.ones_like(output._array), output._backend, None, 0)
    if not isinstance(gradient, Tensor):
        gradient = Tensor(gradient, dtype=output.dtype, device=output.device)
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"the gradient given for {where} has shape {tuple(gradient.shape)}, but {where} has "
            f"shape {tuple(output.shape)}")
    if gradient._backend is not output._backend:
        raise RuntimeError(
            f"the gradient given for {where} is on {gradient.device}, but {where} is on {output.device}")
    if gradient._array.dtype != output._array.dtype:
        gradient = gradient.to(output._array.dtype)
    return gradient
