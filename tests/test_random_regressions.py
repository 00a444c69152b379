"""Random numbers as PyTorch's API has them: ``mg.Generator`` and ``generator=`` on every
random function, ``multinomial`` and ``bernoulli`` (their semantics and errors against
torch, their distributions by chi-square tests with fixed seeds), and ``from_numpy`` /
``as_tensor`` (memory sharing and dtypes against torch).

minigrad's streams are not PyTorch's: the tests check determinism per seed, the
distributions, and every shape, dtype and error against torch, never the numbers.
"""
import numpy as np
import pytest
import torch

import minigrad as mg

from torch_errors import assert_raises_like_torch


def same(a, b):
    return np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy())


def draws(generator, device="cpu"):
    """One of each random function, drawn from ``generator``."""
    weights = mg.tensor([[1.0, 2.0, 3.0], [0.5, 0.0, 0.5]], device=device)
    return [mg.randn(2, 3, generator=generator, device=device),
            mg.rand(4, generator=generator, device=device),
            mg.randint(0, 10, (5,), generator=generator, device=device),
            mg.randperm(6, generator=generator, device=device),
            mg.randn_like(weights, generator=generator), mg.rand_like(weights, generator=generator),
            mg.multinomial(weights, 2, generator=generator),
            mg.multinomial(weights, 4, replacement=True, generator=generator),
            mg.bernoulli(mg.full((5,), 0.5, device=device), generator=generator)]


# ---------------------------------------------------------------- Generator
def test_a_fresh_generator_starts_from_torchs_default_seed():
    assert mg.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert all(same(a, b) for a, b in zip(draws(mg.Generator()), draws(mg.Generator())))
    assert mg.Generator().device == "cpu" and mg.Generator("strict").device == "strict"


def test_the_same_seed_gives_the_same_numbers_on_every_device(device):
    first = draws(mg.Generator(device).manual_seed(5), device)
    again = draws(mg.Generator(device).manual_seed(5), device)
    other = draws(mg.Generator(device).manual_seed(6), device)
    assert all(same(a, b) for a, b in zip(first, again))
    assert not same(first[0], other[0])
    assert all(t.device == device for t in first)


def test_manual_seed_returns_the_generator_and_restarts_the_stream():
    generator = mg.Generator()
    assert generator.manual_seed(3) is generator and generator.initial_seed() == 3
    first = mg.randn(4, generator=generator)
    assert not same(first, mg.randn(4, generator=generator))
    assert same(first, mg.randn(4, generator=generator.manual_seed(3)))


def test_a_generator_does_not_touch_the_default_stream():
    mg.manual_seed(0)
    expected = mg.randn(5)
    mg.manual_seed(0)
    mg.randn(100, generator=mg.Generator().manual_seed(1))
    assert same(mg.randn(5), expected)


def test_get_state_and_set_state_resume_the_stream(device):
    generator = mg.Generator(device).manual_seed(9)
    mg.rand(3, generator=generator, device=device)
    state = generator.get_state()
    assert state.dtype == mg.uint8 and state.ndim == 1 and state.device == "cpu"
    ahead = mg.randn(4, generator=generator, device=device)
    other = mg.Generator(device).manual_seed(1)
    assert other.set_state(state) is other
    assert same(mg.randn(4, generator=other, device=device), ahead)


def test_set_state_refuses_what_get_state_did_not_return():
    theirs, ours = torch.Generator(), mg.Generator()
    for bad in (mg.zeros(3), b"abc"):
        with pytest.raises(TypeError, match="uint8 tensor"):
            ours.set_state(bad)
    with pytest.raises(TypeError):
        theirs.set_state(torch.zeros(3))
    with pytest.raises(RuntimeError):
        theirs.set_state(torch.zeros(3, dtype=torch.uint8))
    with pytest.raises(RuntimeError, match="not a state that get_state"):
        ours.set_state(mg.zeros(3, dtype=mg.uint8))


@pytest.mark.parametrize("seed", [0, 7, -1, -5, 2 ** 63, 2 ** 64 - 1, -2 ** 63, np.int64(4)])
def test_seeds_are_read_as_torch_reads_them(seed):
    assert mg.Generator().manual_seed(seed).initial_seed() == torch.Generator().manual_seed(
        int(seed)).initial_seed()


@pytest.mark.parametrize("seed", [2 ** 64, -2 ** 63 - 1, 1.5, True, "1", None])
def test_bad_seeds_raise_as_in_torch(seed):
    assert_raises_like_torch(lambda: torch.Generator().manual_seed(seed),
                             lambda: mg.Generator().manual_seed(seed))


