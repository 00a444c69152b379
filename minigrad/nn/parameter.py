"""``Parameter``: a tensor that a ``Module`` registers as one of its weights.

Assigning a ``Parameter`` to a module attribute (``self.weight = Parameter(...)``)
puts it in ``module.parameters()``, so optimizers find it and ``state_dict()``
saves it. Otherwise it is an ordinary leaf tensor that requires grad.
"""
from ..conversion import to_backend_array
from ..tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor registered by modules; ``requires_grad=True`` by default.

    ``Parameter(tensor)`` shares the tensor's memory, as in PyTorch.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = []
        if isinstance(data, Tensor):
            array, backend = data._array, data._backend
        else:
            array, backend = to_backend_array(data)
        _init(self, array, backend, None, 0)
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
