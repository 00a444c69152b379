"""PyTorch's other spellings of arithmetic: square, negative, positive,
reciprocal, rsqrt, true_divide, lerp, float_power, sgn, clamp_min, clamp_max;
and the dtype rule that every floating function of two operands follows
(``binary_float_function``, used by atan2, hypot, logaddexp and xlogy too).

Each gradient is written with minigrad's own operations (so it is itself
differentiable) and with the formula PyTorch's autograd uses, so that the
numbers, also at infinities and NaN, are PyTorch's.
"""
import numpy as np

from ..autograd import tracing
from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from ..dtypes import get_default_dtype
from ..tensor import Tensor, new_tensor
from .arguments import check_tensor, tensor_arguments
from .elementwise import (_both, _operand, cast, clamp, computed_in_float32, div, float_function,
                          mul, neg, refuse_dtype)

_FLOAT16, _FLOAT32, _FLOAT64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
_INT64 = np.dtype("int64")



def binary_float_function(function, a, b, function_name, integers=True, **options):
    """``function.apply(a, b, **options)`` for a floating function of two operands
    (atan2, hypot, logaddexp, xlogy), with PyTorch's dtypes.

    The operands are promoted as for ``a + b``; a Python number becomes a 0-d tensor
    of that dtype. An integer or boolean result dtype gives the default floating
    dtype (computed in float64 and rounded once, as ``float_function`` does), or,
    with ``integers=False``, PyTorch's NotImplementedError; float16 is computed in
    float32 and rounded once.
    """
    a, b = _both(a, b, function_name)
    tensors = [value for value in (a, b) if isinstance(value, Tensor)]
    dtype = np.result_type(*[t.dtype for t in tensors])
    if dtype.kind != "f" and not integers:
        raise NotImplementedError(f"{function_name}: not supported for {dtype} tensors (as in "
                                  "PyTorch); convert the inputs first, e.g. x.float()")
    if dtype.kind != "f":
        compute_dtype = _FLOAT64
    else:
        compute_dtype = _FLOAT32 if dtype == _FLOAT16 else dtype
    device = tensors[0].device

    def operand(value):
        if not isinstance(value, Tensor):
            return Tensor(value, dtype=compute_dtype, device=device)
        if value.dtype.kind != "f":  # rounded to the default dtype first, as PyTorch does
            value = cast(value, get_default_dtype())
        return cast(value, compute_dtype) if value.dtype == _FLOAT16 or dtype.kind != "f" else value

    result = function.apply(operand(a), operand(b), **options)
    result_dtype = dtype if dtype.kind == "f" else get_default_dtype()
    return cast(result, result_dtype)


# ---------------------------------------------------------------- other names of arithmetic
@tensor_arguments("input")
def square(input):
    """input², elementwise (``input * input``); a boolean tensor gives int64, as in PyTorch."""
    if input.dtype.kind == "b":
        input = cast(input, _INT64)
    return mul(input, input)


@tensor_arguments("input")
def negative(input):
    """−input, elementwise: PyTorch's other name of ``neg``."""
    return neg(input)


@tensor_arguments("input")
def positive(input):
    """``input`` itself (``+input``), refused for a boolean tensor as in PyTorch."""
    refuse_dtype(input, "positive, the `+` operator,", "b", RuntimeError, "x.int()")
    return input


def true_divide(dividend, divisor):
    """dividend / divisor (true division): PyTorch's other name of ``div``."""
    return div(dividend, divisor)