def test_manual_seed_takes_negative_seeds_as_torch():
    mg.manual_seed(-1)  # NumPy refuses negative seeds: PyTorch takes them modulo 2**64
    first = mg.randn(3)
    mg.manual_seed(2 ** 64 - 1)
    assert same(first, mg.randn(3))


def test_seed_draws_a_fresh_seed_and_returns_it():
    generator = mg.Generator()
    seed = generator.seed()
    assert isinstance(seed, int) and 0 <= seed < 2 ** 64 and generator.initial_seed() == seed
    assert same(mg.rand(3, generator=generator), mg.rand(3, generator=mg.Generator().manual_seed(seed)))


def test_a_generator_must_be_a_generator_on_the_right_device():
    with pytest.raises(TypeError):
        torch.randn(3, generator=np.random.default_rng())
    with pytest.raises(TypeError, match="mg.Generator"):
        mg.randn(3, generator=np.random.default_rng())
    with pytest.raises(RuntimeError, match="'strict'"):
        mg.randn(3, generator=mg.Generator("strict"))
    with pytest.raises(RuntimeError, match="'cpu'"):
        mg.multinomial(mg.ones(3, device="strict"), 1, generator=mg.Generator())
    with pytest.raises(ValueError, match="unknown device"):
        mg.Generator("tpu")


# ---------------------------------------------------------------- multinomial
def chi_square(counts, probabilities):
    expected = np.asarray(probabilities) * np.sum(counts)
    used = expected > 0
    assert np.all(np.asarray(counts)[~used] == 0), "a category of probability 0 was drawn"
    return float(np.sum((np.asarray(counts)[used] - expected[used]) ** 2 / expected[used]))


# The chi-square statistic with ≤ 5 degrees of freedom exceeds 30 with probability < 2e-5.
CHI_SQUARE_BOUND = 30.0


def test_multinomial_with_replacement_draws_the_distribution(device):
    weights = np.array([[1.0, 2.0, 3.0, 4.0, 0.0], [0.0, 5.0, 0.0, 5.0, 10.0]])
    samples = mg.multinomial(mg.tensor(weights, device=device), 20000, replacement=True,
                             generator=mg.Generator(device).manual_seed(0))
    assert samples.shape == (2, 20000) and samples.dtype == mg.int64 and samples.device == device
    for row, row_weights in zip(samples.numpy(), weights):
        counts = np.bincount(row, minlength=5)
        assert chi_square(counts, row_weights / row_weights.sum()) < CHI_SQUARE_BOUND


def test_multinomial_without_replacement_draws_in_turn_from_what_is_left(device):
    """The first draw follows p; the second is j with probability Σ_{i≠j} p_i p_j / (1 − p_i)."""
    p = np.array([0.1, 0.2, 0.3, 0.4])
    rows = mg.multinomial(mg.tensor(np.tile(p, (20000, 1)), device=device), 4,
                          generator=mg.Generator(device).manual_seed(1)).numpy()
    assert all(sorted(row) == [0, 1, 2, 3] for row in rows[:200])  # each row a permutation
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    assert chi_square(np.bincount(rows[:, 0], minlength=4), p) < CHI_SQUARE_BOUND
    assert chi_square(np.bincount(rows[:, 1], minlength=4), second) < CHI_SQUARE_BOUND


def test_multinomial_without_replacement_puts_zero_weights_last_as_torch():
    weights = [0.0, 1.0, 0.0, 2.0]
    for seed in range(20):
        ours = mg.multinomial(mg.tensor(weights), 4, generator=mg.Generator().manual_seed(seed))
        theirs = torch.multinomial(torch.tensor(weights), 4)
        assert sorted(ours.tolist()[:2]) == sorted(theirs.tolist()[:2]) == [1, 3]
        assert sorted(ours.tolist()[2:]) == [0, 2]


@pytest.mark.parametrize("shape, num_samples, replacement", [
    ((3,), 2, False), ((3,), 5, True), ((2, 3), 1, False), ((2, 3), 3, False), ((0, 3), 2, False),
    ((0, 3), 4, True), ((1, 1), 1, False)])
def test_multinomial_shapes_and_dtypes_match_torch(shape, num_samples, replacement):
    ours = mg.ones(*shape).multinomial(num_samples, replacement=replacement)
    theirs = torch.ones(*shape).multinomial(num_samples, replacement=replacement)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == mg.int64 and not ours.requires_grad


