"""The elementwise functions PyTorch spells in more ways than minigrad used to
(square, reciprocal, rsqrt, exp2, tan, asin, atan2, hypot, logaddexp, xlogy,
lerp, float_power, ...): result dtypes, values at edges (0, ±inf, NaN) and the
errors PyTorch raises, for every dtype, against PyTorch on every test device.
Values and gradients at ordinary inputs are rows of the op table."""
import math

import numpy as np
import pytest
import torch

import minigrad as mg
from grouped_checks import failures_of

INF, NAN = math.inf, math.nan
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
FLOAT_EDGES = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -3.7, 1e-3, 40.0, -40.0, INF, -INF, NAN]
INTEGER_VALUES = [0, 1, 2, 3, 7, 100, 5, 1, 0, 4, 6, 9, 2, 3]


def values_of(dtype):
    if dtype == "bool":
        return [v % 2 == 1 for v in INTEGER_VALUES]
    if dtype[0] in "iu":
        signs = 1 if dtype == "uint8" else -1
        return [v * (signs if i % 3 == 0 else 1) for i, v in enumerate(INTEGER_VALUES)]
    return FLOAT_EDGES


def both(values, dtype, device):
    return (mg.tensor(values, device=device).to(getattr(mg, dtype if dtype != "bool" else "bool_")),
            torch.tensor(values).to(getattr(torch, dtype)))


def outcome(call):
    """(result, None) or (None, the exception's type)."""
    try:
        return call(), None
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return None, type(error)


def assert_same(ours, theirs):
    ours_result, ours_error = ours
    theirs_result, theirs_error = theirs
    assert ours_error is theirs_error, (ours_error, theirs_error)
    if theirs_error is None:
        assert str(ours_result.dtype) == str(theirs_result.dtype).removeprefix("torch."), \
            (ours_result.dtype, theirs_result.dtype)
        np.testing.assert_allclose(ours_result.detach().cpu().numpy().astype(np.float64),
                                   theirs_result.detach().numpy().astype(np.float64),
                                   rtol=1e-6 if "16" not in str(theirs_result.dtype) else 1e-3,
                                   atol=0, equal_nan=True)


