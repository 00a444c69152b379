"""In-place random fills that initialisation code uses (``uniform_``, ``normal_``,
``bernoulli_``, ``exponential_``, ``random_``), ``fill_diagonal_`` and
``mg.randint_like``: the same stream as the factories (deterministic per seed and
per ``mg.Generator``), ranges and moments with fixed seeds, dtypes, the in-place
rules (versions, views, leaves that require grad), and PyTorch's exception types
for bad arguments. The numbers are minigrad's, not PyTorch's: only the
distributions are compared.
"""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg

N = 200_000


def values(t):
    return t.detach().numpy().astype(np.float64)


# ---------------------------------------------------------------- the same stream as the factories
@pytest.mark.parametrize("fill, factory", [
    (lambda t, g: t.uniform_(generator=g), lambda g, d: mg.rand(50, generator=g, device=d)),
    (lambda t, g: t.normal_(generator=g), lambda g, d: mg.randn(50, generator=g, device=d)),
    (lambda t, g: t.random_(3, 9, generator=g),
     lambda g, d: mg.randint(3, 9, (50,), generator=g, device=d, dtype=mg.float32)),
], ids=["uniform_", "normal_", "random_"])
def test_fills_draw_what_the_factories_draw(fill, factory, device):
    ours = fill(mg.empty(50, device=device), mg.Generator(device).manual_seed(7))
    np.testing.assert_array_equal(values(ours), values(factory(mg.Generator(device).manual_seed(7), device)))
    mg.manual_seed(11)
    from_default = fill(mg.empty(50, device=device), None)
    mg.manual_seed(11)
    np.testing.assert_array_equal(values(from_default), values(factory(None, device)))


FILLS = {
    "uniform_": lambda t, g: t.uniform_(-1, 1, generator=g),
    "normal_": lambda t, g: t.normal_(0.5, 2, generator=g),
    "bernoulli_": lambda t, g: t.bernoulli_(0.3, generator=g),
    "exponential_": lambda t, g: t.exponential_(3, generator=g),
    "random_": lambda t, g: t.random_(100, generator=g),
}


@pytest.mark.parametrize("name", FILLS)
def test_a_generator_gives_a_reproducible_stream_that_advances(name, device):
    fill = FILLS[name]
    g = mg.Generator(device).manual_seed(3)
    first, second = values(fill(mg.empty(64, device=device), g)), values(fill(mg.empty(64, device=device), g))
    assert not np.array_equal(first, second)          # the stream moved on
    again = mg.Generator(device).manual_seed(3)
    np.testing.assert_array_equal(values(fill(mg.empty(64, device=device), again)), first)
    if device != "cuda":                               # CuPy keeps its state private
        state = again.get_state()
        third = values(fill(mg.empty(64, device=device), again))
        again.set_state(state)
        np.testing.assert_array_equal(values(fill(mg.empty(64, device=device), again)), third)


@pytest.mark.parametrize("name", FILLS)
def test_manual_seed_makes_the_default_stream_reproducible(name):
    mg.manual_seed(5)
    first = values(FILLS[name](mg.empty(64), None))
    mg.manual_seed(5)
    np.testing.assert_array_equal(values(FILLS[name](mg.empty(64), None)), first)


# ---------------------------------------------------------------- ranges and moments
def test_uniform_range_and_moments():
    for dtype in (mg.float32, mg.float64, mg.float16):
        x = values(mg.empty(N, dtype=dtype).uniform_(-2, 3, generator=mg.Generator().manual_seed(0)))
        assert x.min() >= -2 and x.max() <= 3
        assert abs(x.mean() - 0.5) < 0.02 and abs(x.var() - 25 / 12) < 0.03
    assert (values(mg.empty(10).uniform_(1.5, 1.5)) == 1.5).all()
    bounded = values(mg.empty(N).uniform_(**{"from": 4, "to": 5}))
    assert bounded.min() >= 4 and bounded.max() < 5


def test_normal_moments():
    x = values(mg.empty(N, dtype=mg.float64).normal_(1.0, 2.0, generator=mg.Generator().manual_seed(0)))
    assert abs(x.mean() - 1.0) < 0.02 and abs(x.std() - 2.0) < 0.02
    assert (values(mg.empty(5).normal_(mean=3, std=0)) == 3).all()
    y = values(mg.empty(N).normal_(mg.tensor(-1.0), 0.5))   # a 0-d tensor reads as its number
    assert abs(y.mean() + 1.0) < 0.01


def test_bernoulli_values_and_mean():
    x = values(mg.empty(N).bernoulli_(0.3, generator=mg.Generator().manual_seed(0)))
    assert set(np.unique(x)) == {0.0, 1.0} and abs(x.mean() - 0.3) < 0.01
    assert (values(mg.empty(8).bernoulli_()) >= 0).all()
    p = mg.tensor([0.0, 1.0, 0.0, 1.0], dtype=mg.float64)
    np.testing.assert_array_equal(values(mg.empty(3, 4).bernoulli_(p)), np.tile([0, 1, 0, 1], (3, 1)))
    ints = mg.zeros(1000, dtype=mg.int64).bernoulli_(0.5)
    assert ints.dtype == mg.int64 and set(np.unique(values(ints))) == {0.0, 1.0}
    assert mg.zeros(10, dtype=mg.bool).bernoulli_(1.0).numpy().all()


