"""Regressions in gradients (and the values behind them) found by the differential tests
(random programs, infinite and NaN incoming gradients), each reduced to its smallest
case and compared with PyTorch on every test device: the same NaN positions, the same
infinities and the same finite values (float64).
"""
import math
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from differential_helpers import assert_same

INF, NAN = math.inf, math.nan


def outputs_and_gradients(lib, function, inputs, incoming, device=None):
    """``function(lib, *xs)`` and d(Σ incoming · output)/dxs for float64 leaves ``xs``
    holding ``inputs``; ``incoming`` is a number (filled to the output's shape) or a list."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # torch warns of degrees of freedom <= 0
        if lib is mg:
            xs = [mg.tensor(v, dtype=mg.float64, device=device, requires_grad=True) for v in inputs]
        else:
            xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
        y = function(lib, *xs)
        g = np.broadcast_to(np.asarray(incoming, dtype=np.float64), tuple(y.shape)).copy()
        g = mg.tensor(g, device=device) if lib is mg else torch.from_numpy(g)
        grads = lib.autograd.grad([y], xs, [g], allow_unused=True)
    return y, grads


def assert_like_torch(function, inputs, incoming, device):
    """minigrad's value and gradients equal torch's (NaN, infinities and values)."""
    ours, our_grads = outputs_and_gradients(mg, function, inputs, incoming, device)
    theirs, their_grads = outputs_and_gradients(torch, function, inputs, incoming)
    assert_same(ours, theirs, rtol=1e-12, what="value")
    for k, (a, e) in enumerate(zip(our_grads, their_grads)):
        assert (a is None) == (e is None), f"gradient of input {k}: {a} vs torch {e}"
        if e is not None:
            assert_same(a, e, rtol=1e-12, what=f"gradient of input {k}")


# ---------------------------------------------------------------- var and std
# An infinite incoming gradient gives ±inf (2 g (x − x̄)/(n − 1)), not inf − inf = NaN;
# n ≤ correction gives PyTorch's inf/NaN gradients; a single element (n − 1 = 0) has a
# NaN value and a NaN gradient, both for var and std.
VARIANCE_CASES = {
    "var_inf_incoming": (lambda lib, x: x.var(), [1.0, 2.0, 4.0], INF),
    "var_dim_minus_inf_incoming": (lambda lib, x: x.var(1), [[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]], -INF),
    "var_nan_incoming": (lambda lib, x: x.var(0, correction=0), [1.0, 2.0, 4.0], NAN),
    "std_inf_incoming": (lambda lib, x: x.std(), [1.0, 2.0, 4.0], INF),
    "std_dim_inf_incoming": (lambda lib, x: x.std(0, keepdim=True), [[1.0, 2.0], [3.0, 2.0]], INF),
    "var_empty_dims_inf_incoming": (lambda lib, x: x.var(() if lib is mg else None),
                                    [[1.0, 2.0], [4.0, 0.0]], INF),
    "var_single_element": (lambda lib, x: x.var(), [3.0], 1.0),
    "std_single_element": (lambda lib, x: x.std(), [3.0], 1.0),
    "std_single_element_dim": (lambda lib, x: x.std(0), [[3.0, 1.0]], 1.0),
    "std_0d_dim": (lambda lib, x: x.std(0), 3.0, 1.0),
    "var_correction_equals_n": (lambda lib, x: x.var(correction=3), [1.0, 2.0, 4.0], 1.0),
    "var_dim_correction_equals_n": (lambda lib, x: x.var(0, correction=3), [1.0, 2.0, 4.0], 1.0),
    "var_dim_correction_beyond_n": (lambda lib, x: x.var(0, correction=5), [1.0, 2.0, 4.0], 1.0),
    "var_infinite_input": (lambda lib, x: x.var(), [3.0, INF], 1.0),
    "std_constant_inf_incoming": (lambda lib, x: x.std(), [3.0, 3.0], INF),
}


@pytest.mark.parametrize("name", VARIANCE_CASES)
def test_var_and_std_gradients_like_torch(name, device):
    function, values, incoming = VARIANCE_CASES[name]
    assert_like_torch(function, [values], incoming, device)


def test_var_second_derivative(device):
    x = mg.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 3.5]], dtype=mg.float64, device=device,
                  requires_grad=True)
    assert mg.gradgradcheck(lambda t: t.var(1), (x,))
    assert mg.gradgradcheck(lambda t: t.var(correction=0), (x,))


# ---------------------------------------------------------------- gelu
# The derivative Φ(x) + x φ(x) (or its tanh form) is one factor times the incoming
# gradient: an infinite gradient gives ±inf, not inf − inf = NaN from the product rule.
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("incoming", [INF, -INF, NAN, 0.0, 1.0])
def test_gelu_gradient_with_nonfinite_incoming_gradient_like_torch(approximate, incoming, device):
    def function(lib, x):
        functional = mg.nn.functional if lib is mg else torch.nn.functional
        return functional.gelu(x, approximate=approximate)
    assert_like_torch(function, [[-INF, -30.0, -3.0, -1.0, 0.0, 0.5, 2.0, 40.0, INF, NAN]],
                      incoming, device)


# ---------------------------------------------------------------- max and min holding NaN
# A NaN maximum (minimum) is the NaN elements': they get the gradient, shared evenly as
# torch's max() shares it (its max(dim) gives it to the first one), the others exactly 0.
EXTREME_CASES = {
    "max_all_nan": (lambda lib, x: x.max(), [NAN, 1.0, 2.0], 1.0),
    "min_all_two_nans": (lambda lib, x: x.min(), [NAN, 1.0, NAN], 1.0),
    "max_dim_nan": (lambda lib, x: x.max(dim=1).values, [[NAN, 1.0, 2.0], [3.0, 0.0, 1.0]], 1.0),
    "min_dim_nan_keepdim": (lambda lib, x: x.min(dim=0, keepdim=True).values,
                            [[NAN, 1.0], [3.0, 0.0]], -INF),
}


@pytest.mark.parametrize("name", EXTREME_CASES)
def test_max_and_min_of_a_tensor_holding_nan_give_the_gradient_to_the_nan(name, device):
    function, values, incoming = EXTREME_CASES[name]
    assert_like_torch(function, [values], incoming, device)


# ---------------------------------------------------------------- dtypes (dtype-mix programs)
def outcome(function, lib):
    """``function(lib)``'s dtype and values, or the type of the exception it raises."""
    try:
        result = function(lib)
    except Exception as error:  # noqa: BLE001 - compared with torch's
        return type(error)
    values = result.detach().numpy() if lib is mg else result.numpy()
    return str(result.dtype).removeprefix("torch."), values.tolist()


