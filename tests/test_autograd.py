"""Autograd semantics: accumulation, freeing, errors, hooks, grad mode,
``mg.autograd.grad``, graph shapes (diamonds, long chains, broadcasting, mixed
dtypes), memory, higher-order gradients and in-place checks.

PyTorch (CPU, float64) is the oracle: the same computation is written once as
a function of a namespace (``mg`` or ``torch``) and run with both.
"""
import gc
import weakref

import numpy as np
import pytest
import torch

import minigrad as mg


def leaf(values, device, dtype=np.float64):
    return mg.tensor(np.asarray(values, dtype=dtype), device=device, requires_grad=True)


def torch_leaf(values, dtype=torch.float64):
    return torch.tensor(np.asarray(values), dtype=dtype, requires_grad=True)


def autograd_of(lib):
    return torch.autograd if lib is torch else mg.autograd


# ---------------------------------------------------------------- accumulation and freeing
def test_gradients_accumulate_across_two_backward_calls_with_retain_graph(device):
    x, t = leaf([1.0, -2.0, 0.5], device), torch_leaf([1.0, -2.0, 0.5])
    y, u = (x.exp() * x).sum(), (t.exp() * t).sum()
    y.backward(retain_graph=True)
    u.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    u.backward()
    mg.testing.assert_close(x.grad, t.grad)
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * first)


def test_gradients_accumulate_across_a_rerun_of_forward(device):
    x, t = leaf([1.0, 2.0], device), torch_leaf([1.0, 2.0])
    for lib, v in ((mg, x), (torch, t)):
        (v * v).sum().backward()
        (v.sin() * 3).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.array([1.0, 2.0]) + 3 * np.cos([1.0, 2.0]))


def test_grad_reset_to_none_starts_afresh(device):
    x = leaf([3.0], device)
    (x * x).sum().backward()
    x.grad = None
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0]


def test_a_second_backward_through_a_freed_graph_raises(device):
    x = leaf([1.0, 2.0], device)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    u = (torch_leaf([1.0, 2.0]).exp()).sum()                  # torch agrees
    u.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        u.backward()


def test_autograd_grad_frees_the_graph_too(device):
    x = leaf([1.0, 2.0], device)
    y = (x.exp()).sum()
    mg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        mg.autograd.grad(y, x)
    z = (x.exp()).sum()
    first, = mg.autograd.grad(z, x, retain_graph=True)
    second, = mg.autograd.grad(z, x)
    mg.testing.assert_close(first, second)


# ---------------------------------------------------------------- backward errors
def test_backward_on_a_non_scalar_needs_a_gradient(device):
    x = leaf([1.0, 2.0], device)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        y.backward()
    y.backward(mg.tensor([1.0, 10.0], dtype=mg.float64, device=device))
    assert x.grad.tolist() == [2.0, 20.0]
    z = leaf([[1.0]], device) * 3                               # one element: fine
    z.backward()


