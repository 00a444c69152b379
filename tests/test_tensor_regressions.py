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


@pytest.mark.parametrize("update", [operator.iand, operator.ior, operator.ixor])
@pytest.mark.parametrize("dtype, other", [("bool", [True, True, False]), ("int64", [6, 1, 3]),
                                          ("int64", 5), ("bool", True)])
def test_logical_augmented_assignment_updates_in_place_as_torch(update, dtype, other):
    ours, theirs = mg.tensor([True, False, True]).to(getattr(mg, dtype)), \
        torch.tensor([True, False, True]).to(getattr(torch, dtype))
    alias, version = ours, ours._version[0]
    other_ours = mg.tensor(other) if isinstance(other, list) else other
    other_theirs = torch.tensor(other) if isinstance(other, list) else other
    assert update(ours, other_ours) is alias and ours._version[0] == version + 1
    assert_same(ours, update(theirs, other_theirs))


def test_logical_augmented_assignment_refuses_a_number_into_a_bool_tensor():
    raises_like_torch(lambda: operator.ior(mg.tensor([True]), 2),
                      lambda: operator.ior(torch.tensor([True]), 2), match="can't be stored in place")


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
                      match="read-only.*expanded view.*clone")


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


# --------------------------------------------------------------- numpy() and __array__
def test_numpy_of_a_tensor_that_requires_grad_is_refused():
    """Writing into the shared buffer would change a value the graph depends on."""
    w, tw = both([1.0, 2.0], requires_grad=True)
    raises_like_torch(w.numpy, tw.numpy, match=r"requires grad.*detach\(\)\.numpy\(\)")
    raises_like_torch(lambda: np.asarray(w), lambda: np.asarray(tw), match="requires grad")
    y = (w * w).sum()
    with pytest.raises(RuntimeError):
        w.numpy()[0] = 100  # the scenario that used to give a wrong gradient
    y.backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_asarray_gives_the_values_and_honours_dtype():
    w, tw = both([[1.5, -2.0], [3.25, 4.0]], requires_grad=True)
    array = np.asarray(w.detach())
    assert type(array) is np.ndarray and array.dtype == np.float64
    np.testing.assert_array_equal(array, np.asarray(tw.detach()))
    as_float32 = np.asarray(w.detach(), dtype=np.float32)
    assert as_float32.dtype == np.float32
    np.testing.assert_array_equal(as_float32, np.asarray(tw.detach(), dtype=np.float32))
    shared = w.detach().numpy()  # shares memory, as in PyTorch
    shared[0, 0] = 9.0
    assert w[0, 0].item() == 9.0
    copied = np.array(w.detach(), copy=True)
    copied[0, 1] = 5.0
    assert w[0, 1].item() == -2.0


# --------------------------------------------------------------- .data
def test_data_is_a_detached_tensor_sharing_memory():
    p, tp = both([1.0, 2.0, 3.0], requires_grad=True)
    data = p.data
    assert isinstance(data, mg.Tensor) and not data.requires_grad and data.is_leaf
    assert np.shares_memory(data.numpy(), p.detach().numpy())
    p.data.add_(1.0)
    tp.data.add_(1.0)
    p.data += mg.tensor([0.5, 0.5, 0.5], dtype=mg.float64)
    tp.data += torch.tensor([0.5, 0.5, 0.5], dtype=torch.float64)
    p.data.mul_(2)
    tp.data.mul_(2)
    assert_same(p, tp)
    assert p.requires_grad and p.is_leaf  # still the same parameter
    assert p.data.std().item() == tp.data.std().item()  # the sample std, as PyTorch's
    assert p.data.std().item() != pytest.approx(float(np.std(p.detach().numpy())))


