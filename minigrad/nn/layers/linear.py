"""``Linear``: the fully connected layer y = x Wᵀ + b, and ``Identity``: y = x.

PyTorch's default initialisation, reproduced here: W ~ U(−1/√in, 1/√in) (it is
``kaiming_uniform_`` with a = √5, which works out to that bound) and
b ~ U(−1/√in, 1/√in), drawn from the device's generator.
"""
import math

from ...creation import empty
from .. import init
from ..functional.linear import linear
from ..module import Module
from ..parameter import Parameter


class Linear(Module):
    """y = x Wᵀ + b for x of shape (..., in_features); y has shape (..., out_features).

    Parameters: ``weight`` (out_features, in_features) and ``bias`` (out_features,),
    the latter absent when ``bias=False``.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W by kaiming_uniform_(a=√5), b ~ U(−1/√fan_in, 1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """y = x. Any constructor arguments are accepted and ignored (a placeholder layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
