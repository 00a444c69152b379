"""Pooling: one value per window of an (N, C, H, W) input, the window sliding in steps.

A window starts every ``stride`` positions of the input padded by ``padding`` on
both sides; it reads ``kernel`` elements, ``dilation`` apart. Along a dimension
of size L (PyTorch's rule, ``ceil_mode`` rounding the last partial window in):

    span = L + 2·padding − dilation·(kernel − 1) − 1
    out  = ⌊span / stride⌋ + 1            (⌈span / stride⌉ + 1 with ceil_mode,
                                           less one if that last window starts past L + padding)

Forward reads every window at once as a strided view of the padded input (NumPy's
and CuPy's ``sliding_window_view``: no copy), shape (N, C, out_h, out_w, k_h, k_w),
and reduces its last two axes:

- max pooling:      y = max over the window (padding is −∞, never chosen);
                    dL/dx = g added at the window's arg-max, the first maximal element
                    in row-major order (PyTorch's tie rule; of several NaNs, the last,
                    as PyTorch's kernel), 0 elsewhere
- average pooling:  y = Σ window / divisor (padding is 0);
                    dL/dx = Σ over the windows that read x of g / divisor

Both gradients are again linear maps of g: max pooling's scatters g to saved
positions (``IndexAdd``, whose own gradient reads those positions back), average
pooling's is the transpose of average pooling (``AvgPool2dTranspose``, whose own
gradient is average pooling). So backward is differentiable.

``adaptive_avg_pool2d`` averages windows of varying size; the mean over a
rectangle is a mean over rows then over columns, so it is two matrix products
with averaging matrices (``averaging_matrix``), differentiable as they are.
"""
import math
from collections import namedtuple

from ..autograd.function import Function
from ..tensor import new_tensor
from .linalg import matmul
from .reduction import mean
from .shape import IndexAdd, reshape, stack, transpose

# Kernel, stride, padding and dilation are (height, width) pairs; input and output
# are the (height, width) sizes before and after pooling.
Geometry = namedtuple("Geometry", "kernel stride padding dilation input output")


