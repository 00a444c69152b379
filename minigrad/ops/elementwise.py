"""Elementwise operations: arithmetic, math functions and activations.

Every gradient is written as a textbook writes it (y = f(x), dL/dx = dL/dy ·
f'(x)). The engine sums each gradient back to its input's shape, so these ops
may broadcast freely. Conventions at kinks, as in PyTorch: relu'(0) = 0,
|x|'(0) = 0, clamp passes the gradient where min <= x <= max (ends included),
and maximum/minimum split the gradient evenly between tied inputs.
"""
import math

import numpy as np

from ..autograd import tracing
from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from ..backend import array_module
from ..creation import zeros_like
from ..dtypes import get_default_dtype
from ..tensor import Tensor, new_tensor
from .arguments import check_tensor, tensor_arguments
from .broadcasting import broadcast_shapes

_PYTHON_SCALARS = (int, float, bool)


def _operand(value, function, position, argument):
    """The operand ``argument`` (at ``position``) of the op ``function``: Tensors and
    Python numbers as they are, NumPy scalars as Python numbers, NumPy and CuPy
    arrays as tensors (``tensor + array`` works in PyTorch too). Anything else, a
    list included, is PyTorch's TypeError (``mg.tensor(values)`` makes a tensor)."""
    if isinstance(value, Tensor) or type(value) in _PYTHON_SCALARS:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) or hasattr(value, "shape") and hasattr(value, "dtype"):
        return Tensor(value)  # a NumPy or CuPy array
    check_tensor(function, argument, value, position)  # not a tensor: raises TypeError


def _both(a, b, function, first_position=1):
    """The operands ``input`` and ``other`` of the op ``function`` (at ``first_position``
    and the next), with PyTorch's type promotion.

    NumPy would make float32 * int64 and float32-vector + float64-0-d both float64;
    PyTorch keeps float32: the operand of the higher kind (float > int > bool) sets
    the dtype, and within one kind a 0-d tensor takes the dtype of a tensor with
    dimensions. With a Python number, see ``promote_for_numbers``. Every other case
    NumPy promotes as PyTorch does.
    """
    a = _operand(a, function, first_position, "input")
    b = _operand(b, function, first_position + 1, "other")
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = promote_for_numbers(a, b)
    elif isinstance(b, Tensor) and not isinstance(a, Tensor):
        b = promote_for_numbers(b, a)
    elif isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
        rank_a, rank_b = _KIND_RANK[a.dtype.kind], _KIND_RANK[b.dtype.kind]
        if rank_a != rank_b:
            dtype = a.dtype if rank_a > rank_b else b.dtype
        elif (a.ndim == 0) != (b.ndim == 0):
            dtype = b.dtype if a.ndim == 0 else a.dtype
        else:
            return a, b
        a, b = cast(a, dtype), cast(b, dtype)
    return a, b


def wrapped_ints(a, b):
    """``a`` and ``b`` with a Python int that meets an integer tensor cast into the
    tensor's dtype the way PyTorch casts it, wrapping around as C does: ``uint8 + (-3)``
    adds 253 and ``int8 + 300`` adds 44 (NumPy refuses an int outside the dtype's
    range). For the operations whose integer result wraps the same way (+, −, ×, the
    divisions with a remainder, comparisons), not for ``/`` (a float result)."""
    if isinstance(a, Tensor) and type(b) is int:
        return a, _wrapped_int(b, a.dtype)
    if isinstance(b, Tensor) and type(a) is int:
        return _wrapped_int(a, b.dtype), b
    return a, b


def _wrapped_int(number, dtype):
    if dtype.kind not in "iu":
        return number
    info = np.iinfo(dtype)
    if info.min <= number <= info.max:
        return number
    number %= 1 << info.bits
    return number - (1 << info.bits) if number > info.max else number


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}
_INT64, _FLOAT64 = np.dtype("int64"), np.dtype("float64")
_FLOAT16, _FLOAT32 = np.dtype("float16"), np.dtype("float32")


