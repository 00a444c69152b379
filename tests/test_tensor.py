"""Tensor basics: creation and dtype rules, factories, attributes, conversions,
operators, comparisons, the in-place updates optimizers use, and repr.

PyTorch (CPU, float64 unless a dtype rule is under test) is the oracle wherever
it has the same thing. Data is made with NumPy on the host and moved with
``mg.tensor(..., device=device)``.
"""
import numpy as np
import pytest
import torch

import minigrad as mg


def torch_dtype(dtype):
    """The torch dtype with the same name as a minigrad (NumPy) dtype."""
    return getattr(torch, np.dtype(dtype).name)


def assert_is_backend_array(t):
    assert t.backend.is_array(t._array), type(t._array)


@pytest.fixture
def float64_default():
    """Switch the default dtype to float64 for one test, then restore it."""
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    yield
    mg.set_default_dtype(previous)


# ---------------------------------------------------------------- mg.tensor dtype rules
@pytest.mark.parametrize("data", [1.5, [1.0, 2.0], [[1.0], [2.5]], [1, 2.5], 0.0, []],
                         ids=["float", "list", "nested", "mixed-int-float", "zero", "empty"])
def test_python_floats_and_lists_take_the_default_float32(data, device):
    t = mg.tensor(data, device=device)
    assert t.dtype == mg.float32 and torch.tensor(data).dtype == torch.float32
    np.testing.assert_array_equal(t.detach().numpy(), np.array(data, dtype=np.float32))
    assert t.device == device


@pytest.mark.parametrize("data, expected", [(3, mg.int64), ([1, 2, 3], mg.int64),
                                            (True, mg.bool), ([True, False], mg.bool),
                                            ([True, 2], mg.int64)])
def test_python_ints_give_int64_and_bools_give_bool(data, expected, device):
    t = mg.tensor(data, device=device)
    assert t.dtype == expected
    assert str(torch.tensor(data).dtype) == f"torch.{expected.name}"
    assert t.tolist() == torch.tensor(data).tolist()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64,
                                   np.uint8, np.bool_])
def test_numpy_arrays_and_scalars_keep_their_dtype(dtype, device):
    array = np.arange(4).astype(dtype)
    assert mg.tensor(array, device=device).dtype == dtype
    assert mg.tensor(array[1], device=device).dtype == dtype      # a NumPy scalar
    assert str(torch.tensor(array).dtype) == f"torch.{np.dtype(dtype).name}"


def test_mg_tensor_copies_its_input(device):
    array = np.arange(3.0)
    t = mg.tensor(array, device=device)
    array[0] = 100.0
    assert t.tolist() == [0.0, 1.0, 2.0]
    u = mg.tensor(t)                                              # from a tensor: a new leaf
    with mg.no_grad():
        u.add_(1)
    assert t.tolist() == [0.0, 1.0, 2.0] and u.tolist() == [1.0, 2.0, 3.0]
    assert u.device == device and u.is_leaf


@pytest.mark.parametrize("dtype", [mg.float64, mg.float16, mg.int32, mg.bool])
def test_dtype_argument_overrides_the_rules(dtype, device):
    for data in (1.5, [1, 0, 2], np.array([0.0, 2.0], dtype=np.float32)):
        t = mg.tensor(data, dtype=dtype, device=device)
        assert t.dtype == dtype
        np.testing.assert_array_equal(t.detach().numpy(), torch.tensor(data, dtype=torch_dtype(dtype)).detach().numpy())


def test_set_default_dtype_changes_what_floats_become(float64_default, device):
    assert mg.get_default_dtype() == mg.float64
    assert mg.tensor(1.5, device=device).dtype == mg.float64
    assert mg.tensor([1.0, 2.0], device=device).dtype == mg.float64
    for factory in (mg.zeros, mg.ones, mg.empty, mg.randn, mg.rand):
        assert factory(2, device=device).dtype == mg.float64, factory.__name__
    assert mg.full((2,), 0.5, device=device).dtype == mg.float64
    assert mg.arange(0.0, 1.0, 0.5, device=device).dtype == mg.float64
    assert mg.linspace(0, 1, 3, device=device).dtype == mg.float64
    assert mg.tensor([1, 2], device=device).dtype == mg.int64          # ints are not affected
    assert mg.tensor(np.ones(2, np.float32), device=device).dtype == mg.float32  # arrays neither
    assert (mg.arange(3, device=device) / 2).dtype == mg.float64       # int / int: the default