def test_backward_on_a_tensor_that_needs_no_grad_raises(device):
    for no_grad_tensor in (mg.tensor([1.0, 2.0], device=device).sum(),
                           leaf([1.0], device).detach() * 2):
        with pytest.raises(RuntimeError, match="does not require grad"):
            no_grad_tensor.backward()
    with mg.no_grad():
        y = (leaf([1.0], device) * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_a_gradient_of_the_wrong_shape_raises(device):
    x = leaf([1.0, 2.0], device)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        y.backward(mg.ones(3, dtype=mg.float64, device=device))
    with pytest.raises(RuntimeError, match=r"shape \(2, 1\).*shape \(2,\)"):
        y.backward(mg.ones(2, 1, dtype=mg.float64, device=device))
    with pytest.raises(RuntimeError, match=r"shape \(1,\).*shape \(2,\)"):
        mg.autograd.grad(y, x, grad_outputs=mg.ones(1, dtype=mg.float64, device=device))
    assert x.grad is None


def test_a_gradient_of_another_dtype_is_cast_to_the_outputs(device):
    """As in torch: every .grad keeps its tensor's dtype, whatever dtype gradient= has."""
    x, t = leaf([1.0, 2.0], device), torch_leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    h.backward(mg.tensor([1.0, 0.5], dtype=mg.float32, device=device))
    u = t * 3
    u.retain_grad()
    u.backward(torch.tensor([1.0, 0.5], dtype=torch.float32))
    assert x.grad.dtype == h.grad.dtype == mg.float64
    assert t.grad.dtype == u.grad.dtype == torch.float64
    mg.testing.assert_close(x.grad, t.grad)
    x.grad = None
    x.backward(mg.tensor([2, 3], device=device))                   # integers, on a leaf
    assert x.grad.dtype == mg.float64 and x.grad.tolist() == [2.0, 3.0]
    g, = mg.autograd.grad(x * x, x, grad_outputs=mg.ones(2, dtype=mg.float32, device=device))
    assert g.dtype == mg.float64


def test_gradient_may_be_a_list_or_an_array_on_the_cpu():
    x = leaf([1.0, 2.0], "cpu")
    (x * 2).backward([1.0, 3.0])
    (x * 2).backward(np.array([1.0, 0.0]))
    assert x.grad.tolist() == [4.0, 6.0]


def test_backward_on_a_leaf_gives_it_its_own_gradient(device):
    x = leaf(2.0, device)
    x.backward()
    assert x.grad.item() == 1.0
    w = leaf([1.0, 2.0], device)
    w.backward(mg.tensor([3.0, 4.0], dtype=mg.float64, device=device))
    assert w.grad.tolist() == [3.0, 4.0]


# ---------------------------------------------------------------- non-leaf gradients and hooks
def test_non_leaf_grad_stays_none_unless_retain_grad(device):
    x, t = leaf([1.0, -2.0], device), torch_leaf([1.0, -2.0])
    results = {}
    for lib, v in ((mg, x), (torch, t)):
        h = v * 3
        k = v.exp()
        k.retain_grad()
        (h * k).sum().backward()
        if lib is mg:                                         # torch warns on this access
            assert h.grad is None
        assert not h.is_leaf and k.retains_grad and not h.retains_grad
        results[lib] = k.grad
    mg.testing.assert_close(results[mg], results[torch])
    mg.testing.assert_close(x.grad, t.grad)


def test_retain_grad_accumulates_and_is_a_no_op_on_leaves(device):
    x = leaf([1.0, 2.0], device)
    x.retain_grad()                                            # a leaf keeps .grad anyway
    h = x * 2
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert h.grad.tolist() == [8.0, 16.0] and x.grad.tolist() == [16.0, 32.0]


def test_hook_on_a_leaf_can_modify_its_gradient_and_be_removed(device):
    grads_seen = []
    x, t = leaf([1.0, 2.0], device), torch_leaf([1.0, 2.0])

    def triple(grad):
        grads_seen.append(grad.tolist())
        return grad * 3
    handles = [x.register_hook(triple), t.register_hook(triple)]
    for v in (x, t):
        (v * v).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)
    assert x.grad.tolist() == [6.0, 12.0] and grads_seen == [[2.0, 4.0], [2.0, 4.0]]
    for handle in handles:
        handle.remove()
        handle.remove()                                        # removing twice is harmless
    for v in (x, t):
        v.grad = None
        (v * v).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and t.grad.tolist() == [2.0, 4.0]
    assert len(grads_seen) == 2


def test_hook_on_a_non_leaf_changes_what_flows_upstream(device):
    def run(lib, x):
        h = x * x
        handle = h.register_hook(lambda grad: grad * 10)
        observed = []
        h.register_hook(lambda grad: observed.append(grad.tolist()))  # returns None: unchanged
        (h.sin()).sum().backward(retain_graph=True)
        first = x.grad.tolist()
        handle.remove()
        x.grad = None
        (h.sin()).sum().backward()
        return first, x.grad.tolist(), observed
    ours, theirs = run(mg, leaf([0.5, 1.5], device)), run(torch, torch_leaf([0.5, 1.5]))
    np.testing.assert_allclose(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2])
    np.testing.assert_allclose(ours[0], 10 * np.array(ours[1]))


def test_retain_grad_sees_the_gradient_after_every_hook(device):
    """PyTorch runs the retain_grad hook last, whenever the other hooks were registered."""
    def run(lib, x):
        h = x * 2
        h.register_hook(lambda grad: grad + 1)
        h.retain_grad()
        h.register_hook(lambda grad: grad * 10)
        (h * h).sum().backward()
        return h.grad.tolist(), x.grad.tolist()
    assert run(mg, leaf([1.0, 2.0], device)) == run(torch, torch_leaf([1.0, 2.0]))