def t(lib, values, dtype):
    return lib.tensor(values, dtype=getattr(lib, dtype))


DTYPE_CASES = {
    # matmul does not promote: mixed dtypes are refused (minigrad promoted them)
    "matmul_float_bool": lambda L: t(L, [], "float64") @ t(L, [], "bool"),
    "matmul_float32_float64": lambda L: t(L, [1.0, 2.0], "float32") @ t(L, [1.0, 2.0], "float64"),
    "matmul_int_float": lambda L: t(L, [[1, 2]], "int64") @ t(L, [[1.0], [2.0]], "float32"),
    "matmul_int32_int64": lambda L: t(L, [[1, 2]], "int32") @ t(L, [[1], [2]], "int64"),
    # integers to negative integer tensor powers: 1, ±1 or 0 (minigrad raised NumPy's refusal)
    "pow_negative_int_tensor": lambda L: t(L, [2, 1, -1, -1, 0, -2], "int64")
    ** t(L, [-1, -2, -3, -2, -1, -1], "int64"),
    "pow_0d_negative": lambda L: t(L, -3, "int64") ** t(L, -3, "int64"),
    "pow_int8_negative": lambda L: t(L, [2, -1], "int8") ** t(L, -1, "int64"),
    "pow_number_base_negative_exponent": lambda L: 2 ** t(L, [-1, 2], "int64"),
    "pow_uint8_squared": lambda L: t(L, [3, 20], "uint8") ** 2,
    "pow_negative_number_exponent": lambda L: t(L, [2, 1], "int64") ** -1,
    "pow_bool_bool": lambda L: t(L, [True, False], "bool") ** t(L, [True, True], "bool"),
    "pow_bool_squared": lambda L: t(L, [True, False], "bool") ** 2,
}


