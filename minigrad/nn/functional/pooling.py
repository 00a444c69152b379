"""``F.max_pool1d/2d``, ``F.avg_pool1d/2d`` and ``F.adaptive_avg_pool2d``: one value per window.

These check the arguments as PyTorch does, turn them into a window geometry
(``minigrad.ops.pooling.Geometry``) and call the pooling ops, which work on
(N, C, H, W). An unbatched input (C, H, W) gets a batch dimension of one for the
call; a 1-d pooling of (N, C, L) is the 2-d pooling of (N, C, 1, L) with a
window of height one.
"""
import numbers

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
from ...ops import pooling
from ...ops.elementwise import refuse_dtype
from ...ops.shape import squeeze, unsqueeze
from .arguments import check_tensor


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window of ``kernel_size`` elements of an (N, C, L) or (C, L) input.

    Windows start every ``stride`` elements (default: ``kernel_size``) of the input
    padded with −∞ by ``padding`` (at most half the window) on both ends, and read
    elements ``dilation`` apart. With ``return_indices``, also returns where each
    maximum is along L (the first one where there are ties).
    """
    values, indices = _max_pool("max_pool1d", input, 1, kernel_size, stride, padding, dilation,
                                ceil_mode, return_indices)
    return (values, indices) if return_indices else values


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each kernel_size window of an (N, C, H, W) or (C, H, W) input.

    As ``max_pool1d`` in both dimensions (each argument an int or an (h, w) pair);
    ``return_indices`` gives positions in the flattened H·W plane.
    """
    values, indices = _max_pool("max_pool2d", input, 2, kernel_size, stride, padding, dilation,
                                ceil_mode, return_indices)
    return (values, indices) if return_indices else values


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """The mean of each window of ``kernel_size`` elements of an (N, C, L) or (C, L) input.

    The input is padded with zeros by ``padding`` on both ends; with
    ``count_include_pad`` the padding counts in the divisor, otherwise only the
    input's elements in the window do.
    """
    return _avg_pool("avg_pool1d", input, 1, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each kernel_size window of an (N, C, H, W) or (C, H, W) input.

    As ``avg_pool1d`` in both dimensions; ``divisor_override`` divides every window's
    sum by that number instead of its element count.
    """
    return _avg_pool("avg_pool2d", input, 2, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of an (N, C, H, W) or (C, H, W) input to ``output_size`` (h, w).

    Output row i averages input rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1 (PyTorch's windows,
    which overlap when h does not divide H), columns likewise. An int gives a square
    output; None in a pair keeps that input size.
    """
    check_tensor("adaptive_avg_pool2d", "input", input, 1)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    refuse_dtype(input, "adaptive_avg_pool2d", "biu", RuntimeError)
    sizes = _pair("adaptive_avg_pool2d", "output_size", output_size, allow_none=True)
    sizes = tuple(input.shape[-2 + axis] if size is None else size for axis, size in enumerate(sizes))
    if min(sizes) < 0:
        raise RuntimeError(f"adaptive_avg_pool2d: elements of output_size must be greater than or "
                           f"equal to 0 but received {{{sizes[0]}, {sizes[1]}}}")
    batched = input if input.ndim == 4 else unsqueeze(input, 0)
    output = pooling.adaptive_avg_pool2d(batched, sizes)
    return output if input.ndim == 4 else squeeze(output, 0)


# ---------------------------------------------------------------- shared checks
def _max_pool(op, input, dims, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    batched = _as_batched_planes(op, input, dims)
    refuse_dtype(input, op, "b" if dims == 2 else "biu")  # PyTorch's max_pool1d takes no integers
    geometry = _geometry(op, batched, dims, kernel_size, stride, padding, dilation, ceil_mode)
    if return_indices or input.requires_grad and is_grad_enabled():
        # PyTorch then runs its kernel with indices, whose padding limit is half the
        # kernel, dilation aside (without, it is half the dilated window, as checked above).
        for pad, kernel in zip(geometry.padding, geometry.kernel):
            if pad > kernel // 2:
                raise RuntimeError(
                    f"pad should be smaller than or equal to half of kernel size, but got "
                    f"padW = {geometry.padding[1]}, padH = {geometry.padding[0]}, "
                    f"kW = {geometry.kernel[1]}, kH = {geometry.kernel[0]}")
    values, indices = pooling.max_pool2d(batched, geometry)
    return _restore(values, input, dims), _restore(indices, input, dims)


def _avg_pool(op, input, dims, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    batched = _as_batched_planes(op, input, dims)
    if input.dtype.kind in "biu" and input.dtype != np.int64:  # PyTorch averages int64 only
        refuse_dtype(input, op, "biu")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geometry = _geometry(op, batched, dims, kernel_size, stride, padding, 1, ceil_mode)
    output = pooling.avg_pool2d(batched, geometry, count_include_pad, divisor_override)
    return _restore(output, input, dims)


def _as_batched_planes(op, input, dims):
    """The input as (N, C, H, W): a batch of one for an unbatched input, H = 1 in 1-d."""
    check_tensor(op, "input", input, 1)
    if input.ndim not in (dims + 1, dims + 2) or 0 in input.shape[-dims - 1:]:
        raise RuntimeError(f"{op}: Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got:{list(input.shape)}")
    batched = input if input.ndim == dims + 2 else unsqueeze(input, 0)
    return batched if dims == 2 else unsqueeze(batched, 2)


def _restore(output, input, dims):
    """Undo ``_as_batched_planes`` on a pooled output."""
    if dims == 1:
        output = squeeze(output, 2)
    return output if input.ndim == dims + 2 else squeeze(output, 0)


def _pair(op, name, value, allow_none=False):
    """An int, or a sequence of one or two ints, as an (h, w) pair."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * 2
    if isinstance(value, (tuple, list)) and len(value) in (1, 2) and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool)
            or allow_none and v is None for v in value):
        return tuple(value) * (3 - len(value))
    raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of two ints")


def _geometry(op, batched, dims, kernel_size, stride, padding, dilation, ceil_mode):
    """Check the window arguments (PyTorch's messages) and size the output."""
    def per_axis(name, value):
        if dims == 2:
            return _pair(op, name, value)
        if isinstance(value, (tuple, list)) and len(value) == 1:
            value = value[0]
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise RuntimeError(f"{op}: {name} must be a single int, or a tuple of one int")
        return (1, int(value))  # the height of a 1-d window is one element

    kernel = per_axis("kernel_size", kernel_size)
    stride = kernel if stride is None or stride == () or stride == [] else per_axis("stride", stride)
    padding, dilation = per_axis("padding", padding), per_axis("dilation", dilation)
    if dims == 1:
        padding = (0, padding[1])
    if op == "max_pool1d":
        _check_max_pool1d(kernel[1], stride[1], padding[1], dilation[1])
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel_size should be greater than zero, but got kH: {kernel[0]} "
                           f"kW: {kernel[1]}")
    if min(stride) == 0:
        raise RuntimeError("stride should not be zero")
    if min(stride) < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} "
                           f"dW: {stride[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: "
                           f"{dilation[0]} dilationW: {dilation[1]}")
    for pad, k, d in zip(padding, kernel, dilation):
        if pad < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
        if pad > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pad}, kernel_size={k} and dilation={d}")
    size = tuple(batched.shape[2:])
    output = tuple(pooling.pooled_size(*arguments, ceil_mode)
                   for arguments in zip(size, kernel, stride, padding, dilation))
    if min(output) < 1:
        if op == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {output[1]}")
        planes = batched.shape[1]
        shown = (lambda sizes: "x".join(map(str, (planes,) + sizes)))
        raise RuntimeError(f"Given input size: ({shown(size)}). Calculated output size: "
                           f"({shown(output)}). Output size is too small")
    return pooling.Geometry(kernel, stride, padding, dilation, size, output)


def _check_max_pool1d(kernel, stride, padding, dilation):
    """max_pool1d's own checks and messages (its padding limit is half the kernel,
    dilation aside, where max_pool2d's is half the dilated window)."""
    for name, value in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if value <= 0:
            raise RuntimeError(f"max_pool1d() {name} must be greater than zero, but got {value}")
    if padding < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {padding}")
    if padding > kernel // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={padding} and kernel_size={kernel}")
