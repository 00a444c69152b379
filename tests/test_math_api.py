"""isclose/allclose, histc/histogram and the errors of mm/bmm/einsum, against
PyTorch on every test device (log10, log2, log1p, expm1, mm, bmm and einsum
values and gradients are rows of the op table)."""
import math

import numpy as np
import pytest
import torch

import minigrad as mg

INF, NAN = math.inf, math.nan


# ---------------------------------------------------------------- isclose / allclose
CLOSE_A = [1.0, 1 + 1e-6, 1e-9, INF, -INF, NAN, INF, 0.0, 100.0, 1.0]
CLOSE_B = [1.0, 1.0, 0.0, INF, INF, NAN, NAN, 1e-8, 100.001, 1.1]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("tolerances", [{}, {"rtol": 0, "atol": 0}, {"rtol": 1e-3, "atol": 0.1},
                                        {"equal_nan": True}, {"rtol": 0.2, "equal_nan": True}])
def test_isclose_and_allclose_of_floats_match_torch(dtype, tolerances, device):
    ours_a = mg.tensor(CLOSE_A, device=device).to(getattr(mg, dtype))
    ours_b = mg.tensor(CLOSE_B, device=device).to(getattr(mg, dtype))
    theirs_a = torch.tensor(CLOSE_A).to(getattr(torch, dtype))
    theirs_b = torch.tensor(CLOSE_B).to(getattr(torch, dtype))
    ours = mg.isclose(ours_a, ours_b, **tolerances)
    assert ours.dtype == mg.bool_
    assert ours.tolist() == torch.isclose(theirs_a, theirs_b, **tolerances).tolist()
    assert ours_a.isclose(ours_b, **tolerances).tolist() == ours.tolist()
    for i in range(len(CLOSE_A)):  # allclose, one pair at a time
        expected = torch.allclose(theirs_a[i:i + 1], theirs_b[i:i + 1], **tolerances)
        assert mg.allclose(ours_a[i:i + 1], ours_b[i:i + 1], **tolerances) is expected
        assert ours_a[i:i + 1].allclose(ours_b[i:i + 1], **tolerances) is expected


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("tolerances", [{}, {"rtol": 0.01, "atol": 0}, {"rtol": 0, "atol": 1.0},
                                        {"rtol": 0.5, "atol": 2.0}])
def test_isclose_of_integers_matches_torch(dtype, tolerances, device):
    a, b = [1, 5, 100, -3, 6, 0, -128], [1, 6, 101, 3, 5, 255, 127]
    ours = mg.isclose(mg.tensor(a, device=device).to(getattr(mg, dtype)),
                      mg.tensor(b, device=device).to(getattr(mg, dtype)), **tolerances)
    theirs = torch.isclose(torch.tensor(a).to(getattr(torch, dtype)),
                           torch.tensor(b).to(getattr(torch, dtype)), **tolerances)
    assert ours.tolist() == theirs.tolist()


def test_isclose_broadcasts_and_refuses_what_torch_refuses(device):
    column = mg.tensor([[1.0], [2.0]], device=device)
    row = mg.tensor([1.0, 2.0], device=device)
    assert mg.isclose(row, column).tolist() == [[True, False], [False, True]]
    assert mg.allclose(row, mg.tensor([1.0], device=device)) is False
    with pytest.raises(RuntimeError, match="same dtype"):
        mg.isclose(row, row.double())
    with pytest.raises(TypeError, match="must be Tensor"):
        mg.isclose(row, 1.0)
    with pytest.raises(RuntimeError, match="non-negative"):
        mg.isclose(row, row, rtol=-1.0)