def clamp_min(input, min):
    """max(input, min): ``clamp(input, min=min)``, with its dtypes and gradients."""
    _check_clamp_operands(input, min, "clamp_min")
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max): ``clamp(input, max=max)``, with its dtypes and gradients."""
    _check_clamp_operands(input, max, "clamp_max")
    return clamp(input, max=max)


def _check_clamp_operands(input, bound, function_name):
    """PyTorch's refusals: a bound with no tensor to clamp, and a boolean tensor
    clamped by a Python bool (it has no boolean kernel)."""
    check_tensor(function_name, "input", input, 1)
    if input.dtype.kind == "b" and type(bound) is bool:
        raise NotImplementedError(f"{function_name}: not supported for a bool tensor with a bool "
                                  "bound (as in PyTorch); convert the tensor first, e.g. x.int()")


def sgn(input):
    """The sign of each element: −1, 0 or 1 (0 for NaN, as PyTorch computes
    (0 < x) − (x < 0)); a boolean tensor is its own sign. For real tensors PyTorch's
    ``sgn`` is ``sign``. A constant: its gradient is zero almost everywhere."""
    check_tensor("sgn", "input", input, 1)
    return new_tensor(tracing.derived(_sgn_of, input, input._backend.xp), input._backend, None, 0)


def _sgn_of(array, xp):
    if array.dtype.kind != "b":
        array = (0 < array).astype(array.dtype) - (array < 0).astype(array.dtype)
    return xp.array(array, copy=True)


# ---------------------------------------------------------------- reciprocal and rsqrt
class Reciprocal(Function):
    """y = 1/x;  dy/dx = −1/x² = −y²"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return -grad * (y * y)


class Rsqrt(Function):
    """y = 1/√x;  dy/dx = −½ x^(−3/2) = −½ y³"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = 1 / ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return -0.5 * grad * (y * y * y)


@autocast_op("reciprocal")
def reciprocal(input):
    """1 / input, elementwise (integer tensors give the default dtype)."""
    return float_function(Reciprocal, input, "reciprocal")


@autocast_op("rsqrt")
def rsqrt(input):
    """1 / √input, elementwise (integer tensors give the default dtype)."""
    return float_function(Rsqrt, input, "rsqrt")


# ---------------------------------------------------------------- lerp
class Lerp(Function):
    """y = a + w (b − a), computed as PyTorch does: b − (b − a)(1 − w) where |w| >= ½,
    exact at both ends.  dy/da = 1 − w, dy/db = w, dy/dw = b − a"""

    broadcasts = True

    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        difference = end - start
        near_start = ctx.xp.abs(weight) < 0.5
        y = ctx.xp.where(near_start, start + weight * difference, end - difference * (1 - weight))
        return y.astype(start.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        wants_start, wants_end, wants_weight = ctx.needs_input_grad
        return (grad * (1 - weight) if wants_start else None,
                grad * weight if wants_end else None,
                grad * (end - start) if wants_weight else None)


def lerp(input, end, weight):
    """The linear interpolation input + weight · (end − input), elementwise, with
    broadcasting. ``input`` and ``end`` are floating tensors of one dtype; ``weight``
    is a number or a tensor of that dtype (a 0-d one of any floating dtype), as in PyTorch.
    Differentiable in all three."""
    check_tensor("lerp", "input", input, 1)
    check_tensor("lerp", "end", end, 2)
    refuse_dtype(input, "lerp", "biu")
    if end.dtype != input.dtype:
        raise RuntimeError(f"lerp: expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    if isinstance(weight, Tensor):
        if weight.ndim > 0 and weight.dtype != input.dtype:
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `weight` but got dtype "
                               f"{weight.dtype}")
        weight = cast(weight, input.dtype)
    else:
        weight = Tensor(float(_operand(weight, "lerp", 3, "weight")), dtype=input.dtype, device=input.device)
    return computed_in_float32(lambda start: Lerp.apply(start, cast(end, start.dtype),
                                                        cast(weight, start.dtype)), input)


# ---------------------------------------------------------------- float_power
def float_power(input, exponent):
    """input ** exponent computed in float64, whatever the dtypes (as PyTorch's
    ``float_power``: the result is always float64). Either may be a number, not both;
    the gradient comes back to each tensor in its own dtype."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power(): expected a Tensor as input or exponent, got "
                        f"{type(input).__name__} and {type(exponent).__name__}")

    def in_float64(value):
        if isinstance(value, Tensor):
            return cast(value, _FLOAT64)
        return float(_operand(value, "float_power", 1, "input"))

    return in_float64(input) ** in_float64(exponent)
