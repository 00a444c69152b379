"""``mg.gradcheck`` and ``mg.gradgradcheck`` themselves: defaults, modes,
tolerances, several inputs and outputs, and that a check leaves its inputs alone.
(User-defined Functions under gradcheck are in test_function.py.)
"""
import inspect
import re

import numpy as np
import pytest
import torch

import minigrad as mg


def leaf(shape, device, seed=0, low=-1.5, high=1.5):
    data = np.random.default_rng(seed).uniform(low, high, shape)
    return mg.tensor(data, device=device, requires_grad=True)


class ScaledSquare(mg.autograd.Function):
    """y = x²;  backward off by the factor ``error`` (1.0: correct)."""

    error = 1.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 2 * x * ScaledSquare.error


@pytest.fixture
def scaled_square():
    yield ScaledSquare
    ScaledSquare.error = 1.0


def test_signature_and_defaults_match_the_spec_and_torch():
    ours = inspect.signature(mg.gradcheck).parameters
    theirs = inspect.signature(torch.autograd.gradcheck).parameters
    for name in ("eps", "atol", "rtol", "raise_exception"):
        assert ours[name].default == theirs[name].default, name
    assert (ours["eps"].default, ours["atol"].default, ours["rtol"].default) == (1e-6, 1e-5, 1e-3)
    assert mg.gradcheck is mg.autograd.gradcheck and mg.gradgradcheck is mg.autograd.gradgradcheck
    assert issubclass(mg.GradcheckError, RuntimeError)


@pytest.mark.parametrize("name, fn, shapes", [
    ("tanh-mul", lambda a, b: (a * b).tanh(), [(3, 4), (4,)]),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)]),
    ("softmax", lambda a: a.softmax(-1), [(2, 5)]),
    ("div-exp", lambda a, b: a.exp() / (1 + b * b), [(3,), (3,)]),
    ("sum-keepdim", lambda a: (a * a).sum(1, keepdim=True), [(3, 4)]),
])
def test_builtin_ops_pass_gradcheck_and_gradgradcheck(name, fn, shapes, device):
    inputs = tuple(leaf(shape, device, seed=i) for i, shape in enumerate(shapes))
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


def test_multiple_outputs_and_inputs_that_need_no_grad(device):
    a, b = leaf(3, device, seed=1), leaf(3, device, seed=2)
    constant = mg.tensor(np.array([1.0, 2.0, 3.0]), device=device)             # not checked
    labels = mg.tensor([0, 1, 2], device=device)                                 # integers
    assert mg.gradcheck(lambda p, c, q, i: (p * c + q, (p * q).sin(), i * 2), (a, constant, b, labels))
    assert mg.gradcheck(lambda p, scale: p * scale, (a, 2.5))                    # a plain number


def test_a_mistake_in_the_second_output_is_reported_with_that_output(device):
    class TwoOutputs(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, grad_double, grad_square):
            x, = ctx.saved_tensors
            return grad_double * 2 + grad_square * x              # should be 2x

    x = mg.tensor(np.array([1.0, 2.0]), device=device, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"input 0, element \(0,\) \(output 1, element \(0,\)\): "
                                                r"analytic 1\.0, numeric 2\.0"):
        mg.gradcheck(TwoOutputs.apply, (x,))


def test_tolerances_decide(scaled_square, device):
    x = leaf(4, device, low=0.5, high=1.5)
    scaled_square.error = 1 + 1e-5                         # a relative error of 1e-5
    assert mg.gradcheck(scaled_square.apply, (x,))          # within rtol=1e-3
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(scaled_square.apply, (x,), atol=1e-9, rtol=1e-7)
    scaled_square.error = 1.01
    assert not mg.gradcheck(scaled_square.apply, (x,), raise_exception=False)
    assert mg.gradcheck(scaled_square.apply, (x,), rtol=0.05)


