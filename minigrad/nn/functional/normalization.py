"""``F.batch_norm``, ``F.layer_norm``, ``F.group_norm`` and ``F.rms_norm``: normalise, then
scale by γ (weight) and shift by β (bias).

    y = (x − E[x]) / √(Var[x] + ε) · γ + β

Batch norm takes E and Var per channel (dim 1) over the batch and any length
dimensions: over dims (0,) of an (N, C) input, (0, 2) of an (N, C, L) one, (0, 2, 3)
of an (N, C, H, W) one. In training it uses the batch's statistics (the biased
variance) and, given running buffers, updates them with ``momentum``; in evaluation it uses the running
statistics instead. Layer norm takes E and Var over the last dimensions, the
ones ``normalized_shape`` names, separately for every sample, in training and
evaluation alike. Group norm takes them per sample over groups of channels
(and every position), γ and β per channel. RMS norm divides by √(E[x²] + ε) over
the last dimensions, without subtracting the mean and without β.
"""
import math

import numpy as np

from ...autograd.autocast_hook import autocast_op
from ...ops.elementwise import refuse_dtype
from ...ops.normalization import Normalize, rms_normalize
from ...ops.shape import reshape
from .arguments import check_tensor


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Batch normalization of an (N, C, ...) input over every dimension but the channels (dim 1).

    ``training=True`` normalises with the batch's mean and biased variance, and
    updates ``running_mean``/``running_var`` in place when they are given:
    r ← (1 − momentum) · r + momentum · batch statistic (the unbiased variance for
    ``running_var``). ``training=False`` normalises with the running statistics.
    """
    check_tensor("batch_norm", "input", input, 1)
    for position, (name, tensor) in enumerate((("running_mean", running_mean),
                                               ("running_var", running_var), ("weight", weight),
                                               ("bias", bias)), start=2):
        check_tensor("batch_norm", name, tensor, position, optional=True)
    refuse_dtype(input, "batch_norm", "biu", RuntimeError)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C) or (N, C, L), got shape "
                         f"{tuple(input.shape)}")
    channels = input.shape[1]
    for name, tensor in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                         ("running_var", running_var)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should have shape ({channels},) for an input "
                               f"with {channels} channels, got {tuple(tensor.shape)}")
    param_shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        values_per_channel = input.numel() // channels if channels else 0
        if values_per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {tuple(input.shape)}")
        dims = (0,) + tuple(range(2, input.ndim))
        return Normalize.apply(input, weight, bias, dims=dims, param_shape=param_shape, eps=eps,
                               kind="batch", running_mean=running_mean, running_var=running_var,
                               momentum=momentum)
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                           "training=False (evaluation normalises with them)")
    scale = (running_var + eps) ** -0.5
    if weight is not None:
        scale = weight * scale
    output = (input - reshape(running_mean, param_shape)) * reshape(scale, param_shape)
    return output if bias is None else output + reshape(bias, param_shape)


@autocast_op("layer_norm")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Layer normalization over the last ``len(normalized_shape)`` dimensions of each sample."""
    check_tensor("layer_norm", "input", input, 1)
    check_tensor("layer_norm", "weight", weight, 3, optional=True)
    check_tensor("layer_norm", "bias", bias, 4, optional=True)
    refuse_dtype(input, "layer_norm", "biu", RuntimeError)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or input.ndim < count or tuple(input.shape[-count:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of "
                           f"size {list(input.shape)}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} should have shape {normalized_shape}, got "
                               f"{tuple(tensor.shape)}")
    dims = tuple(range(input.ndim - count, input.ndim))
    return Normalize.apply(input, weight, bias, dims=dims, param_shape=normalized_shape, eps=eps,
                           kind="layer")


@autocast_op("group_norm")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Group normalization of an (N, C, ...) input: its C channels split into ``num_groups``
    groups, each normalised over its channels and positions, per sample; then
    y = x̂ · γ + β with γ (``weight``) and β (``bias``) of shape (C,)."""
    check_tensor("group_norm", "input", input, 1)
    check_tensor("group_norm", "weight", weight, 3, optional=True)
    check_tensor("group_norm", "bias", bias, 4, optional=True)
    refuse_dtype(input, "group_norm", "biu", RuntimeError)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    batch, channels = input.shape[:2]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups={num_groups}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(tensor.shape)} "
                               f"and input of shape {list(input.shape)}")
    group_size = channels // num_groups * math.prod(input.shape[2:])
    grouped = reshape(input, (batch, num_groups, group_size))
    output = reshape(Normalize.apply(grouped, None, None, dims=(2,), param_shape=(1, 1, 1), eps=eps,
                                     kind="layer"), input.shape)
    param_shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        output = output * reshape(weight, param_shape)
    return output if bias is None else output + reshape(bias, param_shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalization over the last ``len(normalized_shape)`` dimensions:
    y = x / √(mean(x²) + ε) · γ, with ε = ``eps``, or the machine epsilon of the input's
    dtype when None (``torch.finfo(dtype).eps``)."""
    check_tensor("rms_norm", "input", input, 1)
    check_tensor("rms_norm", "weight", weight, 3, optional=True)
    refuse_dtype(input, "rms_norm", "biu", RuntimeError)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing "
                           "at least one element, but got normalized_shape = []")
    if input.ndim < count or tuple(input.shape[-count:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*{', '.join(map(str, normalized_shape))}], but got input of "
                           f"size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight "
                           f"of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(normalized_shape)}")
    eps = float(np.finfo(input.dtype).eps) if eps is None else eps
    output = rms_normalize(input, tuple(range(input.ndim - count, input.ndim)), eps)
    return output if weight is None else output * weight
