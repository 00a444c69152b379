"""Pooling layers: ``MaxPool1d``, ``MaxPool2d``, ``AvgPool1d``, ``AvgPool2d`` and
``AdaptiveAvgPool2d``.

Each keeps its window arguments (PyTorch's names and defaults: ``stride`` defaults
to ``kernel_size``) and calls the function of the same name in ``F``; none has
parameters. Max pooling passes on the largest value of each window, average
pooling the mean; adaptive average pooling picks the windows so that the output
has a given size, whatever the input's (so a network ending in
``AdaptiveAvgPool2d(1)`` takes images of any size).
"""
from .. import functional as F
from ..module import Module


class MaxPool1d(Module):
    """y = the maximum of each window of an (N, C, L) or (C, L) input (``F.max_pool1d``)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(MaxPool1d):
    """y = the maximum of each window of an (N, C, H, W) or (C, H, W) input (``F.max_pool2d``)."""

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """y = the mean of each window of an (N, C, L) or (C, L) input (``F.avg_pool1d``).

    As in PyTorch, the window arguments are kept as one-element tuples.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """y = the mean of each window of an (N, C, H, W) or (C, H, W) input (``F.avg_pool2d``)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """y = the input averaged down to ``output_size`` (``F.adaptive_avg_pool2d``): an int
    for a square output, or (h, w) where None keeps that input size."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


def _single(value):
    """A one-element tuple, as PyTorch keeps a 1-d layer's window arguments."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