def test_hooks_need_a_tensor_that_requires_grad(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2, device=device).register_hook(lambda grad: grad)


# ---------------------------------------------------------------- grad mode
def test_no_grad_and_enable_grad_as_nested_context_managers(device):
    x = leaf([1.0, 2.0], device)
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
        with mg.enable_grad():
            assert mg.is_grad_enabled()
            z = x * 2
            with mg.no_grad():
                w = x * 2
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    assert not w.requires_grad
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators(device):
    x = leaf([1.0, 2.0], device)

    @mg.no_grad()
    def frozen(v):
        return v * 2

    @mg.no_grad                                                 # without parentheses, as torch allows
    def frozen_bare(v):
        return v * 2

    @mg.enable_grad()
    def recorded(v):
        return v * 2

    @mg.enable_grad
    def recorded_bare(v):
        return v * 2

    assert frozen.__name__ == "frozen" and frozen_bare.__name__ == "frozen_bare"
    assert not frozen(x).requires_grad and not frozen_bare(x).requires_grad
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert recorded(x).requires_grad and recorded_bare(x).requires_grad
        assert not mg.is_grad_enabled()
    assert not torch.no_grad(lambda v: v * 2)(torch_leaf([1.0])).requires_grad  # same in torch


def test_set_grad_enabled_as_call_and_context_manager(device):
    x = leaf([1.0], device)
    try:
        mg.set_grad_enabled(False)
        assert not mg.is_grad_enabled() and not (x * 2).requires_grad
        mg.set_grad_enabled(True)
        assert mg.is_grad_enabled() and (x * 2).requires_grad
        with mg.set_grad_enabled(False):
            assert not (x * 2).requires_grad
            with mg.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert not mg.is_grad_enabled()
        assert mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)


def test_set_grad_enabled_as_a_decorator(device):
    x = leaf([1.0], device)

    @mg.set_grad_enabled(False)
    def frozen(v):
        return v * 2

    assert mg.is_grad_enabled()                        # decorating switched nothing
    assert not frozen(x).requires_grad and mg.is_grad_enabled()
    assert frozen.__name__ == "frozen"


def test_grad_mode_is_per_thread():
    import threading
    seen = {}

    def worker():
        seen["enabled"] = mg.is_grad_enabled()
        seen["recorded"] = (mg.ones(1, requires_grad=True) * 2).requires_grad
    with mg.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen == {"enabled": True, "recorded": True}


def test_detach_stops_gradients(device):
    x, t = leaf([1.0, 2.0, 3.0], device), torch_leaf([1.0, 2.0, 3.0])
    for v in (x, t):
        h = v * v
        (h * h.detach() + v.detach() * 5).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.array([1.0, 2.0, 3.0]) ** 3)


