"""Numerical stability at extreme inputs, and the documented conventions at kinks and ties."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg

EXTREME = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])

STABLE = [
    ("softmax", lambda x: mg.softmax(x, -1), lambda x: torch.softmax(x, -1)),
    ("log_softmax", lambda x: mg.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1)),
    ("logsumexp", lambda x: mg.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1)),
    ("sigmoid", mg.sigmoid, torch.sigmoid),
    ("softplus", mg.softplus, TF.softplus),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, ours, theirs", STABLE, ids=[s[0] for s in STABLE])
def test_stable_for_inputs_of_1e4(name, ours, theirs, dtype, device):
    x = mg.tensor(EXTREME.astype(dtype), device=device, requires_grad=True)
    t = torch.tensor(EXTREME.astype(dtype), requires_grad=True)
    weights = np.linspace(-1, 1, EXTREME.size).reshape(EXTREME.shape)
    y, expected = ours(x), theirs(t)
    assert np.isfinite(y.numpy()).all()
    mg.testing.assert_close(y, expected)
    w = weights[:, 0] if y.ndim == 1 else weights
    (y * mg.tensor(w.astype(dtype), device=device)).sum().backward()
    (expected * torch.tensor(w.astype(dtype))).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    mg.testing.assert_close(x.grad, t.grad)


def grad_of(fn, values, device):
    x = mg.tensor(np.asarray(values, dtype=np.float64), device=device, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def test_relu_and_abs_have_zero_derivative_at_zero(device):
    np.testing.assert_array_equal(grad_of(mg.relu, [-1.0, 0.0, 2.0], device), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad_of(mg.abs, [-1.0, 0.0, 2.0], device), [-1.0, 0.0, 1.0])


def test_clamp_passes_the_gradient_at_its_bounds(device):
    got = grad_of(lambda x: x.clamp(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0], device)
    t = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    t.clamp(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(got, t.grad.numpy())
    np.testing.assert_array_equal(got, [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("reduce, reference", [
    (lambda x: x.max(), lambda x: x.amax()),
    (lambda x: x.amax(dim=1), lambda x: x.amax(dim=1)),
    (lambda x: x.max(dim=1).values, lambda x: x.amax(dim=1)),
    (lambda x: x.min(), lambda x: x.amin()),
    (lambda x: mg.amin(x, dim=(0, 1)), lambda x: x.amin(dim=(0, 1))),
])
def test_tied_extremes_share_the_gradient_evenly(reduce, reference, device):
    values = np.array([[3.0, 1.0, 3.0], [-2.0, -2.0, 0.0]])
    got = grad_of(reduce, values, device)
    t = torch.tensor(values, requires_grad=True)
    reference(t).sum().backward()
    np.testing.assert_allclose(got, t.grad.numpy())
    assert got.sum() == pytest.approx(1.0 if reduce(mg.tensor(values)).ndim == 0 else 2.0)


@pytest.mark.parametrize("ours, theirs", [(mg.maximum, torch.maximum), (mg.minimum, torch.minimum)])
def test_maximum_and_minimum_split_ties_in_half(ours, theirs, device):
    a_np, b_np = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])
    a = mg.tensor(a_np, device=device, requires_grad=True)
    b = mg.tensor(b_np, device=device, requires_grad=True)
    ours(a, b).sum().backward()
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    theirs(ta, tb).sum().backward()
    mg.testing.assert_close(a.grad, ta.grad)
    mg.testing.assert_close(b.grad, tb.grad)
    assert a.grad.numpy()[0] == 0.5 and b.grad.numpy()[0] == 0.5