def test_set_default_dtype_refuses_non_float_dtypes():
    with pytest.raises(TypeError, match="floating"):
        mg.set_default_dtype(mg.int64)
    assert mg.get_default_dtype() == mg.float32


# ---------------------------------------------------------------- factories
SHAPE_FACTORIES = {
    "zeros": (lambda *s, **k: mg.zeros(*s, **k), lambda *s, **k: torch.zeros(*s, **k)),
    "ones": (lambda *s, **k: mg.ones(*s, **k), lambda *s, **k: torch.ones(*s, **k)),
    "full": (lambda *s, **k: mg.full(s, 2.5, **k), lambda *s, **k: torch.full(s, 2.5, **k)),
}


@pytest.mark.parametrize("name", SHAPE_FACTORIES)
@pytest.mark.parametrize("dtype", [None, mg.float64, mg.float32])
def test_filled_factories_match_torch(name, dtype, device):
    ours, theirs = SHAPE_FACTORIES[name]
    t = ours(2, 3, dtype=dtype, device=device)
    expected = theirs(2, 3, dtype=None if dtype is None else torch_dtype(dtype))
    assert t.shape == (2, 3) and t.device == device
    assert t.dtype == (dtype or mg.float32)
    np.testing.assert_array_equal(t.detach().numpy(), expected.detach().numpy())
    assert_is_backend_array(t)
    leaf = ours(4, dtype=dtype, device=device, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf and leaf.grad is None


def test_factories_accept_a_shape_tuple_and_integer_dtypes(device):
    assert mg.zeros((2, 3), device=device).shape == (2, 3)
    assert mg.ones([4], dtype=mg.int32, device=device).tolist() == [1, 1, 1, 1]
    assert mg.zeros((), device=device).shape == ()
    full = mg.full((2,), 7, device=device)
    assert full.dtype == mg.int64 and full.tolist() == [7, 7]            # as torch.full
    assert torch.full((2,), 7).dtype == torch.int64
    assert mg.full((2,), True, device=device).dtype == mg.bool
    empty = mg.empty(3, 2, dtype=mg.float64, device=device, requires_grad=True)
    assert empty.shape == (3, 2) and empty.dtype == mg.float64 and empty.requires_grad


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "full_like",
                                  "randn_like", "rand_like"])
def test_like_factories_inherit_shape_dtype_and_device(name, device):
    source = mg.tensor(np.ones((2, 3)), device=device)                  # float64
    factory = getattr(mg, name)
    args = (source, 4.0) if name == "full_like" else (source,)
    t = factory(*args)
    assert t.shape == (2, 3) and t.dtype == mg.float64 and t.device == device
    assert not t.requires_grad and t.is_leaf
    t32 = factory(*args, dtype=mg.float32, requires_grad=True)
    assert t32.dtype == mg.float32 and t32.requires_grad and t32.device == device
    if name in ("zeros_like", "ones_like", "full_like"):
        expected = {"zeros_like": 0.0, "ones_like": 1.0, "full_like": 4.0}[name]
        np.testing.assert_array_equal(t.detach().numpy(), np.full((2, 3), expected))


def test_like_factories_can_change_device():
    source = mg.ones(2)
    moved = mg.zeros_like(source, device="strict")
    assert moved.device == "strict" and moved.dtype == mg.float32


def test_arange_matches_torch(device):
    cases = [((5,), {}), ((2, 9, 3), {}), ((0.0, 1.0, 0.25), {}), ((1, 2.5, 0.5), {}),
             ((5,), {"dtype": mg.float64}), ((-3, 3), {"dtype": mg.int32})]
    for args, kwargs in cases:
        t = mg.arange(*args, device=device, **kwargs)
        torch_kwargs = {"dtype": torch_dtype(kwargs["dtype"])} if "dtype" in kwargs else {}
        expected = torch.arange(*args, **torch_kwargs)
        assert t.dtype == np.dtype(str(expected.dtype).replace("torch.", "")), args
        np.testing.assert_array_equal(t.detach().numpy(), expected.detach().numpy())
    assert mg.arange(3.0, device=device, requires_grad=True).requires_grad


