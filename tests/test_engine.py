"""The backward walk: accumulation, freeing, higher order, hooks, grad mode, memory."""
import gc
import weakref

import numpy as np
import pytest
import torch

import minigrad as mg


def leaf(array, device):
    return mg.tensor(np.asarray(array, dtype=np.float64), device=device, requires_grad=True)


def test_gradients_accumulate_across_backward_calls(device):
    x = leaf([1.0, 2.0], device)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    mg.testing.assert_close(x.grad, np.array([2.0, 4.0]) + 3)


def test_second_backward_through_freed_graph_raises(device):
    x = leaf([1.0, 2.0], device)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward(device):
    x = leaf([1.0, 2.0], device)
    y = (x.exp()).sum()
    y.backward(retain_graph=True)
    y.backward()
    mg.testing.assert_close(x.grad, 2 * np.exp([1.0, 2.0]))


def test_backward_errors(device):
    x = leaf([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0, 2.0], device=device).sum().backward()
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        (x * 2).backward(mg.ones(3, dtype=mg.float64, device=device))


def test_non_leaf_grad_only_with_retain_grad(device):
    x = leaf([1.0, -2.0], device)
    h = x * 3
    k = x * 4
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None and not h.is_leaf
    mg.testing.assert_close(k.grad, h.numpy())
    mg.testing.assert_close(x.grad, 2 * 12 * x.numpy())


def test_reused_non_leaf_gets_every_contribution(device):
    # micrograd's famous bug: a node used twice must sum both gradients before
    # passing them on, and be visited after all its consumers.
    x = leaf([0.5, 1.5], device)
    h = x.tanh()
    y = (h * h + h.sin() + h).sum()
    y.backward()
    hx = np.tanh(x.numpy())
    expected = (2 * hx + np.cos(hx) + 1) * (1 - hx ** 2)
    mg.testing.assert_close(x.grad, expected)


def test_100000_node_chain_needs_no_recursion():
    x = mg.tensor(np.ones(10), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.sum().backward()
    mg.testing.assert_close(x.grad, np.full(10, 1.0000001 ** 100_000))


def test_broadcast_gradients_take_the_input_shapes(device):
    a = leaf(np.ones((3, 1)), device)
    b = leaf(np.ones(4), device)
    c = leaf(np.ones((2, 1, 1)), device)
    (a * b + c).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == (2, 1, 1)
    mg.testing.assert_close(a.grad, np.full((3, 1), 8.0))
    mg.testing.assert_close(b.grad, np.full(4, 6.0))
    mg.testing.assert_close(c.grad, np.full((2, 1, 1), 12.0))


def test_each_leaf_gets_a_gradient_of_its_own_dtype(device):
    a = mg.tensor([1.0, 2.0], dtype=mg.float32, device=device, requires_grad=True)
    b = mg.tensor([3.0, 4.0], dtype=mg.float64, device=device, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == mg.float32 and b.grad.dtype == mg.float64
    mg.testing.assert_close(a.grad, np.array([3.0, 4.0], dtype=np.float32))


def test_grads_of_two_leaves_never_share_memory(device):
    a, b = leaf([1.0], device), leaf([2.0], device)
    (a + b).sum().backward()
    with mg.no_grad():
        a.grad.zero_()
    mg.testing.assert_close(b.grad, np.array([1.0]))


def test_intermediates_are_freed_after_backward():
    x = mg.tensor(np.ones(5), requires_grad=True)
    h = x * 2
    y = h.sin()                      # sin keeps its input h for backward
    alive = weakref.ref(h)
    del h
    gc.collect()
    assert alive() is not None       # the graph holds it until backward
    y.sum().backward()
    gc.collect()
    assert alive() is None


def test_retain_graph_keeps_intermediates():
    x = mg.tensor(np.ones(5), requires_grad=True)
    h = x * 2
    y = h.sin()
    alive = weakref.ref(h)
    del h
    y.sum().backward(retain_graph=True)
    gc.collect()
    assert alive() is not None


def test_hooks_on_leaf_and_non_leaf(device):
    x = leaf([1.0, 2.0], device)
    seen = []
    handle = x.register_hook(lambda g: g * 10)
    h = x * 3
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    h.sum().backward()
    mg.testing.assert_close(x.grad, np.array([30.0, 30.0]))
    mg.testing.assert_close(seen[0], np.ones(2))
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    mg.testing.assert_close(x.grad, np.array([3.0, 3.0]))


def test_no_grad_and_enable_grad(device):
    x = leaf([1.0], device)
    with mg.no_grad():
        y = x * 2
        with mg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @mg.no_grad()
    def doubled(t):
        return t * 2
    assert not doubled(x).requires_grad
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)


def test_detach_stops_gradients(device):
    x = leaf([1.0, 2.0], device)
    y = (x * x.detach()).sum()
    y.backward()
    mg.testing.assert_close(x.grad, x.numpy())


def test_autograd_grad_leaves_dot_grad_alone(device):
    x = leaf([1.0, 2.0], device)
    w = leaf([3.0, 4.0], device)
    h = x * w
    y = (h * h).sum()
    gx, gh = mg.autograd.grad(y, [x, h], retain_graph=True)
    mg.testing.assert_close(gx, 2 * h.numpy() * w.numpy())
    mg.testing.assert_close(gh, 2 * h.numpy())
    assert x.grad is None and w.grad is None
    unused = leaf([0.0], device)
    with pytest.raises(RuntimeError, match="allow_unused"):
        mg.autograd.grad(y, [unused], retain_graph=True)
    assert mg.autograd.grad(y, [unused], allow_unused=True) == (None,)


def test_hessian_vector_product_matches_torch():
    rng = np.random.default_rng(0)
    data = {"x": rng.standard_normal((6, 3)), "t": rng.standard_normal((6, 2)),
            "W1": rng.standard_normal((3, 5)), "b1": rng.standard_normal(5),
            "W2": rng.standard_normal((5, 2)), "b2": rng.standard_normal(2)}
    vectors = [rng.standard_normal(data[k].shape) for k in ("W1", "b1", "W2", "b2")]

    def hvp(lib, make):
        params = [make(data[k], True) for k in ("W1", "b1", "W2", "b2")]
        hidden = (make(data["x"], False) @ params[0] + params[1]).tanh()
        loss = ((hidden @ params[2] + params[3] - make(data["t"], False)) ** 2).mean()
        grads = lib.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * make(v, False)).sum() for g, v in zip(grads, vectors))
        return [h.detach().numpy() for h in lib.autograd.grad(dot, params)]

    ours = hvp(mg, lambda a, g: mg.tensor(a, requires_grad=g))
    theirs = hvp(torch, lambda a, g: torch.tensor(a, requires_grad=g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_changing_a_saved_input_in_place_raises(device):
    w = leaf([1.0, 2.0, 3.0], device)
    y = (w * w).sum()
    with mg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_changing_a_saved_output_in_place_raises(device):
    x = leaf([1.0, 2.0], device)
    y = x.exp()
    loss = y.sum()
    with mg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_in_place_on_a_tensor_that_requires_grad_needs_no_grad(device):
    w = leaf([1.0], device)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1)
    with mg.no_grad():
        w.add_(1)
    mg.testing.assert_close(w, np.array([2.0]))