UNARY = ["square", "negative", "positive", "reciprocal", "rsqrt", "exp2", "sinh", "cosh", "tan",
         "asin", "acos", "atan", "sgn", "clone"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_match_torch_for_every_dtype(name, device):
    def check(dtype):
        ours, theirs = both(values_of(dtype), dtype, device)
        assert_same(outcome(lambda: getattr(mg, name)(ours)),
                    outcome(lambda: getattr(torch, name)(theirs)))
        if name != "clone":  # the method forms, where PyTorch has them
            assert_same(outcome(lambda: getattr(ours, name)()),
                        outcome(lambda: getattr(theirs, name)()))

    failures = failures_of(check, DTYPES)
    assert not failures, "\n".join(failures)


BINARY = ["atan2", "hypot", "logaddexp", "xlogy", "float_power", "true_divide", "clamp_min",
          "clamp_max"]


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float64", "float32"),
                                    ("float16", "float16"), ("int64", "int64"), ("int8", "uint8"),
                                    ("bool", "bool"), ("float32", "int64"), ("int32", "float16")])
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_match_torch_for_dtype_pairs(name, dtypes, device):
    if name.startswith("clamp") and dtypes == ("int8", "uint8"):
        pytest.skip("mg.clamp keeps the clamped tensor's dtype for an integer tensor bound of "
                    "another integer dtype (PyTorch: int8 with uint8 gives int16); clamp's own fix")
    a_values, b_values = values_of(dtypes[0]), list(reversed(values_of(dtypes[1])))
    ours_a, theirs_a = both(a_values, dtypes[0], device)
    ours_b, theirs_b = both(b_values, dtypes[1], device)
    with np.errstate(all="ignore"):
        assert_same(outcome(lambda: getattr(mg, name)(ours_a, ours_b)),
                    outcome(lambda: getattr(torch, name)(theirs_a, theirs_b)))
        assert_same(outcome(lambda: getattr(ours_a, name)(ours_b)),
                    outcome(lambda: getattr(theirs_a, name)(theirs_b)))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "bool"])
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_with_a_python_number_match_torch(name, dtype, device):
    def check(number):
        ours, theirs = both(values_of(dtype), dtype, device)
        with np.errstate(all="ignore"):
            assert_same(outcome(lambda: getattr(mg, name)(ours, number)),
                        outcome(lambda: getattr(torch, name)(theirs, number)))
            assert_same(outcome(lambda: getattr(mg, name)(number, ours)),
                        outcome(lambda: getattr(torch, name)(number, theirs)))

    failures = failures_of(check, [2, 2.5, -1.5, 0, True])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_xlogy_logaddexp_atan2_hypot_at_zeros_infinities_and_nan(dtype, device):
    """float64 bit for bit; float32 to within one rounding (PyTorch's float32 logaddexp is
    not always correctly rounded, minigrad's is)."""
    x = [0.0, 0.0, 0.0, 1.0, -2.0, INF, NAN, 0.0, -INF, INF, 3.0, -0.0]
    y = [0.0, NAN, -1.0, INF, 0.0, INF, 1.0, INF, -INF, -INF, 4.0, -0.0]
    for name in ("xlogy", "logaddexp", "atan2", "hypot"):
        ours = getattr(mg, name)(mg.tensor(x, device=device, dtype=getattr(mg, dtype)),
                                 mg.tensor(y, device=device, dtype=getattr(mg, dtype)))
        theirs = getattr(torch, name)(torch.tensor(x, dtype=getattr(torch, dtype)),
                                      torch.tensor(y, dtype=getattr(torch, dtype)))
        assert str(ours.dtype) == dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), err_msg=name,
                                   rtol=0 if dtype == "float64" else 2e-7, atol=0)


@pytest.mark.parametrize("weight", [0.0, 0.25, 0.5, 0.75, 1.0, 2.0, -1.0])
def test_lerp_is_exact_at_both_ends_and_matches_torch_bit_for_bit(weight, device):
    start, end = [0.1, -3.0, 1e10, 7.0], [0.3, 5.0, -1e-10, 7.0]
    ours = mg.lerp(mg.tensor(start, device=device, dtype=mg.float64),
                   mg.tensor(end, device=device, dtype=mg.float64), weight)
    theirs = torch.lerp(torch.tensor(start, dtype=torch.float64),
                        torch.tensor(end, dtype=torch.float64), weight)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_lerp_refuses_what_torch_refuses(device):
    x = mg.tensor([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match="end"):
        mg.lerp(x, x.double(), 0.5)
    with pytest.raises(RuntimeError, match="weight"):
        mg.lerp(x, x, mg.tensor([0.5, 0.2], device=device).double())
    with pytest.raises(NotImplementedError):
        mg.lerp(mg.tensor([1, 2], device=device), mg.tensor([3, 4], device=device), 0.5)
    with pytest.raises(TypeError):
        mg.lerp(x, 2.0, 0.5)
    # a 0-d weight of another floating dtype is accepted, as in PyTorch
    assert mg.lerp(x, x, mg.tensor(0.5, dtype=mg.float64, device=device)).dtype == mg.float32


def test_positive_operator_refuses_a_boolean_tensor_as_torch_does(device):
    with pytest.raises(RuntimeError, match="bool"):
        +mg.tensor([True, False], device=device)
    x = mg.tensor([1.0], device=device)
    assert +x is x and mg.positive(x) is x


@pytest.mark.parametrize("name", ["reciprocal", "rsqrt", "tan", "asin", "atan", "sinh", "exp2"])
def test_infinite_incoming_gradients_give_torch_values(name, device):
    values = [0.5, -0.5, 0.0, 2.0] if name not in ("rsqrt",) else [0.5, 0.0, 2.0, 4.0]
    ours = mg.tensor(values, dtype=mg.float64, device=device, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    incoming = [INF, -INF, NAN, 1.0]
    with np.errstate(all="ignore"):
        getattr(mg, name)(ours).backward(mg.tensor(incoming, dtype=mg.float64, device=device))
    getattr(torch, name)(theirs).backward(torch.tensor(incoming, dtype=torch.float64))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


# ---------------------------------------------------------------- rounding and remainders
ROUNDING_EDGES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 1e20, -0.0, INF, -INF, NAN, 3.7, -3.7]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "frac"])
def test_rounding_matches_torch_for_every_dtype(name, dtype, device):
    values = ROUNDING_EDGES if dtype.startswith("float") else values_of(dtype)
    ours, theirs = both(values, dtype, device)
    assert_same(outcome(lambda: getattr(mg, name)(ours)), outcome(lambda: getattr(torch, name)(theirs)))
    assert_same(outcome(lambda: getattr(ours, name)()), outcome(lambda: getattr(theirs, name)()))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64"])
