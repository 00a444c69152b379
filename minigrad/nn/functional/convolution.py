"""``F.conv1d``, ``F.conv2d``: the arguments checked as PyTorch checks them (with its
messages), then ``Convolution`` in ops/convolution.py, where the math is.

``padding`` is an int, one int per spatial dimension, ``'valid'`` (no padding) or
``'same'`` (the output as long as the input; stride 1 only): a total of
dilation·(kernel − 1) zeros per dimension, ⌊total/2⌋ before and the rest after, so
an even kernel gets one more zero after than before, as in PyTorch.
An unbatched input (C, *in) is treated as a batch of one.
"""
from ...autograd.autocast_hook import autocast_op
from ...ops.convolution import Convolution
from ...ops.shape import squeeze, unsqueeze
from .arguments import check_tensor


@autocast_op("conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (a correlation) of input (N, C_in, L) or (C_in, L) with weight
    (C_out, C_in/groups, k) and bias (C_out,); see ``Convolution``."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@autocast_op("conv2d")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (a correlation) of input (N, C_in, H, W) or (C_in, H, W) with weight
    (C_out, C_in/groups, kH, kW) and bias (C_out,); see ``Convolution``."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _per_dimension(name, value, spatial):
    """An int or a sequence of ``spatial`` ints, as a tuple of ``spatial`` ints."""
    if isinstance(value, int):
        return (value,) * spatial
    value = tuple(value)
    if len(value) != spatial:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {spatial} values to match "
            f"the convolution dimensions, but got {name}={list(value)}")
    return value


def resolve_padding(padding, kernel, stride, dilation):
    """The (lo, hi) zeros per spatial dimension for ``padding`` (an int per dimension,
    ``'valid'`` or ``'same'``); ``stride`` and ``dilation`` already one int per dimension."""
    if isinstance(padding, str):
        if padding == "valid":
            return tuple((0, 0) for _ in kernel)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: {padding!r}")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    padding = _per_dimension("padding", padding, len(kernel))
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in padding)


def _convolution(function, spatial, input, weight, bias, stride, padding, dilation, groups):
    check_tensor(function, "input", input, 1)
    check_tensor(function, "weight", weight, 2)
    check_tensor(function, "bias", bias, 3, optional=True)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {function}, "
            f"but got input of size: {list(input.shape)}")
    if weight.ndim != spatial + 2:
        raise RuntimeError(
            f"{function}: weight must have {spatial + 2} dimensions (out_channels, "
            f"in_channels / groups, {spatial} kernel sizes), got weight of size {list(weight.shape)}")
    stride = _per_dimension("stride", stride, spatial)
    dilation = _per_dimension("dilation", dilation, spatial)
    kernel = tuple(weight.shape[2:])
    padding = resolve_padding(padding, kernel, stride, dilation)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    batched = input.ndim == spatial + 2
    if not batched:
        input = unsqueeze(input, 0)
    _check_shapes(input, weight, bias, groups)
    in_size = input.shape[2:]
    padded = [size + low + high for size, (low, high) in zip(in_size, padding)]
    dilated = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < k for p, k in zip(padded, dilated)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
            f"size: ({' x '.join(map(str, dilated))}). Kernel size can't be greater than actual "
            f"input size")
    if input.dtype != weight.dtype or bias is not None and bias.dtype != weight.dtype:
        raise RuntimeError(f"{function}: input, weight and bias must have the same dtype, got "
                           f"{input.dtype}, {weight.dtype}"
                           + ("" if bias is None else f" and {bias.dtype}"))
    output = Convolution.apply(input, weight, bias, stride=stride, padding=padding,
                               dilation=dilation, groups=groups)
    return output if batched else squeeze(output, 0)


def _check_shapes(input, weight, bias, groups):
    """PyTorch's messages for channels that do not match the weight and the groups."""
    out_channels = weight.shape[0]
    if out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(weight.shape)}] instead")
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{input.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")
