"""Exponentials and logarithms beyond exp and log: exp2 (2ˣ), logaddexp
(ln(eᵃ + eᵇ) without overflow) and xlogy (x · ln y, 0 where x = 0).

Gradients are written with minigrad's operations, with PyTorch's formulas.
"""
import math

from ..autograd.function import Function
from ..tensor import Tensor
from .arithmetic import binary_float_function
from .elementwise import exp, float_function, gradient_where
from .arguments import check_tensor


class Exp2(Function):
    """y = 2ˣ;  dy/dx = 2ˣ ln 2 = y ln 2"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y * math.log(2)


class LogAddExp(Function):
    """y = ln(eᵃ + eᵇ) = max(a, b) + ln(1 + e^(−|a − b|)), finite for any finite a, b
    (and a itself where a = b = ±∞);  dy/da = 1 / (1 + e^(b − a)),  dy/db = 1 / (1 + e^(a − b))"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.save_for_backward(a, b)
        dtype = xp.result_type(a, b)
        a, b = a.astype(xp.float64), b.astype(xp.float64)  # one rounding, as PyTorch's result
        with xp.errstate(invalid="ignore"):  # ∞ − ∞: the NaN is replaced by a below
            spread = xp.log1p(xp.exp(-xp.abs(a - b)))
            y = xp.where(xp.isinf(a) & (a == b), a, xp.maximum(a, b) + spread)
        return y.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad / (1 + exp(b - a)) if ctx.needs_input_grad[0] else None,
                grad / (1 + exp(a - b)) if ctx.needs_input_grad[1] else None)


class XLogY(Function):
    """y = x · ln(z), 0 where x = 0 (also where z = 0), NaN where z is NaN;
    dy/dx = ln z (0 where x = 0 and z <= 0, as in PyTorch),  dy/dz = x / z"""

    broadcasts = True

    @staticmethod
    def forward(ctx, x, z):
        xp = ctx.xp
        ctx.save_for_backward(x, z)
        with xp.errstate(divide="ignore", invalid="ignore"):  # ln 0, ln of a negative: replaced
            y = xp.where(x == 0, 0, x * xp.log(z))
        return xp.where(xp.isnan(z), z, y).astype(y.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, z = ctx.saved_tensors
        grad_x = grad_z = None
        if ctx.needs_input_grad[0]:
            grad_x = gradient_where(~((x == 0) & (z <= 0)), xlogy(grad, z))
        if ctx.needs_input_grad[1]:
            grad_z = grad * x / z
        return grad_x, grad_z


def exp2(input):
    """2ˣ, elementwise."""
    return float_function(Exp2, input, "exp2")


def logaddexp(input, other):
    """ln(e^input + e^other), elementwise with broadcasting, without overflow;
    floating tensors only, as in PyTorch."""
    check_tensor("logaddexp", "input", input, 1)
    check_tensor("logaddexp", "other", other, 2)
    return binary_float_function(LogAddExp, input, other, "logaddexp", integers=False)


def xlogy(input, other):
    """input · ln(other), elementwise with broadcasting: 0 where input = 0 (even where
    other = 0), NaN where other is NaN. Either may be a Python number; integers give
    the default dtype."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"xlogy(): expected a Tensor as input or other, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return binary_float_function(XLogY, input, other, "xlogy")

