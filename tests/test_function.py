"""The ``mg.autograd.Function`` API for user-defined ops, checked with
``mg.gradcheck`` / ``mg.gradgradcheck`` and against PyTorch; and anomaly mode.

``forward(ctx, *arrays)`` receives backend arrays (NumPy, CuPy or the strict
stand-in's) and computes with ``ctx.xp``; ``backward(ctx, *grads)`` receives
and returns Tensors.
"""
import re
import traceback
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.ops.shape import IndexAdd


class Cube(mg.autograd.Function):
    """y = x³;  dy/dx = 3x²"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x * x


class WrongCube(Cube):
    """A deliberate mistake: 2x² instead of 3x²."""

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 2 * x * x


class FlatCube(Cube):
    """The right first derivative, computed on raw arrays and wrapped as a constant:
    correct for gradcheck, but not differentiable again."""

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return mg.tensor(grad._array * 3 * x._array * x._array)


class Softsign(mg.autograd.Function):
    """y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)²; keeps the intermediate d = 1 + |x|
    and says how to recompute it from x, so that it is differentiable again."""

    @staticmethod
    def forward(ctx, x):
        denominator = 1 + ctx.xp.abs(x)
        ctx.save_for_backward(x)
        ctx.save_intermediates(denominator)
        return x / denominator

    @staticmethod
    def recompute_intermediates(ctx, x):
        return (1 + x.abs(),)

    @staticmethod
    def backward(ctx, grad):
        denominator, = ctx.saved_intermediates
        return grad / (denominator * denominator)


class ScaledProduct(mg.autograd.Function):
    """y = a · b · scale (scale a keyword option); records needs_input_grad."""

    seen = []

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ScaledProduct.seen.append(("forward", ctx.needs_input_grad))
        ctx.scale = scale
        ctx.save_for_backward(a, b)
        return ctx.xp.multiply(a, b) * scale

    @staticmethod
    def backward(ctx, grad):
        ScaledProduct.seen.append(("backward", ctx.needs_input_grad))
        a, b = ctx.saved_tensors
        return (grad * b * ctx.scale if ctx.needs_input_grad[0] else None,
                grad * a * ctx.scale if ctx.needs_input_grad[1] else None)


class SinCos(mg.autograd.Function):
    """Two outputs: (sin x, cos x); backward receives one gradient per output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x), ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        x, = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


class ExpSavingOutput(mg.autograd.Function):
    """y = eˣ, saving the output (as Exp does)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


class PowerWithNumber(mg.autograd.Function):
    """y = x ** p with a plain-number positional argument p, which gets no gradient."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.p = p
        ctx.save_for_backward(x)
        return x ** p

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * ctx.p * x ** (ctx.p - 1), None


def leaf(shape, device, seed=0, low=0.5, high=1.5):
    data = np.random.default_rng(seed).uniform(low, high, shape)
    return mg.tensor(data, device=device, requires_grad=True)


