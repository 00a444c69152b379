"""Tensor creation, dtypes, conversions, operators and the in-place updates."""
import numpy as np
import pytest
import torch

import minigrad as mg


def test_dtype_rules_follow_pytorch(device):
    assert mg.tensor([1.0, 2.0], device=device).dtype == mg.float32
    assert mg.tensor(2.5).dtype == mg.float32
    assert mg.tensor([1, 2], device=device).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool
    assert mg.tensor(np.zeros(2, dtype=np.float64)).dtype == mg.float64
    assert mg.tensor(np.zeros(2, dtype=np.int32)).dtype == mg.int32
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == mg.float64
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.tensor([1.0]).dtype == mg.float64
        assert mg.randn(2).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)
    with pytest.raises(TypeError, match="floating"):
        mg.set_default_dtype(mg.int64)


def test_factories(device):
    assert mg.zeros(2, 3, device=device).numpy().tolist() == [[0.0] * 3] * 2
    assert mg.ones((2,), dtype=mg.float64, device=device).dtype == mg.float64
    assert mg.full((2, 2), 7.0, device=device).numpy().sum() == 28.0
    assert mg.full((2,), 3).dtype == mg.int64
    assert mg.empty(4, device=device).shape == (4,)
    like = mg.ones(2, 3, dtype=mg.float64, device=device)
    assert mg.zeros_like(like).dtype == mg.float64 and mg.zeros_like(like).device == device
    assert mg.ones_like(like).numpy().sum() == 6
    assert mg.arange(5, device=device).numpy().tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(0.0, 1.0, 0.25).dtype == mg.float32
    np.testing.assert_allclose(mg.linspace(0, 1, 5, device=device).numpy(), np.linspace(0, 1, 5))
    assert mg.eye(3, device=device).numpy().trace() == 3
    r = mg.randint(0, 10, (100,), device=device).numpy()
    assert r.dtype == np.int64 and r.min() >= 0 and r.max() < 10
    u = mg.rand(1000, device=device).numpy()
    assert 0 <= u.min() and u.max() < 1
    w = mg.randn(3, requires_grad=True, device=device)
    assert w.requires_grad and w.is_leaf and w.device == device


def test_manual_seed_makes_random_tensors_repeatable(device):
    mg.manual_seed(123)
    a = mg.randn(5, device=device).numpy()
    mg.manual_seed(123)
    b = mg.randn(5, device=device).numpy()
    c = mg.randn(5, device=device).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_attributes_and_conversions(device):
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], device=device, requires_grad=True)
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and len(x) == 2
    assert x.is_leaf and x.grad is None and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.requires_grad and "Mul" in repr(y.grad_fn)
    assert isinstance(x.numpy(), np.ndarray)
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x[1, 0].item() == 3.0 and float(x.sum()) == 10.0
    with pytest.raises(ValueError, match="one element"):
        x.item()
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    with mg.no_grad():
        d.add_(1)                                   # detach shares memory
    assert x.numpy()[0, 0] == 2.0
    c = x.clone()
    assert c.grad_fn is not None
    c.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 2)))


def test_to_dtype_and_back_is_differentiable(device):
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, device=device, requires_grad=True)
    y = x.to(mg.float32)
    assert y.dtype == mg.float32
    (y * y).sum().backward()
    assert x.grad.dtype == mg.float64
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.float().dtype == mg.float32 and x.long().dtype == mg.int64
    assert x.to(device) is x and x.cpu().device == "cpu"


def test_integer_tensors_never_require_grad(device):
    with pytest.raises(RuntimeError, match="floating"):
        mg.tensor([1, 2], device=device, requires_grad=True)
    t = mg.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="floating"):
        t.requires_grad_()
    x = mg.tensor([1.5, 2.5], requires_grad=True, device=device)
    assert not (x > 2).requires_grad and (x > 2).dtype == mg.bool
    assert not x.argmax().requires_grad


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_operators_with_python_numbers_and_arrays_on_either_side(op):
    f = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
         "/": lambda a, b: a / b, "**": lambda a, b: a ** b}[op]
    values = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    x, t = mg.tensor(values), torch.tensor(values)
    for other in (2.0, 3, np.float32(0.5)):
        mg.testing.assert_close(f(x, other), f(t, other))
        mg.testing.assert_close(f(other, x), f(other, t))
        assert f(x, other).dtype == mg.float32
    array = np.array([0.5, 1.5, 2.5], dtype=np.float32)
    mg.testing.assert_close(f(x, array), f(values, array))
    mg.testing.assert_close(f(array, x), f(array, values))
    assert isinstance(f(array, x), mg.Tensor)