@pytest.mark.parametrize("name", DTYPE_CASES)
def test_result_dtypes_values_and_refusals_like_torch(name):
    function = DTYPE_CASES[name]
    ours, theirs = outcome(function, mg), outcome(function, torch)
    assert ours == theirs


# a tensor to a Python bool power keeps the tensor's dtype (a bool too), as in torch
DTYPE_CASES.update({
    "pow_bool_tensor_true": lambda L: t(L, [True, False], "bool") ** True,
    "pow_bool_tensor_false": lambda L: t(L, [True, False], "bool") ** False,
    "pow_int32_true": lambda L: t(L, [2, 3], "int32") ** True,
    # clamp with a tensor bound promotes like any binary op (int32 with a 0-d int64 is int64)
    "clamp_int32_int64_bound": lambda L: t(L, 0, "int32").clamp(min=t(L, 2, "int64")),
    "clamp_int32_uint8_bounds": lambda L: t(L, [0, 9], "int8").clamp(t(L, [2], "uint8"),
                                                                     t(L, [5], "uint8")),
})
DTYPE_CASES.update({
    # subtraction with a Python bool is refused as with a bool tensor (it gave a result)
    "sub_python_bool": lambda L: t(L, [1.0, 2.0], "float32") - True,
    "rsub_python_bool": lambda L: True - t(L, [1.0, 2.0], "float16"),
    "sub_int_tensor_false": lambda L: t(L, [1, 2], "int64") - False,
    "sub_bool_tensors": lambda L: t(L, [True], "bool") - t(L, [False], "bool"),
})


# ---------------------------------------------------------------- cross_entropy
# Probability targets (and label smoothing): the gradient is log_softmax's backward
# G − p ΣG of G = −q g, as in torch: an infinite g over a row whose targets have both
# signs is NaN across the row (minigrad's p (Σq) g − q g gave ±inf at most entries).
CROSS_ENTROPY_CASES = {
    "probabilities_mixed_signs": ([[1.5, -0.03, 0.38], [0.22, -0.4, -0.89]],
                                  [[0.4, -1.0, -0.4], [0.3, 0.2, 0.5]], {}),
    "probabilities_sum": ([[1.5, -0.03, 0.38]], [[0.2, 0.3, 0.5]], {"reduction": "sum"}),
    "class_index_smoothing": ([[1.5, -0.03, 0.38], [0.22, -0.4, -0.89]], [2, 0],
                              {"label_smoothing": 0.1}),
    "class_index": ([[0.5, -0.5, 0.1]], [1], {"reduction": "none"}),
}


@pytest.mark.parametrize("incoming", [INF, -INF, NAN])
@pytest.mark.parametrize("name", CROSS_ENTROPY_CASES)
def test_cross_entropy_with_nonfinite_incoming_gradient_like_torch(name, incoming, device):
    logits, target, options = CROSS_ENTROPY_CASES[name]

    def function(lib, z):
        functional = mg.nn.functional if lib is mg else torch.nn.functional
        target_tensor = (lib.tensor(target, dtype=lib.float64) if isinstance(target[0], list)
                         else lib.tensor(target))
        if lib is mg:
            target_tensor = target_tensor.to(device)
        return functional.cross_entropy(z, target_tensor, **options)
    assert_like_torch(function, [logits], incoming, device)


# ---------------------------------------------------------------- einsum
# einsum is computed as torch computes it (diagonals by an index pick, a letter of size 1
# in one operand summed in the other first, operands contracted in torch's order), so
# non-finite incoming gradients give torch's NaN and infinities: a diagonal's gradient is
# 0 off the diagonal (an identity matrix multiplied it: inf · 0 = NaN), and the sums
# meet the infinities in the same groups.
EINSUM_CASES = {
    "diagonal": ("ii->i", [(3, 3)]),
    "trace": ("ii", [(3, 3)]),
    "diagonal_then_product": ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    "three_operands": ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    "size_one_letter": ("ij,jk->ik", [(2, 1), (3, 4)]),
    "three_operands_batch": ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
}


