"""Rounding and the remainders of division, as PyTorch defines them: floor, ceil,
round (half to even, with ``decimals=``), trunc, frac, fmod, remainder and
floor_divide.

Integer tensors keep their dtype (floor of an int tensor is a copy; the three
divisions divide integers exactly, and refuse a zero divisor with PyTorch's
RuntimeError); boolean tensors are refused with PyTorch's NotImplementedError;
float16 is computed in float32 and rounded once.

Gradients, as PyTorch's autograd defines them: floor, ceil, round and trunc are
steps, with gradient 0 (a zero tensor, not ``grad · 0``: an infinite incoming
gradient gives 0); frac(x) = x − trunc(x) has gradient 1; fmod(a, b) =
a − trunc(a/b)·b and remainder(a, b) = a − floor(a/b)·b have gradient 1 in a and
−trunc(a/b) (−floor(a/b)) in b. floor_divide has none: PyTorch refuses its
backward, and so does minigrad.
"""
import numpy as np

from ..autograd.function import Function
from ..creation import zeros_like
from ..tensor import Tensor
from .elementwise import _both, cast, clone, computed_in_float32, refuse_dtype, wrapped_ints
from .arguments import check_tensor

_FLOAT16, _FLOAT32 = np.dtype("float16"), np.dtype("float32")


# ---------------------------------------------------------------- steps: gradient 0
class Step(Function):
    """A piecewise-constant function: dy/dx = 0 wherever it is defined (PyTorch's
    gradient of floor, ceil, round and trunc, also at the jumps)."""

    @staticmethod
    def backward(ctx, grad):
        return tuple(zeros_like(grad) if wanted else None for wanted in ctx.needs_input_grad)


class Floor(Step):
    """y = ⌊x⌋, the largest integer <= x"""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.floor(x)


class Ceil(Step):
    """y = ⌈x⌉, the smallest integer >= x"""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.ceil(x)


class Trunc(Step):
    """y = x rounded toward zero"""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.trunc(x)


class Round(Step):
    """y = x rounded to the nearest integer, halves to the even one; with ``decimals``
    d, rint(x · 10^d) / 10^d (d < 0: rint(x / 10^−d) · 10^−d), as PyTorch computes it"""

    @staticmethod
    def forward(ctx, x, decimals=0):
        xp = ctx.xp
        if decimals == 0:
            return xp.rint(x)
        scale = float(10 ** abs(decimals))
        if decimals > 0:
            return xp.rint(x * scale) / scale
        return xp.rint(x / scale) * scale


class DivFloor(Step):
    """q = ⌊a / b⌋ as PyTorch's ``div(a, b, rounding_mode='floor')``: the integer q with
    a = q·b + r, r of b's sign (a / b where b = 0). Gradient 0 (used inside remainder's)."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return ctx.xp.floor_divide(a, b)  # NumPy's float algorithm is PyTorch's (CPython's)


class FloorDivide(DivFloor):
    """``floor_divide``: as DivFloor, but, as in PyTorch, without a derivative."""

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("the derivative of floor_divide is not implemented (as in PyTorch); "
                           "use (a / b).floor() for a quotient that has zero gradient, or detach() "
                           "the inputs")


def _step(function, input, function_name, **options):
    """A rounding step of ``input``: a copy for an integer tensor, refused for a boolean one."""
    check_tensor(function_name, "input", input, 1)
    refuse_dtype(input, function_name, "b", hint="x.int()")
    if input.dtype.kind in "iu":
        return clone(input)
    return computed_in_float32(lambda x: function.apply(x, **options), input)


def floor(input):
    """⌊x⌋, elementwise (integer tensors as they are); gradient 0."""
    return _step(Floor, input, "floor")


def ceil(input):
    """⌈x⌉, elementwise (integer tensors as they are); gradient 0."""
    return _step(Ceil, input, "ceil")


def trunc(input):
    """x rounded toward zero, elementwise (integer tensors as they are); gradient 0."""
    return _step(Trunc, input, "trunc")


def round(input, *, decimals=None):
    """x rounded to ``decimals`` decimal places (negative: to tens, hundreds, ...), halves
    to even, elementwise; gradient 0. Without ``decimals`` (None): to integers, and an
    integer tensor is returned as it is. With ``decimals`` given, even 0, integer tensors
    are refused, as in PyTorch (its rounding to decimals has no integer version)."""
    check_tensor("round", "input", input, 1)
    if decimals is not None and input.dtype.kind in "biu":
        raise NotImplementedError(f"round: decimals={decimals} is not supported for {input.dtype} "
                                  "tensors (as in PyTorch); convert the input first, e.g. x.float()")
    return _step(Round, input, "round", decimals=0 if decimals is None else decimals)


# ---------------------------------------------------------------- frac, fmod, remainder
class Frac(Function):
    """y = x − trunc(x), the fractional part with x's sign;  dy/dx = 1"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return x - ctx.xp.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Fmod(Function):
    """r = a − trunc(a/b)·b, with a's sign (C's fmod);  dr/da = 1, dr/db = −trunc(a/b)"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad if ctx.needs_input_grad[0] else None,
                -grad * trunc(_as_tensor(a, b) / b) if ctx.needs_input_grad[1] else None)


class Remainder(Function):
    """r = a − ⌊a/b⌋·b, with b's sign (Python's %);  dr/da = 1, dr/db = −⌊a/b⌋"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        r = ctx.xp.fmod(a, b)  # PyTorch's formula (NumPy's remainder differs in the sign of 0)
        return ctx.xp.where((r != 0) & ((b < 0) != (r < 0)), r + b, r)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad if ctx.needs_input_grad[0] else None,
                -grad * DivFloor.apply(_as_tensor(a, b), b) if ctx.needs_input_grad[1] else None)


