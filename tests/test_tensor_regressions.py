"""Tensor behaviour that real PyTorch scripts rely on, checked against PyTorch.

- ``x += y`` and the other augmented assignments update x in place, as
  PyTorch's do (a hand-written ``p -= lr * p.grad`` loop trains), with
  PyTorch's refusals (dtype, broadcasting, a leaf that requires grad);
- ``numpy()`` and ``np.asarray`` on tensors that require grad;
- ``.data``: a detached tensor sharing memory, settable;
- the smaller API: ``contiguous``, ``nelement``, ``t``, ``new_*``, ``type``,
  ``__format__``, ``item``, ``inference_mode``, ``grad_fn.next_functions``
  and ``name()``, ``mg.cuda.manual_seed_all``.
"""
import operator

import numpy as np
import pytest
import torch

import minigrad as mg


def both(values, dtype=np.float64, requires_grad=False):
    """The same values as a minigrad and a torch tensor."""
    values = np.asarray(values, dtype=dtype)
    return (mg.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


def assert_same(ours, theirs):
    """Same dtype (by name) and the same values, exactly."""
    theirs = theirs.detach()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())


def raises_like_torch(ours, theirs, error=RuntimeError, match=None):
    """Both calls raise ``error``; ours with a message that matches ``match``."""
    with pytest.raises(error):
        theirs()
    with pytest.raises(error, match=match):
        ours()


# --------------------------------------------------------------- x += y is in place
AUGMENTED = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
             "/=": operator.itruediv, "**=": operator.ipow}


@pytest.mark.parametrize("symbol", list(AUGMENTED))
def test_augmented_assignment_updates_in_place_under_no_grad(symbol):
    update = AUGMENTED[symbol]
    values = np.array([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]])
    p, tp = both(values, requires_grad=True)
    other, tother = both([0.5, 2.0, 1.5])  # broadcasts to p's shape
    alias, version = p, p._version[0]
    view = p[0]  # a basic-indexing view shares p's memory
    with mg.no_grad():
        result = update(p, other)
    with torch.no_grad():
        tresult = update(tp, tother)
    assert result is alias and p is alias  # not rebound to a new tensor
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p._version[0] == version + 1
    assert_same(p, tresult)
    assert_same(view, tp[0])


def test_hand_written_sgd_loop_trains_as_torch_does():
    """The classic loop ``with no_grad(): for p in params: p -= lr * p.grad``:
    the same trajectory as PyTorch's, in float64."""
    rng = np.random.default_rng(0)
    inputs, targets = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    w0, b0 = rng.normal(size=(3, 2)), rng.normal(size=2)
    w, tw = both(w0, requires_grad=True)
    b, tb = both(b0, requires_grad=True)
    x, tx = both(inputs)
    y, ty = both(targets)
    lr = 0.1
    for step in range(5):
        loss = ((mg.tanh(x @ w + b) - y) ** 2).mean()
        tloss = ((torch.tanh(tx @ tw + tb) - ty) ** 2).mean()
        loss.backward()
        tloss.backward()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
        with mg.no_grad():
            for p in (w, b):
                p -= lr * p.grad
                p.grad = None
        with torch.no_grad():
            for p in (tw, tb):
                p -= lr * p.grad
                p.grad = None
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12, atol=0)
        np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-12, atol=0)
    assert not np.allclose(w.detach().numpy(), w0)  # it trained


def test_in_place_on_a_leaf_that_requires_grad_is_refused_while_recording():
    p, tp = both([1.0, 2.0], requires_grad=True)

    def ours():
        q = p
        q += 1

    def theirs():
        q = tp
        q += 1
    raises_like_torch(ours, theirs, match="tensor that requires grad and is a leaf.*no_grad")
    assert p._version[0] == 0 and p.tolist() == [1.0, 2.0]  # nothing changed


