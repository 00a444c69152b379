"""Histograms: ``histc`` and ``histogram``, as PyTorch defines them.

Both count the elements of a floating tensor that fall into equal-width bins
between two edges (every bin is [left, right) except the last, which also
holds its right edge; elements outside, and NaN, are not counted). Counting is
not differentiable: the results are constants.
"""
import collections

import numpy as np

from ..tensor import Tensor, new_tensor
from .elementwise import refuse_dtype

HistogramResult = collections.namedtuple("HistogramResult", ["hist", "bin_edges"])


def _check_bins(bins, function_name):
    if isinstance(bins, bool) or not isinstance(bins, int):
        raise TypeError(f"{function_name}: bins must be an int, got {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"{function_name}: bins must be > 0, but got {bins}")


def _check_finite(low, high, function_name):
    if not (abs(low) < float("inf") and abs(high) < float("inf")):  # also false for NaN
        raise RuntimeError(f"{function_name}: range of [{low}, {high}] is not finite")


def _equal_width_edges(backend, low, high, bins, dtype):
    """bins + 1 edges from low to high in ``dtype``, as PyTorch's linspace makes them:
    step = (high - low) / bins in ``dtype``; the first half low + step · i, the second
    half high - step · (bins - i), each rounded once (a fused multiply-add), here by
    computing on the host in a wider type (float64 for float32, long
    double for float64)."""
    wide = np.float64 if dtype.itemsize == 4 else np.longdouble
    low, high = dtype.type(low), dtype.type(high)
    step = wide((high - low) / dtype.type(bins))
    index = np.arange(bins + 1)
    from_low = wide(low) + step * index.astype(wide)
    from_high = wide(high) - step * (bins - index).astype(wide)
    edges = np.where(index < (bins + 1) // 2, from_low, from_high).astype(dtype)
    return backend.from_host(edges)


def histc(input, bins=100, min=0, max=0):
    """The counts of ``input``'s elements in ``bins`` equal bins over [min, max].

    With min = max (the default 0, 0) the range is the data's smallest to largest
    element, widened by 1 on each side when those are equal. The result has
    ``input``'s (floating) dtype. An element x falls into bin
    ⌊(x − min) · bins / (max − min)⌋ (the last bin also holds max), computed in
    that dtype exactly as PyTorch does.
    """
    refuse_dtype(input, "histc", "biu")
    _check_bins(bins, "histc")
    xp, data = input._backend.xp, input._array.reshape(-1)
    low, high = float(min), float(max)
    if low == high and data.size > 0:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    _check_finite(low, high, "histc")
    if not low < high:
        raise RuntimeError(f"histc: max must be larger than min, got min={min}, max={max}")
    dtype = data.dtype
    left, right = dtype.type(low), dtype.type(high)
    inside = data[(data >= left) & (data <= right)]
    position = ((inside - left) * dtype.type(bins) / (right - left)).astype("int64")
    position = xp.minimum(position, bins - 1)  # x = max goes into the last bin
    counts = xp.bincount(position, minlength=bins).astype(dtype)
    return new_tensor(counts, input._backend, None, 0)


def histogram(input, bins, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)``: the counts (or summed ``weight``) of ``input``'s elements
    per bin, as ``torch.histogram``.

    ``bins`` is a number of equal bins over ``range`` (default: the data's smallest
    to largest element, widened by ½ on each side when they are equal), or a 1-D
    tensor of increasing edges. float32 and float64 inputs. ``density=True`` divides by the total and by each
    bin's width, so that the histogram integrates to 1.
    """
    refuse_dtype(input, "histogram", "biu")
    if input.dtype.itemsize < 4:
        raise NotImplementedError("histogram: not supported for float16 tensors (as in PyTorch); "
                                  "convert the input first, e.g. x.float()")
    xp, data = input._backend.xp, input._array.reshape(-1)
    dtype = data.dtype
    if isinstance(bins, Tensor):
        if bins.ndim != 1 or bins.shape[0] < 2:
            raise RuntimeError(f"histogram: bins must be a 1-D tensor of at least 2 edges, got "
                               f"shape {tuple(bins.shape)}")
        if bins.dtype != dtype:
            raise RuntimeError(f"histogram: input and bins must have the same dtype, got "
                               f"{dtype} and {bins.dtype}")
        edges = bins._array
        if bool((edges[1:] < edges[:-1]).any()):
            raise RuntimeError("histogram: bin edges must be non-decreasing")
    else:
        _check_bins(bins, "histogram")
        if range is not None:
            low, high = (float(value) for value in range)
            if low > high:
                raise RuntimeError(f"histogram: min should not exceed max, but got min {low} "
                                   f"max {high}")
        elif data.size > 0:
            low, high = float(data.min()), float(data.max())
        else:
            low = high = 0.0
        if low == high:
            low, high = low - 0.5, high + 0.5
        _check_finite(low, high, "histogram")
        edges = _equal_width_edges(input._backend, low, high, bins, dtype)
    count = edges.shape[0] - 1
    keep = (data >= edges[0]) & (data <= edges[-1])
    position = xp.searchsorted(edges, data[keep], side="right") - 1
    position = xp.minimum(position, count - 1)  # the last edge belongs to the last bin
    if weight is not None:
        if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError(f"histogram: weight must be a tensor of the input's shape "
                               f"{tuple(input.shape)}")
        hist = xp.bincount(position, weights=weight._array.reshape(-1)[keep], minlength=count)
    else:
        hist = xp.bincount(position, minlength=count)
    hist = hist.astype(dtype)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return HistogramResult(new_tensor(hist.astype(dtype), input._backend, None, 0),
                           new_tensor(edges.copy(), input._backend, None, 0))