def _as_tensor(value, like):
    """A number saved by forward, as a tensor on ``like``'s device (to divide by ``like``)."""
    return value if isinstance(value, Tensor) else Tensor(value, dtype=like.dtype, device=like.device)


def _division(function, input, other, function_name):
    """``function.apply(input, other)`` for the divisions with a remainder: operands
    promoted as for ``input + other``; boolean refused, integers divided exactly (a zero
    divisor refused, as PyTorch does on the CPU), float16 computed in float32."""
    input, other = wrapped_ints(*_both(input, other, function_name))
    tensors = [value for value in (input, other) if isinstance(value, Tensor)]
    dtype = np.result_type(*[t.dtype for t in tensors])
    if dtype.kind == "b":
        raise NotImplementedError(f"{function_name}: not supported for bool tensors (as in "
                                  "PyTorch); convert the inputs first, e.g. x.int()")
    if dtype.kind in "iu":
        divisor = other._array if isinstance(other, Tensor) else other
        if bool((divisor == 0).any()) if isinstance(other, Tensor) else divisor == 0:
            raise RuntimeError(f"{function_name}: ZeroDivisionError: an integer divisor is 0")
        return function.apply(input, other)
    if dtype != _FLOAT16:
        return function.apply(input, other)

    def in_float32(value):
        return cast(value, _FLOAT32) if isinstance(value, Tensor) else value
    return cast(function.apply(in_float32(input), in_float32(other)), _FLOAT16)


def frac(input):
    """x − trunc(x), elementwise (floating tensors only, as in PyTorch); gradient 1."""
    check_tensor("frac", "input", input, 1)
    refuse_dtype(input, "frac", "biu")
    return computed_in_float32(Frac.apply, input)


def fmod(input, other):
    """The remainder of input / other with the dividend's sign (C's fmod), elementwise
    with broadcasting; ``other`` may be a number. Integers stay integers."""
    check_tensor("fmod", "input", input, 1)
    return _division(Fmod, input, other, "fmod")


def remainder(input, other):
    """The remainder of input / other with the divisor's sign (Python's ``%``),
    elementwise with broadcasting; either may be a number. Integers stay integers."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"remainder(): expected a Tensor as input or other, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return _division(Remainder, input, other, "remainder")


def floor_divide(input, other):
    """⌊input / other⌋, elementwise with broadcasting (PyTorch's rounding toward −∞,
    also for negative integers); either may be a number. Integers stay integers.
    Not differentiable, as in PyTorch: a backward through it raises."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"floor_divide(): expected a Tensor as input or other, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return _division(FloorDivide, input, other, "floor_divide")
