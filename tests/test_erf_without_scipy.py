"""The error function minigrad computes itself when SciPy is not installed
(``minigrad/backend/erf.py``): within a few units in the last place of Python's
exact ``math.erf`` over every interval of its three approximations, the special
values, every float dtype; and the backend picks it when SciPy is missing."""
import math
import sys

import numpy as np
import pytest

from minigrad.backend import erf as erf_module
from minigrad.backend import numpy_backend


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.maximum(np.abs(want), np.finfo(np.float64).tiny))


def test_erf_is_within_four_ulp_of_math_erf_on_every_interval():
    generator = np.random.default_rng(0)
    x = np.concatenate([generator.uniform(-1, 1, 20_000), generator.uniform(-8, 8, 20_000),
                        generator.uniform(-40, 40, 5_000), np.linspace(-6, 6, 20_001),
                        [1.0, -1.0, np.nextafter(1.0, 2.0), 8.0, np.nextafter(8.0, 0.0), 26.5,
                         1e-300, 5e-324, 1e200, -1e308]])
    want = np.array([math.erf(value) for value in x])
    assert _ulps(erf_module.erf(x), want).max() <= 4


def test_erf_of_special_values():
    got = erf_module.erf(np.array([0.0, -0.0, np.inf, -np.inf, np.nan]))
    np.testing.assert_array_equal(got, [0.0, -0.0, 1.0, -1.0, np.nan])
    assert np.signbit(got[1])
    assert erf_module.erf(np.zeros((2, 0))).shape == (2, 0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_erf_keeps_the_dtype_and_rounds_once(dtype):
    x = np.random.default_rng(1).standard_normal((3, 50)).astype(dtype)
    want = np.array([math.erf(value) for value in x.astype(np.float64).ravel()])
    got = erf_module.erf(x)
    assert got.dtype == dtype and got.shape == x.shape
    if dtype == np.float64:
        assert _ulps(got.ravel(), want).max() <= 4
    else:  # evaluated in float64, so rounding it gives the correctly rounded value here
        np.testing.assert_array_equal(got.ravel(), want.astype(dtype))


def test_the_cpu_backend_uses_it_when_scipy_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.special", None)  # import fails as if absent
    assert numpy_backend._pick_erf() is erf_module.erf