def test_grad_data_is_the_gradient_sharing_memory():
    p, tp = both([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    (tp * tp).sum().backward()
    p.grad.data.mul_(0.5)
    tp.grad.data.mul_(0.5)
    assert_same(p.grad, tp.grad)
    p.grad.data.zero_()
    assert p.grad.tolist() == [0.0, 0.0]


def test_setting_data_replaces_the_values_as_in_torch():
    p, tp = both([1.0, 2.0, 3.0], requires_grad=True)
    q, tq = both([4.0, 5.0, 6.0, 7.0, 8.0])
    p.data = q  # another shape is allowed
    tp.data = tq
    assert_same(p, tp)
    assert p.requires_grad and p.is_leaf
    q += 1  # p now shares q's memory
    tq += 1
    assert_same(p, tp)
    p.data = mg.zeros(2, dtype=mg.float32)  # and another dtype
    tp.data = torch.zeros(2, dtype=torch.float32)
    assert_same(p, tp)


def test_setting_data_refuses_what_torch_refuses():
    p, tp = both([1.0, 2.0], requires_grad=True)
    raises_like_torch(lambda: setattr(p, "data", mg.tensor([1, 2])),
                      lambda: setattr(tp, "data", torch.tensor([1, 2])), match="floating-point")
    raises_like_torch(lambda: setattr(p, "data", [1.0, 2.0]),
                      lambda: setattr(tp, "data", [1.0, 2.0]), error=TypeError, match="Tensor")
    assert p.tolist() == [1.0, 2.0] and p.dtype == np.float64


def test_values_set_through_data_after_the_forward_pass_are_used_as_in_torch():
    p, tp = both([1.0, 2.0], requires_grad=True)
    y, ty = (p * p).sum(), (tp * tp).sum()
    p.data = mg.tensor([3.0, -1.0], dtype=mg.float64)
    tp.data = torch.tensor([3.0, -1.0], dtype=torch.float64)
    y.backward()
    ty.backward()
    assert_same(p.grad, tp.grad)


def test_a_gradient_of_another_shape_than_grad_is_refused():
    """After ``p.data = ...`` changed p's shape, the old .grad can't take the new gradient."""
    p, tp = both([1.0, 2.0, 3.0], requires_grad=True)
    (p * 2).sum().backward()
    (tp * 2).sum().backward()
    p.data = mg.zeros(5, dtype=mg.float64)
    tp.data = torch.zeros(5, dtype=torch.float64)
    raises_like_torch(lambda: (p * 2).sum().backward(), lambda: (tp * 2).sum().backward(),
                      match=r"shape \(5,\).*shape \(3,\).*\.grad = None")
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


# --------------------------------------------------------------- contiguity
LAYOUTS = {
    "fresh": lambda a: a, ".T": lambda a: a.T, ".t()": lambda a: a.t(),
    "elementwise of .T": lambda a: a.T * 2, "permute": lambda a: a.reshape(3, 2, 2).permute(2, 0, 1),
    "row slice": lambda a: a[1:], "column slice": lambda a: a[:, 1:3], "one column": lambda a: a[:, :1],
    "strided rows": lambda a: a[::2], "unsqueeze": lambda a: a.unsqueeze(1),
    "expand": lambda a: a[:1].expand(3, 4), "reshape of .T": lambda a: a.T.reshape(12),
    "reduction of .T": lambda a: a.T.sum(0), "empty": lambda a: a[:, :0], "one row .T": lambda a: a[:1].T,
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_is_contiguous_and_contiguous_as_torch(layout):
    make = LAYOUTS[layout]
    a = mg.arange(12.0, dtype=mg.float64).reshape(3, 4).requires_grad_()
    ta = torch.arange(12.0, dtype=torch.float64).reshape(3, 4).requires_grad_()
    view, tview = make(a), make(ta)
    assert view.is_contiguous() == tview.is_contiguous()
    made, tmade = view.contiguous(), tview.contiguous()
    assert made.is_contiguous() and tmade.is_contiguous()
    assert (made is view) == (tmade is tview) == tview.is_contiguous()
    assert_same(made, tmade)
    weights = np.linspace(-1, 1, made.numel()).reshape(made.shape)
    (made * mg.tensor(weights)).sum().backward()
    (tmade * torch.tensor(weights)).sum().backward()
    assert_same(a.grad, ta.grad)


def test_is_contiguous_on_the_strict_device():
    a = mg.ones(2, 3, device="strict")
    assert a.is_contiguous() and not a.T.is_contiguous() and a.T.contiguous().is_contiguous()


def test_nelement_is_numel():
    for shape in [(), (0,), (2, 3, 4)]:
        assert mg.zeros(shape).nelement() == torch.zeros(shape).nelement() == int(np.prod(shape))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_t_as_torch(shape):
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x, tx = both(values, requires_grad=True)
    y, ty = x.t(), tx.t()
    assert_same(y, ty)
    weights = np.arange(y.numel(), dtype=np.float64).reshape(y.shape) + 1
    (y * mg.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    assert_same(x.grad, tx.grad)


def test_t_of_more_than_two_dimensions_is_refused():
    raises_like_torch(lambda: mg.ones(2, 3, 4).t(), lambda: torch.ones(2, 3, 4).t(),
                      match=r"t\(\) expects a tensor with <= 2 dimensions.*has 3")


# --------------------------------------------------------------- new_* and type()
@pytest.mark.parametrize("call", [
    lambda t, m: t.new_zeros(2, 3), lambda t, m: t.new_zeros((2, 3)), lambda t, m: t.new_zeros(()),
    lambda t, m: t.new_ones([4]), lambda t, m: t.new_ones(2, dtype=m.int64),
    lambda t, m: t.new_empty(2, 3).fill_(1.5), lambda t, m: t.new_full((2,), 3.5),
    lambda t, m: t.new_full([2, 2], 7, dtype=m.float32),
    lambda t, m: t.new_tensor([1, 2]), lambda t, m: t.new_tensor([[1.5], [2.5]], dtype=m.int32),
    lambda t, m: t.new_zeros(2, requires_grad=True), lambda t, m: t.new_tensor([1, 2], requires_grad=True),
])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_new_factories_as_torch(call, dtype):
    template, ttemplate = mg.ones(3, dtype=getattr(mg, dtype)), torch.ones(3, dtype=getattr(torch, dtype))
    try:
        expected = call(ttemplate, torch)
    except RuntimeError:  # an integer tensor can't require grad
        with pytest.raises(RuntimeError, match="floating-point"):
            call(template, mg)
        return
    made = call(template, mg)
    assert_same(made, expected)
    assert made.requires_grad == expected.requires_grad and made.is_leaf
    assert made.device == template.device


def test_new_factories_keep_the_device():
    template = mg.ones(2, device="strict")
    for made in [template.new_zeros(2), template.new_ones(1), template.new_empty(3),
                 template.new_full((2,), 1.0), template.new_tensor([1.0])]:
        assert made.device == "strict"
    assert mg.ones(2).new_zeros(2, device="strict").device == "strict"


def test_new_full_needs_a_sequence_size_as_torch():
    raises_like_torch(lambda: mg.ones(2).new_full(2, 3.5), lambda: torch.ones(2).new_full(2, 3.5),
                      error=TypeError, match="size must be a tuple or list")


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_type_names_as_torch(dtype):
    name = mg.zeros(2, dtype=getattr(mg, dtype)).type()
    assert name == torch.zeros(2, dtype=getattr(torch, dtype)).type().replace("torch.", "minigrad.")
    converted = mg.tensor([1.5, -2.0]).type(name)
    assert converted.dtype == getattr(mg, dtype) and converted.type() == name
    assert mg.zeros(2, device="strict", dtype=getattr(mg, dtype)).type() == \
        name.replace("minigrad.", "minigrad.strict.")


def test_type_converts_as_torch():
    x, tx = both([1.5, -2.25])
    assert x.type(mg.float64) is x and tx.type(torch.float64) is tx
    assert_same(x.type(mg.float32), tx.type(torch.float32))
    assert_same(x.type(mg.int64), tx.type(torch.int64))
    assert_same(x.type("minigrad.IntTensor"), tx.type("torch.IntTensor"))
    moved = x.type("minigrad.strict.DoubleTensor")
    assert moved.device == "strict" and moved.type() == "minigrad.strict.DoubleTensor"
    assert moved.type("minigrad.FloatTensor").device == "cpu"
    w = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (w.type(mg.float32) * 2).sum().backward()  # differentiable, as .to()
    assert w.grad.tolist() == [2.0, 2.0]
    raises_like_torch(lambda: x.type("foo"), lambda: tx.type("foo"), error=ValueError,
                      match="invalid type: 'foo'.*minigrad.FloatTensor")


# --------------------------------------------------------------- format, item
@pytest.mark.parametrize("spec", ["", ".3f", "8.2e", "+.1%", "g"])
def test_format_of_a_0d_tensor_as_torch(spec):
    for value, dtype in [(3.14159, "float32"), (-2.5e-7, "float64"), (1.0, "float16")]:
        assert format(mg.tensor(value, dtype=getattr(mg, dtype)), spec) == \
            format(torch.tensor(value, dtype=getattr(torch, dtype)), spec)
    loss, tloss = both(0.123456789, requires_grad=True)
    assert f"{loss * 2:{spec}}" == f"{tloss * 2:{spec}}"


def test_format_of_integer_and_bool_0d_tensors_as_torch():
    assert f"{mg.tensor(7):04d}" == f"{torch.tensor(7):04d}" == "0007"
    assert f"{mg.tensor(True)}" == f"{torch.tensor(True)}" == "True"


def test_format_of_a_tensor_with_dimensions_as_torch():
    raises_like_torch(lambda: f"{mg.tensor([3.14159]):.3f}", lambda: f"{torch.tensor([3.14159]):.3f}",
                      error=TypeError, match="unsupported format string")
    assert f"{mg.tensor([1.5, 2.0])}" == str(mg.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"


def test_item_and_python_numbers_of_several_elements_as_torch():
    raises_like_torch(lambda: mg.ones(2).item(), lambda: torch.ones(2).item(), match="2 elements")
    raises_like_torch(lambda: float(mg.ones(2)), lambda: float(torch.ones(2)), error=ValueError,
                      match="one-element tensors")
    raises_like_torch(lambda: int(mg.ones(2, 2)), lambda: int(torch.ones(2, 2)), error=ValueError,
                      match="one-element tensors")
    assert float(mg.tensor([[2.5]])) == float(torch.tensor([[2.5]])) == 2.5


# --------------------------------------------------------------- inference_mode
def modes(module):
    return module.is_inference_mode_enabled(), module.is_grad_enabled()


@pytest.mark.parametrize("outer", ["none", "no_grad", "inference"])
@pytest.mark.parametrize("inner", [True, False])
def test_inference_mode_switches_as_torch(outer, inner):
    def run(module):
        contexts = {"none": None, "no_grad": module.no_grad, "inference": module.inference_mode}
        seen = []
        outer_context = contexts[outer]() if contexts[outer] else None
        if outer_context:
            outer_context.__enter__()
        seen.append(modes(module))
        with module.inference_mode(inner):
            seen.append(modes(module))
        seen.append(modes(module))
        if outer_context:
            outer_context.__exit__(None, None, None)
        seen.append(modes(module))
        return seen
    assert run(mg) == run(torch)


def test_inference_mode_records_no_graph_and_decorates():
    w = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        y = w * 2
    assert not y.requires_grad and y.grad_fn is None

    @mg.inference_mode
    def bare(x):
        return x * 2, modes(mg)

    @mg.inference_mode()
    def called(x):
        return x * 2, modes(mg)

    @mg.inference_mode(False)
    def off(x):
        return x * 2, modes(mg)
    for function, expected in [(bare, (True, False)), (called, (True, False)), (off, (False, True))]:
        y, seen = function(w)
        assert seen == expected and y.requires_grad == (not expected[0])
    assert modes(mg) == (False, True)
    assert mg.autograd.inference_mode is mg.inference_mode


def test_inference_mode_restores_after_an_exception():
    with pytest.raises(KeyError):
        with mg.inference_mode():
            raise KeyError("x")
    assert modes(mg) == (False, True)


# --------------------------------------------------------------- graph walking
def graph_shape(node, leaves):
    """The graph below ``node`` as nested tuples, naming leaves by their position."""
    if node is None:
        return None
    if hasattr(node, "variable"):
        return ("leaf", next(i for i, leaf in enumerate(leaves) if leaf is node.variable))
    return tuple((graph_shape(child, leaves), index) for child, index in node.next_functions)


def test_next_functions_walk_the_graph_as_torch():
    x, tx = both([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w, tw = both([1.0, -1.0], requires_grad=True)
    c, tc = both([2.0, 3.0])
    y = ((x * w).exp() * c).sum() + x.sum() * 3 + (w - 1).sum()
    ty = ((tx * tw).exp() * tc).sum() + tx.sum() * 3 + (tw - 1).sum()
    assert graph_shape(y.grad_fn, [x, w]) == graph_shape(ty.grad_fn, [tx, tw])
    assert ((x * w) * c).grad_fn.next_functions[1] == (None, 0)  # c needs no gradient
    accumulate = (x * w).grad_fn.next_functions[0][0]
    assert accumulate is (x + 1).grad_fn.next_functions[0][0]  # one per leaf, as in PyTorch
    assert accumulate.variable is x and accumulate.next_functions == ()
    assert accumulate.name() == "AccumulateGrad"
    y.backward()  # the edges stay walkable after the buffers are freed
    assert graph_shape(y.grad_fn, [x, w]) == graph_shape(ty.grad_fn, [tx, tw])


class TwoOutputs(mg.autograd.Function):
    """(x, 2x): a node with two outputs."""

    @staticmethod
    def forward(ctx, x):
        return x.copy(), 2 * x

    @staticmethod
    def backward(ctx, grad_first, grad_second):
        return grad_first + 2 * grad_second


def test_next_functions_name_the_output_of_a_node_with_several():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    first, second = TwoOutputs.apply(x)
    node = (first + second).grad_fn
    assert node.next_functions == ((first.grad_fn, 0), (first.grad_fn, 1))
    assert first.grad_fn is second.grad_fn and first.grad_fn.name() == "TwoOutputsBackward"


def test_grad_fn_name_is_its_repr():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for y, name in [(x * 2, "MulBackward"), (x.sum(), "SumBackward"), (x.exp(), "ExpBackward")]:
        assert y.grad_fn.name() == name and repr(y.grad_fn) == f"<{name}>"
        assert f"grad_fn=<{name}>" in repr(y)


# --------------------------------------------------------------- mg.cuda seeding
def test_cuda_manual_seed_all_and_manual_seed_run_without_a_gpu():
    mg.cuda.manual_seed_all(3)
    mg.cuda.manual_seed(3)
    if mg.cuda.is_available():
        mg.cuda.manual_seed_all(5)
        first = mg.randn(4, device="cuda").tolist()
        mg.cuda.manual_seed_all(5)
        assert mg.randn(4, device="cuda").tolist() == first
        mg.cuda.manual_seed(6)
        second = mg.randn(4, device="cuda").tolist()
        mg.cuda.manual_seed(6)
        assert mg.randn(4, device="cuda").tolist() == second != first
