"""Gradient tests for swish.py: run them with ``pytest tests/docs_examples``."""
import pytest

import minigrad as mg
from swish import Swish, log_cosh


@pytest.fixture
def x():
    mg.manual_seed(0)
    # float64: finite differences are only accurate in double precision
    return mg.randn(4, 3, dtype=mg.float64, requires_grad=True)


def test_swish_forward_is_x_times_sigmoid(x):
    mg.testing.assert_close(Swish.apply(x), x * mg.sigmoid(x))


def test_swish_gradient(x):
    assert mg.gradcheck(Swish.apply, (x,))


def test_swish_second_derivative(x):
    assert mg.gradgradcheck(Swish.apply, (x,))


def test_swish_gradient_in_the_tails():
    x = mg.tensor([-40.0, -8.0, 0.0, 8.0, 40.0], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(Swish.apply, (x,))


def test_log_cosh_gradient(x):
    assert mg.gradcheck(log_cosh, (x,))


def test_log_cosh_does_not_overflow():
    x = mg.tensor([-1000.0, 1000.0], dtype=mg.float64, requires_grad=True)
    log_cosh(x).sum().backward()
    mg.testing.assert_close(x.grad, mg.tensor([-1.0, 1.0], dtype=mg.float64))