@pytest.mark.parametrize("incoming", [INF, [INF, -INF, NAN, 0.0, 1.5, -2.0, INF, 1.0]])
@pytest.mark.parametrize("name", EINSUM_CASES)
def test_einsum_with_nonfinite_incoming_gradient_like_torch(name, incoming, device):
    equation, shapes = EINSUM_CASES[name]
    rng = np.random.default_rng(7)
    values = [rng.standard_normal(shape).tolist() for shape in shapes]
    if isinstance(incoming, list):  # as many values as the output has, in its shape
        shape = tuple(torch.einsum(equation, *[torch.tensor(v) for v in values]).shape)
        incoming = np.resize(np.array(incoming), shape)
    assert_like_torch(lambda lib, *xs: lib.einsum(equation, *xs), values, incoming, device)


def test_einsum_second_derivative(device):
    rng = np.random.default_rng(3)
    xs = [mg.tensor(rng.standard_normal(shape), device=device, requires_grad=True)
          for shape in [(3, 3, 2), (2, 4), (4, 1)]]
    assert mg.gradgradcheck(lambda a, b, c: mg.einsum("iij,jk,kl->il", a, b, c), xs)


# ---------------------------------------------------------------- NaN inputs
# sign(NaN) = 0, so abs passes no gradient at NaN; relu passes it at NaN (PyTorch's
# backward compares its output with 0): both as in torch.
NAN_INPUT_CASES = {
    "abs": (lambda lib, x: x.abs(), [NAN, -1.0, 0.0, 2.0, INF, -INF]),
    "relu": (lambda lib, x: x.relu(), [NAN, -1.0, 0.0, 2.0]),
    "relu_function": (lambda lib, x: lib.relu(x), [[NAN, 1.0], [-INF, 0.0]]),
}


@pytest.mark.parametrize("incoming", [1.0, INF, NAN])
@pytest.mark.parametrize("name", NAN_INPUT_CASES)
def test_abs_and_relu_at_nan_like_torch(name, incoming, device):
    function, values = NAN_INPUT_CASES[name]
    assert_like_torch(function, [values], incoming, device)


def test_sign_of_nan_is_zero_like_torch(device):
    values = [NAN, -2.0, -0.0, 0.0, 3.0, INF, -INF]
    ours = mg.sign(mg.tensor(values, dtype=mg.float32, device=device))
    theirs = torch.sign(torch.tensor(values, dtype=torch.float32))
    assert_same(ours, theirs, rtol=0, what="sign")
DTYPE_CASES.update({
    # torch's softmax and log_softmax return an empty input before their dtype check
    "log_softmax_empty_int8": lambda L: t(L, [], "int8").log_softmax(-1),
    "softmax_empty_bool_rows": lambda L: t(L, [], "bool").reshape(0, 3).softmax(1),
    "softmax_int64_refused": lambda L: t(L, [1, 2], "int64").softmax(0),
})


# ---------------------------------------------------------------- addmm and baddbmm with beta=0
# input's values are not read (NaN in it stays out of the result), but its gradient is
# the incoming one times β = 0, as torch multiplies it: NaN for an infinite or NaN one.
BETA_ZERO_CASES = {
    "addmm": (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), [[1.0], [NAN]],
              [[1.0, 2.0], [0.5, -1.0]], [[1.5, -2.0], [0.25, 3.0]]),
    "baddbmm": (lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0, alpha=0.5), [2.0, INF],
                [[[1.0, 2.0]], [[0.5, -1.0]]], [[[1.5, -2.0], [0.25, 3.0]], [[1.0, 0.0], [2.0, 1.0]]]),
}


@pytest.mark.parametrize("incoming", [INF, NAN, 1.0])
@pytest.mark.parametrize("name", BETA_ZERO_CASES)
def test_addmm_family_beta_zero_gradient_like_torch(name, incoming, device):
    function, *values = BETA_ZERO_CASES[name]
    assert_like_torch(function, values, incoming, device)


# ---------------------------------------------------------------- inf-norms (vector_norm, norm, cdist)
# The ±inf-norm's gradient is the incoming share times the 0/1 mask of the extreme
# elements, as torch multiplies it: an infinite or NaN incoming gradient gives NaN at
# the other elements (a select gave 0); the 2-norm's is g · (x / ‖x‖).
INF_NORM_CASES = {
    "vector_norm_inf": lambda lib, x: lib.linalg.vector_norm(x, INF),
    "vector_norm_minus_inf_dim": lambda lib, x: lib.linalg.vector_norm(x, -INF, dim=1),
    "norm_inf": lambda lib, x: lib.norm(x, INF, 0, keepdim=True),
    "cdist_inf": lambda lib, x: lib.cdist(x, x[:1] * 2.0, p=INF),
    "vector_norm_2_zero_row": lambda lib, x: lib.linalg.vector_norm(x * (x > 0), dim=1),
}


