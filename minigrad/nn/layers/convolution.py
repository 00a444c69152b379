"""``Conv1d`` and ``Conv2d``: convolution layers, PyTorch's arguments, defaults and
initialisation.

The weight has shape (out_channels, in_channels / groups, *kernel_size) and is
drawn by ``kaiming_uniform_(a=√5)``, which works out to U(−1/√fan_in, 1/√fan_in)
with fan_in = in_channels / groups · ∏ kernel_size; the bias (out_channels,) is drawn
from the same U(−1/√fan_in, 1/√fan_in). The math is in ops/convolution.py; the
argument checks of each call in nn/functional/convolution.py.
"""
import math

from ...creation import empty
from .. import init
from ..functional.convolution import conv1d, conv2d
from ..module import Module
from ..parameter import Parameter

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("circular", "reflect", "replicate", "zeros")


def _per_dimension(value, spatial):
    """An int or a sequence of ints as a tuple of ``spatial`` ints (PyTorch's ``_pair``)."""
    return (value,) * spatial if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: the checks of the constructor's arguments, the
    parameters, their initialisation and the repr. ``padding_mode='zeros'`` is the only
    padding minigrad's convolution has."""

    _spatial = None   # 1 or 2, set by the subclass
    _function = None  # F.conv1d or F.conv2d

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        spatial = self._spatial
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _per_dimension(stride, spatial)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{set(_PADDING_STRINGS)}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _per_dimension(padding, spatial)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode='{padding_mode}' is not supported by minigrad: its "
                             f"convolution pads with zeros only (padding_mode='zeros')")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _per_dimension(kernel_size, spatial)
        self.stride = stride
        self.padding = padding
        self.dilation = _per_dimension(dilation, spatial)
        self.transposed = False
        self.output_padding = (0,) * spatial
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(empty(out_channels, in_channels // groups, *self.kernel_size,
                                      dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W by kaiming_uniform_(a=√5), b ~ U(−1/√fan_in, 1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return self._function(input, self.weight, self.bias, self.stride, self.padding,
                              self.dilation, self.groups)

    def extra_repr(self):
        spatial = self._spatial
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * spatial:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * spatial:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv1d(_ConvNd):
    """1-d convolution: input (N, in_channels, L) or (in_channels, L) → (N, out_channels, L_out),
    L_out = ⌊(L + 2·padding − dilation·(kernel_size − 1) − 1) / stride⌋ + 1."""

    _spatial = 1
    _function = staticmethod(conv1d)


class Conv2d(_ConvNd):
    """2-d convolution: input (N, in_channels, H, W) or (in_channels, H, W) →
    (N, out_channels, H_out, W_out), each of H_out, W_out as Conv1d's L_out."""

    _spatial = 2
    _function = staticmethod(conv2d)
