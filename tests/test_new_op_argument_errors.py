"""Argument checks of the newer ops against torch: a list where a tensor belongs, operands
of the wrong number of dims, boolean and integer inputs that torch has no version for.
Each case runs on both sides: the same exception type (torch's NotImplementedError is a
RuntimeError), and a message that names the problem; or, where torch succeeds, its result."""
import numpy as np
import pytest
import torch

import minigrad as mg

MATRIX = np.arange(12.0).reshape(3, 4) / 7 - 0.5
VECTOR = np.arange(5.0) / 3 - 0.5


def both(array, dtype=None):
    """``array`` as a (torch, minigrad) pair."""
    array = np.asarray(array) if dtype is None else np.asarray(array).astype(dtype)
    return torch.tensor(array), mg.tensor(array)


def raises_like_torch(theirs, ours, *words):
    """``theirs()`` raises; ``ours()`` raises an exception of its type whose message
    contains each of ``words``."""
    with pytest.raises(Exception) as torch_error:
        theirs()
    expected = RuntimeError if isinstance(torch_error.value, RuntimeError) else type(torch_error.value)
    with pytest.raises(expected) as our_error:
        ours()
    for word in words:
        assert word in str(our_error.value), (word, str(our_error.value))


LIST_INPUT = ["clone", "square", "negative", "positive", "nansum", "nanmean", "prod", "median",
              "trace", "diag", "diagonal"]


@pytest.mark.parametrize("name", LIST_INPUT)
def test_a_list_input_is_a_type_error_naming_the_function(name):
    values = MATRIX.tolist()
    raises_like_torch(lambda: getattr(torch, name)(values), lambda: getattr(mg, name)(values),
                      f"{name}()", "must be Tensor, not list")


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_a_list_input_to_a_running_reduction_is_a_type_error(name):
    values = MATRIX.tolist()
    raises_like_torch(lambda: getattr(torch, name)(values, 0), lambda: getattr(mg, name)(values, 0),
                      f"{name}()", "must be Tensor, not list")


@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("name", ["dot", "outer", "cdist", "linalg_cross"])
def test_a_list_operand_of_a_product_is_a_type_error(name, position):
    shape = (3, 3) if name in ("cdist", "linalg_cross") else (3,)
    torch_args, our_args = map(list, zip(*[both(np.ones(shape)) for _ in range(2)]))
    torch_args[position] = our_args[position] = np.ones(shape).tolist()
    torch_function = torch.linalg.cross if name == "linalg_cross" else getattr(torch, name)
    our_function = mg.linalg.cross if name == "linalg_cross" else getattr(mg, name)
    raises_like_torch(lambda: torch_function(*torch_args), lambda: our_function(*our_args),
                      "must be Tensor, not list")


PRODUCTS = {
    "dot": (torch.dot, mg.dot),
    "outer": (torch.outer, mg.outer),
    "ger": (lambda a, b: a.ger(b), lambda a, b: a.ger(b)),
    "cross": (lambda a, b: torch.cross(a, b, dim=-1), lambda a, b: mg.cross(a, b, dim=-1)),
    "linalg.cross": (torch.linalg.cross, mg.linalg.cross),
}


@pytest.mark.parametrize("name", PRODUCTS)
def test_operands_of_different_ranks_are_refused_naming_both_shapes(name):
    (torch_a, our_a), (torch_b, our_b) = both(MATRIX), both(VECTOR)
    theirs, ours = PRODUCTS[name]
    raises_like_torch(lambda: theirs(torch_a, torch_b), lambda: ours(our_a, our_b), "(3, 4)", "(5,)")


def test_cdist_of_a_vector_is_refused_naming_its_shape():
    (torch_a, our_a), (torch_b, our_b) = both(MATRIX), both(VECTOR)
    raises_like_torch(lambda: torch.cdist(torch_a, torch_b), lambda: mg.cdist(our_a, our_b), "X2", "(5,)")


@pytest.mark.parametrize("call", [lambda m, x: m.median(x), lambda m, x: x.median(0),
                                  lambda m, x: m.trace(x), lambda m, x: x.trace()],
                         ids=["median", "median-dim", "trace", "trace-method"])
def test_median_and_trace_refuse_bool(call):
    theirs, ours = both(MATRIX[:, :3] > 0)
    raises_like_torch(lambda: call(torch, theirs), lambda: call(mg, ours), "bool")


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_median_and_trace_of_integers_are_torchs(dtype):
    theirs, ours = both(np.abs(MATRIX[:, :3]) * 10, dtype)
    for call in (lambda m, x: m.median(x), lambda m, x: m.trace(x)):
        expected, got = call(torch, theirs), call(mg, ours)
        assert str(expected.dtype) == f"torch.{got.dtype}"
        assert got.item() == expected.item()


@pytest.mark.parametrize("decimals", [0, 1, -1])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_round_with_decimals_refuses_integers_and_bool(dtype, decimals):
    theirs, ours = both(np.abs(MATRIX) * 10, dtype)
    raises_like_torch(lambda: torch.round(theirs, decimals=decimals),
                      lambda: mg.round(ours, decimals=decimals), dtype if dtype != "bool" else "bool")
    raises_like_torch(lambda: theirs.round(decimals=decimals), lambda: ours.round(decimals=decimals),
                      "decimals")


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_round_without_decimals_keeps_integers(dtype):
    theirs, ours = both(np.abs(MATRIX) * 10, dtype)
    for expected, got in ((torch.round(theirs), mg.round(ours)), (theirs.round(), ours.round())):
        assert str(expected.dtype) == f"torch.{dtype}" and str(got.dtype) == dtype
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("decimals", [None, 0, 2, -1])
def test_round_of_floats_is_torchs(decimals):
    values = (MATRIX * 1000).round(3) + 0.5
    theirs, ours = both(values)
    keywords = {} if decimals is None else {"decimals": decimals}
    np.testing.assert_allclose(mg.round(ours, **keywords).numpy(),
                               torch.round(theirs, **keywords).numpy(), rtol=1e-12, atol=0)