def promote_for_numbers(x, *numbers):
    """``x`` cast as PyTorch promotes a tensor combined with Python numbers: a
    float number makes an integer or boolean tensor the default floating dtype
    (computed in it, as PyTorch does), an int number makes a boolean tensor int64;
    otherwise the tensor's dtype wins (``float16_tensor * 2.5`` stays float16)."""
    kinds = {type(number) for number in numbers}
    if float in kinds and x.dtype.kind in "biu":
        return cast(x, get_default_dtype())
    if int in kinds and x.dtype.kind == "b":
        return cast(x, _INT64)
    return x


def float_function(function, x, function_name, **options):
    """``function.apply(x, **options)`` for a floating-point function (exp, log, sigmoid, ...).

    An integer or boolean tensor gives the default floating dtype, as in PyTorch
    (NumPy would pick float16 for int8 and bool). Its values are rounded to that
    dtype first, as PyTorch does, then computed in float64 and rounded once:
    PyTorch's correctly rounded result, where NumPy's float32 exp or sin can be one
    unit in the last place away. (Integer tensors need no gradient: no graph here.)
    """
    check_tensor(function_name, "input", x, 1)
    if x._array.dtype.kind == "f":
        return computed_in_float32(function.apply, x, **options)
    default = get_default_dtype()
    return cast(function.apply(cast(cast(x, default), _FLOAT64), **options), default)


def computed_in_float32(compute, x, **options):
    """``compute(x, **options)``, except that a float16 ``x`` is computed in float32 and
    the result rounded once to float16, as PyTorch computes half precision (its
    "opmath"); step by step in float16, softmax, sigmoid, gelu or var would round at
    every step. Differentiable: the gradient comes back through the same casts."""
    if x._array.dtype != _FLOAT16:
        return compute(x, **options)
    return cast(compute(cast(x, _FLOAT32), **options), _FLOAT16)


def refuse_dtype(x, function_name, kinds, error=NotImplementedError, hint="x.float()"):
    """Raise ``error`` (PyTorch's exception type) when ``x``'s dtype is of one of
    ``kinds`` ("b" bool, "u"/"i" integer), which the function has no version for."""
    if x.dtype.kind in kinds:
        raise error(f"{function_name}: not supported for {x.dtype} tensors (as in PyTorch); "
                    f"convert the input first, e.g. {hint}")


def gradient_where(mask, grad):
    """``grad`` where ``mask`` is true, else 0: the backward of an op whose
    derivative is 0 on one branch (relu below 0, clamp outside its bounds, ...).

    A select, not ``grad * mask``: an infinite or NaN incoming gradient must not
    reach the inactive branch (∞ · 0 would be NaN there; PyTorch gives 0).
    Differentiable on Tensors; on raw arrays when the engine runs an
    ``array_backward`` op on arrays.
    """
    if isinstance(grad, Tensor):
        return where(mask, grad, 0.0)
    return array_module(grad).where(mask, grad, 0)


# ---------------------------------------------------------------- arithmetic
class Add(Function):
    """y = a + b;  dy/da = 1, dy/db = 1"""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """y = a - b;  dy/da = 1, dy/db = -1"""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a · b;  dy/da = b, dy/db = a"""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    """y = a / b;  dy/da = 1/b, dy/db = -(a/b)/b

    dL/db is taken as PyTorch takes it, −g · ((a / b) / b): every product is formed at
    the broadcast shape and summed back to b's shape last, so where a is empty (or
    zero) the gradient's own derivative never multiplies a summed-away zero by a
    NaN b (a / (b · b) would form b · b at b's shape, and its derivative 0 · b)."""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad / b if ctx.needs_input_grad[0] else None,
                -grad * ((a / b) / b) if ctx.needs_input_grad[1] else None)


class Neg(Function):
    """y = -x;  dy/dx = -1"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """y = a ** b;  dy/da = b · a^(b-1),  dy/db = y · ln(a)

    As in PyTorch, where b = 0 the derivative in a is 0 (also at a = 0, where
    b · a^(b-1) would be 0 · inf, and for an infinite incoming gradient), and
    where a = 0 and b >= 0 the derivative in b is 0 (0^b is constant there; ln 0
    would make it 0 · inf).
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b if _is_floating(a) or _is_floating(b) else integer_power(ctx.xp, a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, Tensor):
                grad_a = gradient_where(b != 0, grad * b * a ** where(b == 0, 0.0, b - 1))
            else:
                grad_a = zeros_like(grad) if b == 0 else grad * b * a ** (b - 1)
        if ctx.needs_input_grad[1]:
            if not isinstance(a, Tensor):  # a number: as a tensor, to compare it with 0
                a = Tensor(a, dtype=b.dtype, device=b.device)
            grad_b = grad * y * log(where((a == 0) & (b >= 0), 1.0, a))
        return grad_a, grad_b