def test_linspace_and_eye_match_torch(device):
    t = mg.linspace(-1, 2, 7, device=device)
    assert t.dtype == mg.float32
    np.testing.assert_allclose(t.detach().numpy(), torch.linspace(-1, 2, 7).detach().numpy(), rtol=1e-6)
    t64 = mg.linspace(0, 1, 5, dtype=mg.float64, device=device, requires_grad=True)
    assert t64.dtype == mg.float64 and t64.requires_grad
    np.testing.assert_array_equal(t64.detach().numpy(), torch.linspace(0, 1, 5, dtype=torch.float64).detach().numpy())
    np.testing.assert_array_equal(mg.eye(3, device=device).detach().numpy(), torch.eye(3).detach().numpy())
    np.testing.assert_array_equal(mg.eye(2, 4, dtype=mg.int64, device=device).detach().numpy(),
                                  torch.eye(2, 4, dtype=torch.int64).detach().numpy())
    assert mg.eye(2, device=device, requires_grad=True).requires_grad


def test_random_factories_have_the_right_shape_dtype_and_distribution(device):
    mg.manual_seed(0)
    normal = mg.randn(20000, device=device)
    assert normal.dtype == mg.float32 and normal.device == device
    assert abs(normal.detach().numpy().mean()) < 0.05 and abs(normal.detach().numpy().std() - 1) < 0.05
    uniform = mg.rand(4, 5000, dtype=mg.float64, device=device).detach().numpy()
    assert uniform.shape == (4, 5000) and uniform.dtype == np.float64
    assert uniform.min() >= 0 and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.02
    integers = mg.randint(3, 7, (1000,), device=device)
    assert integers.dtype == mg.int64 and integers.device == device
    assert set(np.unique(integers.detach().numpy())) == {3, 4, 5, 6}
    assert mg.randn(2, 3, dtype=mg.float64, device=device, requires_grad=True).requires_grad
    assert mg.rand((3,), device=device, requires_grad=True).requires_grad


def test_float16_random_tensors(device):
    mg.manual_seed(0)
    uniform = mg.rand(50000, dtype=mg.float16, device=device)
    normal = mg.randn(50000, dtype=mg.float16, device=device)
    assert uniform.dtype == normal.dtype == mg.float16 == np.dtype(str(torch.rand(1, dtype=torch.float16).dtype)[6:])
    values = uniform.detach().numpy()
    assert values.min() >= 0 and values.max() < 1 and abs(values.astype(np.float64).mean() - 0.5) < 0.01
    assert abs(normal.detach().numpy().astype(np.float64).std() - 1) < 0.02


def test_randint_takes_both_of_torchs_forms(device):
    """``randint(high, size)`` and ``randint(low, high, size)``, as torch.randint."""
    only_high = mg.randint(5, (200,), device=device)
    assert only_high.shape == (200,) and set(np.unique(only_high.detach().numpy())) == {0, 1, 2, 3, 4}
    assert torch.randint(5, (200,)).shape == (200,)
    keyword = mg.randint(2, size=(3, 4), device=device)
    assert keyword.shape == (3, 4) and keyword.detach().numpy().max() < 2
    low_high = mg.randint(-2, 0, [50], dtype=mg.int32, device=device)
    assert low_high.dtype == mg.int32 and set(np.unique(low_high.detach().numpy())) == {-2, -1}


@pytest.mark.parametrize("factory", [
    lambda device: mg.randn(3, 4, device=device),
    lambda device: mg.rand(5, dtype=mg.float64, device=device),
    lambda device: mg.randint(0, 1000, (6,), device=device),
    lambda device: mg.randperm(10, device=device),
    lambda device: mg.randn_like(mg.ones(3, device=device)),
], ids=["randn", "rand", "randint", "randperm", "randn_like"])
def test_manual_seed_makes_random_tensors_reproducible(factory, device):
    mg.manual_seed(1234)
    first, second = factory(device).detach().numpy(), factory(device).detach().numpy()
    mg.manual_seed(1234)
    again_first, again_second = factory(device).detach().numpy(), factory(device).detach().numpy()
    np.testing.assert_array_equal(first, again_first)
    np.testing.assert_array_equal(second, again_second)
    assert not np.array_equal(first, second)                  # the stream moves on
    mg.manual_seed(4321)
    assert not np.array_equal(factory(device).detach().numpy(), first)


