"""The 'strict' backend refuses implicit NumPy conversion the way CuPy does."""
import numpy as np
import pytest

from minigrad.backend.strict_backend import StrictArray, StrictBackend


@pytest.fixture
def backend():
    return StrictBackend()


@pytest.fixture
def a(backend):
    return backend.from_host(np.arange(6, dtype=np.float32).reshape(2, 3))


# -- stray NumPy calls fail --------------------------------------------------
@pytest.mark.parametrize("stray_call, message", [
    (np.asarray, "Implicit conversion"),
    (np.array, "Implicit conversion"),
    (lambda x: np.array([x, x]), "Implicit conversion"),
    (np.exp, "numpy.exp was called"),
    (np.sum, "numpy.sum was called"),
    (lambda x: np.add.at(x, [0], 1.0), "numpy.add.at was called"),
    (lambda x: np.linalg.norm(x), "numpy.linalg.norm was called"),
    (lambda x: np.add(x, np.float32(1)), "numpy.add was called"),
])
def test_numpy_refuses_strict_arrays(a, stray_call, message):
    with pytest.raises(TypeError, match=message):
        stray_call(a)


@pytest.mark.parametrize("mix", [
    lambda x: x + np.ones(3),
    lambda x: np.ones(3) + x,
    lambda x: x * np.array(2.0),
    lambda x: x == np.ones(3),
    lambda x: x.dot(np.ones(3)),
    lambda x: x.__setitem__(0, np.ones(3)),
])
def test_mixing_with_host_arrays_raises(a, mix):
    with pytest.raises(TypeError, match="cannot mix host NumPy arrays"):
        mix(a)


def test_xp_functions_refuse_host_arrays_but_creation_copies_them(backend):
    xp = backend.xp
    host = np.ones(3)
    with pytest.raises(TypeError, match="cannot mix host NumPy arrays"):
        xp.exp(host)
    device = xp.asarray(host)
    host[0] = 5.0
    assert isinstance(device, StrictArray) and device.tolist() == [1.0, 1.0, 1.0]
    assert isinstance(xp.zeros_like(host), StrictArray)


# -- what works, works like CuPy ----------------------------------------------
@pytest.mark.parametrize("scalar", [1.0, 2, np.float32(2), np.int64(3), True])
def test_operators_accept_scalars(a, scalar):
    for result in (a + scalar, scalar + a, a * scalar, scalar - a, a > scalar):
        assert isinstance(result, StrictArray)
        assert result.shape == (2, 3)
    np.testing.assert_array_equal((a + scalar).get(), a.get() + scalar)
    np.testing.assert_array_equal((scalar - a).get(), scalar - a.get())