# ---------------------------------------------------------------- mg.autograd.grad
def test_autograd_grad_create_graph_gives_differentiable_gradients(device):
    def run(lib, x):
        A = autograd_of(lib)
        y = (x ** 3 * x.sin()).sum()
        g, = A.grad(y, x, create_graph=True)
        assert g.requires_grad
        gg, = A.grad(g.sum(), x)
        return g.detach(), gg
    ours, theirs = run(mg, leaf([0.3, -1.2, 2.0], device)), run(torch, torch_leaf([0.3, -1.2, 2.0]))
    for a, b in zip(ours, theirs):
        mg.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_autograd_grad_without_create_graph_gives_constants(device):
    x = leaf([1.0, 2.0], device)
    g, = mg.autograd.grad((x ** 3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    assert g.tolist() == [3.0, 12.0]


def test_autograd_grad_allow_unused(device):
    x, unused = leaf([1.0], device), leaf([5.0], device)
    with pytest.raises(RuntimeError, match="allow_unused"):
        mg.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = mg.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None
    t, t_unused = torch_leaf([1.0]), torch_leaf([5.0])                  # torch agrees
    with pytest.raises(RuntimeError, match="allow_unused"):
        torch.autograd.grad((t * 2).sum(), [t, t_unused])
    assert torch.autograd.grad((t * 2).sum(), [t, t_unused], allow_unused=True)[1] is None


def test_autograd_grad_with_grad_outputs_and_multiple_outputs_and_inputs(device):
    values_x, values_w = [0.5, -1.0, 2.0], [1.5, 0.25, -0.75]
    weights_y, weights_z = [1.0, -2.0, 0.5], [3.0, 0.0, -1.0]

    def run(lib, x, w, make):
        A = autograd_of(lib)
        y = x * w + x.exp()
        z = (w * w).sin()
        return A.grad([y, z], [x, w], grad_outputs=[make(weights_y), make(weights_z)])
    ours = run(mg, leaf(values_x, device), leaf(values_w, device),
               lambda v: mg.tensor(np.array(v), device=device))
    theirs = run(torch, torch_leaf(values_x), torch_leaf(values_w),
                 lambda v: torch.tensor(v, dtype=torch.float64))
    assert len(ours) == 2
    for a, b in zip(ours, theirs):
        mg.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_autograd_grad_scalar_and_single_tensor_forms(device):
    x = leaf([1.0, 2.0], device)
    result = mg.autograd.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    one, = mg.autograd.grad([(x * 3).sum()], [x], grad_outputs=[None])
    assert one.tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match="grad_outputs"):
        mg.autograd.grad([(x * 3).sum()], [x], grad_outputs=[None, None])
    with pytest.raises(RuntimeError, match="scalar outputs"):
        mg.autograd.grad(x * 3, x)
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.autograd.grad((x * 3).sum(), mg.ones(2, device=device))


def test_autograd_grad_with_respect_to_non_leaves(device):
    def run(lib, x):
        A = autograd_of(lib)
        h = x * 3
        k = h.tanh()
        y = (k * h).sum()
        return A.grad(y, [h, k, x])
    ours, theirs = run(mg, leaf([0.1, -0.4], device)), run(torch, torch_leaf([0.1, -0.4]))
    for a, b in zip(ours, theirs):
        mg.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_autograd_grad_runs_only_the_graph_between_outputs_and_inputs(device):
    """As in PyTorch: nothing behind the inputs is computed, freed or hooked."""
    def run(lib, x, w):
        A = autograd_of(lib)
        seen = []
        x.register_hook(lambda grad: seen.append("x"))
        w.register_hook(lambda grad: seen.append("w"))
        h = x.exp()                                         # Exp saves its output
        h.register_hook(lambda grad: seen.append("h"))
        y = (h * w).sum()
        A.grad(y, x, retain_graph=True)
        seen.append("|")
        gh, = A.grad(y, h)                                  # frees Mul, but not Exp
        h.sum().backward()                                  # so this still works
        return seen, gh.tolist(), x.grad.tolist(), w.grad
    ours = run(mg, leaf([1.0, 2.0], device), leaf([3.0, 4.0], device))
    theirs = run(torch, torch_leaf([1.0, 2.0]), torch_leaf([3.0, 4.0]))
    assert ours[0] == theirs[0] == ["h", "x", "|", "h", "h", "x"]
    np.testing.assert_allclose(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2])
    assert ours[3] is None and theirs[3] is None


def test_autograd_grad_leaves_dot_grad_untouched(device):
    x = leaf([1.0, 2.0], device)
    w = leaf([3.0, 4.0], device)
    w.grad = mg.tensor([7.0, 7.0], dtype=mg.float64, device=device)
    gx, = mg.autograd.grad((x * w).sum(), x)
    assert gx.tolist() == [3.0, 4.0]
    assert x.grad is None and w.grad.tolist() == [7.0, 7.0]
    hvp, = mg.autograd.grad(mg.autograd.grad((x ** 3).sum(), x, create_graph=True)[0].sum(), x)
    assert hvp.tolist() == [6.0, 12.0] and x.grad is None


# ---------------------------------------------------------------- graph shapes
def test_reused_non_leaf_gets_every_contribution(device):
    """The diamond graph, where micrograd's first version overwrote instead of summing."""
    def run(lib, x):
        a = x * 3
        b = a.exp()
        c = a.sin()
        d = a * a                                   # a is used four times below
        (b + c * d + a).sum().backward()
        return x.grad
    mg.testing.assert_close(run(mg, leaf([1.5, -0.5], device)), run(torch, torch_leaf([1.5, -0.5])),
                            rtol=1e-12, atol=1e-12)


def test_a_tensor_used_twice_in_one_op(device):
    def run(lib, a):
        b = a + a
        c = b * b
        (c * a).sum().backward()
        return a.grad
    mg.testing.assert_close(run(mg, leaf([-4.0, 2.0], device)), run(torch, torch_leaf([-4.0, 2.0])))


