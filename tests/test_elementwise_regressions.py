"""Regressions in the elementwise ops, reductions and matrix products, each
compared with PyTorch on every test device:

- an inactive branch (relu below 0, clamp outside its bounds, the losing side of
  maximum/minimum, x ** 0, the non-maximal elements of max, a constant input
  of std) gets gradient 0 even when the incoming gradient is infinite, where a
  multiplication by a 0/1 mask made it ∞ · 0 = NaN;
- result dtypes (and PyTorch's refusals) for every input dtype; float16 computed
  in float32 and rounded once, as PyTorch does;
- reductions and the softmax family over zero-size dimensions;
- out-of-range and repeated dims: PyTorch's exception types;
- ``keepdims=``, PyTorch's alias of ``keepdim=``;
- a 0-d result of a comparison, a predicate or a cast holds an array, which
  ``zero_()``, ``fill_()`` and ``x[...] =`` change (not a NumPy scalar's copy);
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
    # where PyTorch itself multiplies by 0 (∞ · 0 = NaN), minigrad gives the same NaN
    "amax_ties": (lambda lib, x: lib.amax(x, 0), [1.0, 2.0, 2.0]),
    "amin": (lambda lib, x: lib.amin(x), [1.0, 0.0, 2.0]),
    "abs_at_zero": (lambda lib, x: lib.abs(x), [-1.0, 0.0, 1.0]),
    "leaky_relu_slope_zero": (lambda lib, x: (torch.nn.functional.leaky_relu(x, 0.0) if lib is torch
                                              else mg.leaky_relu(x, 0.0)), [-1.0, 0.0, 1.0]),
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


# ---------------------------------------------------------------- result dtypes
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


def values_of(lib, dtype, device=None):
    values = np.array([[0, 1, 2], [3, 1, 0]])
    if dtype == "bool":
        values = values > 0
    if lib is torch:
        return torch.tensor(values).to(getattr(torch, dtype))
    return mg.tensor(values, device=device).to(getattr(mg, dtype))


def functional(name):
    return lambda lib, x: (getattr(torch.nn.functional, name)(x) if lib is torch
                           else getattr(mg, name)(x))


# name: function of (library, x), for every dtype
DTYPE_SWEEP = {
    **{name: (lambda name: lambda lib, x: getattr(lib, name)(x))(name)
       for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "erf", "sigmoid", "abs", "relu",
                    "sign", "log10", "log2", "log1p", "expm1")},
    **{name: functional(name) for name in ("gelu", "softplus", "leaky_relu")},
    "neg": lambda lib, x: -x,
    "sub": lambda lib, x: x - x,
    "sub_number": lambda lib, x: 1 - x,
    "add": lambda lib, x: x + x,
    "add_int": lambda lib, x: x + 1,
    "mul_float": lambda lib, x: x * 1.5,
    "div": lambda lib, x: x / 2,
    "pow_int": lambda lib, x: x ** 2,
    "pow_float": lambda lib, x: x ** 0.5,
    "rpow": lambda lib, x: 2 ** x,
    "clamp_int_bounds": lambda lib, x: lib.clamp(x, 1, 2),
    "clamp_float_bounds": lambda lib, x: lib.clamp(x, 0.5, 1.5),
    "clamp_float_min": lambda lib, x: lib.clamp(x, min=0.5),
    "clamp_float_tensor_max": lambda lib, x: lib.clamp(x, max=like(lib, x[0].float(), 1.5)),
    "maximum": lambda lib, x: lib.maximum(x, x.flip(0) if lib is torch else x[::-1]),
    "where_float": lambda lib, x: lib.where(x > 0, x, 0.5),
    "sum": lambda lib, x: lib.sum(x),
    "sum_dim": lambda lib, x: lib.sum(x, 0),
    "mean": lambda lib, x: lib.mean(x),
    "var": lambda lib, x: lib.var(x),
    "std": lambda lib, x: lib.std(x, 1),
    "amax": lambda lib, x: lib.amax(x, 1),
    "max": lambda lib, x: lib.max(x),
    "max_dim": lambda lib, x: lib.max(x, 1)[0],
    "max_dim_indices": lambda lib, x: lib.max(x, 1)[1],
    "argmax": lambda lib, x: lib.argmax(x),
    "argmin_dim": lambda lib, x: lib.argmin(x, 1),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1),
    "softmax": lambda lib, x: lib.softmax(x, 1),
    "log_softmax": lambda lib, x: lib.log_softmax(x, 1),
    "matmul": lambda lib, x: lib.matmul(x, x.T),
}


def outcome(function, lib, x):
    """(dtype name, values as float64) or the exception type's name."""
    try:
        result = function(lib, x)
    except Exception as error:  # noqa: BLE001 - the exception type is what is compared
        return type(error).__name__
    values = result.detach().cpu().numpy() if lib is torch else result.detach().numpy()
    return str(result.dtype).replace("torch.", ""), np.asarray(values, dtype=np.float64)