@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
def test_round_with_decimals_matches_torch_bit_for_bit(decimals, dtype, device):
    values = [0.125, 0.135, -0.145, 2.675, 1.005, 15.0, 25.0, -35.0, 149.99, 0.0, INF, NAN, 1234.5678]
    if dtype == "int64":
        values = [15, 25, -35, 150, 0, 7]
    ours, theirs = both(values, dtype, device)
    ours_result = outcome(lambda: mg.round(ours, decimals=decimals))
    theirs_result = outcome(lambda: torch.round(theirs, decimals=decimals))
    # PyTorch refuses integers with any explicit decimals, 0 included (only round(x) without
    # decimals keeps them); minigrad's decimals=None tells the two apart, as PyTorch does
    assert ours_result[1] is theirs_result[1]
    if theirs_result[1] is None:
        np.testing.assert_array_equal(ours_result[0].numpy(), theirs_result[0].numpy())
        np.testing.assert_array_equal(ours.round(decimals=decimals).numpy(), ours_result[0].numpy())


DIVISION_PAIRS = [("float32", "float32"), ("float64", "float64"), ("float16", "float16"),
                  ("int64", "int64"), ("int8", "int8"), ("int8", "uint8"), ("bool", "bool"),
                  ("float32", "int64"), ("int32", "float16")]


@pytest.mark.parametrize("dtypes", DIVISION_PAIRS)
@pytest.mark.parametrize("name", ["fmod", "remainder", "floor_divide"])
def test_divisions_match_torch_for_dtype_pairs(name, dtypes, device):
    """Negative dividends and divisors, and (floats) zero, infinite and NaN ones."""
    if dtypes[0].startswith("float") or dtypes[1].startswith("float"):
        a = [7.0, -7.0, 7.0, -7.0, 0.0, -0.0, 5.5, 1.0, INF, 3.0, NAN, -1e-30]
        b = [2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 0.0, INF, 2.0, NAN, 1.0, 1.0]
    elif dtypes[0] == "bool":
        a, b = [True, False], [True, True]
    else:
        a, b = [7, -7, 7, -7, 0, 5, -128 if dtypes[0] == "int8" else 9], [2, 2, -2, -2, 3, -5, 7]
        if "uint8" in dtypes:
            b = [abs(v) for v in b]
    ours_a, theirs_a = both(a, dtypes[0], device)
    ours_b, theirs_b = both(b, dtypes[1], device)
    with np.errstate(all="ignore"):
        assert_same(outcome(lambda: getattr(mg, name)(ours_a, ours_b)),
                    outcome(lambda: getattr(torch, name)(theirs_a, theirs_b)))
        assert_same(outcome(lambda: getattr(ours_a, name)(ours_b)),
                    outcome(lambda: getattr(theirs_a, name)(theirs_b)))
        for number in (3, -2.5):
            assert_same(outcome(lambda: getattr(mg, name)(ours_a, number)),
                        outcome(lambda: getattr(torch, name)(theirs_a, number)))
            assert_same(outcome(lambda: getattr(mg, name)(number, ours_b)),
                        outcome(lambda: getattr(torch, name)(number, theirs_b)))