def _is_floating(value):
    """Is ``value`` (an array or a Python number) of a floating kind?"""
    return isinstance(value, float) or getattr(value, "dtype", None) is not None and value.dtype.kind == "f"


def integer_power(xp, a, b):
    """a ** b for integers (arrays, or a Python int on one side), as PyTorch computes it:
    where b < 0, 1 for a = 1, ±1 for a = −1 (by the parity of b) and 0 for any other a
    (the integer part of 1/aᵏ), where NumPy refuses negative exponents."""
    if type(b) in (int, bool):  # a tensor base, whose dtype the result keeps (a bool too);
        return (a ** int(b)).astype(a.dtype, copy=False)  # pow() refused a negative number
    negative = b < 0
    y = a ** xp.where(negative, 0, b)
    one_over = xp.where(a == 1, 1, xp.where(a == -1, 1 - 2 * (b % 2), 0))
    return xp.where(negative, one_over, y).astype(y.dtype, copy=False)


def add(a, b):
    """a + b with broadcasting and PyTorch type promotion."""
    return Add.apply(*wrapped_ints(*_both(a, b, "add")))


def sub(a, b):
    """a − b with broadcasting (refused for boolean tensors and a Python bool, as in
    PyTorch: use ``^`` or ``~``)."""
    a, b = _operand(a, "sub", 1, "input"), _operand(b, "sub", 2, "other")
    if any(type(operand) is bool or isinstance(operand, Tensor) and operand.dtype.kind == "b"
           for operand in (a, b)):
        raise RuntimeError("subtraction, the `-` operator, is not supported with a bool tensor or "
                           "a Python bool (as in PyTorch); use `a ^ b` for boolean tensors or "
                           "`~mask` to invert a mask")
    return Sub.apply(*wrapped_ints(*_both(a, b, "sub")))


def mul(a, b):
    """a · b elementwise, with broadcasting."""
    return Mul.apply(*wrapped_ints(*_both(a, b, "mul")))


def div(a, b):
    """a / b with broadcasting (true division)."""
    return Div.apply(*_both(a, b, "div"))


def neg(x):
    """−x, elementwise (refused for boolean tensors: use ``~``)."""
    refuse_dtype(x, "negation, the `-` operator,", "b", RuntimeError, "`~mask` to invert a mask")
    return Neg.apply(x)


@autocast_op("pow")
def pow(a, b):
    """a ** b, elementwise, with broadcasting. Integer tensors to negative integer
    tensor powers give PyTorch's integers (see ``integer_power``); a negative Python
    int exponent of an integer tensor is refused, as in PyTorch."""
    a, b = _both(a, b, "pow")
    if isinstance(b, Tensor) and b.dtype.kind == "b" and (
            type(a) is bool or isinstance(a, Tensor) and a.dtype.kind == "b"):
        raise NotImplementedError("pow: not supported for a boolean base and exponent (as in "
                                  "PyTorch); convert one first, e.g. x.int()")
    if type(b) is int and b < 0 and isinstance(a, Tensor) and a.dtype.kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.apply(a, b)


# ---------------------------------------------------------------- math functions
class Exp(Function):
    """y = e^x;  dy/dx = e^x = y"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x;  dy/dx = 1/x"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """y = √x;  dy/dx = 1 / (2√x) = 1 / (2y)"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad / (2 * y)


class Log10(Function):
    """y = log₁₀ x;  dy/dx = 1 / (x ln 10)"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log10(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(10))


class Log2(Function):
    """y = log₂ x;  dy/dx = 1 / (x ln 2)"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log2(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log1p(Function):
    """y = ln(1 + x), accurate for tiny x;  dy/dx = 1 / (1 + x)"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + x)


class Expm1(Function):
    """y = eˣ - 1, accurate for tiny x;  dy/dx = eˣ = y + 1"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * (y + 1)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x), with sign(0) = 0 and sign(NaN) = 0 (as in PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * sign(x)