@pytest.mark.parametrize("incoming", [INF, -INF, NAN, 1.5])
@pytest.mark.parametrize("name", INF_NORM_CASES)
def test_norm_gradients_with_nonfinite_incoming_gradient_like_torch(name, incoming, device):
    assert_like_torch(INF_NORM_CASES[name], [[[1.5, -3.0, 0.5], [-2.0, 0.0, -1.0]]], incoming, device)


# ---------------------------------------------------------------- nansum and nanmean
# A NaN element's gradient is the incoming one times 0, as torch's nansum backward
# multiplies by the mask: NaN for an infinite or NaN incoming gradient (a select gave 0).
NAN_REDUCTION_CASES = {
    "nansum": lambda lib, x: lib.nansum(x),
    "nansum_dim": lambda lib, x: lib.nansum(x, 1, keepdim=True),
    "nanmean_dim": lambda lib, x: lib.nanmean(x, 0),
}


@pytest.mark.parametrize("incoming", [INF, NAN, 2.0])
@pytest.mark.parametrize("name", NAN_REDUCTION_CASES)
def test_nansum_and_nanmean_gradient_at_nan_like_torch(name, incoming, device):
    assert_like_torch(NAN_REDUCTION_CASES[name], [[[1.5, NAN, -2.0], [NAN, 3.0, 0.5]]],
                      incoming, device)


# ---------------------------------------------------------------- cumprod at zeros
# Each of PyTorch's sums takes only its own range's terms: an infinite incoming gradient
# past a zero (g_k y_k = ∞ · 0 = NaN) does not reach the gradients before it.
CUMPROD_CASES = {
    "one_zero": [[1.5, 0.0, -2.0, 0.5], [0.5, 3.0, 1.25, 0.0]],
    "two_zeros": [[0.0, 2.0, 0.0, 1.5], [1.5, 0.0, -1.0, 0.0]],
    "size_one_dim": [[INF], [0.0]],
}


@pytest.mark.parametrize("incoming", [INF, -INF, NAN, [0.0, INF, 1.5, -2.0]])
@pytest.mark.parametrize("name", CUMPROD_CASES)
def test_cumprod_gradient_at_zeros_with_nonfinite_incoming_gradient_like_torch(name, incoming, device):
    values = CUMPROD_CASES[name]
    if isinstance(incoming, list):
        incoming = np.resize(np.array(incoming), np.shape(values))
    assert_like_torch(lambda lib, x: lib.cumprod(x, 1), [values], incoming, device)


# ---------------------------------------------------------------- prod
# As torch: g · (y / x) without zeros; the product of the others with zeros; 0 for the
# product of every element with two zeros or more (an infinite g gave NaN = ∞ · 0); an
# infinite input without zeros gets g · (y / x) (NaN = ∞ / ∞ there, as in torch); a 0-d
# input passes the gradient through.
PROD_CASES = {
    "all_two_zeros": (lambda lib, x: x.prod(), [[0.0, 2.0], [0.0, -1.5]]),
    "all_one_zero": (lambda lib, x: x.prod(), [[1.5, 0.0, -2.0], [0.5, 3.0, 1.25]]),
    "dim_two_zeros": (lambda lib, x: x.prod(1), [[0.0, 2.0, 0.0], [1.5, 0.0, -1.0]]),
    "no_zero_infinite": (lambda lib, x: x.prod(0), [[1.5, INF], [-0.5, 2.0]]),
    "zero_d_infinite": (lambda lib, x: x.prod(), INF),
}


@pytest.mark.parametrize("incoming", [INF, NAN, 1.5])
@pytest.mark.parametrize("name", PROD_CASES)
def test_prod_gradient_like_torch(name, incoming, device):
    function, values = PROD_CASES[name]
    assert_like_torch(function, [values], incoming, device)


def test_prod_second_derivative_at_zeros(device):
    x = mg.tensor([[0.0, 2.0, 0.0], [1.5, 0.5, -1.0]], dtype=mg.float64, device=device,
                  requires_grad=True)
    assert mg.gradgradcheck(lambda t: t.prod(), (x,))
    assert mg.gradgradcheck(lambda t: t.prod(1), (x,))