def test_exponential_mean_and_support():
    for dtype in (mg.float32, mg.float64, mg.float16):
        x = values(mg.empty(N, dtype=dtype).exponential_(2.0, generator=mg.Generator().manual_seed(0)))
        assert x.min() >= 0 and abs(x.mean() - 0.5) < 0.01
    assert (values(mg.empty(4).exponential_(float("inf"))) == 0).all()


@pytest.mark.parametrize("dtype, bounds, low, high", [
    (mg.float32, (3, 7), 3, 6), (mg.float32, (10,), 0, 9), (mg.int64, (-3, 0), -3, -1),
    (mg.uint8, (), 0, 255), (mg.int8, (), 0, 127), (mg.bool, (), 0, 1), (mg.int16, (5, None), 5, 32767),
    (mg.float16, (), 0, 2 ** 11), (mg.int64, (0, 2), 0, 1),
])
def test_random_covers_exactly_its_range(dtype, bounds, low, high):
    x = mg.zeros(20_000, dtype=dtype).random_(*bounds, generator=mg.Generator().manual_seed(1))
    assert x.dtype == dtype
    drawn = values(x)
    assert drawn.min() >= low and drawn.max() <= high
    assert (drawn == np.round(drawn)).all()
    if high - low < 300:
        assert set(np.unique(drawn)) == set(range(low, high + 1))


def test_random_without_bounds_stays_below_the_exactly_representable_limit():
    for dtype, limit in ((mg.float32, 2 ** 24), (mg.float64, 2 ** 53)):
        drawn = values(mg.zeros(10_000, dtype=dtype).random_())
        assert drawn.min() >= 0 and drawn.max() <= limit and drawn.max() > limit / 2
    drawn = mg.zeros(10_000, dtype=mg.int64).random_()._array
    assert drawn.min() >= 0 and drawn.max() > 2 ** 62