class Sin(Function):
    """y = sin x;  dy/dx = cos x"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * ctx.math.cos(x)


class Cos(Function):
    """y = cos x;  dy/dx = -sin x"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * ctx.math.sin(x)


class Tanh(Function):
    """y = tanh x;  dy/dx = 1 - y²"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * (1 - y * y)


class Erf(Function):
    """y = erf x = 2/√π ∫₀ˣ e^(-t²) dt;  dy/dx = 2/√π · e^(-x²)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.erf(x).astype(x.dtype, copy=False)  # SciPy computes float16 in float32

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * exp(-(x * x))


@autocast_op("exp")
def exp(x):
    """eˣ, elementwise."""
    return float_function(Exp, x, "exp")


@autocast_op("log")
def log(x):
    """The natural logarithm ln x, elementwise."""
    return float_function(Log, x, "log")


def sqrt(x):
    """√x, elementwise."""
    return float_function(Sqrt, x, "sqrt")


@autocast_op("log10")
def log10(x):
    """The base-10 logarithm log₁₀ x, elementwise."""
    return float_function(Log10, x, "log10")


@autocast_op("log2")
def log2(x):
    """The base-2 logarithm log₂ x, elementwise."""
    return float_function(Log2, x, "log2")


@autocast_op("log1p")
def log1p(x):
    """ln(1 + x), elementwise, accurate where x is tiny."""
    return float_function(Log1p, x, "log1p")


@autocast_op("expm1")
def expm1(x):
    """eˣ − 1, elementwise, accurate where x is tiny."""
    return float_function(Expm1, x, "expm1")


@tensor_arguments("x")
def abs(x):
    """|x|, elementwise (gradient sign(x), 0 at 0)."""
    refuse_dtype(x, "abs", "b", hint="x.int() (a boolean is its own absolute value)")
    return Abs.apply(x)


def sin(x):
    """sin x, elementwise."""
    return float_function(Sin, x, "sin")


def cos(x):
    """cos x, elementwise."""
    return float_function(Cos, x, "cos")


def tanh(x):
    """tanh x, elementwise."""
    return float_function(Tanh, x, "tanh")


def erf(x):
    """The error function erf x = 2/√π ∫₀ˣ e^(−t²) dt, elementwise."""
    return float_function(Erf, x, "erf")