# ---------------------------------------------------------------- attributes
def test_leaf_and_non_leaf_attributes(device):
    x = mg.tensor(np.array([[1.0, -2.0, 3.0]]), device=device, requires_grad=True)
    assert_is_backend_array(x)
    assert x.shape == (1, 3) and x.ndim == 2 and x.dtype == mg.float64 and x.device == device
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and type(y.grad_fn).__name__ == "Mul"
    assert y.grad is None
    plain = mg.tensor([1.0], device=device)
    assert not plain.requires_grad and plain.is_leaf
    z = plain * 2                                  # no input requires grad: a leaf, like torch
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    with mg.no_grad():
        w = x * 2
    assert not w.requires_grad and w.is_leaf and w.grad_fn is None


def test_grad_is_a_tensor_after_backward_and_is_assignable(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, mg.Tensor) and x.grad.device == device
    assert not x.grad.requires_grad
    np.testing.assert_array_equal(x.grad.detach().numpy(), [2.0, 4.0])
    x.grad = mg.tensor([10.0, 10.0], device=device)
    (x * x).sum().backward()                                  # accumulates onto the new value
    np.testing.assert_array_equal(x.grad.detach().numpy(), [12.0, 14.0])
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        x.grad = mg.ones(3, device=device)
    with pytest.raises(RuntimeError, match="dtype float64.*dtype float32"):   # torch refuses too
        x.grad = mg.ones(2, dtype=mg.float64, device=device)
    with pytest.raises(RuntimeError):
        torch.ones(2, requires_grad=True).grad = torch.ones(2, dtype=torch.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = np.ones(2)


def test_requires_grad_can_be_set_on_leaves_only(device):
    x = mg.tensor([1.0, 2.0], device=device)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = mg.tensor([1.0], device=device, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_numpy_item_and_tolist(device):
    values = np.array([[1.5, -2.0], [3.25, 4.0]])
    t = mg.tensor(values, device=device)
    host = t.detach().numpy()
    assert type(host) is np.ndarray and host.dtype == np.float64
    np.testing.assert_array_equal(host, values)
    assert t.tolist() == values.tolist() and type(t.tolist()[0][0]) is float
    assert t[1, 0].item() == 3.25 and type(t[1, 0].item()) is float
    assert mg.tensor([7], device=device).item() == 7 and type(mg.tensor([7], device=device).item()) is int
    assert mg.tensor([[True]], device=device).item() is True
    assert mg.tensor(2.5, device=device).tolist() == 2.5
    assert float(mg.tensor([2.5], device=device)) == 2.5 and int(mg.tensor(3, device=device)) == 3
    with pytest.raises(RuntimeError, match="one element"):
        t.item()
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    assert x.detach().numpy().tolist() == [1.0, 2.0]                    # no detach() needed


def test_detach_shares_data_and_stops_gradients(device):
    x = mg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    with mg.no_grad():
        x.mul_(2)                                     # the original changes ...
    assert d.tolist() == [2.0, 4.0, 6.0]              # ... and so does the detached one
    d.add_(1)
    assert x.tolist() == [3.0, 5.0, 7.0]
    y = (x * d).sum()                                 # d is a constant in this graph
    y.backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), d.detach().numpy())


def test_clone_has_its_own_memory_and_is_differentiable(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    c = x.clone()
    assert c.requires_grad and not c.is_leaf and c.device == device and c.dtype == x.dtype
    (c * mg.tensor([3.0, 5.0], device=device)).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [3.0, 5.0])
    plain = mg.tensor([1.0, 2.0], device=device)
    copy = plain.clone()
    copy.add_(10)
    assert plain.tolist() == [1.0, 2.0] and copy.tolist() == [11.0, 12.0]
    assert not copy.requires_grad