# ---------------------------------------------------------------- the API
def test_forward_receives_backend_arrays_and_backward_tensors(device):
    seen = {}

    class Probe(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen["forward"] = x
            seen["xp"] = ctx.xp
            return ctx.xp.tanh(x)

        @staticmethod
        def backward(ctx, grad):
            seen["backward"] = grad
            return grad * 2

    x = leaf(3, device)
    y = Probe.apply(x)
    assert isinstance(y, mg.Tensor) and y.device == device and type(y.grad_fn).__name__ == "Probe"
    assert not isinstance(seen["forward"], mg.Tensor) and x.backend.is_array(seen["forward"])
    assert seen["xp"] is x.backend.xp
    y.sum().backward()
    assert isinstance(seen["backward"], mg.Tensor) and seen["backward"].device == device
    np.testing.assert_allclose(x.grad.detach().numpy(), np.full(3, 2.0))
    np.testing.assert_allclose(y.detach().numpy(), np.tanh(x.detach().numpy()))


@pytest.mark.parametrize("function", [Cube, Softsign, ExpSavingOutput], ids=lambda f: f.__name__)
def test_correct_functions_pass_gradcheck_and_gradgradcheck(function, device):
    x = leaf((2, 3), device, low=-1.5, high=1.5)
    assert mg.gradcheck(function.apply, (x,)) is True
    assert mg.gradgradcheck(function.apply, (x,)) is True


def test_user_function_matches_torch(device):
    values = np.random.default_rng(1).standard_normal(5)
    x = mg.tensor(values, device=device, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    y, u = Softsign.apply(x), torch.nn.functional.softsign(t)
    mg.testing.assert_close(y, u)
    (y * y).sum().backward()
    (u * u).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)


def test_save_for_backward_keeps_inputs_and_outputs_as_tensors(device):
    captured = {}

    class Keep(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            y = a * b
            ctx.save_for_backward(a, b, y)
            return y

        @staticmethod
        def backward(ctx, grad):
            captured["saved"] = ctx.saved_tensors
            a, b, _ = captured["saved"]
            return grad * b, grad * a

    a, b = leaf(3, device, seed=1), leaf(3, device, seed=2)
    y = Keep.apply(a, b)
    y.sum().backward()
    saved_a, saved_b, saved_y = captured["saved"]
    assert saved_a is a and saved_b is b                      # the inputs themselves
    assert saved_y is y                                        # the output, still alive
    assert all(isinstance(t, mg.Tensor) for t in captured["saved"])
    mg.testing.assert_close(a.grad, b.detach().numpy())


def test_saved_tensors_are_freed_after_backward(device):
    x = leaf(3, device)
    y = Cube.apply(x)
    node = y.grad_fn
    assert node.saved_tensors[0] is x
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        node.saved_tensors


def test_needs_input_grad_in_forward_and_backward(device):
    a, b = leaf(2, device, seed=1), mg.tensor([1.0, 2.0], dtype=mg.float64, device=device)
    ScaledProduct.seen.clear()
    y = ScaledProduct.apply(a, b, scale=3.0)
    y.sum().backward()
    assert ScaledProduct.seen == [("forward", (True, False)), ("backward", (True, False))]
    np.testing.assert_allclose(a.grad.detach().numpy(), [3.0, 6.0])
    ScaledProduct.seen.clear()
    ScaledProduct.apply(b, a).sum().backward()
    assert ScaledProduct.seen == [("forward", (False, True)), ("backward", (False, True))]


def test_needs_input_grad_matches_torch_for_plain_arguments():
    class TorchScaled(torch.autograd.Function):
        seen = []

        @staticmethod
        def forward(ctx, a, b, k):
            TorchScaled.seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, grad):
            return grad, grad, None

    class Scaled(mg.autograd.Function):
        seen = []

        @staticmethod
        def forward(ctx, a, b, k):
            Scaled.seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, grad):
            return grad, grad, None

    TorchScaled.apply(torch.ones(2, requires_grad=True), torch.ones(2), 2.0)
    Scaled.apply(mg.ones(2, requires_grad=True), mg.ones(2), 2.0)
    assert Scaled.seen == [tuple(TorchScaled.seen[0])] == [(True, False, False)]


def test_a_function_with_keyword_options_and_number_arguments(device):
    a, b = leaf(3, device, seed=1), leaf(3, device, seed=2)
    assert mg.gradcheck(lambda p, q: ScaledProduct.apply(p, q, scale=-2.5), (a, b))
    x = leaf(4, device, seed=3)
    assert mg.gradcheck(lambda v: PowerWithNumber.apply(v, 2.5), (x,))
    y = PowerWithNumber.apply(x, 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 3 * x.detach().numpy() ** 2)


def test_a_function_with_two_outputs(device):
    x = leaf(4, device, low=-2, high=2)
    s, c = SinCos.apply(x)
    np.testing.assert_allclose(s.detach().numpy(), np.sin(x.detach().numpy()))
    np.testing.assert_allclose(c.detach().numpy(), np.cos(x.detach().numpy()))
    assert s.grad_fn is c.grad_fn
    assert mg.gradcheck(SinCos.apply, (x,))
    assert mg.gradgradcheck(SinCos.apply, (x,))
    s.sum().backward()                                  # the unused cos output gets zeros
    np.testing.assert_allclose(x.grad.detach().numpy(), np.cos(x.detach().numpy()))


def test_apply_records_no_graph_under_no_grad_or_without_grad_inputs(device):
    x = leaf(3, device)
    with mg.no_grad():
        y = Cube.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    z = Cube.apply(x.detach())
    assert not z.requires_grad and z.grad_fn is None
    np.testing.assert_allclose(z.detach().numpy(), x.detach().numpy() ** 3)


def test_apply_refuses_tensors_on_two_devices():
    with pytest.raises(RuntimeError, match=r"ScaledProduct.*cpu and strict.*\.to\("):
        ScaledProduct.apply(mg.ones(2, requires_grad=True), mg.ones(2, device="strict"))


