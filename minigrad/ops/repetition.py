"""Repeating elements: ``repeat``, ``tile`` and ``repeat_interleave``.

``x.repeat(r₀, r₁, ...)`` lays whole copies of x side by side: along dim d the
result is x, x, ..., x (rᵈ times). ``repeat_interleave`` repeats each *element*
in place instead: along dim d the result is x₀ (n₀ times), x₁ (n₁ times), ....
Each output element is a copy of one input element, so the gradient of an
input element is the sum of the gradients of its copies.
"""
import operator

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, new_tensor
from .dims import normalize_dim
from .reduction import sum as reduce_sum
from .shape import GetItem, flatten, reshape
from .arguments import tensor_arguments


class Repeat(Function):
    """y = x tiled: y[i₀, i₁, ...] = x[i₀ mod s₀, i₁ mod s₁, ...] for x of shape
    (s₀, s₁, ...) (padded with leading 1s to as many dims as ``repeats``);
    dL/dx = g seen as shape (r₀, s₀, r₁, s₁, ...) and summed over every rᵢ"""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.input_shape, ctx.repeats = x.shape, repeats
        return ctx.xp.tile(x, repeats)   # always a copy, as PyTorch's repeat

    @staticmethod
    def backward(ctx, grad):
        repeats = ctx.repeats
        padded = (1,) * (len(repeats) - len(ctx.input_shape)) + tuple(ctx.input_shape)
        interleaved = tuple(size for pair in zip(repeats, padded) for size in pair)
        copies = tuple(range(0, 2 * len(repeats), 2))
        return reshape(reduce_sum(reshape(grad, interleaved), copies), ctx.input_shape)


def _repeats(sizes, name):
    """``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])`` as a tuple of non-negative ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    try:
        sizes = tuple(operator.index(size) for size in sizes)
    except TypeError:
        raise TypeError(f"{name}(): the repeats must be integers, got {tuple(sizes)!r}") from None
    for size in sizes:
        if size < 0:
            raise RuntimeError(f"{name}: Trying to create tensor with negative dimension {size}: "
                               f"the repeats {list(sizes)} must be >= 0")
    return sizes


def repeat(x, *repeats):
    """``x.repeat(*repeats)``: x copied ``repeats[d]`` times along each dim d, as PyTorch's
    ``Tensor.repeat``. There must be at least as many repeats as x has dims; with
    more, x is first seen as having leading dims of size 1: a (2, 3) tensor repeated
    (4, 1, 2) has shape (4, 2, 6). The result is a new tensor (never a view)."""
    if not repeats:
        raise TypeError("repeat() missing 1 required positional argument: 'repeats' (one size "
                        "per dim, as ints or a tuple)")
    repeats = _repeats(repeats, "repeat")
    if len(repeats) < x.ndim:
        raise RuntimeError(f"repeat: Number of dimensions of repeat dims can not be smaller than "
                           f"number of dimensions of tensor: got {len(repeats)} repeats "
                           f"{list(repeats)} for a tensor of shape {tuple(x.shape)}")
    return Repeat.apply(x, repeats=repeats)


@tensor_arguments("input")
def tile(input, dims):
    """``input`` copied ``dims[d]`` times along each dim, as ``torch.tile``: like
    ``repeat``, except that fewer entries than dims are padded with leading 1s
    (a (2, 3) tensor tiled (2,) has shape (2, 6)). ``dims`` is a tuple or list
    (``Tensor.tile`` also takes the sizes as separate ints)."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    dims = _repeats((dims,), "tile")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


@tensor_arguments("input")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated in place, as ``torch.repeat_interleave``.

    Along ``dim``, element i appears ``repeats[i]`` times (``repeats`` an int, or
    an integer tensor of one count or of one count per element); without ``dim``
    the tensor is flattened first. ``repeat_interleave(counts)`` alone is
    ``repeat_interleave(arange(len(counts)), counts)``. ``output_size``, if
    given, must be the length of the result along ``dim``. The gradient of an
    element is the sum of the gradients of its copies.
    """
    if repeats is None:   # repeat_interleave(counts): the indices 0..n-1, each counts[i] times
        if not isinstance(input, Tensor) or input.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        counts = _counts(input, input.shape[0], "repeat_interleave")
        _check_output_size(output_size, counts)
        indices = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        return new_tensor(input._backend.from_host(indices), input._backend, None, 0)
    if dim is None:
        input, dim = flatten(input), 0
    elif input.ndim == 0:
        raise IndexError(f"repeat_interleave: dim {dim} is out of range for a 0-d tensor; leave "
                         "dim=None to repeat its one element")
    else:
        dim = normalize_dim(dim, input.ndim, "repeat_interleave")
    length = input.shape[dim]
    if isinstance(repeats, Tensor):
        if repeats._backend is not input._backend:
            raise RuntimeError(f"repeat_interleave: repeats is on {repeats.device} but the tensor "
                               f"is on {input.device}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeats must be 0-dim or 1-dim tensor, got shape "
                               f"{tuple(repeats.shape)}")
        counts = _counts(repeats.reshape(-1), length, "repeat_interleave")
    else:
        count = operator.index(repeats)
        if count < 0:
            raise RuntimeError(f"repeat_interleave: Repeats must be non-negative, got {count}")
        counts = np.full(length, count, dtype=np.int64)
    _check_output_size(output_size, counts)
    indices = np.repeat(np.arange(length, dtype=np.int64), counts)
    key = (slice(None),) * dim + (input._backend.from_host(indices),)
    return GetItem.apply(input, key=key)


def _counts(repeats, length, name):
    """The repeat counts on the host: one per element (a single count is used for all)."""
    if repeats.dtype.kind not in "iu":
        raise NotImplementedError(f"{name}: repeats must be an integer tensor, got dtype "
                                  f"{repeats.dtype}")
    counts = repeats._backend.to_host(repeats._array).astype(np.int64)
    if counts.size == 1:
        counts = np.full(length, counts[0], dtype=np.int64)
    if counts.size != length:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size(dim) = {length}")
    if (counts < 0).any():
        raise RuntimeError(f"{name}: repeats can not be negative, got {counts.tolist()}")
    return counts


def _check_output_size(output_size, counts):
    if output_size is not None and operator.index(output_size) != int(counts.sum()):
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {int(counts.sum())} "
                           f"but got {output_size}")
