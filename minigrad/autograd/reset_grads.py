"""``reset_grads``: clear the gradients ``backward()`` stored in ``.grad``, the work of
``Module.zero_grad`` and ``Optimizer.zero_grad``."""
from .grad_mode import no_grad


def reset_grads(tensors, set_to_none=True):
    """Reset the ``.grad`` of each tensor: to None (the default, as PyTorch's
    ``zero_grad``), or to zeros in place. ``Module.zero_grad`` and
    ``Optimizer.zero_grad`` both use this."""
    for tensor in tensors:
        if tensor.grad is None:
            continue
        if set_to_none:
            tensor.grad = None
        else:
            with no_grad():
                tensor.grad.zero_()
