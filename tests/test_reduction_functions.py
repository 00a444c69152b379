"""Reductions and linear-algebra functions checked directly against PyTorch where
the op table cannot: results that are not differentiable (all, any,
count_nonzero), integer dtypes, gradients at ties and zeros, and errors."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg


def same(ours, theirs):
    """Equal values, shape and dtype."""
    expected = theirs.detach().numpy()
    got = ours.detach().numpy()
    assert got.shape == expected.shape and got.dtype == expected.dtype, (got, expected)
    np.testing.assert_array_equal(got, expected)


ARRAYS = [np.array([[1, 0, 2], [3, 4, 5]], dtype=np.int64),
          np.array([[1, 0, 2], [3, 4, 5]], dtype=np.uint8),
          np.array([[True, False], [True, True]]),
          np.array([[0.5, 0.0, np.nan], [-1.0, 2.0, 3.0]]),
          np.array(0.0), np.zeros((2, 0, 3))]


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype}-{a.shape}")
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_and_any_match_torch(name, array, device):
    x, t = mg.tensor(array, device=device), torch.from_numpy(array)
    same(getattr(mg, name)(x), getattr(torch, name)(t))
    same(getattr(x, name)(), getattr(t, name)())
    for dim in range(-array.ndim, array.ndim):
        for keepdim in (False, True):
            same(getattr(mg, name)(x, dim, keepdim), getattr(torch, name)(t, dim, keepdim))
    if array.ndim >= 2:
        same(getattr(mg, name)(x, (0, -1)), getattr(torch, name)(t, (0, -1)))
        same(getattr(x, name)(dim=1, keepdims=True), getattr(t, name)(dim=1, keepdims=True))


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype}-{a.shape}")
def test_count_nonzero_matches_torch(array, device):
    x, t = mg.tensor(array, device=device), torch.from_numpy(array)
    same(mg.count_nonzero(x), torch.count_nonzero(t))
    same(x.count_nonzero(), t.count_nonzero())
    for dim in range(-array.ndim, array.ndim):
        same(mg.count_nonzero(x, dim), torch.count_nonzero(t, dim))
    if array.ndim >= 2:
        same(mg.count_nonzero(x, (1, 0)), torch.count_nonzero(t, (1, 0)))


@pytest.mark.parametrize("array", ARRAYS[:3], ids=lambda a: f"{a.dtype}-{a.shape}")
def test_integer_sums_and_products_are_int64_like_torch(array, device):
    x, t = mg.tensor(array, device=device), torch.from_numpy(array)
    for name in ("prod", "nansum"):
        same(getattr(mg, name)(x), getattr(torch, name)(t))
        same(getattr(x, name)(1), getattr(t, name)(1))
    for name in ("cumsum", "cumprod"):
        same(getattr(mg, name)(x, 0), getattr(torch, name)(t, 0))
        same(getattr(x, name)(-1, dtype=mg.float64), getattr(t, name)(-1, dtype=torch.float64))


def test_empty_reductions_match_torch(device):
    x, t = mg.zeros(2, 0, 3, device=device), torch.zeros(2, 0, 3)
    same(mg.prod(x), torch.prod(t))
    same(mg.prod(x, 1), torch.prod(t, 1))
    same(mg.nansum(x, 1), torch.nansum(t, 1))
    same(mg.nanmean(x, 1), torch.nanmean(t, 1))
    same(mg.median(x), torch.median(t))
    same(mg.median(x, 2).values, torch.median(t, 2).values)
    same(mg.aminmax(x, dim=0).min, torch.aminmax(t, dim=0).min)
    same(mg.cumprod(x, 1), torch.cumprod(t, 1))


def gradient(function, array, weights=None, device="cpu", library=mg):
    x = library.tensor(array, requires_grad=True, **({"device": device} if library is mg else {}))
    y = function(x)
    w = np.ones(tuple(y.shape)) if weights is None else weights
    (y * library.tensor(w, **({"device": device} if library is mg else {}))).sum().backward()
    return x.grad.detach().numpy()


GRADIENT_CASES = {   # name: (function on either library, input)
    "median_ties_share_evenly": (lambda x: x.median(), np.array([[2.0, 1.0, 2.0], [5.0, 2.0, -1.0]])),
    "median_nan_shares_among_nans": (lambda x: x.median(), np.array([2.0, np.nan, 1.0, np.nan])),
    "median_dim_goes_to_the_index": (lambda x: x.median(1).values, np.array([[2.0, 1.0, 3.0, 2.5]])),
    "aminmax_ties": (lambda x: x.aminmax()[0] + 2 * x.aminmax()[1], np.array([3.0, 1.0, 3.0, 1.0])),
    "prod_one_zero": (lambda x: x.prod(), np.array([2.0, 0.0, 3.0, -1.5])),
    "prod_two_zeros": (lambda x: x.prod(1), np.array([[2.0, 0.0, 0.0], [1.0, 0.0, 4.0]])),
    "cumprod_zeros": (lambda x: x.cumprod(0), np.array([2.0, 3.0, 0.0, 4.0, 0.0, 5.0])),
    "cumprod_zero_first": (lambda x: x.cumprod(-1), np.array([[0.0, 2.0, 3.0], [1.0, 2.0, 0.0]])),
    "nansum_nan_gets_zero": (lambda x: x.nansum(), np.array([1.0, np.nan, 2.0])),
    "quantile_nan": (lambda x: x.quantile(0.5, 1), np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])),
}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_gradients_at_ties_zeros_and_nan_match_torch(case, device):
    function, array = GRADIENT_CASES[case]
    rng = np.random.default_rng(0)
    with torch.no_grad():
        shape = tuple(function(torch.tensor(array)).shape)
    weights = rng.standard_normal(shape)
    ours = gradient(function, array, weights, device)
    theirs = gradient(function, array, weights, library=torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)


def test_cumprod_second_derivative_at_zeros_matches_torch(device):
    array = np.array([2.0, 0.0, 3.0, 0.0, 1.5])
    x = mg.tensor(array, device=device, requires_grad=True)
    t = torch.tensor(array, requires_grad=True)
    weights = np.array([1.0, -2.0, 0.5, 3.0, 1.0])
    (g,) = mg.autograd.grad((x.cumprod(0) * mg.tensor(weights, device=device)).sum(), [x],
                            create_graph=True)
    (h,) = torch.autograd.grad((t.cumprod(0) * torch.tensor(weights)).sum(), [t], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), h.detach().numpy(), rtol=1e-14)
    (g * mg.tensor(array[::-1].copy(), device=device)).sum().backward()
    (h * torch.tensor(array[::-1].copy())).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-14)


ERRORS = [   # (call on either library, PyTorch's exception type)
    (lambda lib, x: lib.all(x, 2), IndexError),
    (lambda lib, x: lib.any(x, (0, -3)), IndexError),
    (lambda lib, x: lib.count_nonzero(x, 5), IndexError),
    (lambda lib, x: lib.prod(x, 2), IndexError),
    (lambda lib, x: lib.prod(x, (0, 1)), TypeError),
    (lambda lib, x: lib.cumsum(x, 2), IndexError),
    (lambda lib, x: lib.cumprod(x, -3), IndexError),
    (lambda lib, x: lib.nansum(x, 3), IndexError),
    (lambda lib, x: lib.nanmean(x.long()), RuntimeError),
    (lambda lib, x: lib.aminmax(x, dim=(0,)), TypeError),
    (lambda lib, x: lib.aminmax(x[:0]), RuntimeError),
    (lambda lib, x: lib.aminmax(x[:0], dim=0), IndexError),
    (lambda lib, x: lib.var_mean(x, 4), IndexError),
    (lambda lib, x: lib.median(x, 2), IndexError),
    (lambda lib, x: lib.median(x, (0,)), TypeError),
    (lambda lib, x: lib.median(x[:0], 0), IndexError),
    (lambda lib, x: lib.quantile(x, 1.5), RuntimeError),
    (lambda lib, x: lib.quantile(x.long(), 0.5), RuntimeError),
    (lambda lib, x: lib.quantile(x, 0.5, interpolation="cubic"), RuntimeError),
    (lambda lib, x: lib.quantile(x[:0], 0.5), RuntimeError),
    (lambda lib, x: lib.quantile(x, 0.5, dim=2), IndexError),
    (lambda lib, x: lib.quantile(x, lib.zeros(2, 2, dtype=x.dtype)), RuntimeError),
    (lambda lib, x: lib.quantile(x, lib.zeros(2, dtype=lib.float64)), RuntimeError),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index, device):
    call, error = ERRORS[index]
    with pytest.raises(error):
        call(torch, torch.ones(2, 3))
    with pytest.raises(error):
        call(mg, mg.ones(2, 3, device=device))


# ---------------------------------------------------------------- norms
ORDERS = [2, 1, float("inf"), -float("inf"), 3, 0.5, 1.5, -1]


@pytest.mark.parametrize("ord", ORDERS)
def test_vector_norm_gradient_at_the_origin_and_at_zeros_matches_torch(ord, device):
    for array in (np.zeros((2, 3)), np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 0.0]])):
        ours = gradient(lambda x: mg.linalg.vector_norm(x, ord, 1), array, device=device)
        theirs = gradient(lambda x: torch.linalg.vector_norm(x, ord, 1), array, library=torch)
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
        assert np.isfinite(ours).all()


def test_norm_of_zero_vector_has_gradient_zero_not_nan(device):
    x = mg.zeros(3, dtype=mg.float64, device=device, requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_vector_norm_ord_zero_counts_and_has_no_gradient(device):
    array = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    x, t = mg.tensor(array, device=device, requires_grad=True), torch.tensor(array, requires_grad=True)
    ours, theirs = mg.linalg.vector_norm(x, 0, 1), torch.linalg.vector_norm(t, 0, 1)
    same(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert x.grad is None and t.grad is None


NORM_ERRORS = [   # (call on either library's linalg and norm, PyTorch's exception type)
    (lambda lib, x: lib.linalg.vector_norm(x.long()), RuntimeError),
    (lambda lib, x: lib.linalg.vector_norm(x[:0], float("inf")), RuntimeError),
    (lambda lib, x: lib.linalg.vector_norm(x, 2, 2), IndexError),
    (lambda lib, x: lib.linalg.vector_norm(x, 2, (0, 0)), RuntimeError),
    (lambda lib, x: lib.linalg.vector_norm(x, "fro"), TypeError),
    (lambda lib, x: lib.linalg.matrix_norm(x[0]), RuntimeError),
    (lambda lib, x: lib.linalg.matrix_norm(x, 3), RuntimeError),
    (lambda lib, x: lib.linalg.matrix_norm(x, "fro", 1), TypeError),
    (lambda lib, x: lib.linalg.matrix_norm(x, "fro", (0, 2)), IndexError),
    (lambda lib, x: lib.linalg.norm(x.reshape(1, 2, 3), 2), RuntimeError),
    (lambda lib, x: lib.norm(x.reshape(1, 2, 3), "fro", (0, 1, 2)), RuntimeError),
    (lambda lib, x: lib.norm(x, 2, 5), IndexError),
]


@pytest.mark.parametrize("index", range(len(NORM_ERRORS)))
def test_norm_errors_match_torch(index, device):
    call, error = NORM_ERRORS[index]
    with pytest.raises(error):
        call(torch, torch.ones(2, 3))
    with pytest.raises(error):
        call(mg, mg.ones(2, 3, device=device))


@pytest.mark.parametrize("call", [lambda x: mg.linalg.matrix_norm(x, "nuc"),
                                  lambda x: mg.linalg.matrix_norm(x, 2),
                                  lambda x: mg.linalg.norm(x, -2), lambda x: mg.norm(x, "nuc")],
                         ids=["nuc", "2", "-2", "norm-nuc"])
def test_norms_that_need_singular_values_are_refused_clearly(call):
    with pytest.raises(NotImplementedError, match="singular value"):
        call(mg.ones(2, 3))


# ---------------------------------------------------------------- products and diagonals
def test_cdist_gradient_at_zero_distance_matches_torch(device):
    points = np.array([[0.0, 1.0, 2.0], [1.5, -1.0, 0.5]])
    for p in (2.0, 1.0, 3.0, 0.5, float("inf")):
        ours = gradient(lambda x: mg.cdist(x, mg.tensor(points, device=x.device), p), points, device=device)
        theirs = gradient(lambda x: torch.cdist(x, torch.tensor(points), p), points, library=torch)
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-15)
        assert np.isfinite(ours).all()


def test_cross_without_dim_takes_the_first_dim_of_size_3_and_warns_like_torch(device):
    a, b = np.arange(9.0).reshape(3, 3), np.array([[1.0, 0.5, 2.0], [0.0, 1.0, -1.0], [3.0, 1.0, 1.0]])
    with warnings.catch_warnings():   # PyTorch warns once per process
        warnings.simplefilter("ignore")
        expected = torch.cross(torch.tensor(a), torch.tensor(b))
    with pytest.warns(UserWarning, match="dim"):
        ours = mg.cross(mg.tensor(a, device=device), mg.tensor(b, device=device))
    same(ours, expected)


def test_diagonal_is_a_view_that_shares_the_version_counter(device):
    x = mg.arange(12.0, device=device).reshape(3, 4)
    d = x.diagonal(1)
    assert d._version is x._version
    with mg.no_grad():
        x.mul_(2)
    np.testing.assert_array_equal(d.numpy(), [2.0, 12.0, 22.0])


def test_integer_products_and_traces_match_torch(device):
    a = np.arange(6).reshape(2, 3)
    x, t = mg.tensor(a, device=device), torch.from_numpy(a)
    same(mg.trace(x), torch.trace(t))
    same(mg.diag(x, 1), torch.diag(t, 1))
    same(mg.dot(x[0], x[1]), torch.dot(t[0], t[1]))
    same(mg.outer(x[0], x[1].double()), torch.outer(t[0], t[1].double()))
    same(x.diagonal(), t.diagonal())


PRODUCT_ERRORS = [   # (call on either library, PyTorch's exception type)
    (lambda lib, x: lib.dot(x, x), RuntimeError),
    (lambda lib, x: lib.dot(x[0], x[0, :2]), RuntimeError),
    (lambda lib, x: lib.dot(x[0], x[0].double()), RuntimeError),
    (lambda lib, x: lib.outer(x, x[0]), RuntimeError),
    (lambda lib, x: lib.trace(x[0]), RuntimeError),
    (lambda lib, x: lib.diag(x.reshape(1, 2, 3)), RuntimeError),
    (lambda lib, x: lib.diagonal(x, 0, 0, 0), RuntimeError),
    (lambda lib, x: lib.diagonal(x, 0, 0, 2), IndexError),
    (lambda lib, x: lib.linalg.cross(x.T, x.T), RuntimeError),
    (lambda lib, x: lib.cross(x, x, dim=2), IndexError),
    (lambda lib, x: lib.addmm(x, x, x), RuntimeError),
    (lambda lib, x: lib.addmm(x.double(), x, x.T), RuntimeError),
    (lambda lib, x: lib.addmm(lib.ones(3, 2), x, x.T), RuntimeError),
    (lambda lib, x: lib.baddbmm(lib.ones(2, 3, 4), lib.ones(2, 3, 5), lib.ones(2, 4, 4)), RuntimeError),
    (lambda lib, x: lib.cdist(x[0], x), RuntimeError),
    (lambda lib, x: lib.cdist(x, x[:, :2]), RuntimeError),
    (lambda lib, x: lib.cdist(x, x, p=-1), RuntimeError),
]


@pytest.mark.parametrize("index", range(len(PRODUCT_ERRORS)))
def test_product_errors_match_torch(index, device):
    call, error = PRODUCT_ERRORS[index]
    with pytest.raises(error):
        call(torch, torch.ones(2, 3))
    with pytest.raises(error):
        call(mg, mg.ones(2, 3, device=device))


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_with_infinite_elements_matches_torch(interpolation, device):
    array = np.array([[1.0, 2.0, 3.0, 4.0, np.inf], [-np.inf, 0.5, 1.0, 2.0, 3.0]])
    q = np.array([0.1, 0.3, 0.375, 0.5, 0.625, 0.9, 1.0])
    with np.errstate(invalid="ignore"):
        ours = mg.quantile(mg.tensor(array, device=device), mg.tensor(q, device=device), 1,
                           interpolation=interpolation)
    theirs = torch.quantile(torch.tensor(array), torch.tensor(q), 1, interpolation=interpolation)
    same(ours, theirs)


NONCONTIGUOUS = {   # name: function on either library, of a transposed (3, 4) float64 tensor
    "prod": lambda x: x.prod(1),
    "cumsum": lambda x: x.cumsum(0),
    "cumprod": lambda x: x.cumprod(1),
    "nanmean": lambda x: x.nanmean(0),
    "median": lambda x: x.median(1).values,
    "quantile": lambda x: x.quantile(0.3, 0),
    "norm": lambda x: x.norm(3, 1),
    "matrix_norm": lambda x: x.norm() + x.norm(1),
    "diagonal": lambda x: x.diagonal(1),
    "diag": lambda x: x.diag(-1),
    "trace": lambda x: x.trace(),
    "cross": lambda x: x[:3].cross(x[1:], dim=0),
    "addmm": lambda x: x.addmm(x, x.T @ x, alpha=0.5),
}


@pytest.mark.parametrize("name", sorted(NONCONTIGUOUS))
def test_transposed_inputs_match_torch(name, device):
    array = np.random.default_rng(3).permutation(np.arange(12.0) / 4 - 1.3).reshape(3, 4)
    function = NONCONTIGUOUS[name]
    x = mg.tensor(array, device=device, requires_grad=True)
    t = torch.tensor(array, requires_grad=True)
    ours, theirs = function(x.T), function(t.T)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    weights = np.random.default_rng(4).standard_normal(tuple(theirs.shape))
    (ours * mg.tensor(weights, device=device)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