def test_to_dtype_is_differentiable_and_grads_keep_the_leaf_dtype(device):
    x = mg.tensor(np.array([0.5, -1.0, 2.0]), device=device, requires_grad=True)
    y = x.to(mg.float32)
    assert y.dtype == mg.float32 and y.grad_fn is not None and y.device == device
    (y.exp()).sum().backward()
    assert x.grad.dtype == mg.float64
    np.testing.assert_allclose(x.grad.detach().numpy(), np.exp([0.5, -1.0, 2.0]), rtol=1e-6)
    assert x.to(mg.float64) is x and x.to(device) is x and x.to(device, mg.float64) is x
    assert x.float().dtype == mg.float32 and x.double() is x
    assert x.long().dtype == mg.int64 and not x.long().requires_grad
    assert x.to(dtype=mg.float16).dtype == mg.float16
    assert x.to(mg.ones(1, dtype=mg.float32, device=device)).dtype == mg.float32  # to(other)


def test_to_device_and_cpu_are_differentiable():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    on_strict = x.to("strict")
    assert on_strict.device == "strict" and on_strict.grad_fn is not None
    assert on_strict.backend.is_array(on_strict._array) and not isinstance(on_strict._array, np.ndarray)
    back = (on_strict * on_strict).cpu()
    assert back.device == "cpu"
    back.sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.detach().numpy(), [2.0, -4.0, 6.0])
    # and the other way round: a leaf on 'strict' gets its gradient on 'strict'
    w = mg.tensor([2.0, 3.0], device="strict", requires_grad=True)
    (w.cpu() * mg.tensor([1.0, 10.0])).sum().backward()
    assert w.grad.device == "strict" and w.grad.tolist() == [1.0, 10.0]
    both = x.to("strict", mg.float64)
    assert both.device == "strict" and both.dtype == mg.float64 and both.requires_grad