def test_comparisons_and_logic(device):
    x = mg.tensor([1.0, 2.0, 3.0], device=device)
    assert (x >= 2).tolist() == [False, True, True]
    assert (x == mg.tensor([1.0, 0.0, 3.0], device=device)).tolist() == [True, False, True]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert (2 < x).tolist() == [False, False, True]


IN_PLACE = [
    ("add_", lambda t, o: t.add_(o, alpha=0.5)),
    ("sub_", lambda t, o: t.sub_(o, alpha=2)),
    ("mul_", lambda t, o: t.mul_(o)),
    ("div_", lambda t, o: t.div_(o)),
    ("addcmul_", lambda t, o: t.addcmul_(o, o, value=0.3)),
    ("addcdiv_", lambda t, o: t.addcdiv_(o, o + 3, value=-0.7)),
    ("lerp_", lambda t, o: t.lerp_(o, 0.25)),
    ("copy_", lambda t, o: t.copy_(o)),
    ("zero_", lambda t, o: t.zero_()),
    ("fill_", lambda t, o: t.fill_(1.5)),
    ("clamp_", lambda t, o: t.clamp_(-0.2, 0.3)),
    ("sqrt_", lambda t, o: t.mul_(t).sqrt_()),
]


@pytest.mark.parametrize("name, update", IN_PLACE, ids=[n for n, _ in IN_PLACE])
def test_in_place_updates_match_torch_and_bump_the_version(name, update, device):
    rng = np.random.default_rng(0)
    values, other = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)) + 3
    ours = mg.tensor(values, device=device)
    theirs = torch.tensor(values)
    data_before, version_before = ours.data, ours._version[0]
    assert update(ours, mg.tensor(other, device=device)) is ours
    update(theirs, torch.tensor(other))
    mg.testing.assert_close(ours, theirs)
    assert ours.data is data_before             # really in place
    assert ours._version[0] > version_before


def test_setitem_writes_in_place(device):
    x = mg.zeros(2, 3, device=device)
    x[0, 1:] = 5.0
    x[mg.tensor([1, 1], device=device), 0] = mg.tensor([7.0, 7.0], device=device)
    assert x.tolist() == [[0.0, 5.0, 5.0], [7.0, 0.0, 0.0]]


def test_repr_looks_like_torch():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "grad_fn=<MulBackward>" in repr(mg.tensor([1.0], requires_grad=True) * 2)
    assert "dtype=float64" in repr(mg.tensor(np.ones(1)))


def test_integer_tensors_give_default_dtype_floats_like_torch(device):
    a = mg.arange(4, device=device)
    t = torch.arange(4)
    for ours, theirs in ((a / 2, t / 2), (a.exp(), t.exp()), (a * 0.5, t * 0.5), (a.sqrt(), t.sqrt())):
        assert ours.dtype == mg.float32 == np.dtype(str(theirs.dtype).replace("torch.", ""))
        mg.testing.assert_close(ours, theirs)
    assert (a + 1).dtype == mg.int64
    assert (a * mg.ones(4, dtype=mg.float64, device=device)).dtype == mg.float64


def test_assigning_grad_checks_shape_and_device(device):
    x = mg.ones(3, device=device, requires_grad=True)
    x.grad = mg.full((3,), 2.0, device=device)
    x.grad = None
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(2,\).*\(3,\)"):
        x.grad = mg.ones(2, device=device)
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = np.ones(3)
    other = "cpu" if device != "cpu" else "strict"
    with pytest.raises(RuntimeError, match="assigned grad is on"):
        x.grad = mg.ones(3, device=other)


def test_an_empty_list_index_selects_nothing_like_torch(device):
    x = mg.ones(4, 5, device=device, requires_grad=True)
    assert x[[]].shape == tuple(torch.ones(4, 5)[[]].shape) == (0, 5)
    x[[]].sum().backward()
    assert x.grad.numpy().sum() == 0