def test_backward_must_return_tensors(device):
    class ReturnsArray(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad._array * 2                           # a raw array, not a Tensor

    with pytest.raises(TypeError, match=r"ReturnsArray\.backward returned a .* for input 0.*Tensor"):
        ReturnsArray.apply(leaf(2, device)).sum().backward()


def test_create_graph_differentiates_a_user_backward(device):
    x = leaf(3, device, low=-1, high=1)
    g, = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    gg, = mg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.detach().numpy(), 6 * x.detach().numpy())


# ---------------------------------------------------------------- exceptions from forward
class OwnError(Exception):
    """An exception class of the user's own."""


def raising(error):
    """A Function whose forward raises ``error`` (the object itself)."""
    class Raises(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            raise error

        @staticmethod
        def backward(ctx, grad):
            return grad
    return Raises


@pytest.mark.parametrize("error", [ValueError("bad value"), KeyError("missing"), OwnError("mine")],
                         ids=lambda e: type(e).__name__)
def test_an_exception_in_forward_reaches_the_caller_unchanged(error, device):
    with pytest.raises(type(error)) as raised:
        raising(error).apply(leaf(3, device))
    assert raised.value is error and raised.type is type(error)  # not wrapped, not converted
    last = traceback.extract_tb(raised.value.__traceback__)[-1]
    assert last.name == "forward" and last.filename == __file__  # where the user raised it


# ---------------------------------------------------------------- what forward may save where
def test_save_for_backward_refuses_an_array_computed_in_forward(device):
    class SavesIntermediate(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + ctx.xp.exp(-x))
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match=r"SavesIntermediate\.forward passed save_for_backward a "
                                        r"value \(position 1, \w+\) that is neither one of its "
                                        r"arguments nor one of its outputs.*save_intermediates"):
        SavesIntermediate.apply(leaf(3, device))


def test_save_for_backward_knows_inputs_by_identity_not_by_value(device):
    class SavesCopy(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.copy())                  # equal to x, but not x
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    with pytest.raises(TypeError, match=r"SavesCopy\.forward passed save_for_backward"):
        SavesCopy.apply(leaf(3, device))


class SwishKeepingSigmoid(mg.autograd.Function):
    """f(x) = x σ(x), with s = σ(x) kept from forward;  f'(x) = s + x s (1 − s)."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + ctx.xp.exp(-x))
        ctx.save_for_backward(x)
        ctx.save_intermediates(s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        s, = ctx.saved_intermediates
        return grad * (s + x * s * (1 - s))


class SwishRecomputingSigmoid(SwishKeepingSigmoid):
    """The same, saying how s depends on x: under create_graph it is recomputed."""

    @staticmethod
    def recompute_intermediates(ctx, x):
        return (mg.sigmoid(x),)


def second_derivatives(function, values, device):
    """(f'(x), d/dx Σ f'(x)) by minigrad, f'(x) computed with create_graph=True."""
    x = mg.tensor(values, device=device, requires_grad=True)
    first, = mg.autograd.grad(function.apply(x).sum(), x, create_graph=True)
    second, = mg.autograd.grad(first.sum(), x)
    return first, second


def torch_second_derivatives(values, detach_sigmoid):
    """The same by PyTorch's double backward of f'(x) = s + x s (1 − s), s = σ(x),
    with s as a constant where ``detach_sigmoid``."""
    x = torch.tensor(values, requires_grad=True)
    s = torch.sigmoid(x)
    s = s.detach() if detach_sigmoid else s
    first = s + x * s * (1 - s)
    second, = torch.autograd.grad(first.sum(), x)
    return first, second


def test_recomputed_intermediates_give_the_true_second_derivative(device):
    values = np.random.default_rng(3).standard_normal((2, 4))
    first, second = second_derivatives(SwishRecomputingSigmoid, values, device)
    torch_first, torch_second = torch_second_derivatives(values, detach_sigmoid=False)
    mg.testing.assert_close(first, torch_first)
    mg.testing.assert_close(second, torch_second)


def test_an_intermediate_without_recompute_is_a_constant_to_the_graph(device):
    values = np.random.default_rng(3).standard_normal((2, 4))
    first, second = second_derivatives(SwishKeepingSigmoid, values, device)
    torch_first, constant_s = torch_second_derivatives(values, detach_sigmoid=True)
    _, true_second = torch_second_derivatives(values, detach_sigmoid=False)
    mg.testing.assert_close(first, torch_first)                   # the first derivative is right
    mg.testing.assert_close(second, constant_s)                   # d/dx with s held fixed ...
    assert not np.allclose(second.detach().numpy(), true_second.numpy())  # ... not the true one