def test_in_place_that_the_graph_would_have_to_record_is_refused():
    """PyTorch records these in the graph; minigrad does not record in-place
    operations, so it refuses them instead of losing the gradient."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="part of the recorded graph.*x = x \\+ y"):
        y += 1
    assert y.tolist() == [2.0, 4.0]
    total = mg.zeros(2)
    with pytest.raises(RuntimeError, match="requires grad.*gradient would be lost"):
        total += x
    with pytest.raises(RuntimeError, match="requires grad"):
        total[0] = x[1]
    with pytest.raises(RuntimeError, match="requires grad"):
        total.copy_(x)
    assert total.tolist() == [0.0, 0.0] and total._version[0] == 0
    with mg.no_grad():  # outside the graph they are plain updates
        total += x
    assert total.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("name, dtype, update, other_dtype", [
    ("int += float", "int64", operator.iadd, None),
    ("int += float tensor", "int64", operator.iadd, "float32"),
    ("int *= float", "int64", operator.imul, None),
    ("int /= int", "int64", operator.itruediv, "int64"),
    ("int **= float", "int64", operator.ipow, None),
    ("bool += int", "bool", operator.iadd, "int64"),
])
def test_in_place_refuses_a_result_that_cannot_be_cast_back(name, dtype, update, other_dtype):
    """PyTorch: "result type Float can't be cast to the desired output type Long"."""
    def operands(module):
        target = module.tensor([1, 0, 1], dtype=getattr(module, dtype))
        if other_dtype is None:
            return target, 2.5
        return target, module.tensor([1, 2, 3], dtype=getattr(module, other_dtype))
    raises_like_torch(lambda: update(*operands(mg)), lambda: update(*operands(torch)),
                      match=f"result has dtype .*can't be stored in place.*dtype {dtype}")


@pytest.mark.parametrize("dtype, update, other", [
    ("int32", operator.iadd, ("int64", [1, 2, 3])),
    ("uint8", operator.iadd, ("int64", [1, 2, 3])),
    ("float32", operator.ipow, ("float64", [1.0, 2.0, 3.0])),
    ("float32", operator.iadd, ("int64", [1, 2, 3])),
    ("float32", operator.imul, ("float64", 0.1)),  # a 0-d float64 tensor keeps float32
    ("int64", operator.ipow, ("int64", [2, 3, 1])),
    ("bool", operator.iadd, ("bool", [True, False, False])),
    ("bool", operator.imul, ("bool", [True, False, True])),
])
def test_in_place_keeps_the_tensors_dtype_as_torch(dtype, update, other):
    other_dtype, other_values = other
    ours = mg.tensor([1, 2, 3], dtype=getattr(mg, dtype))
    theirs = torch.tensor([1, 2, 3], dtype=getattr(torch, dtype))
    update(ours, mg.tensor(other_values, dtype=getattr(mg, other_dtype)))
    update(theirs, torch.tensor(other_values, dtype=getattr(torch, other_dtype)))
    assert_same(ours, theirs)


def test_in_place_operand_must_broadcast_to_the_tensors_shape():
    raises_like_torch(lambda: operator.iadd(mg.ones(3), mg.ones(2, 3)),
                      lambda: operator.iadd(torch.ones(3), torch.ones(2, 3)),
                      match=r"result has shape \(2, 3\), but this tensor has shape \(3,\)")
    raises_like_torch(lambda: mg.zeros(3).copy_(mg.ones(2)),
                      lambda: torch.zeros(3).copy_(torch.ones(2)), match="copy_")
    ours, theirs = both(np.ones((2, 3)))
    ours += mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    theirs += torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    assert_same(ours, theirs)


def test_in_place_into_an_expanded_view_is_refused():
    raises_like_torch(lambda: operator.iadd(mg.ones(1, 3).expand(2, 3), 1),
                      lambda: operator.iadd(torch.ones(1, 3).expand(2, 3), 1),
                      match="expanded view.*clone")


def test_in_place_change_of_a_saved_tensor_is_detected():
    p, tp = both([1.0, 2.0], requires_grad=True)
    y, ty = (p * p).sum(), (tp * tp).sum()
    with mg.no_grad():
        p -= 0.5
    with torch.no_grad():
        tp -= 0.5
    raises_like_torch(y.backward, ty.backward, match="modified by an in-place operation")


@pytest.mark.parametrize("call", [
    lambda t, m: t.add_(m.tensor([1.0, -2.0, 0.5], dtype=m.float64), alpha=0.3),
    lambda t, m: t.sub_(m.tensor([1.0, -2.0, 0.5], dtype=m.float64), alpha=2),
    lambda t, m: t.add_(2.5),
    lambda t, m: t.mul_(m.tensor([1.0, -2.0, 0.5], dtype=m.float64)),
    lambda t, m: t.div_(3.0),
    lambda t, m: t.pow_(2),
    lambda t, m: t.addcmul_(m.tensor([1.0, 2.0, 3.0], dtype=m.float64),
                            m.tensor([0.5, 0.25, 2.0], dtype=m.float64), value=0.5),
    lambda t, m: t.addcdiv_(m.tensor([1.0, 2.0, 3.0], dtype=m.float64),
                            m.tensor([0.5, 0.25, 2.0], dtype=m.float64), value=-2),
    lambda t, m: t.lerp_(m.tensor([1.0, 2.0, 3.0], dtype=m.float64), 0.25),
    lambda t, m: t.clamp_(0.0, 1.0),
    lambda t, m: t.abs().sqrt_(),
    lambda t, m: t.neg_(),
    lambda t, m: t.fill_(7.0),
    lambda t, m: t.zero_(),
])
def test_in_place_methods_match_torch(call):
    ours, theirs = both([0.75, -1.5, 2.0])
    assert_same(call(ours, mg), call(theirs, torch))
    assert_same(ours, theirs)


def test_in_place_float_function_of_an_integer_tensor_is_refused():
    raises_like_torch(lambda: mg.tensor([1, 4]).sqrt_(), lambda: torch.tensor([1, 4]).sqrt_(),
                      match="can't be stored in place")


def test_in_place_on_the_strict_device():
    p = mg.tensor([1.0, 2.0], device="strict", requires_grad=True)
    with mg.no_grad():
        p -= 0.5 * mg.tensor([2.0, 2.0], device="strict")
        p *= 3
    assert p.device == "strict" and p.tolist() == [0.0, 3.0]