# ---------------------------------------------------------------- activations
class Sigmoid(Function):
    """y = σ(x) = 1 / (1 + e^(-x));  dy/dx = y (1 - y)

    Computed from e = e^(-|x|) ≤ 1, which never overflows:
    σ(x) = 1 / (1 + e) for x ≥ 0 and e / (1 + e) for x < 0.
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Function):
    """y = max(x, 0);  dy/dx = 0 for x <= 0 (so relu'(0) = 0), else 1: a NaN x passes
    the gradient on, as in PyTorch"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_intermediates(~(x <= 0))
        return ctx.xp.maximum(x, 0)

    @staticmethod
    def backward(ctx, grad):
        passes, = ctx.saved_intermediates
        return gradient_where(passes, grad)


class LeakyRelu(Function):
    """y = x for x > 0, else slope · x;  dy/dx = 1 or slope"""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.negative_slope = negative_slope
        positive = x > 0
        ctx.save_intermediates(positive)
        return ctx.xp.where(positive, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        positive, = ctx.saved_intermediates
        return where(positive, grad, grad * ctx.negative_slope)


class Softplus(Function):
    """y = (1/β) ln(1 + e^(βx)), and y = x where βx > threshold;  dy/dx = σ(βx)

    ln(1 + e^z) is computed as max(z, 0) + ln(1 + e^(-|z|)), finite for any z.
    """

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = ctx.xp
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        z = x * beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, soft).astype(soft.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        z = x * ctx.beta
        return grad * where(z > ctx.threshold, 1.0, sigmoid(z))


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), elementwise."""
    return float_function(Sigmoid, x, "sigmoid")


@tensor_arguments("x")
def relu(x):
    """max(x, 0), elementwise (gradient 0 at 0)."""
    refuse_dtype(x, "relu", "b", RuntimeError)
    return Relu.apply(x)


@tensor_arguments("x")
def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else ``negative_slope`` · x (floating tensors only, as in PyTorch)."""
    refuse_dtype(x, "leaky_relu", "biu")
    return LeakyRelu.apply(x, negative_slope=negative_slope)


@autocast_op("softplus")
@tensor_arguments("x")
def softplus(x, beta=1.0, threshold=20.0):
    """(1/β) ln(1 + e^(βx)), linear above ``threshold`` (floating tensors only)."""
    refuse_dtype(x, "softplus", "biu")
    return Softplus.apply(x, beta=beta, threshold=threshold)


class Gelu(Function):
    """y = x Φ(x), Φ(x) = ½ (1 + erf(x/√2)) the standard normal CDF;
    dy/dx = Φ(x) + x φ(x), φ(x) = e^(−x²/2) / √(2π) its density.

    ``approximate="tanh"``: y = ½ x (1 + tanh u), u = √(2/π) (x + 0.044715 x³);
    dy/dx = ½ (1 + tanh u) + ½ x (1 − tanh² u) √(2/π) (1 + 3 · 0.044715 x²).

    The derivative is computed first and multiplied by the incoming gradient once,
    as PyTorch does: spread over the terms of the product rule, an infinite
    incoming gradient would give inf − inf = NaN where PyTorch gives ±inf. Forward
    computes it next to y and keeps it, so a plain backward is one product on arrays
    (erf, the costly part, runs once); under ``create_graph=True`` it is recomputed
    from differentiable pieces, so gradients of any order are exact.
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        xp = ctx.xp
        if approximate == "tanh":
            tanh_inner = xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x * x * x))
            inner_derivative = _SQRT_2_OVER_PI * (1 + 3 * _GELU_TANH_CUBIC * x * x)
            ctx.save_intermediates(0.5 * (1 + tanh_inner) + 0.5 * x * (1 - tanh_inner * tanh_inner)
                                   * inner_derivative)
            return 0.5 * x * (1 + tanh_inner)
        # In place on two fresh arrays, in the order of the formulas (the same roundings).
        cdf = ctx.backend.erf(x * _SQRT_HALF).astype(x.dtype, copy=False)
        cdf += 1
        cdf *= 0.5                                  # Φ(x) = ½ (1 + erf(x/√2))
        derivative = xp.exp(x * x * -0.5)
        derivative *= _ONE_OVER_SQRT_2PI            # φ(x)
        derivative *= x
        derivative += cdf                           # Φ(x) + x φ(x)
        ctx.save_intermediates(derivative)
        return x * cdf

    @staticmethod
    def recompute_intermediates(ctx, x):
        """dy/dx as a function of x (the class docstring), for a backward that builds a graph."""
        if ctx.approximate == "tanh":
            tanh_inner = tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x * x * x))
            inner_derivative = _SQRT_2_OVER_PI * (1 + 3 * _GELU_TANH_CUBIC * x * x)
            return (0.5 * (1 + tanh_inner)
                    + 0.5 * x * (1 - tanh_inner * tanh_inner) * inner_derivative),
        cdf = 0.5 * (1 + erf(x * _SQRT_HALF))
        pdf = _ONE_OVER_SQRT_2PI * exp(x * x * -0.5)
        return cdf + x * pdf,

    @staticmethod
    def backward(ctx, grad):
        derivative, = ctx.saved_intermediates
        return grad * derivative


_SQRT_HALF = 1 / math.sqrt(2)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_ONE_OVER_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_TANH_CUBIC = 0.044715


@tensor_arguments("x")
def gelu(x, approximate="none"):
    """GELU(x) = x · Φ(x), Φ the standard normal CDF = ½ (1 + erf(x/√2)).

    ``approximate="tanh"``: ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))).
    Floating tensors only, as in PyTorch; float16 is computed in float32.
    """
    refuse_dtype(x, "gelu", "biu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got "
                           f"{approximate!r}")
    return computed_in_float32(lambda value: Gelu.apply(value, approximate=approximate), x)


# ---------------------------------------------------------------- selection
class Clamp(Function):
    """y = min(max(x, lo), hi): NaN where x or a bound is NaN, hi where lo > hi.

    dy/dx = 1 where lo <= x <= hi (ends included), else 0; a tensor bound gets the
    gradient where x lies strictly beyond it (hi also wherever lo > hi), as in
    PyTorch. Each bound may be None, a number or a tensor.
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, x, low, high):
        xp = ctx.xp
        y = x
        if low is not None:
            y = xp.maximum(y, low)
        if high is not None:
            y = xp.minimum(y, high)
        ctx.save_for_backward(x, low, high)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        wants_x, wants_low, wants_high = ctx.needs_input_grad
        grad_x = grad_low = grad_high = None
        if wants_x:
            if low is None:
                inside = x <= high
            elif high is None:
                inside = x >= low
            else:
                inside = (x >= low) & (x <= high)
            grad_x = gradient_where(inside, grad)
        if wants_low:
            below = x < low if high is None else (x < low) & (low < high)
            grad_low = gradient_where(below, grad)
        if wants_high:
            above = x > high if low is None else (x > high) | (high < low)
            grad_high = gradient_where(above, grad)
        return grad_x, grad_low, grad_high


