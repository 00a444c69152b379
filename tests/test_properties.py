"""Property tests (hypothesis): broadcasting, reductions and indexing, compared with
NumPy and PyTorch, and the promise that backward mutates nothing it is given."""
import numpy as np
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import minigrad as mg

SETTINGS = settings(max_examples=40, deadline=None)
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "maximum": (mg.maximum, torch.maximum),
    "where": (lambda a, b: mg.where(a > b, a, b * 2), lambda a, b: torch.where(a > b, a, b * 2)),
}


def values(shape):
    return arrays(np.float64, shape, elements=st.floats(-3, 3, allow_nan=False, width=64))


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(BINARY)),
       shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_binary_ops_broadcast_like_numpy_and_torch(data, name, shapes):
    ours, theirs = BINARY[name]
    a_np = data.draw(values(shapes.input_shapes[0]))
    b_np = data.draw(values(shapes.input_shapes[1]))
    a, b = mg.tensor(a_np, requires_grad=True), mg.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    out, expected = ours(a, b), theirs(ta, tb)
    assert out.shape == shapes.result_shape
    mg.testing.assert_close(out, expected)
    weights = np.random.default_rng(0).standard_normal(shapes.result_shape)
    (out * mg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    assert a.grad.shape == a_np.shape and b.grad.shape == b_np.shape
    mg.testing.assert_close(a.grad, ta.grad)
    mg.testing.assert_close(b.grad, tb.grad)


@SETTINGS
@given(data=st.data(), ndim=st.integers(1, 4), keepdim=st.booleans(),
       reduction=st.sampled_from(["sum", "mean", "amax", "logsumexp"]))
def test_reductions_over_random_dims(data, ndim, keepdim, reduction):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dims = tuple(sorted(data.draw(st.sets(st.integers(0, ndim - 1), min_size=1))))
    x_np = data.draw(arrays(np.float64, shape, elements=st.floats(-3, 3, width=64), unique=True))
    x, t = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out = getattr(mg, reduction)(x, dims, keepdim=keepdim)
    expected = getattr(torch, reduction)(t, dims, keepdim=keepdim)
    mg.testing.assert_close(out, expected)
    out.sum().backward()
    expected.sum().backward()
    mg.testing.assert_close(x.grad, t.grad)


@SETTINGS
@given(data=st.data())
def test_integer_array_indexing_accumulates_repeated_indices(data):
    rows, cols = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x_np = data.draw(values((rows, cols)))
    index = np.array(data.draw(st.lists(st.integers(-rows, rows - 1), min_size=1, max_size=8)))
    x, t = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    weights = np.arange(index.size * cols, dtype=np.float64).reshape(index.size, cols)
    (x[mg.tensor(index)] * mg.tensor(weights)).sum().backward()
    (t[torch.from_numpy(index)] * torch.tensor(weights)).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)


@SETTINGS
@given(data=st.data())
def test_boolean_mask_indexing(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    x_np = data.draw(values(shape))
    mask = data.draw(arrays(np.bool_, shape))
    x, t = mg.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out = x[mg.tensor(mask)]
    mg.testing.assert_close(out, x_np[mask])
    (out * out).sum().backward()
    (t[torch.from_numpy(mask)] ** 2).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)


@SETTINGS
@given(data=st.data(), shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_backward_mutates_neither_inputs_nor_the_given_gradient(data, shapes):
    a_np = data.draw(values(shapes.input_shapes[0]))
    b_np = data.draw(values(shapes.input_shapes[1]))
    g_np = data.draw(values(shapes.result_shape))
    a, b = mg.tensor(a_np, requires_grad=True), mg.tensor(b_np, requires_grad=True)
    gradient = mg.tensor(g_np)
    out = (a * b + a).tanh() + b
    out.backward(gradient)
    out2 = a + b                      # identity gradients: nothing may alias the given one
    out2.backward(gradient)
    np.testing.assert_array_equal(a.numpy(), a_np)
    np.testing.assert_array_equal(b.numpy(), b_np)
    np.testing.assert_array_equal(gradient.numpy(), g_np)
    with mg.no_grad():
        a.grad.zero_()
    np.testing.assert_array_equal(gradient.numpy(), g_np)