def test_random_warns_as_torch_where_floats_cannot_hold_every_integer():
    with pytest.warns(UserWarning, match="out of bounds"):
        mg.zeros(4).random_(0, 2 ** 25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.zeros(4).random_(0, 2 ** 24)


# ---------------------------------------------------------------- fill_diagonal_
@pytest.mark.parametrize("shape, value, wrap, dtype", [
    ((3, 4), 5.0, False, "float32"), ((4, 3), 5.0, False, "float32"), ((7, 3), 5.0, True, "float32"),
    ((7, 3), 5.0, False, "float64"), ((3, 7), -1.0, True, "float64"), ((4, 4, 4), 2.0, False, "float32"),
    ((0, 3), 1.0, False, "float32"), ((3, 3), 2.7, False, "int64"), ((3, 3), True, False, "bool"),
    ((2, 2), 9, False, "int64"), ((5, 2), 1.0, True, "float64"),
])
def test_fill_diagonal_matches_torch(shape, value, wrap, dtype, device):
    ours = mg.zeros(*shape, dtype=getattr(mg, dtype), device=device).fill_diagonal_(value, wrap=wrap)
    theirs = torch.zeros(*shape, dtype=getattr(torch, dtype)).fill_diagonal_(value, wrap=wrap)
    assert ours.dtype == getattr(mg, dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_fill_diagonal_takes_a_0d_tensor_and_fills_a_view_in_place():
    x = mg.zeros(4, 6)
    x[:, 1:4].fill_diagonal_(mg.tensor(3.0))
    expected = torch.zeros(4, 6)
    expected[:, 1:4].fill_diagonal_(3.0)
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


# ---------------------------------------------------------------- randint_like
def test_randint_like_takes_shape_dtype_and_device_of_its_input(device):
    like = mg.zeros(3, 4, dtype=mg.float64, device=device)
    x = mg.randint_like(like, 5)
    assert x.shape == (3, 4) and x.dtype == mg.float64 and x.device == device
    drawn = values(mg.randint_like(mg.zeros(2000, device=device), 2, 5, dtype=mg.int32))
    assert set(np.unique(drawn)) == {2, 3, 4}
    assert mg.randint_like(like, 3, requires_grad=True).requires_grad
    a = mg.randint_like(like, 100, generator=mg.Generator(device).manual_seed(2))
    b = mg.randint_like(like, 100, generator=mg.Generator(device).manual_seed(2))
    np.testing.assert_array_equal(values(a), values(b))


# ---------------------------------------------------------------- in place
@pytest.mark.parametrize("name", list(FILLS) + ["fill_diagonal_"])
def test_fills_write_in_place_and_bump_the_version(name, device):
    fill = FILLS.get(name, lambda t, g: t.fill_diagonal_(7.0))
    base = mg.zeros(4, 6, device=device)
    view = base[:, 1:5]                     # not contiguous
    before = base._version[0]
    result = fill(view, None)
    assert result is view
    assert base._version[0] > before and view._version is base._version
    assert (values(base)[:, 0] == 0).all() and (values(base)[:, 5] == 0).all()


@pytest.mark.parametrize("name", list(FILLS) + ["fill_diagonal_"])
def test_fills_refuse_a_leaf_that_requires_grad_outside_no_grad(name):
    fill = FILLS.get(name, lambda t, g: t.fill_diagonal_(7.0))
    w = mg.zeros(3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        fill(w, None)
    with pytest.raises(RuntimeError):
        fill(torch.zeros(3, 3, requires_grad=True), None) if name != "fill_diagonal_" else \
            torch.zeros(3, 3, requires_grad=True).fill_diagonal_(7.0)
    with mg.no_grad():
        fill(w, None)
    assert w._version[0] == 1 and w.requires_grad and w.is_leaf


def test_a_fill_after_the_forward_pass_is_caught_by_backward():
    w = mg.ones(3, requires_grad=True)
    x = mg.ones(3)
    y = (w * x).sum()      # saves x
    x.normal_()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_an_expanded_view_is_refused():
    with pytest.raises(RuntimeError):
        mg.zeros(3).expand(2, 3).uniform_()


# ---------------------------------------------------------------- bad arguments: PyTorch's exceptions
BAD = {
    "uniform_ from > to": lambda lib: lib.zeros(3).uniform_(2, 1),
    "uniform_ nan": lambda lib: lib.zeros(3).uniform_(float("nan"), 1),
    "uniform_ inf": lambda lib: lib.zeros(3).uniform_(0, float("inf")),
    "uniform_ too wide": lambda lib: lib.zeros(3).uniform_(-3e38, 3e38),
    "uniform_ int tensor": lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(),
    "uniform_ three bounds": lambda lib: lib.zeros(3).uniform_(1, 2, 3),
    "uniform_ keyword a": lambda lib: lib.zeros(3).uniform_(a=0, b=1),
    "uniform_ generator of another kind": lambda lib: lib.zeros(3).uniform_(generator=3),
    "normal_ negative std": lambda lib: lib.zeros(3).normal_(0, -1),
    "normal_ nan std": lambda lib: lib.zeros(3).normal_(0, float("nan")),
    "normal_ int tensor": lambda lib: lib.zeros(3, dtype=lib.int64).normal_(),
    "bernoulli_ p > 1": lambda lib: lib.zeros(3).bernoulli_(1.5),
    "bernoulli_ p < 0": lambda lib: lib.zeros(3).bernoulli_(-0.1),
    "bernoulli_ tensor p out of range": lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0.0, 2.0, 1.0])),
    "bernoulli_ tensor p shape": lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0.0, 1.0])),
    "bernoulli_ int p": lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0, 1, 1])),
    "exponential_ zero": lambda lib: lib.zeros(3).exponential_(0),
    "exponential_ negative": lambda lib: lib.zeros(3).exponential_(-1),
    "exponential_ nan": lambda lib: lib.zeros(3).exponential_(float("nan")),
    "exponential_ int tensor": lambda lib: lib.zeros(3, dtype=lib.int64).exponential_(),
    "random_ from >= to": lambda lib: lib.zeros(3).random_(10, 3),
    "random_ empty range": lambda lib: lib.zeros(3).random_(0, 0),
    "random_ float bound": lambda lib: lib.zeros(3).random_(1.5, 3),
    "random_ from alone": lambda lib: lib.zeros(3).random_(**{"from": 3}),
    "random_ uint8 from": lambda lib: lib.zeros(3, dtype=lib.uint8).random_(-1, 3),
    "random_ uint8 to": lambda lib: lib.zeros(3, dtype=lib.uint8).random_(0, 300),
    "random_ int8 to": lambda lib: lib.zeros(3, dtype=lib.int8).random_(0, 129),
    "random_ bool to": lambda lib: lib.zeros(3, dtype=lib.bool).random_(0, 3),
    "fill_diagonal_ 1-d": lambda lib: lib.zeros(3).fill_diagonal_(1),
    "fill_diagonal_ unequal": lambda lib: lib.zeros(3, 3, 2).fill_diagonal_(1),
    "fill_diagonal_ 1-d value": lambda lib: lib.zeros(2, 2).fill_diagonal_(lib.tensor([1.0, 2.0])),
    "randint_like low >= high": lambda lib: lib.randint_like(lib.zeros(2, 3), 5, 2),
    "randint_like float bound": lambda lib: lib.randint_like(lib.zeros(2, 3), 5.5),
    "randint_like int requires grad": lambda lib: lib.randint_like(
        lib.zeros(2, dtype=lib.int64), 5, requires_grad=True),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_arguments_raise_what_torch_raises(name):
    try:
        BAD[name](torch)
    except Exception as error:  # noqa: BLE001  (we compare the type with ours)
        expected = type(error)
    else:
        pytest.fail("PyTorch accepts this: the case is wrong")
    with pytest.raises(expected):
        BAD[name](mg)