# ---------------------------------------------------------------- quantile
# The interpolation between two sorted values is torch's lerp, whose gradients are
# g · (1 − w) and g · w: an infinite g gives ±inf, not g − w g = inf − inf = NaN.
QUANTILE_CASES = {
    "linear": (lambda lib, x: lib.quantile(x, 0.3), [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]),
    "linear_dim": (lambda lib, x: lib.quantile(x, 0.75, dim=1), [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]),
    "midpoint_tensor_q": (lambda lib, x: lib.quantile(
        x, lib.tensor([0.1, 0.9], dtype=x.dtype).to(x.device), dim=0, interpolation="midpoint"),
                          [[0.5, -1.0], [2.0, 1.5], [0.25, -0.75]]),
}


@pytest.mark.parametrize("incoming", [INF, -INF, NAN, 1.5])
@pytest.mark.parametrize("name", QUANTILE_CASES)
def test_quantile_gradient_with_nonfinite_incoming_gradient_like_torch(name, incoming, device):
    function, values = QUANTILE_CASES[name]
    assert_like_torch(function, [values], incoming, device)


# A NaN in a slice makes every rank the last one (where the NaN is sorted), as in torch:
# linear interpolation there has weight 0, so the NaN element gets g · 1 + g · 0 (NaN
# for an infinite g, as torch); the other elements of the slice get nothing.
QUANTILE_NAN_CASES = {
    "linear_dim": (lambda lib, x: lib.quantile(x, 0.3, dim=1), [[0.5, NAN, 2.0], [1.5, 0.25, -0.75]]),
    "linear_all": (lambda lib, x: lib.quantile(x, 0.6), [[0.5, NAN, 2.0], [1.5, 0.25, -0.75]]),
    "midpoint_dim": (lambda lib, x: lib.quantile(x, 0.3, dim=1, interpolation="midpoint"),
                     [[0.5, NAN, 2.0], [1.5, 0.25, -0.75]]),
}


@pytest.mark.parametrize("incoming", [INF, 1.5])
@pytest.mark.parametrize("name", QUANTILE_NAN_CASES)
def test_quantile_of_a_slice_holding_nan_gradient_like_torch(name, incoming, device):
    function, values = QUANTILE_NAN_CASES[name]
    assert_like_torch(function, [values], incoming, device)


# ---------------------------------------------------------------- cdist at a zero distance
# torch.cdist has its own backward: the gradient at a zero distance (and, for p < 1, at a
# zero difference) is selected 0, also for an infinite incoming gradient (where the vector
# norm's backward multiplies by 0: NaN); p = 1 and inf multiply, as torch.
@pytest.mark.parametrize("incoming", [INF, NAN, 1.5])
@pytest.mark.parametrize("p", [2.0, 0.5, 1.5, 3.0, 1.0, INF])
def test_cdist_gradient_at_zero_distance_with_nonfinite_incoming_gradient_like_torch(p, incoming, device):
    def function(lib, x1, x2):
        return lib.cdist(x1, x2, p=p)
    assert_like_torch(function, [[[1.0, 2.0], [0.5, -1.0]], [[1.0, 2.0], [3.0, -1.0]]], incoming, device)


@pytest.mark.parametrize("shape_a", [(0, 2), (3, 0, 2)])
def test_second_derivative_of_an_empty_quotient_is_zero_even_at_a_nan_divisor(shape_a):
    # dL/db = −g·((a / b) / b), as PyTorch forms it: every product at the broadcast shape,
    # summed back last. With a / (b·b) the derivative of b·b multiplied a summed-away
    # zero by the NaN b (log of a negative number), giving NaN where torch gives 0.
    divisor = np.array([[-0.788, 0.226]])
    results = []
    for lib in (mg, torch):
        b = lib.tensor(divisor, dtype=lib.float64, requires_grad=True)
        a = lib.zeros(shape_a, dtype=lib.float64)
        first, = lib.autograd.grad((a / lib.log(b)).sum(), b, create_graph=True)
        second, = lib.autograd.grad(first.sum(), b)
        results.append(np.asarray(second.detach().numpy()))
    np.testing.assert_array_equal(results[0], results[1])