def test_eps_is_the_finite_difference_step(device):
    x = leaf(3, device, low=0.5, high=1.5)
    cube = lambda v: v * v * v                              # noqa: E731
    assert mg.gradcheck(cube, (x,), eps=1e-3)                  # O(eps²) error ~ 1e-6: passes
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(cube, (x,), eps=0.3, atol=1e-6, rtol=1e-6)  # error eps² = 0.09: fails


def test_gradcheck_leaves_inputs_and_their_grads_alone(device):
    x = leaf((2, 3), device)
    before = x.detach().numpy().copy()
    assert mg.gradcheck(lambda v: (v * v).exp(), (x,))
    assert mg.gradcheck(lambda v: (v * v).exp(), (x,), fast_mode=True)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None and x.requires_grad and x.dtype == mg.float64


def test_gradcheck_needs_an_input_that_requires_grad(device):
    with pytest.raises(ValueError, match="requires_grad"):
        mg.gradcheck(lambda v: v * 2, (mg.ones(2, dtype=mg.float64, device=device),))


def test_a_single_tensor_may_be_passed_instead_of_a_tuple(device):
    assert mg.gradcheck(lambda v: v.sin(), leaf(3, device))


def test_large_inputs_choose_the_random_direction_mode(scaled_square, device):
    """Above a few hundred elements the check is directional, and still catches mistakes."""
    x = leaf(1000, device, low=0.5, high=1.5)
    assert mg.gradcheck(scaled_square.apply, (x,))
    scaled_square.error = 1.1
    with pytest.raises(mg.GradcheckError, match=r"input 0, element \(\d+,\): analytic"):
        mg.gradcheck(scaled_square.apply, (x,))
    with pytest.raises(mg.GradcheckError, match=r"input 0, element \(\d+,\) \(output 0"):
        mg.gradcheck(scaled_square.apply, (leaf(50, device, low=0.5, high=1.5),), fast_mode=False)


def test_fast_mode_on_a_matrix_and_several_inputs(device):
    a, b = leaf((30, 40), device, seed=1), leaf((40, 20), device, seed=2)
    assert mg.gradcheck(lambda p, q: (p @ q).tanh(), (a, b), fast_mode=True)


def test_exhaustive_and_fast_mode_name_the_same_element(scaled_square, device):
    class WrongAtIndex(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, grad):
            mask = np.full(grad.shape, 3.0)
            mask[1, 2] = 4.0
            return grad * mg.tensor(mask, device=grad.device)

    x = leaf((3, 4), device)
    messages = []
    for fast in (False, True):
        with pytest.raises(mg.GradcheckError) as caught:
            mg.gradcheck(WrongAtIndex.apply, (x,), fast_mode=fast)
        messages.append(str(caught.value))
    for message in messages:
        assert re.search(r"input 0, element \(1, 2\)", message), message
    analytic, numeric = re.search(r"analytic (\S+), numeric (\S+)", messages[0]).groups()
    assert float(analytic) == 4.0 and float(numeric) == pytest.approx(3.0, rel=1e-8)


def test_gradgradcheck_with_explicit_grad_outputs(device):
    x = leaf((2, 3), device)
    grad_output = mg.tensor(np.random.default_rng(9).standard_normal((2, 3)), device=device,
                            requires_grad=True)
    assert mg.gradgradcheck(lambda v: v.tanh() * v, (x,), (grad_output,))


def test_gradgradcheck_catches_a_backward_built_from_a_wrong_op(scaled_square, device):
    """Cube's backward uses ScaledSquare, whose forward is right but whose backward
    is off by 1.5 (3x instead of 2x): first derivatives check out, second ones do not."""
    scaled_square.error = 1.5

    class Cube(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * 3 * scaled_square.apply(x)

    x = leaf(3, device, low=0.5, high=1.5)
    assert mg.gradcheck(Cube.apply, (x,))
    with pytest.raises(mg.GradcheckError) as caught:
        mg.gradgradcheck(Cube.apply, (x,))
    analytic, numeric = (float(v) for v in re.search(r"analytic (\S+), numeric (\S+)", str(caught.value)).groups())
    assert analytic == pytest.approx(1.5 * numeric, rel=1e-6)     # 9x·g against the true 6x·g