def test_a_100_000_node_chain_back_propagates_without_recursion():
    x = mg.ones(10, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + x                                                # d y / d x = 100 001
    y.sum().backward()
    assert x.grad.tolist() == [100_001.0] * 10
    del y
    gc.collect()


def test_a_long_chain_of_products(device):
    steps = 10_000
    x = mg.ones(10, dtype=mg.float64, device=device, requires_grad=True)
    y = x
    for _ in range(steps):
        y = y * 1.0000001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), np.full(10, 1.0000001 ** steps), rtol=1e-9)


@pytest.mark.parametrize("shape_a, shape_b", [((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((), (5,)),
                                              ((1, 4), (3, 1)), ((2, 1, 3), (1, 4, 1))])
def test_gradients_of_broadcast_inputs_have_the_inputs_shapes(shape_a, shape_b, device):
    rng = np.random.default_rng(4)
    a_values, b_values = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    a, b = mg.tensor(a_values, device=device, requires_grad=True), mg.tensor(b_values, device=device, requires_grad=True)
    ta, tb = torch.tensor(a_values, requires_grad=True), torch.tensor(b_values, requires_grad=True)
    for p, q in ((a, b), (ta, tb)):
        ((p * q + p - q / (1 + q * q)) * (p + q).tanh()).sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    mg.testing.assert_close(a.grad, ta.grad)
    mg.testing.assert_close(b.grad, tb.grad)


def test_mixed_dtypes_give_each_leaf_a_gradient_of_its_own_dtype(device):
    a = leaf([1.0, 2.0], device, dtype=np.float32)
    b = leaf([3.0, 4.0], device, dtype=np.float64)
    ta, tb = torch_leaf([1.0, 2.0], dtype=torch.float32), torch_leaf([3.0, 4.0])
    y, u = a * b + a.exp(), ta * tb + ta.exp()
    assert y.dtype == mg.float64 and u.dtype == torch.float64
    y.sum().backward()
    u.sum().backward()
    assert a.grad.dtype == mg.float32 and b.grad.dtype == mg.float64
    assert ta.grad.dtype == torch.float32 and tb.grad.dtype == torch.float64
    mg.testing.assert_close(a.grad, ta.grad)
    mg.testing.assert_close(b.grad, tb.grad)


def test_gradients_of_two_leaves_never_share_memory(device):
    a, b = leaf([1.0, 2.0], device), leaf([3.0, 4.0], device)
    (a + b).sum().backward()                   # Add hands the same gradient to both inputs
    with mg.no_grad():
        a.grad.add_(100)
    assert b.grad.tolist() == [1.0, 1.0]


def test_unused_outputs_of_a_multi_output_op_get_zero_gradient(device):
    x, t = leaf([1.0, 2.0, 3.0, 4.0], device), torch_leaf([1.0, 2.0, 3.0, 4.0])
    for v in (x, t):
        parts = v.split(1)
        (parts[1] * 5 + parts[3].exp()).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)


# ---------------------------------------------------------------- memory
def _intermediate_survives(retain_graph):
    x = mg.randn(3, requires_grad=True)
    h = x * 2
    y = h.sin()                                      # Sin saves its input h
    reference = weakref.ref(h)
    del h
    gc.collect()
    alive_before = reference() is not None
    y.sum().backward(retain_graph=retain_graph)
    gc.collect()
    return alive_before, reference() is not None


def test_intermediates_are_freed_after_backward():
    assert _intermediate_survives(retain_graph=False) == (True, False)


def test_retain_graph_keeps_intermediates_alive():
    assert _intermediate_survives(retain_graph=True) == (True, True)


def test_a_graph_holds_no_reference_cycle_to_its_outputs():
    x = mg.randn(3, requires_grad=True)
    y = x.exp()                                      # Exp saves its output
    reference = weakref.ref(y)
    (y * 2).sum()
    del y
    assert reference() is None                       # freed at once, without gc.collect()


def test_saved_output_is_rebuilt_when_the_output_tensor_is_gone(device):
    x = leaf([0.5, 1.0], device)
    loss = x.exp().sum()                             # the exp output tensor is dropped
    gc.collect()
    loss.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), np.exp([0.5, 1.0]))


