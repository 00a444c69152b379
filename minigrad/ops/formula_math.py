"""The functions a backward formula uses beyond operators, in two worlds.

A backward written with operators that Tensors and arrays share (``*``, ``-``,
``@``, ``.T``, ``.sum``, ``.reshape``) runs on either. The few functions it needs
beyond them come from ``ctx.math`` (see ``Function.math``): ``TENSOR_MATH``,
minigrad's differentiable operations, while backward builds a graph;
``array_math(xp)``, the same functions on raw NumPy/CuPy arrays, in forward and in
a plain ``backward()``. Each array function is the same function as its operation
(computed stably, equal up to rounding), so a formula means the same in both worlds.
"""
import contextlib

from .elementwise import cos, sigmoid, sin, tanh, where
from .reduction import log_softmax, log_softmax_array
from .shape import IndexAdd, cat, stack


def sigmoid_array(xp, x):
    """σ(x) = 1 / (1 + e^(−x)) on an array, in four passes (negate, exp, add 1, invert),
    as PyTorch computes it: accurate to a few ulp wherever σ(x) is a normal number
    (the form (1 + tanh(x/2)) / 2 loses every digit of σ's small values). Below
    about −88 (float32) e^(−x) overflows to ∞ and 1 / (1 + ∞) = 0, σ's limit there
    (PyTorch gives the subnormal numbers of the last few units instead), so NumPy's
    overflow warning is silenced. float16 is computed in float32: its e^(−x) would
    overflow below −11, where σ is still far above float16's smallest number."""
    computed = x.astype(xp.float32) if x.dtype == xp.float16 else x
    y = xp.negative(computed)
    with xp.errstate(over="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext():
        xp.exp(y, out=y)
    y += 1
    xp.reciprocal(y, out=y)
    return y.astype(x.dtype, copy=False)


class TensorMath:
    """The formula functions as differentiable minigrad operations."""

    sigmoid = staticmethod(sigmoid)
    tanh = staticmethod(tanh)
    sin = staticmethod(sin)
    cos = staticmethod(cos)
    where = staticmethod(where)

    @staticmethod
    def cat(pieces, dim):
        return cat(pieces, dim=dim)

    @staticmethod
    def stack(pieces, dim):
        return stack(pieces, dim=dim)

    @staticmethod
    def log_softmax(x, dim):
        return log_softmax(x, dim)

    @staticmethod
    def subtract_at(fresh, key, values):
        """``fresh`` with ``values`` subtracted at the positions the index ``key``
        picks (each at most once): fresh − (zeros with values at key)."""
        return fresh - IndexAdd.apply(values, shape=tuple(fresh.shape), key=key)


class ArrayMath:
    """The formula functions on raw backend arrays (no graph)."""

    def __init__(self, xp):
        self.xp = xp

    def sigmoid(self, x):
        return sigmoid_array(self.xp, x)

    def tanh(self, x):
        return self.xp.tanh(x)

    def sin(self, x):
        return self.xp.sin(x)

    def cos(self, x):
        return self.xp.cos(x)

    def where(self, condition, x, y):
        return self.xp.where(condition, x, y)

    def cat(self, pieces, dim):
        return self.xp.concatenate(pieces, axis=dim)

    def stack(self, pieces, dim):
        return self.xp.stack(pieces, axis=dim)

    def log_softmax(self, x, dim):
        return log_softmax_array(self.xp, x, dim)

    @staticmethod
    def subtract_at(fresh, key, values):
        """``fresh[key] -= values``, in place: ``fresh`` must be an array the formula
        has just computed (no one else holds it), so no copy is needed."""
        fresh[key] -= values
        return fresh


TENSOR_MATH = TensorMath()
_ARRAY_MATH = {}


def array_math(xp):
    """The ``ArrayMath`` of the array module ``xp`` (one per module)."""
    math = _ARRAY_MATH.get(xp)
    if math is None:
        math = _ARRAY_MATH[xp] = ArrayMath(xp)
    return math