def check_dtype_sweep(function, dtype, device):
    ours = outcome(function, mg, values_of(mg, dtype, device))
    theirs = outcome(function, torch, values_of(torch, dtype))
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
        return
    assert ours[0] == theirs[0]
    tolerance = 1e-3 if theirs[0] == "float16" else 1e-6
    np.testing.assert_allclose(ours[1], theirs[1], rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", DTYPE_SWEEP)
def test_result_dtype_and_values_match_torch_for_every_input_dtype(name, device):
    """Every input dtype in one test (each is a fraction of a millisecond, pytest's own cost
    per test about one); every dtype that fails is named."""
    failures = []
    for dtype in DTYPES:
        try:
            check_dtype_sweep(DTYPE_SWEEP[name], dtype, device)
        except AssertionError as error:
            failures.append(f"{dtype}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_float_functions_of_integers_give_the_default_dtype(default, device):
    previous = mg.get_default_dtype()
    mg.set_default_dtype(getattr(mg, default))
    torch_previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    try:
        for name in ("exp", "log", "sin", "sigmoid"):
            for dtype in ("int8", "uint8", "bool", "int64"):
                ours = getattr(mg, name)(values_of(mg, dtype, device))
                theirs = getattr(torch, name)(values_of(torch, dtype))
                assert str(ours.dtype) == default == str(theirs.dtype)[6:]
                np.testing.assert_allclose(ours.numpy(), theirs.numpy(),  # libm's last bit
                                           rtol=1e-6 if default == "float32" else 1e-12)
    finally:
        mg.set_default_dtype(previous)
        torch.set_default_dtype(torch_previous)


FLOAT16_EXACT = {  # computed in float32 and rounded once, these equal PyTorch's bit for bit
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "softmax": lambda lib, x: lib.softmax(x, 1),
    "var": lambda lib, x: lib.var(x, 1),
    "std": lambda lib, x: lib.std(x, 0),
    "gelu_tanh_close": lambda lib, x: (torch.nn.functional.gelu(x, approximate="tanh") if lib is torch
                                       else mg.gelu(x, approximate="tanh")),
    "gelu_close": lambda lib, x: torch.nn.functional.gelu(x) if lib is torch else mg.gelu(x),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1),
    "sum": lambda lib, x: lib.sum(x, 1),
    "mean": lambda lib, x: lib.mean(x, 0),
    "exp": lambda lib, x: lib.exp(x),
    "tanh": lambda lib, x: lib.tanh(x),
}


@pytest.mark.parametrize("name", FLOAT16_EXACT)
def test_float16_is_computed_in_float32_as_torch_does(name, device):
    values = (np.random.default_rng(0).standard_normal((4, 300)) * 3).astype(np.float16)
    function = FLOAT16_EXACT[name]
    ours = function(mg, mg.tensor(values, device=device))
    theirs = function(torch, torch.tensor(values))
    assert ours.dtype == mg.float16 and theirs.dtype == torch.float16
    if name.endswith("_close"):  # float32 erf/tanh of NumPy and PyTorch differ in the last bit
        np.testing.assert_allclose(ours.numpy().astype(np.float32),
                                   theirs.float().numpy(), rtol=1e-3, atol=1e-6)
    else:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_float16_softmax_backward_is_float16_and_close_to_torch(device):
    values = (np.random.default_rng(1).standard_normal((3, 5))).astype(np.float16)
    ours = mg.tensor(values, device=device, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    (mg.softmax(ours, 1) * mg.tensor(values, device=device)).sum().backward()
    (torch.softmax(theirs, 1) * torch.tensor(values)).sum().backward()
    assert ours.grad.dtype == mg.float16
    np.testing.assert_allclose(ours.grad.numpy().astype(np.float32), theirs.grad.float().numpy(),
                               rtol=2e-3, atol=2e-3)


NAN = math.nan


@pytest.mark.parametrize("bounds", [
    {"min": [NAN, 0.0, 0.0]}, {"max": [1.0, NAN, 5.0]}, {"min": [0.0, 0.0, NAN], "max": [1.0, NAN, 0.5]},
    {"min": NAN}, {"max": NAN}])
def test_clamp_with_a_nan_bound_gives_nan_like_torch(bounds, device):
    values = [-1.0, 0.5, 2.0]

    def function(lib, x):
        return lib.clamp(x, **{key: like(lib, x, bound) if isinstance(bound, list) else bound
                               for key, bound in bounds.items()})
    ours = function(mg, mg.tensor(values, dtype=mg.float64, device=device))
    theirs = function(torch, torch.tensor(values, dtype=torch.float64))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_clamp_gradients_with_tensor_bounds_match_torch_where_min_exceeds_max(device):
    data = {"x": [-1.0, 0.5, 2.0, 0.7], "min": [0.0, 1.0, 0.0, 0.7], "max": [1.0, 0.0, 1.0, 0.7]}
    ours = {k: mg.tensor(v, dtype=mg.float64, device=device, requires_grad=True) for k, v in data.items()}
    theirs = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in data.items()}
    mg.clamp(ours["x"], ours["min"], ours["max"]).sum().backward()
    torch.clamp(theirs["x"], theirs["min"], theirs["max"]).sum().backward()
    for key in data:
        np.testing.assert_array_equal(ours[key].grad.numpy(), theirs[key].grad.numpy())
    assert mg.gradgradcheck(lambda x, lo, hi: mg.clamp(x, lo, hi) ** 2,
                            (ours["x"] * 1.5, ours["min"], ours["max"] + 0.5))


# ---------------------------------------------------------------- zero-size inputs
ZERO_SIZE = {  # name: function of (library, x) for x of shape (2, 0, 3)
    "logsumexp_empty_dim": lambda lib, x: lib.logsumexp(x, 1),
    "logsumexp_empty_dims": lambda lib, x: lib.logsumexp(x, (0, 1), keepdim=True),
    "logsumexp_other_dim": lambda lib, x: lib.logsumexp(x, 2),
    "softmax_empty_dim": lambda lib, x: lib.softmax(x, 1),
    "softmax_other_dim": lambda lib, x: lib.softmax(x, -1),
    "log_softmax_empty_dim": lambda lib, x: lib.log_softmax(x, 1),
    "log_softmax_other_dim": lambda lib, x: lib.log_softmax(x, 0),
    "sum_empty_dim": lambda lib, x: lib.sum(x, 1),
    "sum_all": lambda lib, x: lib.sum(x),
    "amax_empty_dim": lambda lib, x: lib.amax(x, 1),
    "amax_other_dim": lambda lib, x: lib.amax(x, 2),
    "amax_all": lambda lib, x: lib.amax(x),
    "amin_dims": lambda lib, x: lib.amin(x, (0, 1)),
    "max_all": lambda lib, x: lib.max(x),
    "max_empty_dim": lambda lib, x: lib.max(x, 1)[0],
    "max_other_dim": lambda lib, x: lib.max(x, 0)[1],
    "min_all": lambda lib, x: lib.min(x),
    "argmax_all": lambda lib, x: lib.argmax(x),
    "argmax_empty_dim": lambda lib, x: lib.argmax(x, 1),
    "argmin_other_dim": lambda lib, x: lib.argmin(x, 2),
}


@pytest.mark.parametrize("name", ZERO_SIZE)
def test_reductions_over_zero_size_dims_match_torch(name, device):
    function = ZERO_SIZE[name]
    ours = outcome(function, mg, mg.zeros(2, 0, 3, device=device))
    theirs = outcome(function, torch, torch.zeros(2, 0, 3))
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
        return
    assert ours[0] == theirs[0] and ours[1].shape == theirs[1].shape
    np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_softmax_family_over_an_empty_dim_backpropagates_like_torch(name, device):
    x = mg.zeros(3, 0, dtype=mg.float64, device=device, requires_grad=True)
    getattr(mg, name)(x, 1).sum().backward()
    assert x.grad.shape == (3, 0)


# ---------------------------------------------------------------- bad dims
BAD_DIMS = {  # name: function of (library, x) for x of shape (2, 3)
    "argmax": lambda lib, x: lib.argmax(x, 2),
    "argmax_negative": lambda lib, x: x.argmax(-3),
    "argmin": lambda lib, x: lib.argmin(x, 5),
    "max_dim": lambda lib, x: lib.max(x, 2),
    "min_dim": lambda lib, x: x.min(-3),
    "sum": lambda lib, x: lib.sum(x, 2),
    "sum_tuple": lambda lib, x: lib.sum(x, (0, 7)),
    "mean": lambda lib, x: x.mean(-3),
    "var": lambda lib, x: lib.var(x, 2),
    "std": lambda lib, x: x.std(4),
    "amax": lambda lib, x: lib.amax(x, 2),
    "amin": lambda lib, x: lib.amin(x, (1, -3)),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 3),
    "softmax": lambda lib, x: lib.softmax(x, 2),
    "log_softmax": lambda lib, x: lib.log_softmax(x, -3),
    "sum_repeated": lambda lib, x: lib.sum(x, (0, 0)),
    "sum_repeated_negative": lambda lib, x: lib.sum(x, (1, -1)),
    "mean_repeated": lambda lib, x: x.mean((1, -1)),
    "var_repeated": lambda lib, x: lib.var(x, (0, -2)),
    "amax_repeated": lambda lib, x: lib.amax(x, (1, 1)),
    "logsumexp_repeated": lambda lib, x: lib.logsumexp(x, (0, -2)),
}


