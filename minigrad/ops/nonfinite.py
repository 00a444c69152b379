"""Telling special floating-point values apart, and replacing them: isnan,
isinf, isfinite, signbit (boolean constants, for tensors of any dtype: an
integer is never NaN or infinite) and nan_to_num (differentiable).
"""
import numpy as np

from ..autograd import tracing
from ..autograd.function import Function
from ..tensor import new_tensor
from .elementwise import clone
from .arguments import check_tensor

def _boolean_constant(input, function_name, test, integer_answer):
    """``test(array)`` on a floating tensor, ``integer_answer(array)`` on an integer or
    boolean one: a boolean tensor outside the graph."""
    check_tensor(function_name, "input", input, 1)
    return new_tensor(tracing.derived(_predicate, input, input._backend.xp, test, integer_answer),
                      input._backend, None, 0)


def _predicate(array, xp, test, integer_answer):
    return test(xp, array) if array.dtype.kind == "f" else integer_answer(xp, array)

def isnan(input):
    """True where an element is NaN (never for integer or boolean tensors)."""
    return _boolean_constant(input, "isnan", lambda xp, a: xp.isnan(a),
                             lambda xp, a: xp.zeros(a.shape, dtype=bool))

def isinf(input):
    """True where an element is +∞ or −∞ (never for integer or boolean tensors)."""
    return _boolean_constant(input, "isinf", lambda xp, a: xp.isinf(a),
                             lambda xp, a: xp.zeros(a.shape, dtype=bool))

def isfinite(input):
    """True where an element is neither NaN nor ±∞ (always for integer or boolean tensors)."""
    return _boolean_constant(input, "isfinite", lambda xp, a: xp.isfinite(a),
                             lambda xp, a: xp.ones(a.shape, dtype=bool))

def signbit(input):
    """True where an element's sign bit is set: negative numbers, −0.0, −∞ and a NaN
    with its sign bit (PyTorch's ``signbit``); never for a boolean or unsigned tensor."""
    return _boolean_constant(input, "signbit", lambda xp, a: xp.signbit(a),
                             lambda xp, a: a < 0 if a.dtype.kind == "i"
                             else xp.zeros(a.shape, dtype=bool))

class NanToNum(Function):
    """y = x where x is finite; ``nan``, ``posinf`` or ``neginf`` where x is NaN, +∞, −∞.

    dy/dx = 1 where x is finite, else 0: PyTorch's formula grad · isfinite(x), a
    product, so an infinite incoming gradient at a replaced element gives NaN,
    exactly as PyTorch does.
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x, nan=0.0, posinf=None, neginf=None):
        xp = ctx.xp
        finite = xp.isfinite(x)
        ctx.save_intermediates(finite.astype(x.dtype))
        limits = np.finfo(x.dtype)
        with xp.errstate(over="ignore"):  # a replacement beyond the dtype's range is ±∞
            values = xp.asarray([nan, limits.max if posinf is None else posinf,
                                 limits.min if neginf is None else neginf]).astype(x.dtype)
        y = xp.where(xp.isnan(x), values[0], x)
        return xp.where(x == xp.inf, values[1], xp.where(x == -xp.inf, values[2], y))

    @staticmethod
    def backward(ctx, grad):
        finite, = ctx.saved_intermediates
        return grad * finite

def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """``input`` with NaN replaced by ``nan``, +∞ by ``posinf`` and −∞ by ``neginf``
    (by default the largest and the lowest finite value of the dtype), elementwise;
    integer and boolean tensors are copied as they are. The gradient passes where the
    element is finite and is 0 where it was replaced (PyTorch's grad · isfinite(x))."""
    check_tensor("nan_to_num", "input", input, 1)
    if input.dtype.kind != "f":
        return clone(input)
    options = {"nan": float(nan), "posinf": None if posinf is None else float(posinf),
               "neginf": None if neginf is None else float(neginf)}
    return NanToNum.apply(input, **options)