@pytest.mark.parametrize("weights, num_samples, replacement, kwargs", [
    ([[[1.0]]], 1, False, {}), (1.0, 1, False, {}),                  # 1-D or 2-D only
    ([0.0, 0.0], 1, True, {}), ([[1.0, 1.0], [0.0, 0.0]], 1, False, {}),  # a row of zeros
    ([1.0, 2.0], 3, False, {}),                                       # more than k without replacement
    ([1.0, -1.0], 1, True, {}), ([1.0, float("inf")], 1, False, {}), ([float("nan"), 1.0], 1, True, {}),
    ([1, 2], 1, False, {"dtype": "int64"}), ([True, False], 1, False, {"dtype": "bool"}),
    ([1.0, 2.0], 0, True, {}), ([1.0, 2.0], -1, True, {}), ([1.0, 2.0], 1.5, True, {}),
    ([], 1, False, {}), ([[], []], 1, False, {})])
def test_multinomial_errors_match_torch(weights, num_samples, replacement, kwargs):
    dtype = kwargs.get("dtype", "float32")
    with pytest.raises(Exception) as theirs:
        torch.multinomial(torch.tensor(weights, dtype=getattr(torch, dtype)), num_samples,
                          replacement)
    with pytest.raises(type(theirs.value)):
        mg.multinomial(mg.tensor(weights, dtype=dtype), num_samples, replacement)


def test_multinomial_messages_name_the_problem():
    with pytest.raises(RuntimeError, match="num_samples=3, but there are 2 categories"):
        mg.multinomial(mg.ones(2), 3)
    with pytest.raises(RuntimeError, match="inf.*nan.*< 0"):
        mg.multinomial(mg.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError, match="only zero weights"):
        mg.multinomial(mg.zeros(2, 2), 1, True)


def test_multinomial_never_draws_a_zero_weight_even_at_the_rounding_edge():
    weights = mg.tensor([1e-300, 1.0, 0.0, 0.0], dtype=mg.float64)
    samples = mg.multinomial(weights, 50000, replacement=True, generator=mg.Generator().manual_seed(2))
    assert set(samples.tolist()) <= {0, 1}


# ---------------------------------------------------------------- bernoulli
def test_bernoulli_draws_each_element_with_its_probability(device):
    p = mg.tensor([0.0, 0.25, 0.5, 1.0], dtype=mg.float64, device=device)
    samples = mg.bernoulli(p.expand(20000, 4), generator=mg.Generator(device).manual_seed(3))
    assert samples.dtype == mg.float64 and samples.shape == (20000, 4)
    ones = samples.numpy().sum(axis=0)
    assert ones[0] == 0 and ones[3] == 20000
    for column, probability in ((1, 0.25), (2, 0.5)):
        assert chi_square([20000 - ones[column], ones[column]],
                          [1 - probability, probability]) < CHI_SQUARE_BOUND
    half = mg.zeros(20000, dtype=mg.float32).bernoulli(0.5, generator=mg.Generator().manual_seed(4))
    assert half.dtype == mg.float32 and chi_square(np.bincount(half.numpy().astype(int)),
                                                   [0.5, 0.5]) < CHI_SQUARE_BOUND


@pytest.mark.parametrize("values, dtype, p", [
    ([1.5], "float32", None), ([-0.5], "float32", None), ([float("nan")], "float32", None),
    ([0, 1], "int64", None), ([True], "bool", None), ([0.2], "float32", 1.5)])
def test_bernoulli_errors_match_torch(values, dtype, p):
    args = () if p is None else (p,)
    with pytest.raises(Exception) as theirs:
        torch.bernoulli(torch.tensor(values, dtype=getattr(torch, dtype)), *args)
    with pytest.raises(type(theirs.value)):
        mg.bernoulli(mg.tensor(values, dtype=dtype), *args)


# ---------------------------------------------------------------- from_numpy, as_tensor
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool"])
def test_from_numpy_shares_memory_and_keeps_the_dtype_as_torch(dtype):
    array = np.arange(6).reshape(2, 3).astype(dtype)
    ours, theirs = mg.from_numpy(array), torch.from_numpy(array)
    assert str(theirs.dtype) == f"torch.{ours.dtype.name}" and ours.shape == tuple(theirs.shape)
    ours[0, 0] = 1
    assert array[0, 0] == 1 and theirs[0, 0].item() == 1  # all three share the memory
    array[1, 2] = 0
    assert ours[1, 2].item() == 0
    transposed = mg.from_numpy(array.T)
    array[0, 1] = 0
    assert transposed[1, 0].item() == 0