def test_integer_tensors_can_never_require_grad(device):
    with pytest.raises(RuntimeError, match="floating.point"):
        mg.tensor([1, 2], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating.point"):
        mg.tensor([True], device=device, requires_grad=True)
    for factory in (lambda: mg.zeros(2, dtype=mg.int64, device=device, requires_grad=True),
                    lambda: mg.arange(3, device=device, requires_grad=True),
                    lambda: mg.zeros_like(mg.tensor([1], device=device), requires_grad=True),
                    lambda: mg.tensor([1, 2], device=device).requires_grad_()):
        with pytest.raises(RuntimeError, match="floating.point"):
            factory()
    with pytest.raises(RuntimeError, match="floating.point"):
        mg.tensor([1, 2], device=device).requires_grad = True
    with pytest.raises(RuntimeError):                          # torch agrees
        torch.tensor([1, 2], requires_grad=True)
    x = mg.tensor([1.5, -2.5], device=device, requires_grad=True)
    for integer_result in (x.argmax(), x.long(), x > 0, (x > 0) & (x < 1)):
        assert not integer_result.requires_grad and integer_result.grad_fn is None


# ---------------------------------------------------------------- operators
BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a ** b,
}


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("scalar", [2.0, 3, 0.5, np.float64(1.5)], ids=["2.0", "3", "0.5", "np.float64"])
def test_operators_with_python_scalars_on_either_side(op, scalar, device):
    f = BINARY[op]
    values = np.array([0.5, 1.0, 2.5])
    x = mg.tensor(values, device=device, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    for ours, theirs in ((f(x, scalar), f(t, scalar)), (f(scalar, x), f(scalar, t))):
        assert ours.device == device and ours.dtype == mg.float64
        mg.testing.assert_close(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
        mg.testing.assert_close(x.grad, t.grad)
    # float32 stays float32 with any Python or NumPy scalar, as in torch
    x32 = mg.tensor(values, dtype=mg.float32, device=device)
    assert f(x32, scalar).dtype == mg.float32 and f(scalar, x32).dtype == mg.float32
    assert str(f(torch.tensor(values, dtype=torch.float32), scalar).dtype) == "torch.float32"


def test_unary_operators_and_matmul_with_arrays(device):
    values = np.array([[1.0, -2.0], [3.0, 4.0]])
    x = mg.tensor(values, device=device, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    for ours, theirs in ((-x, -t), (+x, +t), (abs(x), abs(t)), (x @ x, t @ t), (x.T, t.T)):
        mg.testing.assert_close(ours, theirs)
    ((-x) * (x @ x)).sum().backward()
    ((-t) * (t @ t)).sum().backward()
    mg.testing.assert_close(x.grad, t.grad)


@pytest.mark.parametrize("op", list(BINARY) + ["@"])
def test_operators_with_numpy_arrays_on_either_side(op):
    f = {**BINARY, "@": lambda a, b: a @ b}[op]
    rng = np.random.default_rng(1)
    values, array = rng.random((3, 3)) + 0.5, rng.random((3, 3)) + 0.5
    x = mg.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    for ours, theirs in ((f(x, array), f(t, torch.tensor(array))),
                         (f(array, x), f(torch.tensor(array), t))):
        assert isinstance(ours, mg.Tensor) and ours.requires_grad   # NumPy did not take over
        mg.testing.assert_close(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
        mg.testing.assert_close(x.grad, t.grad)


def test_numpy_arrays_are_cpu_data_so_other_devices_refuse_them():
    x = mg.ones(3, device="strict")
    with pytest.raises(RuntimeError, match="strict.*cpu"):
        x + np.ones(3)
    with pytest.raises(RuntimeError, match="cpu.*strict"):
        np.ones(3) * x


def test_dtype_promotion_between_tensors_follows_torch(device):
    cases = [(np.float32, np.float64), (np.int64, np.float32), (np.int32, np.int64), (np.bool_, np.int64),
             (np.float16, np.float32)]
    for left, right in cases:
        a = mg.tensor(np.ones(2, dtype=left), device=device)
        b = mg.tensor(np.ones(2, dtype=right), device=device)
        expected = torch.ones(2, dtype=torch_dtype(left)) + torch.ones(2, dtype=torch_dtype(right))
        assert (a + b).dtype == np.dtype(str(expected.dtype).replace("torch.", "")), (left, right)
    # a 0-d tensor does not widen a tensor with dimensions of the same kind
    assert (mg.ones(2, device=device) * mg.tensor(np.float64(2.0), device=device)).dtype == mg.float32
    assert (torch.ones(2) * torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32
    assert (mg.arange(3, device=device) * 0.5).dtype == mg.float32


COMPARISONS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
               ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons_give_bool_tensors_without_grad(op, device):
    f = COMPARISONS[op]
    values, others = np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])
    x = mg.tensor(values, device=device, requires_grad=True)
    t = torch.tensor(values)
    for ours, theirs in ((f(x, mg.tensor(others, device=device)), f(t, torch.tensor(others))),
                         (f(x, 2.0), f(t, 2.0)), (f(2, x), f(2, t)), (f(x, x), f(t, t))):
        assert ours.dtype == mg.bool and ours.device == device
        assert not ours.requires_grad and ours.grad_fn is None
        assert ours.tolist() == theirs.tolist()
    assert f(mg.tensor(values), others).tolist() == f(t, torch.tensor(others)).tolist()


def test_logical_operators_on_bool_tensors(device):
    x = mg.tensor([1.0, 2.0, 3.0], device=device)
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 2)).tolist() == [True, False, True]
    assert ((x > 1) ^ (x > 2)).tolist() == [False, True, False]
    assert (~(x > 1)).tolist() == [True, False, False]


def test_equality_with_none_is_false_as_in_torch(device):
    x = mg.ones(3, device=device)
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (torch.ones(3) == None) is False  # noqa: E711
    assert x in [None, x] and x not in (None,)


# ---------------------------------------------------------------- in-place updates
IN_PLACE = {
    "add_": lambda t, a, b: t.add_(a),
    "add_alpha": lambda t, a, b: t.add_(a, alpha=-0.3),
    "add_scalar_alpha": lambda t, a, b: t.add_(2.0, alpha=0.5),
    "sub_": lambda t, a, b: t.sub_(a),
    "sub_alpha": lambda t, a, b: t.sub_(a, alpha=2.5),
    "mul_": lambda t, a, b: t.mul_(a),
    "mul_scalar": lambda t, a, b: t.mul_(0.9),
    "div_": lambda t, a, b: t.div_(b),
    "div_scalar": lambda t, a, b: t.div_(4.0),
    "addcmul_": lambda t, a, b: t.addcmul_(a, b),
    "addcmul_value": lambda t, a, b: t.addcmul_(a, b, value=-0.1),
    "addcdiv_": lambda t, a, b: t.addcdiv_(a, b),
    "addcdiv_value": lambda t, a, b: t.addcdiv_(a, b, value=0.01),
    "lerp_scalar": lambda t, a, b: t.lerp_(a, 0.1),
    "lerp_tensor": lambda t, a, b: t.lerp_(a, b / 4),
    "copy_": lambda t, a, b: t.copy_(a),
    "copy_broadcast": lambda t, a, b: t.copy_(a[0]),
    "zero_": lambda t, a, b: t.zero_(),
    "fill_": lambda t, a, b: t.fill_(-1.25),
    "clamp_": lambda t, a, b: t.clamp_(-0.5, 0.5),
    "clamp_min": lambda t, a, b: t.clamp_(min=0.0),
    "clamp_max": lambda t, a, b: t.clamp_(max=0.1),
    "sqrt_": lambda t, a, b: t.sqrt_(),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_updates_match_torch_and_bump_the_version(name, device):
    update = IN_PLACE[name]
    rng = np.random.default_rng(2)
    values, a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.random((3, 4)) + 1
    if name == "sqrt_":
        values = np.abs(values)
    ours = mg.tensor(values, device=device)
    theirs = torch.tensor(values)
    data, version = ours._array, ours._version[0]
    result = update(ours, mg.tensor(a, device=device), mg.tensor(b, device=device))
    update(theirs, torch.tensor(a), torch.tensor(b))
    assert result is ours and ours._array is data                 # really in place
    assert ours._version[0] > version
    assert ours.dtype == mg.float64 and ours.device == device
    mg.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["add_", "mul_", "addcdiv_", "lerp_scalar", "clamp_", "sqrt_", "copy_"])
def test_in_place_updates_keep_float32(name, device):
    rng = np.random.default_rng(3)
    values, a, b = (rng.random(5) + 0.5 for _ in range(3))
    ours = mg.tensor(values, dtype=mg.float32, device=device)
    theirs = torch.tensor(values, dtype=torch.float32)
    IN_PLACE[name](ours, mg.tensor(a, device=device), mg.tensor(b, device=device))   # float64 operands
    IN_PLACE[name](theirs, torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32))
    assert ours.dtype == mg.float32
    mg.testing.assert_close(ours, theirs)