@pytest.mark.parametrize("name", ["fmod", "remainder", "floor_divide"])
def test_an_integer_division_by_zero_raises_as_in_torch(name, device):
    a, b = mg.tensor([5, -5], device=device), mg.tensor([1, 0], device=device)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch_function = getattr(torch, name)
        with pytest.raises(RuntimeError):
            torch_function(torch.tensor([5, -5]), torch.tensor([1, 0]))
        getattr(mg, name)(a, b)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        getattr(mg, name)(a, 0)


def test_percent_and_floor_division_operators_match_torch(device):
    a, b = [7, -7, 7, -7], [2, 2, -2, -2]
    ours_a, theirs_a = both(a, "int64", device)
    ours_b, theirs_b = both(b, "int64", device)
    for ours, theirs in [(ours_a % ours_b, theirs_a % theirs_b), (ours_a // ours_b, theirs_a // theirs_b),
                         (ours_a % 3, theirs_a % 3), (10 // ours_b, 10 // theirs_b),
                         (10 % ours_b, 10 % theirs_b), (ours_a // 2.5, theirs_a // 2.5)]:
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert ours.tolist() == theirs.tolist()


def test_floor_divide_has_no_derivative_as_in_torch(device):
    x = mg.tensor([3.5, -2.0], device=device, requires_grad=True)
    y = mg.floor_divide(x, 2.0)
    assert y.requires_grad  # as PyTorch's result, which then refuses backward
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()


def test_steps_get_zero_gradient_and_frac_passes_an_infinite_one(device):
    for name in ("floor", "ceil", "round", "trunc", "frac"):
        ours = mg.tensor([1.5, -2.3, 0.7], dtype=mg.float64, device=device, requires_grad=True)
        theirs = torch.tensor([1.5, -2.3, 0.7], dtype=torch.float64, requires_grad=True)
        incoming = [INF, NAN, -1.0]
        getattr(mg, name)(ours).backward(mg.tensor(incoming, dtype=mg.float64, device=device))
        getattr(torch, name)(theirs).backward(torch.tensor(incoming, dtype=torch.float64))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy(), err_msg=name)


def test_remainder_of_a_number_by_a_tensor_is_differentiable(device):
    """PyTorch has no derivative for remainder(number, tensor); minigrad's is
    d/db (a − ⌊a/b⌋ b) = −⌊a/b⌋, checked numerically (first and second order)."""
    b = mg.tensor([0.7, -1.3, 2.9, -4.1], dtype=mg.float64, device=device, requires_grad=True)
    assert mg.gradcheck(lambda b: mg.remainder(2.5, b), [b])
    assert mg.gradgradcheck(lambda b: mg.remainder(2.5, b) * b, [b])
    assert mg.gradcheck(lambda b: 2.5 % b, [b])


# ---------------------------------------------------------------- special values and logic
SPECIAL = [NAN, -NAN, INF, -INF, 0.0, -0.0, -1.5, 2.0, 1e-45, -65504.0, 70000.0, -1e300]


def special_values(dtype):
    return SPECIAL if dtype.startswith("float") else values_of(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "signbit", "nan_to_num", "logical_not"])
def test_special_value_tests_match_torch_for_every_dtype(name, dtype, device):
    with np.errstate(all="ignore"):
        ours, theirs = both(special_values(dtype), dtype, device)
    ours_result, theirs_result = getattr(mg, name)(ours), getattr(torch, name)(theirs)
    assert str(ours_result.dtype) == str(theirs_result.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours_result.numpy(), theirs_result.numpy())
    np.testing.assert_array_equal(getattr(ours, name)().numpy(), theirs_result.numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("options", [{}, {"nan": 1.5}, {"posinf": 7.0, "neginf": -7}, {"posinf": 1e10},
                                     {"nan": -1, "posinf": 2, "neginf": -1e300}])
def test_nan_to_num_replacements_match_torch(dtype, options, device):
    with np.errstate(all="ignore"):
        ours, theirs = both(SPECIAL, dtype, device)
        np.testing.assert_array_equal(mg.nan_to_num(ours, **options).numpy(),
                                      torch.nan_to_num(theirs, **options).numpy())
        np.testing.assert_array_equal(ours.nan_to_num(**options).numpy(),
                                      theirs.nan_to_num(**options).numpy())


def test_nan_to_num_gradient_is_torch_even_for_infinite_incoming_gradients(device):
    """1 where finite, 0 where replaced; PyTorch multiplies, so an infinite incoming
    gradient at a replaced element is NaN there too."""
    values = [1.0, NAN, INF, -INF, -2.0]
    for incoming in ([1.0, 2.0, 3.0, 4.0, 5.0], [INF, INF, -INF, NAN, -INF]):
        ours = mg.tensor(values, dtype=mg.float64, device=device, requires_grad=True)
        theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        with np.errstate(all="ignore"):
            mg.nan_to_num(ours).backward(mg.tensor(incoming, dtype=mg.float64, device=device))
        torch.nan_to_num(theirs).backward(torch.tensor(incoming, dtype=torch.float64))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("dtypes", [("bool", "bool"), ("float32", "int64"), ("uint8", "float16"),
                                    ("int8", "bool"), ("float64", "float64")])
@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_functions_match_torch_for_dtype_pairs(name, dtypes, device):
    a_values = special_values(dtypes[0])[:6]
    b_values = list(reversed(special_values(dtypes[1])))[:6]
    with np.errstate(all="ignore"):
        ours_a, theirs_a = both(a_values, dtypes[0], device)
        ours_b, theirs_b = both(b_values, dtypes[1], device)
    expected = getattr(torch, name)(theirs_a, theirs_b)
    for ours in (getattr(mg, name)(ours_a, ours_b), getattr(ours_a, name)(ours_b)):
        assert ours.dtype == mg.bool_
        np.testing.assert_array_equal(ours.numpy(), expected.numpy())


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "signbit", "nan_to_num", "logical_not",
                                  "logical_and", "floor", "frac", "fmod", "atan2", "hypot", "logaddexp",
                                  "clamp_min", "lerp"])
def test_a_python_number_where_a_tensor_is_needed_is_a_type_error_as_in_torch(name):
    arguments = {"logical_and": (1.0, torch.tensor([1.0])), "fmod": (1.0, 2.0),
                 "atan2": (1.0, torch.tensor([1.0])), "hypot": (1.0, torch.tensor([1.0])),
                 "logaddexp": (1.0, torch.tensor([1.0])), "clamp_min": (1.0, 0.5),
                 "lerp": (1.0, torch.tensor([1.0]), 0.5)}.get(name, (1.0,))
    with pytest.raises(TypeError):
        getattr(torch, name)(*arguments)
    ours = [mg.tensor(a.tolist()) if isinstance(a, torch.Tensor) else a for a in arguments]
    with pytest.raises(TypeError, match=name):
        getattr(mg, name)(*ours)


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor", "atan2", "fmod", "xlogy"])
def test_shapes_that_do_not_broadcast_are_a_runtime_error_as_in_torch(name, device):
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.ones(3), torch.ones(4))
    with pytest.raises(RuntimeError, match="shapes"):
        getattr(mg, name)(mg.ones(3, device=device), mg.ones(4, device=device))