@pytest.mark.parametrize("data", [[1, 2], 3.0, np.float64(3), "abc", np.array(["a"]),
                                  np.array([object()])])
def test_from_numpy_refuses_what_torch_refuses(data):
    with pytest.raises(TypeError) as theirs:
        torch.from_numpy(data)
    with pytest.raises(TypeError) as ours:
        mg.from_numpy(data)
    if not isinstance(data, np.ndarray):
        assert str(ours.value) == str(theirs.value)


def test_from_numpy_names_the_dtypes_it_takes():
    with pytest.raises(TypeError, match="complex128.*float64, float32, float16, int64"):
        mg.from_numpy(np.array([1 + 2j]))  # minigrad has no complex tensors


def test_as_tensor_copies_only_when_it_must_as_torch():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert mg.as_tensor(x) is x and mg.as_tensor(x, dtype=mg.float32, device="cpu") is x
    converted = mg.as_tensor(x, dtype=mg.float64)
    assert converted.dtype == mg.float64 and converted.grad_fn is not None
    array = np.arange(3.0)
    mg.as_tensor(array)[0] = 7.0  # shares memory: no dtype or device change
    assert array[0] == 7.0
    mg.as_tensor(array, dtype=mg.float32)[1] = 9.0  # a conversion copies
    assert array[1] == 1.0
    mg.as_tensor(array, device="strict")
    for data in ([1, 2.5], 3, [True], np.float32(3), [[1, 2], [3, 4]], np.array([1, 2], np.int32)):
        ours, theirs = mg.as_tensor(data), torch.as_tensor(data)
        assert str(theirs.dtype) == f"torch.{ours.dtype.name}"
        assert ours.tolist() == theirs.tolist()


# ---------------------------------------------------------------- nn.init takes generator=
INITIALISERS = ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                "kaiming_normal_", "orthogonal_"]


@pytest.mark.parametrize("name", INITIALISERS)
def test_nn_init_draws_from_the_given_generator_as_torch(name):
    import inspect
    ours, theirs = getattr(mg.nn.init, name), getattr(torch.nn.init, name)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)
    first = ours(mg.empty(4, 3, dtype=mg.float64), generator=mg.Generator().manual_seed(0))
    mg.manual_seed(0)
    expected = mg.randn(3)
    mg.manual_seed(0)
    again = ours(mg.empty(4, 3, dtype=mg.float64), generator=mg.Generator().manual_seed(0))
    assert same(first, again) and same(mg.randn(3), expected)  # the default stream is untouched
    other = ours(mg.empty(4, 3, dtype=mg.float64), generator=mg.Generator().manual_seed(1))
    assert not same(first, other)


# ---------------------------------------------------------------- bad arguments to the factories
@pytest.mark.parametrize("call", [
    lambda m: m.randint(5, 3, (2,)), lambda m: m.randint(0, (2,)), lambda m: m.randint(0, 3.5, (3,)),
    lambda m: m.randperm(-1), lambda m: m.randn(-1), lambda m: m.rand(2, -3), lambda m: m.zeros(2.5),
    lambda m: m.randn(2, dtype=m.int64), lambda m: m.rand(2, dtype=m.bool)],
    ids=["randint-empty-range", "randint-high-0", "randint-float-bound", "randperm-negative",
         "randn-negative", "rand-negative", "zeros-float", "randn-int", "rand-bool"])
def test_bad_factory_arguments_raise_as_in_torch(call):
    assert_raises_like_torch(lambda: call(torch), lambda: call(mg))


def test_randint_and_randperm_fill_any_dtype_as_torch():
    for dtype in ("float32", "float64", "int32", "uint8", "bool"):
        ours = mg.randint(0, 2, (50,), dtype=getattr(mg, dtype if dtype != "bool" else "bool_"))
        theirs = torch.randint(0, 2, (50,), dtype=getattr(torch, dtype))
        assert str(theirs.dtype) == f"torch.{ours.dtype.name}"
        assert set(ours.tolist()) <= {0, 1}
    values = mg.randint(-3, 0, (200,), generator=mg.Generator().manual_seed(0)).tolist()
    assert set(values) == {-3, -2, -1}
    assert sorted(mg.randperm(5, dtype=mg.float32).tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0]