@pytest.mark.parametrize("name", BAD_DIMS)
def test_bad_dims_raise_torchs_exception_naming_the_dim(name, device):
    function = BAD_DIMS[name]
    with pytest.raises(Exception) as theirs:
        function(torch, torch.zeros(2, 3))
    with pytest.raises(type(theirs.value)) as ours:
        function(mg, mg.zeros(2, 3, device=device))
    message = str(ours.value)
    if isinstance(theirs.value, IndexError):
        assert "expected to be in range of [-2, 1]" in message
    else:
        assert "appears multiple times" in message


def test_argmax_of_a_0d_tensor_takes_dims_0_and_minus_1_like_torch(device):
    x = mg.tensor(3.0, device=device)
    assert x.argmax(0).item() == 0 and x.argmax(-1).item() == 0
    assert x.max(-1).indices.item() == 0
    with pytest.raises(IndexError, match=r"\[-1, 0\], but got 1"):
        x.argmax(1)


def test_argmax_with_keepdim_and_no_dim_keeps_every_dimension_like_torch(device):
    values = np.arange(6.0).reshape(2, 3)
    ours = mg.tensor(values, device=device).argmax(keepdim=True)
    theirs = torch.tensor(values).argmax(keepdim=True)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.item() == theirs.item()


# ---------------------------------------------------------------- keepdims=
KEEPDIMS = ["sum", "mean", "var", "std", "amax", "amin", "logsumexp", "argmax", "argmin"]


