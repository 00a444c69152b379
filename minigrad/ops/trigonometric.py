"""Trigonometric and hyperbolic functions beyond sin, cos and tanh: tan, asin,
acos, atan, atan2, sinh, cosh, and hypot (the length √(a² + b²)).

Each derivative is the textbook one, written as PyTorch's autograd writes it
(``tan' = 1 + tan²``, ``asin' = 1/√(1 − x²)``, ...), so that gradients agree
with PyTorch's to the last bits, also at the edges of the domain.
"""
from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from .arithmetic import binary_float_function, rsqrt
from .elementwise import float_function
from .arguments import check_tensor


class Tan(Function):
    """y = tan x;  dy/dx = 1 + tan² x = 1 + y²"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * (1 + y * y)


class Asin(Function):
    """y = arcsin x;  dy/dx = 1 / √(1 − x²)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


class Acos(Function):
    """y = arccos x;  dy/dx = −1 / √(1 − x²)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * -rsqrt(1 - x * x)


class Atan(Function):
    """y = arctan x;  dy/dx = 1 / (1 + x²)"""

    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * x + 1)


class Sinh(Function):
    """y = sinh x;  dy/dx = cosh x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * cosh(x)


class Cosh(Function):
    """y = cosh x;  dy/dx = sinh x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * sinh(x)


class Atan2(Function):
    """y = atan2(a, b), the angle of the point (b, a) in (−π, π];
    dy/da = b / (a² + b²),  dy/db = −a / (a² + b²)"""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        inverse_square_length = 1 / (a * a + b * b)
        return (grad * (b * inverse_square_length) if ctx.needs_input_grad[0] else None,
                grad * (-a * inverse_square_length) if ctx.needs_input_grad[1] else None)


class Hypot(Function):
    """y = √(a² + b²) without overflow;  dy/da = a / y,  dy/db = b / y"""

    array_backward = True
    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        y = ctx.xp.hypot(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        return (grad * a / y if ctx.needs_input_grad[0] else None,
                grad * b / y if ctx.needs_input_grad[1] else None)


@autocast_op("tan")
def tan(input):
    """tan x, elementwise."""
    return float_function(Tan, input, "tan")


@autocast_op("asin")
def asin(input):
    """arcsin x, elementwise (NaN outside [−1, 1])."""
    return float_function(Asin, input, "asin")


@autocast_op("acos")
def acos(input):
    """arccos x, elementwise (NaN outside [−1, 1])."""
    return float_function(Acos, input, "acos")


def atan(input):
    """arctan x, elementwise."""
    return float_function(Atan, input, "atan")


@autocast_op("sinh")
def sinh(input):
    """sinh x = (eˣ − e⁻ˣ)/2, elementwise."""
    return float_function(Sinh, input, "sinh")


@autocast_op("cosh")
def cosh(input):
    """cosh x = (eˣ + e⁻ˣ)/2, elementwise."""
    return float_function(Cosh, input, "cosh")


@autocast_op("atan2")
def atan2(input, other):
    """The angle atan2(input, other) of the point (other, input), in (−π, π], elementwise
    with broadcasting; both must be tensors (integers give the default dtype)."""
    check_tensor("atan2", "input", input, 1)
    check_tensor("atan2", "other", other, 2)
    return binary_float_function(Atan2, input, other, "atan2")


def hypot(input, other):
    """√(input² + other²), elementwise with broadcasting, without overflow; floating
    tensors only, as in PyTorch."""
    check_tensor("hypot", "input", input, 1)
    check_tensor("hypot", "other", other, 2)
    return binary_float_function(Hypot, input, other, "hypot", integers=False)