def pooled_size(size, kernel, stride, padding, dilation, ceil_mode):
    """The number of windows along one dimension (the formula in the module docstring)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    count = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1  # the last window would start in the right padding
    return count


def _padding_after(size, geometry, axis):
    """Padding on the far side of one axis: enough for every window, at least none."""
    reach = ((geometry.output[axis] - 1) * geometry.stride[axis]
             + geometry.dilation[axis] * (geometry.kernel[axis] - 1) + 1)
    return max(0, reach - geometry.padding[axis] - size)


def windows(xp, x, geometry, fill):
    """The (N, C, out_h, out_w, k_h, k_w) view of every window of x, padded with ``fill``."""
    (pad_h, pad_w), (d_h, d_w), (s_h, s_w) = geometry.padding, geometry.dilation, geometry.stride
    after_h, after_w = (_padding_after(x.shape[2 + axis], geometry, axis) for axis in (0, 1))
    if pad_h or pad_w or after_h or after_w:
        x = xp.pad(x, ((0, 0), (0, 0), (pad_h, after_h), (pad_w, after_w)), constant_values=fill)
    reach = tuple(d * (k - 1) + 1 for d, k in zip(geometry.dilation, geometry.kernel))
    view = xp.lib.stride_tricks.sliding_window_view(x, reach, axis=(2, 3))
    out_h, out_w = geometry.output
    return view[:, :, :(out_h - 1) * s_h + 1:s_h, :(out_w - 1) * s_w + 1:s_w, ::d_h, ::d_w]


def fold(xp, values, geometry, dtype):
    """The transpose of ``windows`` (padding 0) for a value per window, the same at
    every element of it: each input element gets the sum of the values of the windows
    that read it. ``values``: (N, C, out_h, out_w)."""
    (pad_h, pad_w), (d_h, d_w), (s_h, s_w) = geometry.padding, geometry.dilation, geometry.stride
    (height, width), (out_h, out_w) = geometry.input, geometry.output
    after_h, after_w = (_padding_after(size, geometry, axis)
                        for axis, size in enumerate(geometry.input))
    padded = xp.zeros(values.shape[:2] + (pad_h + height + after_h, pad_w + width + after_w),
                      dtype=dtype)
    for i in range(geometry.kernel[0]):
        for j in range(geometry.kernel[1]):
            padded[:, :, i * d_h:i * d_h + (out_h - 1) * s_h + 1:s_h,
                   j * d_w:j * d_w + (out_w - 1) * s_w + 1:s_w] += values
    return padded[:, :, pad_h:pad_h + height, pad_w:pad_w + width]


def _window_positions(xp, geometry, width):
    """(k_h·k_w, out_h, out_w) int64: for each kernel position (row-major) and window,
    the flat (row · width + column) position in the input plane that it reads. Where it
    reads padding (only chosen when the whole window is −∞), PyTorch names the window's
    first element inside the input instead: a negative row r becomes r mod dilation."""
    (k_h, k_w), (s_h, s_w), (pad_h, pad_w), (d_h, d_w) = geometry[:4]
    out_h, out_w = geometry.output
    tables = []
    for position in range(k_h * k_w):
        rows = xp.arange(out_h).reshape(-1, 1) * s_h - pad_h + (position // k_w) * d_h
        cols = xp.arange(out_w) * s_w - pad_w + (position % k_w) * d_w
        rows = xp.where(rows < 0, rows % d_h, rows)
        cols = xp.where(cols < 0, cols % d_w, cols)
        tables.append(rows * width + cols)
    return xp.stack(tables).astype(xp.int64)


def _window_max(xp, window_view, positions, floating):
    """(values, indices): each window's maximum and the position in the input plane of
    the element it came from, for the (N, C, out_h, out_w, k_h, k_w) view of the windows
    and the positions of ``_window_positions``.

    One pass per kernel position over the (N, C, out_h, out_w) block of that position,
    keeping the running maximum: a later element replaces it only when strictly larger,
    so of equal maxima the first stays (PyTorch's tie rule); a NaN always replaces it and
    nothing replaces a NaN but another NaN, so of several NaNs the last stays (PyTorch's
    kernel). A few elementwise passes over the output are much faster than ``argmax``
    over a short last axis."""
    k_h, k_w = window_view.shape[-2:]
    # Kernel positions first, each one contiguous (N, C, out_h, out_w) block: one copy
    # of the windows, after which every pass runs over contiguous memory.
    by_position = xp.ascontiguousarray(window_view.transpose(4, 5, 0, 1, 2, 3))
    by_position = by_position.reshape(k_h * k_w, *window_view.shape[:4])
    values = by_position[0]
    indices = xp.broadcast_to(positions[0], values.shape)
    for position in range(1, k_h * k_w):
        candidate = by_position[position]
        replace = candidate > values
        if floating:
            replace |= xp.isnan(candidate)
        values = xp.where(replace, candidate, values)
        indices = xp.where(replace, positions[position], indices)
    if k_h * k_w == 1:  # no pass ran: own the results
        values, indices = values.copy(), indices.copy()
    return values, indices


class MaxPool2d(Function):
    """y = max over each window;  dL/dx = g added at each window's arg-max (first maximal
    element, row-major), the positions PyTorch's ``return_indices`` gives.

    Returns (values, indices); indices are int64 positions in the flattened (H, W)
    plane of the input, constants to the graph.
    """

    @staticmethod
    def forward(ctx, x, geometry):
        xp = ctx.xp
        batch, channels, height, width = x.shape
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        values, indices = _window_max(xp, windows(xp, x, geometry, fill),
                                      _window_positions(xp, geometry, width),
                                      x.dtype.kind == "f")
        planes = xp.arange(batch * channels).reshape(batch, channels, 1, 1) * (height * width)
        ctx.input_shape = x.shape
        ctx.save_intermediates(((indices + planes).reshape(-1),))  # a key: comes back as it is
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        key, = ctx.saved_intermediates
        grad_x = IndexAdd.apply(reshape(grad, -1), shape=(math.prod(ctx.input_shape),), key=key)
        return reshape(grad_x, ctx.input_shape)


class AvgPool2d(Function):
    """y = Σ window / divisor;  dL/dx = ``AvgPool2dTranspose`` of g (each input element
    gets g / divisor of every window that reads it).

    The divisor is ``divisor_override`` when given, else the window's size counted
    by ``window_counts``. An int64 input gives int64 means, rounded toward zero (as
    PyTorch's integer average pooling).
    """

    @staticmethod
    def forward(ctx, x, geometry, count_include_pad, divisor_override):
        ctx.options = geometry, count_include_pad, divisor_override
        divisor = window_divisor(ctx.xp, *ctx.options, x.dtype)
        sums = windows(ctx.xp, x, geometry, 0).sum(axis=(-2, -1))
        if x.dtype.kind == "i":
            quotient = abs(sums) // divisor
            return ctx.xp.where(sums < 0, -quotient, quotient).astype(x.dtype)
        return sums / divisor

    @staticmethod
    def backward(ctx, grad):
        geometry, count_include_pad, divisor_override = ctx.options
        return AvgPool2dTranspose.apply(grad, geometry=geometry, count_include_pad=count_include_pad,
                                        divisor_override=divisor_override)


class AvgPool2dTranspose(Function):
    """The transpose of average pooling: each input element gets Σ g / divisor over the
    windows that read it;  its gradient is average pooling again."""

    @staticmethod
    def forward(ctx, grad, geometry, count_include_pad, divisor_override):
        ctx.options = geometry, count_include_pad, divisor_override
        divisor = window_divisor(ctx.xp, *ctx.options, grad.dtype)
        return fold(ctx.xp, grad / divisor, geometry, grad.dtype)

    @staticmethod
    def backward(ctx, grad):
        geometry, count_include_pad, divisor_override = ctx.options
        return AvgPool2d.apply(grad, geometry=geometry, count_include_pad=count_include_pad,
                               divisor_override=divisor_override)


def window_divisor(xp, geometry, count_include_pad, divisor_override, dtype):
    """What each window's sum is divided by: ``divisor_override``, or its element count
    (in ``dtype``, so that a float32 sum stays float32)."""
    if divisor_override is not None:
        return divisor_override
    return window_counts(xp, geometry, count_include_pad).astype(dtype)


def window_counts(xp, geometry, count_include_pad):
    """How many elements each window averages over, as an (out_h, out_w) array: the
    window clipped to the padded input (``count_include_pad``), or to the input itself
    (PyTorch's rule; a window that ``ceil_mode`` lets run past the padding is clipped
    either way)."""
    counts = []
    for size, kernel, stride, padding, out in zip(geometry.input, geometry.kernel,
                                                  geometry.stride, geometry.padding,
                                                  geometry.output):
        start = xp.arange(out) * stride - padding
        end = xp.minimum(start + kernel, size + padding)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, size)
        counts.append(end - start)
    return counts[0].reshape(-1, 1) * counts[1]


def averaging_matrix(xp, size, out, dtype):
    """The (out, size) matrix A with A[i, j] = 1 / (end − start) for start ≤ j < end,
    start = ⌊i · size / out⌋, end = ⌈(i + 1) · size / out⌉ (PyTorch's adaptive windows):
    A @ v averages each window of v."""
    rows = xp.arange(out).reshape(-1, 1)
    start, end = (rows * size) // out, -((-(rows + 1) * size) // out)
    columns = xp.arange(size)
    inside = (columns >= start) & (columns < end)
    return (inside / (end - start)).astype(dtype)


def max_pool2d(x, geometry):
    """(values, indices) of max pooling a 4-d Tensor x over ``geometry``."""
    return MaxPool2d.apply(x, geometry=geometry)


def avg_pool2d(x, geometry, count_include_pad=True, divisor_override=None):
    """Average pooling of a 4-d Tensor x over ``geometry``."""
    return AvgPool2d.apply(x, geometry=geometry, count_include_pad=count_include_pad,
                           divisor_override=divisor_override)


def adaptive_avg_pool2d(x, output_size):
    """Adaptive average pooling of a 4-d Tensor x to ``output_size`` (h, w): output
    element (i, j) is the mean of x over rows ⌊i·H/h⌋ … ⌈(i+1)·H/h⌉ − 1 and the columns
    likewise (PyTorch's windows, which overlap when h does not divide H).

    One slice and one mean per output element, stacked: the gradient spreads g / count
    over each window and adds where windows overlap, as PyTorch's kernel does, so an
    infinite g stays infinite (a product with an averaging matrix would meet its zeros:
    ∞ · 0 = NaN). An empty output has no windows: the product with the empty
    averaging matrices (``averaging_matrix``) gives it, and its zero gradient."""
    backend, (height, width) = x._backend, x.shape[2:]
    out_h, out_w = output_size
    if out_h == 0 or out_w == 0:
        rows, cols = (new_tensor(averaging_matrix(backend.xp, size, out, x.dtype), backend, None, 0)
                      for size, out in zip((height, width), output_size))
        return matmul(matmul(rows, x), transpose(cols, 0, 1))
    row_windows = [_adaptive_window(i, height, out_h) for i in range(out_h)]
    col_windows = [_adaptive_window(j, width, out_w) for j in range(out_w)]
    cells = [stack([mean(x[:, :, r0:r1, c0:c1], (2, 3)) for c0, c1 in col_windows], -1)
             for r0, r1 in row_windows]
    return stack(cells, -2)


def _adaptive_window(index, size, out):
    """PyTorch's adaptive window of output position ``index``: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    return (index * size) // out, -((-(index + 1) * size) // out)
