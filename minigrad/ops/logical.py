"""Logical operations on tensors of any dtype: an element is true when it is
not zero (NaN is true), and the result is a boolean tensor outside the graph,
as in PyTorch's logical_and, logical_or, logical_xor and logical_not.
"""
from ..autograd import tracing
from ..tensor import new_tensor
from .arguments import check_tensor
from .broadcasting import broadcast_shapes


def _logical(ufunc_name, function_name, *tensors):
    for position, (argument, tensor) in enumerate(zip(("input", "other"), tensors), start=1):
        check_tensor(function_name, argument, tensor, position)
    backend = tensors[0]._backend
    if any(tensor._backend is not backend for tensor in tensors):
        raise RuntimeError(f"{function_name}: expected both tensors on the same device, got "
                           f"{tensors[0].device} and {tensors[1].device}")
    broadcast_shapes([tensor.shape for tensor in tensors], function_name)
    return new_tensor(tracing.derived(getattr(backend.xp, ufunc_name), *tensors), backend, None, 0)


def logical_and(input, other):
    """True where both elements are true (non-zero), with broadcasting."""
    return _logical("logical_and", "logical_and", input, other)


def logical_or(input, other):
    """True where either element is true (non-zero), with broadcasting."""
    return _logical("logical_or", "logical_or", input, other)


def logical_xor(input, other):
    """True where exactly one of the two elements is true (non-zero), with broadcasting."""
    return _logical("logical_xor", "logical_xor", input, other)


def logical_not(input):
    """True where the element is false (zero)."""
    return _logical("logical_not", "logical_not", input)