# ---------------------------------------------------------------- higher order
def _mlp_data():
    rng = np.random.default_rng(5)
    shapes = {"W1": (6, 3), "b1": (6,), "W2": (2, 6), "b2": (2,)}
    params = {name: rng.standard_normal(shape) * 0.7 for name, shape in shapes.items()}
    vectors = {name: rng.standard_normal(shape) for name, shape in shapes.items()}
    return params, vectors, rng.standard_normal((8, 3)), rng.standard_normal((8, 2))


def _hessian_vector_product(lib, params, vectors, inputs, targets, make):
    p = {name: make(value, True) for name, value in params.items()}
    x, y = make(inputs, False), make(targets, False)
    hidden = (x @ p["W1"].T + p["b1"]).tanh()
    prediction = hidden @ p["W2"].T + p["b2"]
    loss = ((prediction - y) ** 2).mean()
    A = autograd_of(lib)
    grads = A.grad(loss, list(p.values()), create_graph=True)
    dot = sum((g * make(vectors[name], False)).sum() for g, name in zip(grads, p))
    return loss, grads, A.grad(dot, list(p.values()))


def test_hessian_vector_product_of_an_mlp_loss_matches_torch(device):
    params, vectors, inputs, targets = _mlp_data()
    ours = _hessian_vector_product(
        mg, params, vectors, inputs, targets,
        lambda value, grad: mg.tensor(value, device=device, requires_grad=grad))
    theirs = _hessian_vector_product(
        torch, params, vectors, inputs, targets,
        lambda value, grad: torch.tensor(value, requires_grad=grad))
    mg.testing.assert_close(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    for a, b in zip(ours[1], theirs[1]):
        mg.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    for a, b in zip(ours[2], theirs[2]):
        assert a.device == device
        mg.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_backward_with_create_graph_makes_grad_differentiable(device):
    def run(lib, x):
        (x ** 3).sum().backward(create_graph=True)
        first = x.grad
        assert first.requires_grad
        x.grad = None
        first.sum().backward()
        return first.detach(), x.grad
    ours, theirs = run(mg, leaf([1.0, -2.0], device)), run(torch, torch_leaf([1.0, -2.0]))
    for a, b in zip(ours, theirs):
        mg.testing.assert_close(a, b)


# ---------------------------------------------------------------- in-place checks
def test_changing_a_saved_input_in_place_raises(device):
    w = mg.tensor(np.random.default_rng(6).standard_normal(3), device=device, requires_grad=True)
    y = (w * w).sum()
    with mg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match=r"Mul.*in-place.*version 1.*expected version 0"):
        y.backward()
    t = torch.randn(3, requires_grad=True)                       # torch agrees
    u = (t * t).sum()
    with torch.no_grad():
        t.add_(1)
    with pytest.raises(RuntimeError, match="inplace"):
        u.backward()


def test_changing_a_saved_output_in_place_raises(device):
    x = leaf([0.5, 1.0], device)
    y = x.exp()                                  # Exp saves its output
    loss = y.sum()                               # Sum saves nothing: only Exp's check can fire
    with mg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"output of Exp.*in-place.*version"):
        loss.backward()


def test_changing_a_saved_constant_in_place_raises(device):
    w = leaf([1.0, 2.0], device)
    c = mg.tensor([3.0, 4.0], dtype=mg.float64, device=device)   # needs no grad, but Mul saves it
    y = (w * c).sum()
    c.mul_(2)
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


def test_changing_a_tensor_that_is_not_saved_is_fine(device):
    w = leaf([1.0, 2.0], device)
    y = (w + 1).sum()                                             # Add saves nothing
    with mg.no_grad():
        w.mul_(3)
    y.backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_in_place_after_backward_is_the_optimizer_pattern(device):
    w = leaf([1.0, 2.0], device)
    for _ in range(3):
        w.grad = None
        (w * w).sum().backward()
        with mg.no_grad():
            w.sub_(w.grad, alpha=0.25)
    np.testing.assert_allclose(w.detach().numpy(), np.array([1.0, 2.0]) * 0.5 ** 3)


def test_repeated_gradients_of_a_scalar_sum_into_an_array(device):
    """A 0-d tensor used three times: the sums made during backward (on arrays) stay
    arrays, so the resulting .grad supports in-place updates."""
    x = mg.tensor(2.0, device=device, requires_grad=True)
    (x * x + x / x + x).backward()
    assert x.grad.item() == pytest.approx(5.0)
    x.grad.zero_()
    assert x.grad.item() == 0.0
