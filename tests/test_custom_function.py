"""User-defined ``mg.autograd.Function``s, checked by ``mg.gradcheck`` and
``mg.gradgradcheck``; and anomaly mode naming the op behind a NaN gradient."""
import re
import warnings

import numpy as np
import pytest

import minigrad as mg


class Cube(mg.autograd.Function):
    """y = x³, dy/dx = 3x²"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

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


class ScaledProduct(mg.autograd.Function):
    """y = a · b · scale, with an option and a check of needs_input_grad."""

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.scale = scale
        ctx.save_for_backward(a, b)
        return ctx.xp.multiply(a, b) * scale

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b * ctx.scale if ctx.needs_input_grad[0] else None,
                grad * a * ctx.scale if ctx.needs_input_grad[1] else None)


class FlatBackwardCube(Cube):
    """Correct first derivative, computed on raw arrays: not differentiable again."""

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return mg.tensor(grad.numpy() * 3 * x.numpy() ** 2, device=grad.device)


def leaf(shape, device, seed=0):
    data = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
    return mg.tensor(data, device=device, requires_grad=True)


def test_correct_function_passes_gradcheck_and_gradgradcheck(device):
    x = leaf((3, 2), device)
    assert mg.gradcheck(Cube.apply, (x,))
    assert mg.gradgradcheck(Cube.apply, (x,))
    y = Cube.apply(x)
    assert y.grad_fn is not None and y.device == device
    mg.testing.assert_close(y, x.numpy() ** 3)


def test_wrong_backward_is_caught_with_input_element_and_values(device):
    x = leaf((3, 2), device)
    with pytest.raises(mg.GradcheckError) as caught:
        mg.gradcheck(WrongCube.apply, (x,))
    message = str(caught.value)
    assert "input 0" in message
    assert re.search(r"element \(0, 0\)", message)
    analytic = float(re.search(r"analytic (\S+),", message).group(1))
    numeric = float(re.search(r"numeric (\S+)$", message).group(1))
    x00 = x.numpy()[0, 0]
    assert analytic == pytest.approx(2 * x00 ** 2)
    assert numeric == pytest.approx(3 * x00 ** 2, rel=1e-6)
    assert mg.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_names_the_wrong_input_of_several(device):
    class WrongSecond(ScaledProduct):
        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b * ctx.scale, grad * b * ctx.scale     # should be a, not b
    a, b = leaf((2,), device, 1), leaf((2,), device, 2)
    assert mg.gradcheck(lambda a, b: ScaledProduct.apply(a, b, scale=2.0), (a, b))
    with pytest.raises(mg.GradcheckError, match="input 1"):
        mg.gradcheck(lambda a, b: WrongSecond.apply(a, b, scale=2.0), (a, b))


def test_random_direction_mode_catches_a_wrong_backward_on_a_large_input(device):
    x = leaf((2000,), device)
    assert mg.gradcheck(Cube.apply, (x,), fast_mode=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0, element \(\d+,\)"):
        mg.gradcheck(WrongCube.apply, (x,))          # fast mode is chosen for large inputs


def test_gradcheck_warns_for_float32_and_checks_in_float64(device):
    x = mg.tensor(np.array([0.5, 1.0], dtype=np.float32), device=device, requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        assert mg.gradcheck(Cube.apply, (x,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.gradcheck(Cube.apply, (x.double().detach().requires_grad_(),))


def test_gradgradcheck_fails_for_a_backward_that_is_not_differentiable(device):
    x = leaf((3,), device)
    assert mg.gradcheck(FlatBackwardCube.apply, (x,))
    with pytest.raises(mg.GradcheckError):
        mg.gradgradcheck(FlatBackwardCube.apply, (x,))


def test_needs_input_grad_reflects_which_inputs_want_gradients(device):
    seen = []

    class Probe(ScaledProduct):
        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.needs_input_grad)
            return ScaledProduct.backward(ctx, grad)
    a = leaf((2,), device)
    b = mg.tensor([1.0, 2.0], dtype=mg.float64, device=device)
    Probe.apply(a, b).sum().backward()
    assert seen == [(True, False)]
    mg.testing.assert_close(a.grad, b.numpy())


def test_anomaly_mode_names_the_op_and_the_line_that_created_it(device):
    x = mg.tensor([0.0, 1.0], device=device, requires_grad=True)
    with mg.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        y = mg.sqrt(x).sum(); line = test_anomaly_mode_names_the_op_and_the_line_that_created_it.__code__.co_firstlineno + 3  # noqa: E702
        with pytest.raises(RuntimeError) as caught:
            y.backward()
    message = str(caught.value)
    assert "Sqrt" in message and "inf" in message
    assert "test_custom_function.py" in message and f"line {line}" in message


def test_set_detect_anomaly_and_the_default(device):
    x = mg.tensor([-1.0, 1.0], device=device, requires_grad=True)
    with np.errstate(invalid="ignore"):
        mg.sqrt(x).sum().backward()                     # default: NaN passes silently
        assert np.isnan(x.grad.numpy()[0])
        mg.autograd.set_detect_anomaly(True)
        try:
            assert mg.autograd.is_anomaly_enabled()
            y = (mg.sqrt(x) * 2).sum()
            with pytest.raises(RuntimeError, match="Sqrt.*nan"):
                y.backward()
        finally:
            mg.autograd.set_detect_anomaly(False)
    assert not mg.autograd.is_anomaly_enabled()
