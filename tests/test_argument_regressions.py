"""Arguments that are not tensors, and argument checks, compared with PyTorch.

A Python list where a function takes a Tensor is PyTorch's TypeError naming the
function and the argument (never a conversion, never an unrelated AttributeError);
Python numbers and NumPy arrays stay accepted where PyTorch accepts them.
"""
import numpy as np
import pytest
import torch

import minigrad as mg


def both(make):
    """``make(lib, tensor)`` on torch and on minigrad: (torch outcome, minigrad outcome),
    each a result or the exception raised."""
    outcomes = []
    for lib, tensor in ((torch, torch.tensor), (mg, mg.tensor)):
        try:
            outcomes.append(make(lib, tensor))
        except Exception as error:  # noqa: BLE001 - compared below
            outcomes.append(error)
    return outcomes


LIST_ARGUMENTS = {
    "sum": lambda m, t: m.sum([1.0, 2.0]),
    "relu": lambda m, t: m.relu([1.0, 2.0]),
    "abs": lambda m, t: m.abs([1.0, 2.0]),
    "softmax": lambda m, t: m.softmax([1.0, 2.0], 0),
    "reshape": lambda m, t: m.reshape([1.0, 2.0], (2,)),
    "transpose": lambda m, t: m.transpose([[1.0, 2.0]], 0, 1),
    "tril": lambda m, t: m.tril([[1.0, 2.0]]),
    "maximum-first": lambda m, t: m.maximum([1.0, 2.0], t([1.0, 2.0])),
    "maximum-second": lambda m, t: m.maximum(t([1.0, 2.0]), [1.0, 2.0]),
    "pow-list-base": lambda m, t: m.pow([1.0, 2.0], t([1.0, 2.0])),
    "where-condition": lambda m, t: m.where([True, False], t([1.0, 2.0]), t([3.0, 4.0])),
    "where-branch": lambda m, t: m.where(t([True, False]), [1.0, 2.0], t([3.0, 4.0])),
    "matmul": lambda m, t: m.matmul(t([1.0, 2.0]), [1.0, 2.0]),
    "mm": lambda m, t: m.mm([[1.0]], t([[1.0]])),
    "gather-index": lambda m, t: m.gather(t([1.0, 2.0]), 0, [0]),
    "masked_fill-mask": lambda m, t: t([1.0, 2.0]).masked_fill([True, False], 0.0),
    "add-operator": lambda m, t: t([1.0, 2.0]) + [1.0, 2.0],
    "radd-operator": lambda m, t: [1.0, 2.0] * t([1.0, 2.0]),
    "less-operator": lambda m, t: t([1.0, 2.0]) < [1.0, 2.0],
    "and-operator": lambda m, t: t([True, False]) & [True, False],
}


@pytest.mark.parametrize("name", LIST_ARGUMENTS)
def test_a_list_where_a_tensor_is_expected_is_torchs_type_error(name):
    theirs, ours = both(LIST_ARGUMENTS[name])
    assert isinstance(theirs, TypeError), theirs
    assert isinstance(ours, TypeError), f"minigrad: {ours!r}"
    assert "list" in str(ours)


def test_the_message_names_the_function_the_argument_and_its_position():
    with pytest.raises(TypeError, match=r"sum\(\): argument 'x' \(position 1\) must be Tensor, not list"):
        mg.sum([1.0, 2.0])
    with pytest.raises(TypeError, match=r"maximum\(\): argument 'other' \(position 2\).* not tuple"):
        mg.maximum(mg.ones(2), (1.0, 2.0))
    with pytest.raises(TypeError, match=r"where\(\): argument 'input' \(position 2\)"):
        mg.where(mg.ones(2) > 0, [1.0, 2.0], mg.ones(2))
    with pytest.raises(TypeError, match=r"gather\(\): argument 'index' \(position 3\)"):
        mg.gather(mg.ones(2), 0, index=[0])


