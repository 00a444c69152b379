"""Convolution in any number of spatial dimensions (``F.conv1d``, ``F.conv2d``), as
three operations that are the three faces of one sum.

The math
--------
An input x (N, C, *in), a weight W (O, C/G, *k) in G groups, a bias b (O,).
Each spatial position p of the output reads a window of the zero-padded input x̄
(``lo`` zeros before and ``hi`` after along each spatial dimension), taking every
``dilation``-th element from ``stride · p`` on:

    y[n, o, p] = b[o] + Σ_{c, q} W[o, c, q] · x̄[n, g·C/G + c, stride·p + dilation·q]

where g = o // (O/G) is the output channel's group, c runs over the C/G input
channels of that group and q over the kernel's positions (PyTorch's convolution is
this correlation: the kernel is not flipped). Along each dimension the output has
⌊(in + lo + hi − dilation·(k − 1) − 1) / stride⌋ + 1 positions.

For an upstream gradient dy = dL/dy, the whole backward pass follows from one sum
that is linear in each of x, W and dy:

    T(x, W, dy) = Σ_{n, o, p} dy[n, o, p] · (y − b)[n, o, p]

- dL/db[o] = Σ_{n, p} dy[n, o, p];
- dL/dW = ∂T/∂W: a **correlation of the input with the gradient**,
  dL/dW[o, c, q] = Σ_{n, p} dy[n, o, p] · x̄[n, g·C/G + c, stride·p + dilation·q],
  the same input windows as the forward pass, contracted with dy over n and p
  (``ConvolutionWeightGrad``);
- dL/dx = ∂T/∂x: a **transposed convolution**: every output position p hands
  each window element back its share, dL/dx̄[n, c, stride·p + dilation·q] +=
  Σ_o W[o, c, q] · dy[n, o, p], then the padding is cut off
  (``ConvolutionInputGrad``). It equals a convolution of dy, dilated by the stride
  (stride − 1 zeros between its elements) and padded by dilation·(k − 1) − lo before (likewise after),
  with the kernel flipped and its two channel axes swapped.

Because T is linear in each argument, each derivative of a face is another face:
for dx = ∂T/∂x (a function of dy and W), the gradient of ⟨U, dx⟩ with respect to
dy is the convolution of U with W, and with respect to W the weight gradient of
(U, dy); likewise for dW. So each of the three operations has a backward made of
the other two (and itself), written with ``apply`` on Tensors: double backward,
gradgradcheck and Hessian-vector products through a CNN work, and every backward
step is one array-speed forward of another face. A plain ``backward()`` runs with
grad mode off, so those ``apply`` calls record nothing and cost one small
Function object each: no ``array_backward`` formula is needed, and this is
clearer than one formula for two worlds (a convolution is no ``ctx.math``
function). Arrays stay arrays inside each face.

The arrays
----------
The input windows are a strided view of the padded input (``as_strided`` through
the backend's ``xp``: NumPy, CuPy and the strict device alike), with no copy. One
copy of that view is the im2col matrix of each group, and each face is then one
batched matrix product over the groups (BLAS). With X_g the windows of group g as an
(N·∏out, ∏k·C/G) matrix, one row per output position, W_g its weight as an
(O/G, ∏k·C/G) matrix and dY_g the gradient dy as an (O/G, N·∏out) matrix:

    y_gᵀ = X_g W_gᵀ         dL/dW_g = dY_g X_g         rows of dL/dx̄: dY_gᵀ W_g

and the input gradient's rows are added back into the padded input with one
strided slice per kernel position (9 for a 3×3 kernel), then the padding is cut off.

The copy is the cost at small images, and it is fast when the view it reads has long
contiguous runs. With the channels moved last in the padded input (N, *padded, C),
one window's row is ∏k runs of C/G channels (a 3×3 window of 16 channels: runs of
48 elements, as kernel rows are adjacent); with the channels first, the runs are
rows of output positions (8 for an 8×8 image). ``_columns`` takes whichever is
longer; the input gradient always scatters channels last.

Why im2col, and which layout, measured on this machine (one thread, batch 128, 3×3
kernels, padding 1: the two layers of the digits CNN; milliseconds, best of 5 × 10
runs, each face producing its contiguous result; the machine shared with other
jobs, so compare within a column):

    ==================================  ========  =========  ========  =========
    float32 | float64                   1 → 16    16 → 32    1 → 16    16 → 32
                                        8×8       4×4        8×8       4×4
    ==================================  ========  =========  ========  =========
    forward, window view + tensordot    0.94      3.59       1.34      3.44
    forward, im2col channels first      0.25      3.03       0.45      3.87
    forward, im2col channels last       0.87      1.59       1.29      2.70
    dL/dW, window view + tensordot      0.80      4.83       1.05      4.59
    dL/dW, im2col channels first        0.28      4.00       0.97      3.80
    dL/dW, im2col channels last         0.79      2.67       1.21      2.88
    ==================================  ========  =========  ========  =========

"window view + tensordot" contracts the (N, C, *out, *k) window view straight with
the weight (``tensordot`` copies the view into a matrix itself, in its own order).
im2col in the better layout is the fastest in every column, and it is the textbook
picture of a convolution as a matrix product.
"""
import itertools
import math

