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
the backend's ``xp``: NumPy, CuPy and the strict device alike) of shape
(N, G, C/G, *out, *k), with no copy. One copy of that view, transposed, is the
im2col matrix of each group: columns X_g of shape (C/G·∏k, N·∏out), one column per
output position. With W_g the group's weight as an (O/G, C/G·∏k) matrix and dY_g
the gradient dy as an (O/G, N·∏out) matrix, each face is one batched matrix product
over the groups (BLAS):

    y_g = W_g X_g          dL/dW_g = dY_g X_gᵀ         columns of dL/dx̄: W_gᵀ dY_g

and the input gradient's columns are added back into the padded input with one
strided slice per kernel position (9 for a 3×3 kernel), then the padding is cut off.

Why im2col, measured on this machine (one thread, batch 128 of 8×8 images, 3×3
kernels, padding 1: the two layers of the digits CNN, and the second with 4 groups;
milliseconds, best of 5 × 10 runs, each face producing its contiguous result):

    ========================  ==============  ==============  ================
    float32 (float64)         1 → 16          16 → 32         16 → 32, G = 4
    ========================  ==============  ==============  ================
    forward, einsum           0.31 (1.03)     18.9 (28.7)     5.47 (9.08)
    forward, im2col           0.20 (0.43)      3.73 (11.5)    5.09 (11.1)
    dL/dW, einsum             0.42 (1.73)     18.5 (30.2)     6.08 (11.9)
    dL/dW, im2col             0.27 (0.46)      7.18 (12.6)    6.19 (12.2)
    dL/dx, einsum             0.46 (1.01)     11.2 (17.1)     10.6 (12.7)
    dL/dx, im2col             0.34 (1.20)      9.58 (14.2)    9.23 (11.6)
    ========================  ==============  ==============  ================

"einsum" is ``einsum(..., optimize=True)`` straight on the (N, G, C/G, *out, *k)
window view. Without the group axis it was as fast as im2col (3.8 ms for the
16 → 32 forward pass), but with it NumPy's einsum takes a slow batched path; the
explicit column matrix and ``matmul`` are fast in every case, and are the
textbook picture of a convolution as a matrix product.
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


def _input_windows(xp, x, kernel, stride, padding, dilation, groups):
    """The strided view (N, G, C/G, *out, *kernel) of the zero-padded input: element
    [n, g, c, p, q] is x̄[n, g·C/G + c, stride·p + dilation·q]. No copy but the padding."""
    if any(low or high for low, high in padding):
        x = xp.pad(x, ((0, 0), (0, 0), *padding))
    batch, channels = x.shape[:2]
    spatial_strides = x.strides[2:]
    out = tuple(output_size(size, k, s, (0, 0), d)
                for size, k, s, d in zip(x.shape[2:], kernel, stride, dilation))
    shape = (batch, groups, channels // groups, *out, *kernel)
    strides = (x.strides[0], x.strides[1] * (channels // groups), x.strides[1],
               *(step * s for step, s in zip(spatial_strides, stride)),
               *(step * d for step, d in zip(spatial_strides, dilation)))
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def _columns(xp, x, kernel, stride, padding, dilation, groups):
    """im2col: the input windows as G matrices (G, C/G·∏kernel, N·∏out), one column per
    (sample, output position)."""
    windows = _input_windows(xp, x, kernel, stride, padding, dilation, groups)
    spatial = len(kernel)
    out = windows.shape[3:3 + spatial]
    order = (1, 2, *range(3 + spatial, 3 + 2 * spatial), 0, *range(3, 3 + spatial))
    return windows.transpose(order).reshape(groups, windows.shape[2] * math.prod(kernel),
                                            x.shape[0] * math.prod(out))


def _weight_matrices(weight, groups):
    """W (O, C/G, *kernel) as G matrices (G, O/G, C/G·∏kernel)."""
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
        columns = _columns(ctx.xp, x, weight.shape[2:], stride, padding, dilation, groups)
        y = ctx.backend.matmul(_weight_matrices(weight, groups), columns)  # (G, O/G, N·P)
        batch, channels = x.shape[0], weight.shape[0]
        out = output_shape(x.shape, weight.shape, stride, padding, dilation)
        y = y.reshape(channels, batch, *out).swapaxes(0, 1).reshape(batch, channels, *out)
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
        weights = _weight_matrices(weight, groups)
        kernel, out = weight.shape[2:], grad.shape[2:]
        columns = weights.swapaxes(1, 2) @ _gradient_matrices(grad, groups)  # (G, C/G·K, N·P)
        columns = columns.reshape(groups, weight.shape[1], *kernel, grad.shape[0], *out)
        padded = xp.zeros((*columns.shape[:2], grad.shape[0],
                           *(size + low + high for size, (low, high) in zip(input_size, padding))),
                          dtype=columns.dtype)  # (G, C/G, N, *padded input)
        for position in itertools.product(*(range(k) for k in kernel)):
            window = tuple(slice(d * q, d * q + s * (n - 1) + 1, s)
                           for q, s, d, n in zip(position, stride, dilation, out))
            padded[(Ellipsis, *window)] += columns[(slice(None), slice(None), *position)]
        inside = tuple(slice(low, low + size) for (low, _), size in zip(padding, input_size))
        grad_x = padded[(Ellipsis, *inside)].transpose(2, 0, 1, *range(3, 3 + len(kernel)))
        return grad_x.reshape(grad.shape[0], groups * weight.shape[1], *input_size)

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
        columns = _columns(ctx.xp, x, kernel_size, stride, padding, dilation, groups)
        grad_weight = _gradient_matrices(grad, groups) @ columns.swapaxes(1, 2)  # (G, O/G, C/G·K)
        return grad_weight.reshape(grad.shape[1], -1, *kernel_size)

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
