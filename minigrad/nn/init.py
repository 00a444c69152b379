r"""``mg.nn.init``: fill a weight tensor in place with a chosen initial distribution.

Each function changes its argument under ``no_grad`` and returns it, as in
PyTorch, and draws from the tensor's device generator (``mg.manual_seed`` makes
it reproducible) or, as in PyTorch, from the ``mg.Generator`` given as
``generator=``. For a weight of shape (out, in, k1, k2, ...) the receptive
field is r = k1·k2·..., fan_in = in·r and fan_out = out·r.

- ``uniform_(t, a, b)``: U(a, b);  ``normal_(t, mean, std)``: N(mean, std²);
  ``constant_``, ``zeros_``, ``ones_``.
- Glorot/Xavier (keep the variance of activations and of gradients alike):
  std = gain · √(2 / (fan_in + fan_out)); ``xavier_uniform_`` draws U(−√3·std, √3·std),
  ``xavier_normal_`` N(0, std²).
- He/Kaiming (keep the variance through ReLU-like layers):
  std = gain / √fan (fan = fan_in or fan_out by ``mode``), gain = calculate_gain(nonlinearity, a);
  ``kaiming_uniform_`` draws U(−√3·std, √3·std), ``kaiming_normal_`` N(0, std²).
- ``orthogonal_(t, gain)``: gain · Q, Q from the QR decomposition of a Gaussian
  matrix (rows = t.shape[0], columns = the rest), signs fixed so that Q is
  uniformly distributed (Saxe et al. 2013).
"""
import math
import numbers
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import rand, randn

_LINEAR_NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                          "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (the factor its variance needs restoring by).

    ======================  ==========================
    linear, conv*, sigmoid  1
    tanh                    5/3
    relu                    √2
    leaky_relu              √(2 / (1 + negative_slope²)), negative_slope = param or 0.01
    selu                    3/4
    ======================  ==========================
    """
    if nonlinearity in _LINEAR_NONLINEARITIES or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) = (shape[1] · r, shape[0] · r), r the product of shape[2:]."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive_field_size = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field_size, tensor.shape[0] * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    """Copy ``values`` (a Tensor on the same device) into ``tensor`` without recording it."""
    with no_grad():
        return tensor.copy_(values)


def _sample_dtype(tensor):
    """The dtype to draw samples in: the tensor's own if floating, else float64."""
    return tensor.dtype if tensor.dtype.kind == "f" else np.float64


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of U(a, b)."""
    unit = rand(tensor.shape, generator=generator, dtype=_sample_dtype(tensor),
                device=tensor.device)
    return _fill(tensor, unit * (b - a) + a)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of N(mean, std²)."""
    standard = randn(tensor.shape, generator=generator, dtype=_sample_dtype(tensor),
                     device=tensor.device)
    return _fill(tensor, standard * std + mean)


def constant_(tensor, val):
    """Fill with the value ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(−a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(−bound, bound), bound = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    ``a`` is the negative slope of the leaky ReLU that follows (used only when
    nonlinearity="leaky_relu"); ``mode`` picks fan_in (keeps the forward
    variance) or fan_out (keeps the backward variance).
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std²), std = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with gain · Q, Q a (semi-)orthogonal matrix: Qᵀ Q = I when rows ≥ columns,
    Q Qᵀ = I otherwise (the shape is flattened to (shape[0], rest) first).

    Q comes from the QR decomposition A = QR of a standard Gaussian matrix A,
    with each column of Q multiplied by the sign of R's diagonal entry, so that
    the decomposition is unique and Q is uniformly (Haar) distributed.
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    columns = tensor.numel() // rows
    xp = tensor._backend.xp
    gaussian = randn(rows, columns, generator=generator, dtype=np.float64,
                     device=tensor.device)._array
    if rows < columns:
        gaussian = gaussian.T
    q, r = xp.linalg.qr(gaussian)
    q = q * xp.sign(xp.diagonal(r))
    if rows < columns:
        q = q.T
    with no_grad():
        return tensor.copy_(q.reshape(tensor.shape) * gain)