def test_saved_intermediates_are_arrays_constants_or_recomputed(device):
    seen = []

    class Probe(SwishRecomputingSigmoid):
        array_backward = True  # its backward uses operators only

        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.saved_intermediates[0])
            return SwishRecomputingSigmoid.backward(ctx, grad)

    x = leaf(3, device)
    Probe.apply(x).sum().backward()                               # a plain backward: arrays
    mg.autograd.grad(Probe.apply(x).sum(), x, create_graph=True)  # recomputed, in the graph
    assert x.backend.is_array(seen[0])
    assert isinstance(seen[1], mg.Tensor) and seen[1].requires_grad
    seen.clear()
    Probe.array_backward = False                                  # backward on Tensors, no graph:
    Probe.apply(x).sum().backward()                               # a constant Tensor
    assert isinstance(seen[0], mg.Tensor) and not seen[0].requires_grad


def test_an_indexing_key_comes_back_from_save_intermediates_as_it_was(device):
    seen = []

    class Pick(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            key = (ctx.xp.asarray([0, 2]),)
            ctx.save_intermediates(key, ctx.xp.asarray([1.0, 1.0]))
            return x[key]

        @staticmethod
        def backward(ctx, grad):
            key, ones = ctx.saved_intermediates
            seen.append((key, ones))
            return IndexAdd.apply(grad * ones, shape=(3,), key=key)   # zeros, grad added at key

    x = leaf(3, device)
    Pick.apply(x).sum().backward()
    (key, ones), = seen
    assert isinstance(key, tuple) and x.backend.is_array(key[0])   # an index, as it was
    assert isinstance(ones, mg.Tensor) and not ones.requires_grad   # an array: a constant
    np.testing.assert_array_equal(x.grad.detach().numpy(), [1.0, 0.0, 1.0])


def test_reading_intermediates_after_release_says_backward_ran_already(device):
    x = leaf(3, device)
    y = SwishRecomputingSigmoid.apply(x)
    node = y.grad_fn
    y.sum().backward()
    for read in (lambda: node.saved_intermediates, node.constant_intermediates,
                 lambda: node.saved_tensors):
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            read()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_retain_graph_keeps_intermediates_for_a_second_backward(device):
    x = leaf(3, device)
    y = SwishKeepingSigmoid.apply(x).sum()
    y.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * first)


# ---------------------------------------------------------------- gradcheck on user functions
def test_gradcheck_names_input_element_analytic_and_numeric_values(device):
    x = mg.tensor(np.array([[0.5, 1.0], [1.5, 2.0]]), device=device, requires_grad=True)
    with pytest.raises(mg.GradcheckError) as caught:
        mg.gradcheck(WrongCube.apply, (x,))
    message = str(caught.value)
    match = re.search(r"input (\d+), element \((\d+), (\d+)\).*analytic ([-\d.e+]+), numeric ([-\d.e+]+)",
                      message)
    assert match, message
    assert match.group(1) == "0"
    row, column = int(match.group(2)), int(match.group(3))
    value = x.detach().numpy()[row, column]
    assert float(match.group(4)) == pytest.approx(2 * value ** 2)          # what backward said
    assert float(match.group(5)) == pytest.approx(3 * value ** 2, rel=1e-6)  # the truth
    assert isinstance(caught.value, RuntimeError)