def test_each_in_place_update_bumps_the_version_once(device):
    t = mg.zeros(3, device=device)
    other = mg.ones(3, device=device)
    updates = [lambda: t.add_(other), lambda: t.sub_(other, alpha=2), lambda: t.mul_(2),
               lambda: t.div_(2), lambda: t.addcmul_(other, other), lambda: t.addcdiv_(other, other),
               lambda: t.lerp_(other, 0.5), lambda: t.copy_(other), lambda: t.zero_(),
               lambda: t.fill_(4.0), lambda: t.clamp_(0, 1), lambda: t.sqrt_()]
    for count, update in enumerate(updates, start=1):
        update()
        assert t._version[0] == count


IN_PLACE_NAMES = ["add_", "sub_", "mul_", "div_", "addcmul_", "addcdiv_", "lerp_scalar", "copy_",
                  "zero_", "fill_", "clamp_", "sqrt_"]


@pytest.mark.parametrize("name", IN_PLACE_NAMES)
def test_in_place_on_a_tensor_requiring_grad_needs_no_grad(name, device):
    update = IN_PLACE[name]
    w = mg.tensor(np.array([0.25, 1.0, 4.0]), device=device, requires_grad=True)
    a, b = mg.tensor([1.0, 2.0, 3.0], device=device), mg.tensor([2.0, 2.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match="no_grad"):
        update(w, a, b)
    assert w.tolist() == [0.25, 1.0, 4.0] and w._version[0] == 0      # untouched
    with pytest.raises(RuntimeError):                                  # torch agrees
        IN_PLACE[name](torch.tensor([0.25, 1.0, 4.0], requires_grad=True),
                       torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 2.0]))
    with mg.no_grad():
        update(w, a, b)
    theirs = torch.tensor([0.25, 1.0, 4.0], requires_grad=True)
    with torch.no_grad():
        IN_PLACE[name](theirs, torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 2.0]))
    mg.testing.assert_close(w, theirs.detach())
    assert w.requires_grad and w.is_leaf and w._version[0] == 1
    # and a tensor that requires no grad may be changed in place with grad mode on
    plain = mg.tensor([0.25, 1.0, 4.0], device=device)
    update(plain, a, b)
    mg.testing.assert_close(plain, theirs.detach())