ACCEPTED = {
    "add-number": lambda m, t: t([1.0, 2.0]) + 2,
    "rpow-number": lambda m, t: 2 ** t([1.0, 2.0]),
    "pow-number-base": lambda m, t: m.pow(2, t([1.0, 2.0])),
    "add-array": lambda m, t: t([1.0, 2.0]) + np.array([1.0, 3.0]),
    "matmul-array": lambda m, t: t([1.0, 2.0]) @ np.array([1.0, 3.0], np.float32),
    "where-numbers": lambda m, t: m.where(t([True, False]), 2.0, t([3.0, 4.0])),
    "where-uint8-condition": lambda m, t: m.where(t(np.array([1, 0], np.uint8)), t([1.0, 2.0]),
                                                  t([3.0, 4.0])),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_numbers_and_arrays_stay_accepted_where_torch_accepts_them(name):
    theirs, ours = both(ACCEPTED[name])
    assert isinstance(theirs, torch.Tensor), theirs
    assert isinstance(ours, mg.Tensor), f"minigrad: {ours!r}"
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


def test_where_refuses_a_condition_that_is_not_boolean():
    theirs, ours = both(lambda m, t: m.where(t([1.0, 0.0]), t([1.0, 2.0]), t([3.0, 4.0])))
    assert isinstance(theirs, RuntimeError)
    assert isinstance(ours, RuntimeError) and "boolean" in str(ours), ours


def pad_of(m):
    return torch.nn.functional.pad if m is torch else mg.pad


REFUSED_LIKE_TORCH = {
    "matmul-int-float": (lambda m, t: t([[1, 2]]) @ t([[1.0], [2.0]]), RuntimeError, "dtype"),
    "matmul-float32-float64": (lambda m, t: t([[1.0]], dtype=m.float32) @ t([[1.0]], dtype=m.float64),
                               RuntimeError, "dtype"),
    "unary-plus-bool": (lambda m, t: +t([True, False]), RuntimeError, "bool"),
    "topk-bool": (lambda m, t: m.topk(t([True, False]), 1), RuntimeError, "bool"),
    "expand-fewer-sizes": (lambda m, t: m.ones(3, 4).expand(4), RuntimeError, r"\(4,\).*\(3, 4\)"),
    "expand_as-fewer-dims": (lambda m, t: m.ones(3, 4).expand_as(m.ones(5)), RuntimeError, r"\(5,\)"),
    "pad-odd": (lambda m, t: pad_of(m)(m.ones(2, 3), (1, 1, 1)), RuntimeError, "2"),
    "pad-too-long": (lambda m, t: pad_of(m)(m.ones(2, 3), (1,) * 6), RuntimeError, "6"),
    "bmm-2d": (lambda m, t: m.bmm(m.ones(3, 4), m.ones(5)), RuntimeError, r"\(3, 4\).*\(5,\)"),
    "index-step-zero": (lambda m, t: t([1.0, 2.0])[::0], ValueError, "step cannot be zero"),
    "index-string": (lambda m, t: t([1.0, 2.0])["a"], TypeError, "str"),
    "index-float": (lambda m, t: t([1.0, 2.0])[1.5], IndexError, r"valid indices \(got float"),
    "setitem-step-zero": (lambda m, t: t([1.0, 2.0]).__setitem__(slice(None, None, 0), 1.0), ValueError,
                          "step cannot be zero"),
    "layer_norm-int": (lambda m, t: m.nn.functional.layer_norm(t([[1, 2, 3]]), (3,)), RuntimeError,
                       "int64"),
    "BatchNorm1d-int": (lambda m, t: m.nn.BatchNorm1d(3)(t([[1, 2, 3], [4, 5, 6]])), RuntimeError,
                        "int64"),
    "GELU-bad-approximate": (lambda m, t: m.nn.GELU("bad")(t([1.0])), RuntimeError, "approximate"),
    "scatter_add-src-fewer-dims": (lambda m, t: m.ones(3, 4).scatter_add(0, t([[1, 1], [1, 0]]), m.ones(5)),
                                   IndexError, r"\(5,\)"),
}


@pytest.mark.parametrize("name", REFUSED_LIKE_TORCH)
def test_refused_with_torchs_exception_type_and_a_message_naming_the_problem(name):
    make, error_type, pattern = REFUSED_LIKE_TORCH[name]
    theirs, ours = both(lambda m, t: make(m, t))
    assert isinstance(theirs, error_type), theirs
    assert isinstance(ours, error_type), f"minigrad: {ours!r}"
    assert __import__("re").search(pattern, str(ours)), str(ours)


FILL_DTYPES = ["uint8", "int8", "int64", "float16", "float32", "bool"]
FILL_VALUES = [-1, -1.5, 2.7, -2.7, 300, -300, 256, float("inf"), float("nan"), 1e6, True, 70000,
               -129, 0.5, 1e39]


@pytest.mark.parametrize("dtype", FILL_DTYPES)
@pytest.mark.parametrize("method", ["masked_fill", "scatter"])
def test_a_fill_value_is_converted_or_refused_as_torch_does(dtype, method):
    """uint8 ← -1 wraps to 255, ← -1.5 overflows; int8 ← -1.5 truncates to -1; float16 ← 70000
    overflows; inf into an integer dtype overflows (RuntimeError), as in PyTorch."""
    for value in FILL_VALUES:
        outcomes = []
        for lib in (torch, mg):
            x = lib.zeros(2, dtype=getattr(lib, dtype))
            try:
                if method == "masked_fill":
                    result = x.masked_fill(x == 0, value)
                else:
                    result = x.scatter(0, lib.tensor([0]), value=value)
                outcomes.append(str(result.tolist()))
            except RuntimeError:
                outcomes.append("RuntimeError")
        assert outcomes[1] == outcomes[0], f"{method} of {value!r} into {dtype}: {outcomes[1]}, torch {outcomes[0]}"


SEQUENCES_WITH_A_LIST = {
    "cat": lambda m, t: m.cat([t([1.0]), [2.0]]),
    "stack": lambda m, t: m.stack([t([1.0]), [2.0]]),
    "einsum": lambda m, t: m.einsum("i,i->", t([1.0]), [2.0]),
    "clamp-min": lambda m, t: m.clamp(t([1.0]), min=[0.0]),
}


@pytest.mark.parametrize("name", SEQUENCES_WITH_A_LIST)
def test_a_list_among_the_tensors_or_as_a_bound_is_torchs_type_error(name):
    theirs, ours = both(SEQUENCES_WITH_A_LIST[name])
    assert isinstance(theirs, TypeError), theirs
    assert isinstance(ours, TypeError) and "list" in str(ours), f"minigrad: {ours!r}"