def split_between(grad, a, b, a_loses, b_loses):
    """The gradients of a and b for max(a, b) or min(a, b): all of ``grad`` to the
    input chosen, half to each on a tie, 0 (selected, never ``grad · 0``) to the
    input that loses. As in PyTorch, where either input is NaN (neither loses)
    both get the whole gradient."""
    halved_on_ties = where(a == b, grad / 2, grad)
    return gradient_where(~a_loses, halved_on_ties), gradient_where(~b_loses, halved_on_ties)


class Maximum(Function):
    """y = max(a, b);  the gradient goes to the larger input, half to each on a tie"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return split_between(grad, a, b, a < b, b < a)


class Minimum(Function):
    """y = min(a, b);  the gradient goes to the smaller input, half to each on a tie"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return split_between(grad, a, b, a > b, b > a)


class Where(Function):
    """y = a where condition else b;  the gradient follows the same choice"""

    broadcasts = True

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition, = ctx.saved_tensors
        return (None,
                where(condition, grad, 0.0) if ctx.needs_input_grad[1] else None,
                where(condition, 0.0, grad) if ctx.needs_input_grad[2] else None)


def clamp(x, min=None, max=None):
    """Limit x to [min, max]; bounds may be numbers or tensors (broadcasting).

    As in PyTorch: the result has the promoted dtype of x and the bounds (an int
    tensor with a float bound is a float tensor); a NaN in x or in a bound gives
    NaN; where min > max the result is max. The gradient goes to x where
    min <= x <= max (ends included), and to a tensor bound where x lies beyond it.
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of min and max must not be None")
    min = None if min is None else _operand(min, "clamp", 2, "min")
    max = None if max is None else _operand(max, "clamp", 3, "max")
    x = promote_for_numbers(x, *[bound for bound in (min, max) if not isinstance(bound, Tensor)])
    if isinstance(min, Tensor):
        x, min = _one_dtype(x, min, "clamp")
    if isinstance(max, Tensor):
        x, max = _one_dtype(x, max, "clamp")
        if isinstance(min, Tensor):
            min = cast(min, x.dtype)
    return Clamp.apply(x, min, max)


def _one_dtype(a, b, function):
    """Tensors ``a`` and ``b`` cast to their promoted dtype (``_both``, then NumPy's
    promotion where ``_both`` leaves it to the operation: int32 with int64 is int64)."""
    a, b = _both(a, b, function)
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype)
        a, b = cast(a, dtype), cast(b, dtype)
    return a, b


def maximum(a, b):
    """The elementwise maximum of a and b (ties split the gradient)."""
    return Maximum.apply(*_both(a, b, "maximum"))


def minimum(a, b):
    """The elementwise minimum of a and b (ties split the gradient)."""
    return Minimum.apply(*_both(a, b, "minimum"))


def where(condition, a, b):
    """Pick from ``a`` where ``condition`` is true, else from ``b`` (broadcasting).

    As in PyTorch, ``condition`` is a boolean tensor (a uint8 one is read as
    ``condition != 0``); ``a`` and ``b`` are tensors or numbers."""
    check_tensor("where", "condition", condition, 1)
    if condition.dtype == np.uint8:
        condition = condition != 0
    elif condition.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype}; compare first, e.g. condition > 0")
    a, b = _both(a, b, "where", first_position=2)
    return Where.apply(condition, a, b)


# ---------------------------------------------------------------- dtype, device, copies
class Cast(Function):
    """y = x as another dtype;  the gradient is cast back"""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return cast(grad, ctx.input_dtype)


class ToDevice(Function):
    """y = x copied to another device;  the gradient is copied back"""

    @staticmethod
    def forward(ctx, x, device):
        from ..backend import get_backend
        source = ctx.backend
        target = get_backend(device)
        ctx.source_device = str(source.device_object)
        ctx._backend = target  # the output lives on the target device
        return target.from_host(source.to_host(x))

    @staticmethod
    def backward(ctx, grad):
        return to_device(grad, ctx.source_device)


class Clone(Function):
    """y = a copy of x;  dy/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def cast(x, dtype):
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.dtype.kind != "f":
        # Integer and boolean tensors never require grad, so there is nothing to record;
        # and Function.apply would turn an int -> float64 result into the default dtype.
        return new_tensor(tracing.derived(_astype, x, dtype), x._backend, None, 0)
    return Cast.apply(x, dtype=dtype)