def test_in_place_updates_refuse_tensors_on_another_device():
    t = mg.zeros(2)
    with pytest.raises(RuntimeError, match=r"cpu and strict.*\.to\('cpu'\)"):
        t.add_(mg.ones(2, device="strict"))
    t.copy_(mg.tensor([1.0, 2.0], device="strict"))                  # copy_ moves, as in torch
    assert t.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- repr
REPR_CASES = [
    [1.0, 2.0], [1.0, 2.5], 1.5, 3.0, [-1.5, 2.0], [[1.0, 2.5], [-3.25, 4.0]], [0.0, 0.0],
    [1e-5, 1.0], [1e9, 1.0], [float("nan"), 1.5, float("inf")], [-0.0, 1.0], [123456.789, 1.0],
    [1, 10, -100], 7, [True, False], [True], [[True, True]], [],
    np.arange(24.0).reshape(2, 3, 4) / 3, np.linspace(-3, 3, 30), np.arange(2000.0) / 7,
]


@pytest.mark.parametrize("data", REPR_CASES, ids=range(len(REPR_CASES)))
@pytest.mark.parametrize("dtype", [None, mg.float64])
def test_repr_looks_like_torchs(data, dtype):
    if dtype is not None and np.asarray(data).dtype.kind != "f":
        pytest.skip("integer and bool data keep their dtype")
    if dtype is None and isinstance(data, np.ndarray):
        dtype = mg.float32                                    # compare like with like
    ours = repr(mg.tensor(data, dtype=dtype))
    theirs = repr(torch.tensor(data, dtype=None if dtype is None else torch_dtype(dtype)))
    if dtype == mg.float64:                                   # torch writes dtype=torch.float64
        assert ours == theirs.replace("torch.", "").replace(",\n       dtype", ", dtype")
    else:
        assert ours == theirs


def test_repr_shows_grad_state_device_and_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == repr(torch.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(torch.tensor([1.0, 2.0], requires_grad=True) * 2).startswith("tensor([2., 4.], grad_fn=<MulBackward")
    assert repr(mg.tensor([1], dtype=mg.int32)) == "tensor([1], dtype=int32)"
    assert repr(mg.tensor([0.5], device="strict", requires_grad=True)) == \
        "tensor([0.5000], device='strict', requires_grad=True)"
    with mg.no_grad():
        assert repr(x * 2) == "tensor([2., 4.])"


def test_repr_with_float64_default_dtype(float64_default):
    assert repr(mg.tensor([1.5])) == "tensor([1.5000])"
    assert repr(mg.tensor([1.5], dtype=mg.float32)) == "tensor([1.5000], dtype=float32)"


def test_setitem_writes_in_place(device):
    x = mg.zeros(2, 3, device=device)
    x[0, 1:] = 5.0
    x[mg.tensor([1, 1], device=device), 0] = mg.tensor([7.0, 7.0], device=device)
    assert x.tolist() == [[0.0, 5.0, 5.0], [7.0, 0.0, 0.0]]


def test_integer_tensors_give_default_dtype_floats_like_torch(device):
    a = mg.arange(4, device=device)
    t = torch.arange(4)
    for ours, theirs in ((a / 2, t / 2), (a.exp(), t.exp()), (a * 0.5, t * 0.5), (a.sqrt(), t.sqrt())):
        assert ours.dtype == mg.float32 == np.dtype(str(theirs.dtype).replace("torch.", ""))
        mg.testing.assert_close(ours, theirs)
    assert (a + 1).dtype == mg.int64
    assert (a * mg.ones(4, dtype=mg.float64, device=device)).dtype == mg.float64


def test_an_empty_list_index_selects_nothing_like_torch(device):
    x = mg.ones(4, 5, device=device, requires_grad=True)
    assert x[[]].shape == tuple(torch.ones(4, 5)[[]].shape) == (0, 5)
    x[[]].sum().backward()
    assert x.grad.detach().numpy().sum() == 0
