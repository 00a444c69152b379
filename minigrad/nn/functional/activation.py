"""Activation functions as ``torch.nn.functional`` names them.

    relu(x) = max(x, 0)                 leaky_relu(x) = x if x > 0 else slope · x
    sigmoid(x) = 1 / (1 + e^(−x))       tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))
    gelu(x) = x · Φ(x)                  softplus(x) = (1/β) ln(1 + e^(βx))
    softmax(x)_i = e^(x_i) / Σ_j e^(x_j)        log_softmax(x)_i = x_i − ln Σ_j e^(x_j)

The operations themselves live in ``minigrad.ops``; this file gives them
PyTorch's functional signatures. ``inplace=True`` is accepted so that PyTorch
code runs unchanged, but minigrad always returns a new tensor and leaves the
input as it was (its graph records no in-place operations).
"""
import numbers
import warnings

from ...ops import elementwise, reduction
from ...ops.elementwise import cast
from .arguments import check_tensor


def relu(input, inplace=False):
    """max(input, 0)"""
    check_tensor("relu", "input", input, 1)
    return elementwise.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where input > 0, else negative_slope · input"""
    check_tensor("leaky_relu", "input", input, 1)
    if not isinstance(negative_slope, numbers.Real):
        raise TypeError(f"leaky_relu(): argument 'negative_slope' (position 2) must be Number, "
                        f"not {type(negative_slope).__name__}")
    return elementwise.leaky_relu(input, negative_slope)


def sigmoid(input):
    """1 / (1 + e^(−input))"""
    check_tensor("sigmoid", "input", input, 1)
    return elementwise.sigmoid(input)


def tanh(input):
    """(e^x − e^(−x)) / (e^x + e^(−x))"""
    check_tensor("tanh", "input", input, 1)
    return elementwise.tanh(input)


def gelu(input, approximate="none"):
    """input · Φ(input) (Φ the standard normal CDF); ``approximate="tanh"`` uses
    ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))."""
    check_tensor("gelu", "input", input, 1)
    return elementwise.gelu(input, approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """(1/β) ln(1 + e^(β·input)), and input itself where β·input > threshold"""
    check_tensor("softplus", "input", input, 1)
    return elementwise.softplus(input, beta, threshold)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / Σ e^x along ``dim``; ``dtype`` casts the input first."""
    check_tensor("softmax", "input", input, 1)
    if dtype is not None:
        input = cast(input, dtype)
    return reduction.softmax(input, _softmax_dim("softmax", input.ndim, dim, _stacklevel))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x − log Σ e^x along ``dim``; ``dtype`` casts the input first."""
    check_tensor("log_softmax", "input", input, 1)
    if dtype is not None:
        input = cast(input, dtype)
    return reduction.log_softmax(input, _softmax_dim("log_softmax", input.ndim, dim, _stacklevel))


def _softmax_dim(name, ndim, dim, stacklevel):
    """``dim``, or PyTorch's deprecated implicit choice when it is None (with its warning):
    dim 0 for 0-, 1- and 3-dimensional inputs, dim 1 otherwise."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1