@pytest.mark.parametrize("name", KEEPDIMS + ["max", "min"])
@pytest.mark.parametrize("method", [False, True])
def test_keepdims_is_an_alias_of_keepdim_like_torch(name, method, device):
    values = np.random.default_rng(0).standard_normal((2, 3))

    def run(lib, x):
        function = getattr(x, name) if method else (lambda *a, **k: getattr(lib, name)(x, *a, **k))
        result = function(1, keepdims=True)
        return result[0] if name in ("max", "min") else result
    ours = run(mg, mg.tensor(values, device=device))
    theirs = run(torch, torch.tensor(values))
    assert tuple(ours.shape) == tuple(theirs.shape) == (2, 1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32"])
@pytest.mark.parametrize("number", [-300, -3, 128, 300, 70000])
@pytest.mark.parametrize("name, op", [
    ("add", lambda t, n: t + n), ("sub", lambda t, n: t - n), ("rsub", lambda t, n: n - t),
    ("mul", lambda t, n: t * n), ("floor_divide", lambda t, n: t // n),
    ("remainder", lambda t, n: t % n), ("less", lambda t, n: t < n), ("equal", lambda t, n: t == n),
    ("div", lambda t, n: t / n)])
def test_a_python_int_outside_an_integer_dtype_wraps_like_torch(dtype, number, name, op):
    # PyTorch casts the int into the tensor's dtype, wrapping around (uint8 + (-3) adds
    # 253); NumPy refuses it with an OverflowError. True division keeps the real value.
    values = np.array([1, 2, 3, 5], dtype=dtype)
    ours = op(mg.tensor(values), number)
    theirs = op(torch.tensor(values), number)
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float))
    assert str(ours.numpy().dtype) == str(theirs.numpy().dtype)


