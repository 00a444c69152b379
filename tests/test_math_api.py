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


# ---------------------------------------------------------------- histc / histogram
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("options", [{}, {"bins": 10}, {"bins": 7, "min": -1, "max": 1},
                                     {"bins": 5, "min": -0.3, "max": 2.7},
                                     {"bins": 3, "min": 0.5, "max": 0.5}])
def test_histc_matches_torch_exactly(dtype, options, device):
    values = np.random.default_rng(1).standard_normal(500).astype(dtype)
    values[:6] = [0.0, 1.0, -1.0, 0.25, 0.5, 2.7]  # elements on bin edges and on max
    ours = mg.histc(mg.tensor(values, device=device), **options)
    theirs = torch.histc(torch.tensor(values), **options)
    assert str(ours.dtype) == dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(mg.tensor(values, device=device).histc(**options).numpy(),
                                  theirs.numpy())


@pytest.mark.parametrize("data", [[1.0, 1.0], [], [2.0, NAN, 3.0]])
def test_histc_of_constant_empty_and_nan_data_matches_torch(data, device):
    values = np.array(data, dtype=np.float32)
    if np.isnan(values).any():  # the data's range is not finite: both refuse
        with pytest.raises(RuntimeError, match="not finite"):
            torch.histc(torch.tensor(values), 4)
        with pytest.raises(RuntimeError, match="not finite"):
            mg.histc(mg.tensor(values, device=device), 4)
        return
    np.testing.assert_array_equal(mg.histc(mg.tensor(values, device=device), 4).numpy(),
                                  torch.histc(torch.tensor(values), 4).numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ["bins", "range", "weight", "density", "edges", "many_bins",
                                  "constant"])
def test_histogram_matches_torch(dtype, case, device):
    rng = np.random.default_rng(2)
    values = rng.standard_normal(400).astype(dtype)
    if case == "constant":
        values[:] = 1.5
    bins = {"many_bins": 1000, "range": 33}.get(case, 10)
    ours_options, theirs_options = {}, {}
    if case == "range":
        ours_options = theirs_options = {"range": (-3.3, 1.7)}
    if case == "density":
        ours_options = theirs_options = {"density": True}
    if case == "weight":
        weight = rng.random(400).astype(dtype)
        ours_options = {"weight": mg.tensor(weight, device=device)}
        theirs_options = {"weight": torch.tensor(weight)}
    ours_bins, theirs_bins = bins, bins
    if case == "edges":
        edges = np.array([-2.0, -0.5, 0.0, 0.1, 3.0], dtype=dtype)
        ours_bins, theirs_bins = mg.tensor(edges, device=device), torch.tensor(edges)
    ours = mg.histogram(mg.tensor(values, device=device), ours_bins, **ours_options)
    theirs = torch.histogram(torch.tensor(values), theirs_bins, **theirs_options)
    np.testing.assert_array_equal(ours.bin_edges.numpy(), theirs.bin_edges.numpy())
    # summed weights: float32 sums in another order differ in the last bits
    np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(),
                               rtol=1e-6 if dtype == "float32" else 1e-12)
    hist, bin_edges = mg.tensor(values, device=device).histogram(ours_bins, **ours_options)
    np.testing.assert_array_equal(hist.numpy(), ours.hist.numpy())


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.histc(x.long(), 3),                       # integers: NotImplementedError
    lambda lib, x: lib.histogram(x.long(), 3),
    lambda lib, x: lib.histogram(x.to(lib.float16), 3),
    lambda lib, x: lib.histc(x, 0),                              # bins <= 0
    lambda lib, x: lib.histogram(x, -1),
    lambda lib, x: lib.histc(x, 3, min=3, max=1),                # min > max
    lambda lib, x: lib.histogram(x, 3, range=(2.0, 1.0)),
    lambda lib, x: lib.histc(x, 3, min=0, max=INF),              # not finite
])
def test_histogram_errors_are_torchs(call, device):
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor([1.0, 2.0]))
    with pytest.raises(type(theirs.value)):
        call(mg, mg.tensor([1.0, 2.0], device=device))


# ---------------------------------------------------------------- mm / bmm / einsum errors
BAD_PRODUCTS = {  # name: (call of (library, make), where make(*shape) gives zeros)
    "mm_shapes": lambda lib, z: lib.mm(z(2, 3), z(4, 5)),
    "mm_vector": lambda lib, z: lib.mm(z(3), z(3, 2)),
    "mm_vector_right": lambda lib, z: lib.mm(z(2, 3), z(3)),
    "mm_dtypes": lambda lib, z: lib.mm(z(2, 3), z(3, 2).double()),
    "bmm_2d": lambda lib, z: lib.bmm(z(2, 3), z(2, 3)),
    "bmm_batch": lambda lib, z: lib.bmm(z(2, 2, 3), z(3, 3, 4)),
    "bmm_inner": lambda lib, z: lib.bmm(z(2, 2, 3), z(2, 4, 4)),
    "bmm_dtypes": lambda lib, z: lib.bmm(z(2, 2, 3), z(2, 3, 4).double()),
    "einsum_sizes": lambda lib, z: lib.einsum("ij,jk->ik", z(2, 3), z(4, 4)),
    "einsum_output_letter": lambda lib, z: lib.einsum("ij->ik", z(2, 3)),
    "einsum_repeated_output": lambda lib, z: lib.einsum("ij->ii", z(2, 3)),
    "einsum_too_few_operands": lambda lib, z: lib.einsum("ij,jk->ik", z(2, 3)),
    "einsum_too_many_operands": lambda lib, z: lib.einsum("ij->ij", z(2, 3), z(2, 3)),
    "einsum_dims": lambda lib, z: lib.einsum("ijk->ij", z(2, 3)),
    "einsum_dtypes": lambda lib, z: lib.einsum("i,i->", z(3), z(3).double()),
    "einsum_diagonal_sizes": lambda lib, z: lib.einsum("ii->i", z(2, 3)),
}


@pytest.mark.parametrize("name", BAD_PRODUCTS)
def test_bad_matrix_products_raise_torchs_exception(name, device):
    call = BAD_PRODUCTS[name]
    with pytest.raises(Exception) as theirs:
        call(torch, lambda *shape: torch.zeros(*shape))
    with pytest.raises(type(theirs.value)):
        call(mg, lambda *shape: mg.zeros(*shape, device=device))


def test_einsum_second_derivatives(device):
    rng = np.random.default_rng(3)
    a, b = (mg.tensor(rng.standard_normal(shape), device=device, requires_grad=True)
            for shape in ((2, 3, 3), (3, 4)))
    assert mg.gradgradcheck(lambda x, y: mg.einsum("bii,ij->bj", x, y), (a, b))