from ..autograd.function import Function


def output_size(size, kernel, stride, padding, dilation):
    """Positions of the output along one dimension:
    ⌊(size + lo + hi − dilation·(kernel − 1) − 1) / stride⌋ + 1."""
    low, high = padding
    return (size + low + high - dilation * (kernel - 1) - 1) // stride + 1


def output_shape(input_shape, weight_shape, stride, padding, dilation):
    """The output's spatial size for an input (N, C, *in) and a weight (O, C/G, *kernel)."""
    return tuple(output_size(*arguments) for arguments in zip(
        input_shape[2:], weight_shape[2:], stride, padding, dilation))


def _pad_channels_last(xp, x, padding):
    """The zero-padded input with its channels moved last, (N, *padded, C): one copy."""
    batch, channels, *spatial = x.shape
    padded = xp.zeros((batch, *(size + low + high for size, (low, high) in zip(spatial, padding)),
                       channels), dtype=x.dtype)
    inside = tuple(slice(low, low + size) for (low, _), size in zip(padding, spatial))
    padded[(slice(None), *inside)] = xp.moveaxis(x, 1, -1)
    return padded


def _pad(xp, x, padding):
    """The zero-padded input (N, C, *padded)."""
    if not any(low or high for low, high in padding):
        return x
    padded = xp.zeros((*x.shape[:2], *(size + low + high for size, (low, high)
                                       in zip(x.shape[2:], padding))), dtype=x.dtype)
    padded[(slice(None), slice(None), *(slice(low, low + size) for (low, _), size
                                         in zip(padding, x.shape[2:])))] = x
    return padded


