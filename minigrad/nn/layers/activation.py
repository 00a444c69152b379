"""Activation layers: modules around the functions in ``F`` (no parameters).

    ReLU: max(x, 0)              LeakyReLU: x if x > 0 else negative_slope · x
    Tanh: tanh(x)                Sigmoid: 1 / (1 + e^(−x))
    GELU: x · Φ(x) (Φ the standard normal CDF), or its tanh approximation
    Softmax: e^(x_i) / Σ_j e^(x_j) along dim     LogSoftmax: its logarithm, computed stably

``inplace=True`` is accepted (and shown in the repr) so that PyTorch code runs
unchanged; minigrad still returns a new tensor.
"""
from .. import functional as F
from ..module import Module


class ReLU(Module):
    """y = max(x, 0)"""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """y = x for x > 0, else negative_slope · x"""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """y = tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))"""

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    """y = σ(x) = 1 / (1 + e^(−x))"""

    def forward(self, input):
        return F.sigmoid(input)


class GELU(Module):
    """y = x · Φ(x) = ½ x (1 + erf(x/√2)); approximate="tanh":
    ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))). As in PyTorch, any other
    ``approximate`` is refused when the layer is called (RuntimeError)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """y_i = e^(x_i) / Σ_j e^(x_j) along ``dim``: each slice becomes a probability vector."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """y_i = x_i − log Σ_j e^(x_j) along ``dim`` (the log of Softmax, without overflow)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"