def test_operators_between_strict_arrays(a):
    b = a + 1
    np.testing.assert_array_equal((a @ b.T).get(), a.get() @ (a.get() + 1).T)
    np.testing.assert_array_equal((-a).get(), -a.get())
    np.testing.assert_array_equal(abs(-a).get(), a.get())
    np.testing.assert_array_equal((a == a).get(), np.ones((2, 3), bool))
    assert ((a > 2) & (a < 5)).sum().item() == 2
    quotient, remainder = divmod(a, 4)
    np.testing.assert_array_equal(quotient.get(), a.get() // 4)


def test_inplace_operators_mutate(a):
    view = a[0]
    same = a
    a += 1
    a *= 2
    assert a is same
    np.testing.assert_array_equal(view.get(), [2.0, 4.0, 6.0])


def test_reductions_return_0d_strict_arrays(a):
    for result in (a.sum(), a.max(), a.mean(), a.std(), a.prod(), a.argmax(), a.any()):
        assert isinstance(result, StrictArray) and result.ndim == 0
    assert float(a.sum()) == 15.0
    assert int(a.argmax()) == 5
    assert bool(a.any())
    assert a.sum().item() == 15.0
    assert [3, 4, 5][a.argmin()] == 3  # __index__


def test_attributes_and_methods_delegate(a):
    assert (a.shape, a.ndim, a.size, a.dtype, a.itemsize) == ((2, 3), 2, 6, np.float32, 4)
    assert a.T.shape == (3, 2) and isinstance(a.T, StrictArray)
    assert a.reshape(3, 2).shape == (3, 2)
    assert a.astype(np.float64).dtype == np.float64
    assert a.astype(np.float32, copy=False) is a
    rows, cols = (a > 3).nonzero()
    assert isinstance(rows, StrictArray) and cols.tolist() == [1, 2]
    assert len(a) == 2
    assert [row.tolist() for row in a] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert repr(a).startswith("strict_array([[0., 1., 2.],")


def test_getitem_with_masks_and_integer_arrays(backend, a):
    xp = backend.xp
    np.testing.assert_array_equal(a[a > 2].get(), [3.0, 4.0, 5.0])
    np.testing.assert_array_equal(a[:, xp.asarray([2, 0])].get(), [[2.0, 0.0], [5.0, 3.0]])
    np.testing.assert_array_equal(a[xp.asarray([1]), xp.asarray([True, False, True])].get(), [3.0, 5.0])
    np.testing.assert_array_equal(a[np.array([1, 0])].get(), a.get()[[1, 0]])  # host index: copied, like CuPy
    assert isinstance(a[0, 1], StrictArray) and a[0, 1].ndim == 0
    a[a > 3] = 0.0
    a[0] = a[1]
    np.testing.assert_array_equal(a.get(), [[3.0, 0.0, 0.0], [3.0, 0.0, 0.0]])


def test_from_host_and_to_host_copy(backend):
    host = np.arange(4.0)
    device = backend.from_host(host)
    host[0] = 100.0
    back = backend.to_host(device)
    assert isinstance(back, np.ndarray) and back.tolist() == [0.0, 1.0, 2.0, 3.0]
    back[1] = 100.0
    assert device.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert backend.is_array(device) and not backend.is_array(host)


def test_scatter_add_accumulates_repeated_indices(backend):
    xp = backend.xp
    target = xp.zeros((3, 2))
    backend.scatter_add(target, (xp.asarray([0, 0, 2]), slice(None)), xp.ones((3, 2)))
    np.testing.assert_array_equal(target.get(), [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])
    backend.scatter_add(target, (Ellipsis, xp.asarray([1, 1])), 1.0)
    np.testing.assert_array_equal(target.get()[:, 1], [4.0, 2.0, 3.0])


# -- the xp module ---------------------------------------------------------------
def test_xp_functions_take_and_return_strict_arrays(backend, a):
    xp = backend.xp
    np.testing.assert_allclose(xp.exp(a).get(), np.exp(a.get()))
    assert isinstance(xp.max(a), StrictArray) and xp.max(a).ndim == 0
    assert xp.concatenate([a, a]).shape == (4, 3)
    assert xp.where(a > 2, a, 0.0).tolist() == [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]
    assert xp.asarray(a) is a
    assert xp.add(a, 1.0, out=a, casting="same_kind") is a
    assert isinstance(a, xp.ndarray)


def test_xp_ufunc_methods(backend, a):
    xp = backend.xp
    assert xp.add.reduce(a, axis=0).tolist() == [3.0, 5.0, 7.0]
    assert xp.maximum.reduce(a, axis=1).tolist() == [2.0, 5.0]
    assert xp.multiply.outer(a[0], a[0]).shape == (3, 3)
    assert xp.add.accumulate(a[1]).tolist() == [3.0, 7.0, 12.0]
    xp.add.at(a, (xp.asarray([0, 0]), 0), 1.0)
    assert a[0, 0].item() == 2.0


def test_xp_constants_types_and_dtype_queries(backend, a):
    xp = backend.xp
    assert xp.float32 is np.float32 and xp.pi == np.pi and xp.newaxis is None
    assert xp.result_type(a, 1.0) == np.float32
    assert xp.promote_types(a.dtype, xp.float64) == np.float64
    assert xp.issubdtype(a.dtype, xp.floating)
    assert xp.finfo(a.dtype).eps == np.finfo(np.float32).eps
    assert xp.iinfo(xp.int32).max == 2**31 - 1
    assert xp.can_cast(a, xp.float64)
    assert xp.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert xp.broadcast_to(a[0], (4, 3)).shape == (4, 3)
    assert xp.shape(a) == (2, 3) and xp.ndim(a) == 2
    with xp.errstate(divide="ignore"):
        assert float((a[1] / 0)[0]) == np.inf
    assert float(xp.linalg.norm(a)) == pytest.approx(np.linalg.norm(a.get()))


def test_random_generators_make_strict_arrays(backend):
    generator = backend.generator
    samples = [generator.standard_normal((2, 3), dtype=np.float32), generator.random(4, dtype=np.float32),
               generator.integers(0, 5, size=(3,), dtype=np.int64), generator.uniform(size=2),
               generator.standard_exponential(2), backend.xp.random.default_rng(0).random(2)]
    assert all(isinstance(sample, StrictArray) for sample in samples)
    assert samples[0].dtype == np.float32 and samples[2].dtype == np.int64
    for missing in ("normal", "permutation", "choice", "shuffle"):  # as CuPy's Generator
        with pytest.raises(AttributeError, match=f"no method '{missing}'"):
            getattr(generator, missing)
    backend.seed(3)
    first = backend.generator.random(3).get()
    backend.seed(3)
    np.testing.assert_array_equal(backend.generator.random(3).get(), first)


def test_erf(backend, a):
    result = backend.erf(a)
    assert isinstance(result, StrictArray) and result.dtype == np.float32
    assert result[0, 0].item() == 0.0 and result[0, 1].item() == pytest.approx(0.8427007929)