def test_gradcheck_names_the_wrong_input_of_several(device):
    class WrongSecond(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a * 1.5

    with pytest.raises(mg.GradcheckError, match=r"input 1, element \(0,\)"):
        mg.gradcheck(WrongSecond.apply, (leaf(3, device, seed=1), leaf(3, device, seed=2)))
    assert mg.gradcheck(WrongSecond.apply, (leaf(3, device, seed=1),
                                            leaf(3, device, seed=2).detach()))  # b not checked


def test_gradcheck_raise_exception_false_returns_false(device):
    x = leaf(3, device)
    assert mg.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False
    assert mg.gradcheck(Cube.apply, (x,), raise_exception=False) is True


def test_fast_mode_catches_a_wrong_backward_on_a_large_input_and_names_an_element(device):
    x = leaf(2000, device, seed=3)
    assert mg.gradcheck(Cube.apply, (x,), fast_mode=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0, element \((\d+),\): analytic .*, numeric "):
        mg.gradcheck(WrongCube.apply, (x,), fast_mode=True)


def test_fast_mode_finds_a_wrong_element_deep_inside(device):
    class WrongAtOneIndex(mg.autograd.Function):
        """Correct except at flat index 1234."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            mask = np.ones(x.shape)
            mask.reshape(-1)[1234] = 1.5
            return grad * 2 * x * mg.tensor(mask, device=x.device)

    x = leaf((40, 50), device, seed=4)
    with pytest.raises(mg.GradcheckError, match=r"element \(24, 34\)"):   # 1234 = 24·50 + 34
        mg.gradcheck(WrongAtOneIndex.apply, (x,), fast_mode=True)


def test_gradcheck_warns_for_float32_inputs_and_still_checks(device):
    x = mg.tensor([0.5, 1.0, 1.5], device=device, requires_grad=True)
    with pytest.warns(UserWarning, match="float32") as record:
        assert mg.gradcheck(Cube.apply, (x,))
    assert record[0].filename == __file__                    # points at the caller
    with pytest.warns(UserWarning, match="float32"):
        assert not mg.gradcheck(WrongCube.apply, (x,), raise_exception=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                           # float64: no warning
        mg.gradcheck(Cube.apply, (x.to(mg.float64).detach().requires_grad_(),))


def test_gradgradcheck_fails_for_a_backward_that_is_not_differentiable(device):
    x = leaf(3, device)
    assert mg.gradcheck(FlatCube.apply, (x,))                  # first order is right ...
    with pytest.raises(mg.GradcheckError, match=r"input 0, element .*analytic 0\.0, numeric"):
        mg.gradgradcheck(FlatCube.apply, (x,))                  # ... second order is not
    assert mg.gradgradcheck(FlatCube.apply, (x,), raise_exception=False) is False


# ---------------------------------------------------------------- anomaly mode
def test_anomaly_mode_names_the_op_and_the_line_that_created_it(device):
    x = mg.tensor([0.0, 1.0], device=device, requires_grad=True)
    with mg.autograd.detect_anomaly():
        with np.errstate(divide="ignore"):
            line = _line_after()
            y = mg.sqrt(x).sum()
            with pytest.raises(RuntimeError) as caught:
                y.backward()
    message = str(caught.value)
    assert "Sqrt" in message and "inf" in message
    assert __file__ in message and f"line {line}" in message
    assert "y = mg.sqrt(x).sum()" in message


def _line_after():
    """The line number just after the caller's line."""
    import inspect
    return inspect.currentframe().f_back.f_lineno + 1


def test_anomaly_mode_for_a_user_function_producing_nan(device):
    class NanBackward(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    x = leaf(2, device)
    with mg.autograd.detect_anomaly():
        line = _line_after()
        y = NanBackward.apply(x).sum()
        with pytest.raises(RuntimeError, match=rf"(?s)NanBackward.*nan.*{re.escape(__file__)}\", line {line}"):
            y.backward()


def test_set_detect_anomaly_switches_it_on_and_off(device):
    assert not mg.autograd.is_anomaly_enabled()
    try:
        mg.autograd.set_detect_anomaly(True)
        assert mg.autograd.is_anomaly_enabled()
        x = mg.tensor([0.0, 4.0], device=device, requires_grad=True)
        with np.errstate(divide="ignore"):
            with pytest.raises(RuntimeError, match="Sqrt"):
                mg.sqrt(x).sum().backward()
        mg.autograd.set_detect_anomaly(False)
        assert not mg.autograd.is_anomaly_enabled()
        x.grad = None
        with np.errstate(divide="ignore"):
            mg.sqrt(x).sum().backward()
        assert np.isinf(x.grad.detach().numpy()[0]) and x.grad.detach().numpy()[1] == 0.25
        with mg.autograd.set_detect_anomaly(True):             # also a context manager, as in torch
            assert mg.autograd.is_anomaly_enabled()
        assert not mg.autograd.is_anomaly_enabled()
    finally:
        mg.autograd.set_detect_anomaly(False)


def test_without_anomaly_mode_nan_gradients_pass_silently(device):
    x = mg.tensor([0.0, 1.0], device=device, requires_grad=True)
    with np.errstate(divide="ignore"):
        mg.sqrt(x).sum().backward()
    assert np.isinf(x.grad.detach().numpy()[0]) and x.grad.detach().numpy()[1] == 0.5
    t = torch.tensor([0.0, 1.0], requires_grad=True)
    torch.sqrt(t).sum().backward()
    assert np.isinf(t.grad.detach().numpy()[0])


def test_anomaly_mode_lets_finite_gradients_through(device):
    x = mg.tensor([1.0, 4.0], device=device, requires_grad=True)
    with mg.autograd.detect_anomaly():
        mg.sqrt(x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [0.5, 0.25])
    assert not mg.autograd.is_anomaly_enabled()
