"""Normalization layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``, ``GroupNorm`` and ``RMSNorm``.

Batch, layer and group norm compute y = (x − E[x]) / √(Var[x] + ε) · γ + β, with the learnable scale
γ (``weight``, initialised to 1) and shift β (``bias``, initialised to 0), and
differ in what E and Var average over:

- BatchNorm1d: per channel, over the batch (and the length of an (N, C, L)
  input). Training uses the batch's statistics and keeps running estimates of
  them in the buffers ``running_mean`` and ``running_var``; evaluation uses the
  running estimates, so the output of one sample does not depend on the others.
  BatchNorm2d is the same per channel of (N, C, H, W) images, over N, H and W.
- LayerNorm: per sample, over its last dimensions (``normalized_shape``), the
  same in training and evaluation.
- GroupNorm: per sample, over groups of channels (and all their positions); γ
  and β per channel; the same in training and evaluation.
- RMSNorm: per sample, over its last dimensions, dividing by the root mean
  square √(E[x²] + ε) without subtracting the mean, and scaling by γ (no β).
"""
import numbers

import numpy as np

from ...creation import ones, tensor, zeros
from .. import functional as F
from ..functional.arguments import check_tensor
from .. import init
from ..module import Module
from ..parameter import Parameter


class _BatchNorm(Module):
    """What the batch-norm layers share; each says which input dimensions it takes
    (``expected_dims``).

    In training mode, with μ_B and σ²_B the batch mean and (biased) variance:

        y = (x − μ_B) / √(σ²_B + ε) · γ + β
        running_mean ← (1 − momentum) · running_mean + momentum · μ_B
        running_var  ← (1 − momentum) · running_var  + momentum · σ²_B · n / (n − 1)

    (n values per channel; the running variance is the unbiased estimate). With
    ``momentum=None`` the running statistics are the cumulative average over all
    batches so far (momentum = 1 / num_batches_tracked). In evaluation mode μ_B
    and σ²_B are replaced by the running statistics. ``affine=False`` drops γ
    and β; ``track_running_stats=False`` keeps no running statistics and uses
    the batch's in evaluation too.
    """

    expected_dims = ()   # the numbers of dimensions a subclass takes

    def __init__(self, num_features, eps=1e-05, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 tensor(0, dtype=np.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        """Reset the running statistics, and γ to 1 and β to 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        check_tensor("batch_norm", "input", input, 1)
        if input.ndim not in self.expected_dims:
            expected = " or ".join(f"{d}D" for d in self.expected_dims)
            raise ValueError(f"expected {expected} input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise RuntimeError(f"{type(self).__name__}({self.num_features}) expects "
                               f"{self.num_features} channels in dimension 1, got an input of "
                               f"shape {tuple(input.shape)}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative average of all batches so far
                momentum = 1.0 / self.num_batches_tracked.item()
        uses_batch_statistics = self.training or self.running_mean is None
        return F.batch_norm(input,
                            self.running_mean if not self.training or self.track_running_stats else None,
                            self.running_var if not self.training or self.track_running_stats else None,
                            self.weight, self.bias, uses_batch_statistics, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs over N (and L), per channel C
    (the rule in ``_BatchNorm``)."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs over N, H and W, per channel C
    (the rule in ``_BatchNorm``)."""

    expected_dims = (4,)


class LayerNorm(Module):
    """Layer normalization over the last dimensions, given by ``normalized_shape``:

        y = (x − E[x]) / √(Var[x] + ε) · γ + β

    with E and Var (biased) taken over those dimensions for each sample, and γ,
    β of shape ``normalized_shape`` (present when ``elementwise_affine``; β also
    needs ``bias=True``).
    """

    def __init__(self, normalized_shape, eps=1e-05, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        """γ to 1 and β to 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization: the ``num_channels`` channels of an (N, C, ...) input split into
    ``num_groups`` groups of consecutive channels, each normalised per sample over its
    channels and positions:

        y = (x − E[x]) / √(Var[x] + ε) · γ + β

    with γ (``weight``, ones) and β (``bias``, zeros) of shape (C,) when ``affine``.
    Unlike batch norm it does not depend on the batch, so it works for a batch of one.
    """

    def __init__(self, num_groups, num_channels, eps=1e-05, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(ones(num_channels, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(num_channels, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        """γ to 1 and β to 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization over the last dimensions, given by ``normalized_shape``:

        y = x / √(E[x²] + ε) · γ

    with E over those dimensions for each sample, ε = ``eps`` or, when None, the
    machine epsilon of the input's dtype, and γ (``weight``, ones) of shape
    ``normalized_shape`` when ``elementwise_affine``.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self):
        """γ to 1."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