def _channels_last(x, kernel, stride, dilation, groups):
    """Whether ``_columns`` lays the windows out channels last: when that gives the copy
    longer contiguous runs (∏kernel·C/G elements per window row, against the last output
    dimension's positions channels first, when the stride is 1)."""
    return dilation[-1] != 1 or stride[-1] != 1 or \
        kernel[-1] * (x.shape[1] // groups) >= x.shape[-1]


def _columns(xp, x, kernel, stride, padding, dilation, groups, channels_last):
    """im2col: the input windows as G matrices, one copy of a strided view of the padded
    input (``as_strided``: no copy until the reshape).

    - channels last: rows (G, N·∏out, ∏kernel·C/G), one row per (sample, output
      position) in the order (kernel position q, channel c); the view reads the
      channels-last padded input, so each row is a few contiguous runs of C/G;
    - channels first: columns (G, C/G·∏kernel, N·∏out), one column per (sample, output
      position), in the order (c, q); the view reads the padded input as it is, whose
      contiguous runs are rows of the output positions.

    Entry [g, (n, p), (q, c)] (or its transpose) is x̄[n, g·C/G + c, stride·p + dilation·q]."""
    batch, channels, spatial = x.shape[0], x.shape[1], len(kernel)
    padded = _pad_channels_last(xp, x, padding) if channels_last else _pad(xp, x, padding)
    sizes = padded.shape[1:-1] if channels_last else padded.shape[2:]
    strides = padded.strides[1:-1] if channels_last else padded.strides[2:]
    channel_stride = padded.strides[-1] if channels_last else padded.strides[1]
    out = tuple(output_size(size, k, s, (0, 0), d)
                for size, k, s, d in zip(sizes, kernel, stride, dilation))
    out_strides = tuple(step * s for step, s in zip(strides, stride))
    kernel_strides = tuple(step * d for step, d in zip(strides, dilation))
    group, window = channel_stride * (channels // groups), math.prod(kernel) * (channels // groups)
    if channels_last:
        view = xp.lib.stride_tricks.as_strided(
            padded, (groups, batch, *out, *kernel, channels // groups),
            (group, padded.strides[0], *out_strides, *kernel_strides, channel_stride))
        return view.reshape(groups, batch * math.prod(out), window)
    view = xp.lib.stride_tricks.as_strided(
        padded, (groups, channels // groups, *kernel, batch, *out),
        (group, channel_stride, *kernel_strides, padded.strides[0], *out_strides))
    return view.reshape(groups, window, batch * math.prod(out))


def _weight_matrices(weight, groups, channels_last):
    """W (O, C/G, *kernel) as G matrices (G, O/G, ∏kernel·C/G), columns in the order of
    ``_columns``' entries: (kernel position, channel) channels last, else (channel,
    kernel position)."""
    if channels_last:
        weight = weight.transpose(0, *range(2, weight.ndim), 1)
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def _gradient_matrices(grad, groups):
    """dy (N, O, *out) as G matrices (G, O/G, N·∏out), columns in the order of ``_columns``."""
    batch, channels = grad.shape[:2]
    positions = math.prod(grad.shape[2:])
    grouped = grad.reshape(batch, groups, channels // groups, positions).transpose(1, 2, 0, 3)
    return grouped.reshape(groups, channels // groups, batch * positions)


def _keep_geometry(ctx, stride, padding, dilation, groups):
    """Keep the options every face shares on ``ctx``, for its backward."""
    ctx.geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


class Convolution(Function):
    """y = W ⋆ x̄ + b: the correlation of the padded input with the kernel (the
    module docstring's sum); options ``stride``, ``dilation`` (one int per spatial
    dimension), ``padding`` (a (lo, hi) pair per spatial dimension) and ``groups``.

    dL/dx = ``ConvolutionInputGrad``(dy, W), dL/dW = ``ConvolutionWeightGrad``(x, dy),
    dL/db = Σ_{n, p} dy."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        ctx.save_for_backward(x, weight)
        _keep_geometry(ctx, stride, padding, dilation, groups)
        ctx.input_size = x.shape[2:]
        kernel = weight.shape[2:]
        last = _channels_last(x, kernel, stride, dilation, groups)
        columns = _columns(ctx.xp, x, kernel, stride, padding, dilation, groups, last)
        weights = _weight_matrices(weight, groups, last)
        batch, channels = x.shape[0], weight.shape[0]
        out = output_shape(x.shape, weight.shape, stride, padding, dilation)
        grouped = (groups, channels // groups, batch, math.prod(out))  # y as (G, O/G, N, P)
        if last:
            y = ctx.backend.matmul(columns, weights.swapaxes(1, 2))
            y = y.reshape(groups, batch, grouped[3], grouped[1]).transpose(1, 0, 3, 2)
        else:
            y = ctx.backend.matmul(weights, columns).reshape(grouped).transpose(2, 0, 1, 3)
        y = y.reshape(batch, channels, *out)
        if bias is not None:
            y += bias.reshape(-1, *(1,) * len(out))
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        geometry = ctx.geometry
        grad_x = grad_weight = grad_bias = None
        if need_x:
            grad_x = ConvolutionInputGrad.apply(grad, weight, input_size=ctx.input_size, **geometry)
        if need_weight:
            grad_weight = ConvolutionWeightGrad.apply(x, grad, kernel_size=tuple(weight.shape[2:]),
                                                      **geometry)
        if need_bias:
            grad_bias = grad.sum((0, *range(2, grad.ndim)))
        return grad_x, grad_weight, grad_bias


class ConvolutionInputGrad(Function):
    """dL/dx for the upstream gradient dy and the weight W: the transposed convolution
    (module docstring). ``input_size``: the spatial size of x, which the output
    size alone does not determine when the stride skips trailing input rows.

    Its own gradients, for an upstream U shaped like x: Convolution(U, W) for dy and
    ConvolutionWeightGrad(U, dy) for W."""

    @staticmethod
    def forward(ctx, grad, weight, input_size, stride, padding, dilation, groups):
        ctx.save_for_backward(grad, weight)
        _keep_geometry(ctx, stride, padding, dilation, groups)
        xp = ctx.xp
        batch, spatial = grad.shape[0], len(input_size)
        kernel, out, group_channels = weight.shape[2:], grad.shape[2:], weight.shape[1]
        # Rows of dL/dx̄'s columns, channels last: (G, N·P, K·C/G) = dY_gᵀ W_g.
        columns = (_gradient_matrices(grad, groups).swapaxes(1, 2)
                   @ _weight_matrices(weight, groups, channels_last=True))
        columns = columns.reshape(groups, batch, *out, *kernel, group_channels)
        padded = xp.zeros((batch, *(size + low + high for size, (low, high)
                                    in zip(input_size, padding)), groups, group_channels),
                          dtype=columns.dtype)  # (N, *padded input, G, C/G)
        for position in itertools.product(*(range(k) for k in kernel)):
            window = tuple(slice(d * q, d * q + s * (n - 1) + 1, s)
                           for q, s, d, n in zip(position, stride, dilation, out))
            share = columns[(slice(None), slice(None), *(slice(None),) * spatial, *position)]
            padded[(slice(None), *window)] += xp.moveaxis(share, 0, -2)  # (N, *out, G, C/G)
        inside = tuple(slice(low, low + size) for (low, _), size in zip(padding, input_size))
        grad_x = padded[(slice(None), *inside)].reshape(batch, *input_size, groups * group_channels)
        return xp.moveaxis(grad_x, -1, 1).copy()

    @staticmethod
    def backward(ctx, upstream):
        grad, weight = ctx.saved_tensors
        need_grad, need_weight = ctx.needs_input_grad
        geometry = ctx.geometry
        d_grad = Convolution.apply(upstream, weight, None, **geometry) if need_grad else None
        d_weight = None
        if need_weight:
            d_weight = ConvolutionWeightGrad.apply(upstream, grad,
                                                   kernel_size=tuple(weight.shape[2:]), **geometry)
        return d_grad, d_weight


class ConvolutionWeightGrad(Function):
    """dL/dW for the input x and the upstream gradient dy: the correlation of the input
    windows with dy (module docstring). ``kernel_size``: the kernel's spatial size.

    Its own gradients, for an upstream U shaped like W: ConvolutionInputGrad(dy, U) for
    x and Convolution(x, U) for dy."""

    @staticmethod
    def forward(ctx, x, grad, kernel_size, stride, padding, dilation, groups):
        ctx.save_for_backward(x, grad)
        _keep_geometry(ctx, stride, padding, dilation, groups)
        ctx.input_size = x.shape[2:]
        last = _channels_last(x, kernel_size, stride, dilation, groups)
        columns = _columns(ctx.xp, x, kernel_size, stride, padding, dilation, groups, last)
        grads = _gradient_matrices(grad, groups)
        if not last:  # (G, O/G, C/G·K)
            return (grads @ columns.swapaxes(1, 2)).reshape(grad.shape[1], -1, *kernel_size)
        grad_weight = (grads @ columns).reshape(grad.shape[1], *kernel_size, -1)  # (O, *K, C/G)
        return ctx.xp.moveaxis(grad_weight, -1, 1).copy()

    @staticmethod
    def backward(ctx, upstream):
        x, grad = ctx.saved_tensors
        need_x, need_grad = ctx.needs_input_grad
        geometry = ctx.geometry
        d_x = None
        if need_x:
            d_x = ConvolutionInputGrad.apply(grad, upstream, input_size=ctx.input_size, **geometry)
        d_grad = Convolution.apply(x, upstream, None, **geometry) if need_grad else None
        return d_x, d_grad
