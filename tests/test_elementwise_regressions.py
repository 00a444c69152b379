"""Regressions in the elementwise ops, reductions and matrix products, each
compared with PyTorch on every test device:

- an inactive branch (relu below 0, clamp outside its bounds, the losing side of
  maximum/minimum, x ** 0, the non-maximal elements of max, a constant input
  of std) gets gradient 0 even when the incoming gradient is infinite, where a
  multiplication by a 0/1 mask made it ∞ · 0 = NaN;
"""
import math

import numpy as np
import pytest
import torch

import minigrad as mg

INF = math.inf


def gradient_of(lib, function, values, incoming, device=None):
    """d(Σ incoming · function(x))/dx at ``values`` (float64), in minigrad or torch."""
    if lib is mg:
        x = mg.tensor(values, dtype=mg.float64, device=device, requires_grad=True)
        y = function(mg, x)
        y.backward(mg.full(tuple(y.shape), incoming, dtype=mg.float64, device=device))
        return x.grad.detach().numpy()
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y = function(torch, x)
    y.backward(torch.full(tuple(y.shape), incoming, dtype=torch.float64))
    return x.grad.numpy()


def like(lib, x, values):
    """A constant with x's dtype and device."""
    return lib.tensor(values, dtype=x.dtype, device=x.device)


# name: (function of (library, x), values of x)
INACTIVE_BRANCHES = {
    "relu": (lambda lib, x: lib.relu(x), [-1.0, 0.0, 2.0]),
    "clamp_min": (lambda lib, x: lib.clamp(x, min=0.0), [-1.0, 0.0, 2.0]),
    "clamp_max": (lambda lib, x: lib.clamp(x, max=1.0), [-1.0, 1.0, 2.0]),
    "clamp_both": (lambda lib, x: lib.clamp(x, 0.0, 1.0), [-1.0, 0.0, 0.5, 1.0, 2.0]),
    "clamp_tensor_bounds": (lambda lib, x: lib.clamp(x, like(lib, x, [0.0] * 5),
                                                     like(lib, x, [1.0] * 5)),
                            [-1.0, 0.0, 0.5, 1.0, 2.0]),
    "maximum_constant": (lambda lib, x: lib.maximum(x, like(lib, x, 1.0)),
                         [0.0, 1.0, 2.0]),
    "minimum_constant": (lambda lib, x: lib.minimum(x, like(lib, x, 1.0)),
                         [0.0, 1.0, 2.0]),
    "maximum_ties": (lambda lib, x: lib.maximum(x, like(lib, x, [2.0, 2.0, 1.0])),
                     [1.0, 2.0, 2.0]),
    "minimum_ties": (lambda lib, x: lib.minimum(like(lib, x, [2.0, 2.0, 1.0]), x),
                     [1.0, 2.0, 2.0]),
    "pow_zero": (lambda lib, x: x ** 0, [0.0, 1.0, -2.0]),
    "pow_zero_tensor": (lambda lib, x: x ** like(lib, x, [0.0, 0.0, 2.0]),
                        [0.0, 1.0, -2.0]),
    "max": (lambda lib, x: x.max(), [1.0, 3.0, 2.0]),
    "min": (lambda lib, x: x.min(), [1.0, 3.0, 0.0]),
    "max_dim": (lambda lib, x: x.max(dim=1).values, [[1.0, 3.0, 2.0], [4.0, 0.0, 1.0]]),
    "min_dim": (lambda lib, x: x.min(0, keepdim=True)[0], [[1.0, 3.0, 2.0], [4.0, 0.0, 1.0]]),
    "where": (lambda lib, x: lib.where(x > 0, x, lib.zeros_like(x)), [-1.0, 0.0, 1.0]),
}


@pytest.mark.parametrize("name", INACTIVE_BRANCHES)
@pytest.mark.parametrize("incoming", [INF, -INF, 1.0])
def test_an_infinite_gradient_stays_out_of_an_inactive_branch_like_torch(name, incoming, device):
    function, values = INACTIVE_BRANCHES[name]
    ours = gradient_of(mg, function, values, incoming, device)
    theirs = gradient_of(torch, function, values, incoming)
    np.testing.assert_array_equal(ours, theirs)


def test_relu_then_sqrt_at_a_negative_input_has_gradient_zero_like_torch(device):
    x = mg.tensor([-1.0, 4.0], device=device, requires_grad=True)
    mg.relu(x).sqrt().sum().backward()
    expected = torch.tensor([-1.0, 4.0], requires_grad=True)
    torch.relu(expected).sqrt().sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), expected.grad.numpy())


STD_CASES = [  # (values, keyword arguments)
    ([1.5, 1.5, 1.5], {}),
    ([[1.0, 1.0], [1.0, 2.0]], {"dim": 1}),
    ([[1.0, 1.0], [1.0, 2.0]], {"dim": 1, "keepdim": True}),
    ([[2.0, 3.0], [2.0, 5.0]], {"dim": 0, "correction": 0}),
    ([[[1.0, 1.0]], [[3.0, 3.0]]], {"dim": (1, 2)}),
    ([4.0], {"correction": 0}),
]


@pytest.mark.parametrize("values, options", STD_CASES)
def test_std_of_a_constant_has_gradient_zero_like_torch(values, options, device):
    function = lambda lib, x: x.std(**options)  # noqa: E731
    ours = gradient_of(mg, function, values, 1.0, device)
    theirs = gradient_of(torch, function, values, 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_std_second_derivative_where_it_is_defined(device):
    x = mg.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 3.0]], dtype=mg.float64, device=device,
                  requires_grad=True)
    assert mg.gradgradcheck(lambda t: t.std(1), (x,))