# ---------------------------------------------------------------- normal
@pytest.mark.parametrize("call", [
    lambda m: m.normal(m.zeros(2, 1), m.ones(3)), lambda m: m.normal(2.0, 3.0, size=(2,)),
    lambda m: m.normal(m.zeros(2, dtype=m.float64), 1.0), lambda m: m.normal(0.0, m.ones(4)),
    lambda m: m.normal(m.zeros(2), m.ones(2, dtype=m.float64)),
    lambda m: m.normal(m.zeros(2, dtype=m.float16), m.ones(2)),
    lambda m: m.normal(0.0, 1.0, (3,), dtype=m.float64)])
def test_normal_shapes_and_dtypes_match_torch(call):
    ours, theirs = call(mg), call(torch)
    assert ours.shape == tuple(theirs.shape) and str(theirs.dtype) == f"torch.{ours.dtype.name}"


@pytest.mark.parametrize("call", [
    lambda m: m.normal(m.zeros(2), -1.0), lambda m: m.normal(0.0, m.tensor([1.0, -1.0])),
    lambda m: m.normal(0.0, 1.0), lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0),
    lambda m: m.normal(m.zeros(3), 1.0, size=(3,)), lambda m: m.normal(1.0, float("nan"), size=(1,))])
def test_normal_errors_match_torch(call):
    assert_raises_like_torch(lambda: call(torch), lambda: call(mg))


def test_normal_draws_mean_plus_std_times_a_standard_normal(device):
    mean = mg.tensor([[-3.0], [0.0], [5.0]], dtype=mg.float64, device=device)
    std = mg.tensor([0.5, 2.0], dtype=mg.float64, device=device)
    samples = mg.normal(mean.expand(3, 2).unsqueeze(-1).expand(3, 2, 20000), std.reshape(1, 2, 1),
                        generator=mg.Generator(device).manual_seed(0)).numpy()
    expected_mean = np.array([[-3.0], [0.0], [5.0]]) + np.zeros((3, 2))
    expected_std = np.array([0.5, 2.0]) + np.zeros((3, 2))
    # within 6 standard errors of the sample mean and of the sample std
    assert np.all(np.abs(samples.mean(-1) - expected_mean) < 6 * expected_std / np.sqrt(20000))
    assert np.all(np.abs(samples.std(-1) / expected_std - 1) < 6 / np.sqrt(2 * 20000))
    again = mg.normal(2.0, 0.5, size=(4,), generator=mg.Generator(device).manual_seed(3), device=device)
    assert same(again, mg.normal(2.0, 0.5, (4,), generator=mg.Generator(device).manual_seed(3),
                                 device=device))


def test_the_strict_generator_has_only_cupys_methods_so_randperm_draws_as_on_cuda():
    """CuPy 14's Generator has no permutation (nor normal, choice, shuffle); the 'strict'
    device's generator refuses them too, and randperm there sorts uniform draws, as on CUDA."""
    from minigrad.backend import get_backend
    from minigrad.backend.cupy_backend import GENERATOR_METHODS
    strict = get_backend("strict")
    for missing in ("permutation", "normal", "choice", "shuffle"):
        assert missing not in GENERATOR_METHODS
        with pytest.raises(AttributeError, match=f"no method '{missing}'"):
            getattr(strict.generator, missing)
    generator = mg.Generator("strict").manual_seed(3)
    drawn = mg.randperm(1000, generator=generator, device="strict")
    assert drawn.dtype == mg.int64 and sorted(drawn.tolist()) == list(range(1000))
    again = mg.randperm(1000, generator=mg.Generator("strict").manual_seed(3), device="strict")
    assert drawn.tolist() == again.tolist()
    uniform = np.random.default_rng(3).random(1000)  # the same stream, sorted
    assert drawn.tolist() == np.argsort(uniform, kind="stable").tolist()
    # The CPU keeps NumPy's permutation.
    cpu = mg.randperm(10, generator=mg.Generator().manual_seed(3))
    assert cpu.tolist() == np.random.default_rng(3).permutation(10).tolist()


def test_cupys_generator_has_the_methods_minigrad_draws_with():
    cupy = pytest.importorskip("cupy", reason="needs CuPy (installs without a GPU)")
    from minigrad.backend.cupy_backend import GENERATOR_METHODS
    assert GENERATOR_METHODS <= set(dir(cupy.random.Generator))
    assert "permutation" not in dir(cupy.random.Generator)


def test_the_initial_seed_of_an_unseeded_default_generator_is_known(device):
    from minigrad.random import _DefaultGenerator
    assert isinstance(_DefaultGenerator(device).initial_seed(), int)