def _astype(array, dtype):
    return array.astype(dtype)


def to_device(x, device):
    return ToDevice.apply(x, device=device)


@tensor_arguments("x")
def clone(x):
    return Clone.apply(x)


# ---------------------------------------------------------------- not differentiable
def sign(x):
    """-1, 0 or 1 (a constant: its gradient is zero almost everywhere), and 0 for NaN;
    a boolean tensor is its own sign, as in PyTorch."""
    return new_tensor(tracing.derived(_sign_of, x, x._backend.xp), x._backend, None, 0)


def _sign_of(array, xp):
    if array.dtype.kind == "b":
        return array.copy()
    if array.dtype.kind == "f":
        return xp.where(xp.isnan(array), 0, xp.sign(array)).astype(array.dtype, copy=False)
    return xp.sign(array)


def compare(a, b, ufunc_name):
    """``a < b`` etc.: a boolean tensor, outside the graph."""
    b = _operand(b, ufunc_name, 2, "other")
    backend = a._backend
    if isinstance(b, Tensor):
        if b._backend is not backend:
            raise RuntimeError(f"cannot compare tensors on {a.device} and {b.device}; "
                               f"move one with .to({str(a.device)!r})")
        broadcast_shapes((a.shape, b.shape), ufunc_name)
    else:
        a, b = wrapped_ints(a, b)
    return new_tensor(tracing.derived(getattr(backend.xp, ufunc_name), a, b), backend, None, 0)


def logical(a, b, ufunc_name):
    """``~a``, ``a & b``, ``a | b``, ``a ^ b`` on boolean or integer tensors."""
    function = getattr(a._backend.xp, ufunc_name)
    if b is None:
        return new_tensor(tracing.derived(function, a), a._backend, None, 0)
    b = _operand(b, ufunc_name, 2, "other")
    if isinstance(b, Tensor):
        broadcast_shapes((a.shape, b.shape), ufunc_name)
    return new_tensor(tracing.derived(function, a, b), a._backend, None, 0)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input − other| <= atol + rtol · |other| (broadcasting), as a boolean
    tensor, as PyTorch computes it: equal values (infinities too) are close, NaN is
    close to NaN only with ``equal_nan=True``. Both must be tensors of one dtype."""
    for name, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(f"isclose(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose(): the two tensors must have the same dtype, got "
                           f"{input.dtype} and {other.dtype}")
    if other._backend is not input._backend:
        raise RuntimeError(f"isclose(): expected both tensors on the same device, got "
                           f"{input.device} and {other.device}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    broadcast_shapes((input.shape, other.shape), "isclose")
    close = tracing.derived(_close, input, other, input._backend.xp, rtol, atol, equal_nan,
                            get_default_dtype())
    return new_tensor(close, input._backend, None, 0)


def _close(a, b, xp, rtol, atol, equal_nan, default_dtype):
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol == 0 and atol == 0:
        return close
    if a.dtype.kind != "f":  # PyTorch computes the errors of integers in the default dtype
        a, b = a.astype(default_dtype), b.astype(default_dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN: not finite, not close
        allowed_error = atol + xp.abs(rtol * b)
        actual_error = xp.abs(a - b)
        return close | (xp.isfinite(actual_error) & (actual_error <= allowed_error))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element of ``isclose(input, other, ...)`` is (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())