@pytest.mark.parametrize("make", [
    lambda: mg.tensor(1.0) < 2.0, lambda: mg.tensor(1.0) == mg.tensor(1.0),
    lambda: ~(mg.tensor(1.0) > 2.0), lambda: (mg.tensor(1.0) > 0) & (mg.tensor(2.0) > 0),
    lambda: mg.isfinite(mg.tensor(1.0)), lambda: mg.isnan(mg.tensor(float("nan"))),
    lambda: mg.isclose(mg.tensor(1.0), mg.tensor(1.0)), lambda: mg.tensor(1.0).any(),
    lambda: (mg.tensor(1.0) < 2.0).float(), lambda: (mg.tensor(1.0) < 2.0).long(),
], ids=["lt", "eq", "invert", "and", "isfinite", "isnan", "isclose", "any", "float", "long"])
def test_a_0d_result_holds_an_array_that_in_place_ops_change(make):
    """NumPy gives these 0-d results as scalars; a tensor around a scalar ignored
    zero_(), fill_() and x[...] = (they changed a copy)."""
    t = make()
    assert isinstance(t._array, np.ndarray) and t.shape == ()
    t.zero_()
    assert t.item() == 0
    t.fill_(1)
    assert t.item() == 1
    t[...] = 0
    assert t.item() == 0
    assert isinstance(t.numpy(), np.ndarray)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_along_a_dim_return_torchs_named_tuple(name):
    data = np.array([[1.0, 3.0], [2.0, -1.0]])
    ours = getattr(mg, name)(mg.tensor(data), 1)
    theirs = getattr(torch, name)(torch.tensor(data), 1)
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert ours._fields == ("values", "indices")
    assert ours.values.tolist() == theirs.values.tolist()
    assert ours.indices.tolist() == theirs.indices.tolist()
