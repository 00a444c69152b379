"""One flat vector for all of a model's weights, and back.

``parameters_to_vector(params)`` concatenates the flattened parameters in
iteration order: the vector view used by second-order methods, evolution
strategies, weight averaging and loss-landscape plots.
``vector_to_parameters(vec, params)`` writes the slices of such a vector back.
"""
from ...autograd.grad_mode import no_grad
from ...ops.shape import cat
from ...tensor import Tensor


def _same_device(tensors):
    """``tensors`` as a list, after checking that they all live on one device."""
    tensors = list(tensors)
    for tensor in tensors[1:]:
        if tensor._backend is not tensors[0]._backend:
            raise TypeError(f"Found two parameters on different devices ({tensors[0].device} and "
                            f"{tensor.device}), this is currently not supported.")
    return tensors


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one 1-d tensor (differentiable)."""
    parameters = _same_device(parameters)
    if not parameters:
        raise ValueError("parameters_to_vector: expected at least one parameter")
    return cat([param.reshape(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d tensor ``vec`` into ``parameters``, in place.

    The vector must be on the parameters' device and hold exactly as many
    elements as they do together. Each slice is cast to its parameter's dtype;
    the Parameter objects stay the same, so an optimizer holding them keeps working.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected minigrad.Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"expected a 1-d vector, got a tensor of shape {tuple(vec.shape)}")
    parameters = _same_device(parameters)
    if parameters and vec._backend is not parameters[0]._backend:
        raise TypeError(f"the vector is on {vec.device} but the parameters are on "
                        f"{parameters[0].device}")
    total = sum(param.numel() for param in parameters)
    if vec.shape[0] != total:
        raise ValueError(f"the vector has {vec.shape[0]} elements but the parameters hold "
                         f"{total}")
    pointer = 0
    with no_grad():
        for param in parameters:
            count = param.numel()
            param.copy_(vec[pointer:pointer + count].reshape(param.shape))
            pointer += count
