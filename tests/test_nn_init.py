"""mg.nn.init: each initialiser's distribution on a large tensor matches its formula
(bounds, mean and standard deviation), gains and fans equal torch.nn.init's, and
orthogonal_ gives orthonormal rows or columns.

With n = 200 000 samples the sample mean is within 4σ/√n ≈ 0.009σ and the
sample standard deviation within about 1% of the true one, so the tolerances
below fail only for a wrong formula.
"""
import math
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.nn import init

SHAPE = (400, 500)  # fan_in 500, fan_out 400


def big(device, shape=SHAPE, dtype=mg.float64):
    return mg.nn.Parameter(mg.zeros(shape, dtype=dtype, device=device))


def assert_uniform(values, low, high):
    assert values.min() >= low and values.max() < high
    assert values.min() < low + 0.001 * (high - low) and values.max() > high - 0.001 * (high - low)
    assert abs(values.mean() - (low + high) / 2) < 0.01 * (high - low)
    assert values.std() == pytest.approx((high - low) / math.sqrt(12), rel=0.01)


def assert_normal(values, mean, std):
    assert abs(values.mean() - mean) < 0.01 * std
    assert values.std() == pytest.approx(std, rel=0.01)
    assert np.mean(np.abs(values - mean) < std) == pytest.approx(0.6827, abs=0.005)


# ---------------------------------------------------------------- gains and fans
@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
    ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_equals_torchs(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    for bad in (True, "0.1"):
        with pytest.raises(ValueError, match="negative_slope .* not a valid number"):
            init.calculate_gain("leaky_relu", bad)


@pytest.mark.parametrize("shape", [(3, 4), (5, 3, 2, 2), (2, 7, 3), (1, 1)])
def test_fans_equal_torchs(shape):
    assert init._calculate_fan_in_and_fan_out(mg.zeros(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.zeros(5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.zeros(5))


# ---------------------------------------------------------------- distributions
def test_uniform_and_normal(device):
    weight = big(device)
    assert init.uniform_(weight, -2.0, 3.0) is weight
    assert_uniform(weight.detach().numpy(), -2.0, 3.0)
    assert_uniform(init.uniform_(big(device)).detach().numpy(), 0.0, 1.0)
    assert_normal(init.normal_(big(device), 1.5, 0.5).detach().numpy(), 1.5, 0.5)
    assert_normal(init.normal_(big(device)).detach().numpy(), 0.0, 1.0)


def test_constant_zeros_ones(device):
    weight = big(device, (3, 4))
    assert init.constant_(weight, 2.5) is weight
    np.testing.assert_array_equal(weight.detach().numpy(), np.full((3, 4), 2.5))
    np.testing.assert_array_equal(init.zeros_(weight).detach().numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(init.ones_(weight).detach().numpy(), np.ones((3, 4)))


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(gain, device):
    std = gain * math.sqrt(2.0 / (500 + 400))
    assert_uniform(init.xavier_uniform_(big(device), gain).detach().numpy(), -math.sqrt(3) * std,
                   math.sqrt(3) * std)
    assert_normal(init.xavier_normal_(big(device), gain=gain).detach().numpy(), 0.0, std)


@pytest.mark.parametrize("a, mode, nonlinearity, fan", [
    (0, "fan_in", "leaky_relu", 500), (math.sqrt(5), "fan_in", "leaky_relu", 500),
    (0, "fan_out", "relu", 400), (0, "FAN_OUT", "tanh", 400), (0.3, "fan_in", "linear", 500)])
def test_kaiming(a, mode, nonlinearity, fan, device):
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3) * std
    assert_uniform(init.kaiming_uniform_(big(device), a, mode, nonlinearity).detach().numpy(), -bound, bound)
    assert_normal(init.kaiming_normal_(big(device), a=a, mode=mode, nonlinearity=nonlinearity).detach().numpy(),
                  0.0, std)


def test_kaiming_rejects_unknown_modes_and_skips_empty_tensors():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(mg.zeros(3, 4), mode="fan_avg")
    empty = mg.zeros(0, 3)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        assert init.kaiming_normal_(empty) is empty


def test_linear_default_init_bounds(device):
    """PyTorch's default: kaiming_uniform_(a=√5) is U(-1/√in, 1/√in) for the weight, as for the bias."""
    mg.manual_seed(0)
    layer = mg.nn.Linear(500, 400, device=device)
    bound = 1 / math.sqrt(500)
    assert_uniform(layer.weight.detach().numpy().astype(np.float64), -bound, bound)
    bias = layer.bias.detach().numpy()
    assert np.abs(bias).max() <= bound and bias.std() == pytest.approx(bound / math.sqrt(3), rel=0.15)


# ---------------------------------------------------------------- orthogonal_
@pytest.mark.parametrize("shape", [(6, 4), (3, 5), (5, 5), (4, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, device):
    weight = big(device, shape)
    assert init.orthogonal_(weight, gain=2.0) is weight
    q = weight.detach().numpy().reshape(shape[0], -1) / 2.0
    gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
    np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-12)


def test_orthogonal_needs_two_dimensions_and_is_seeded():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(mg.zeros(4))
    mg.manual_seed(1)
    first = init.orthogonal_(mg.zeros(4, 3)).detach().numpy()
    mg.manual_seed(1)
    np.testing.assert_array_equal(first, init.orthogonal_(mg.zeros(4, 3)).detach().numpy())


def test_orthogonal_sign_fix_makes_the_distribution_uniform():
    """Without the sign fix, Q's first column would lean to one side: E[Q_00] would not be 0."""
    mg.manual_seed(2)
    firsts = [init.orthogonal_(mg.zeros(3, 3, dtype=mg.float64)).detach().numpy()[0, 0] for _ in range(400)]
    assert abs(np.mean(firsts)) < 0.1


# ---------------------------------------------------------------- in place, seeded, no graph
def test_initialisers_work_in_place_outside_the_graph_and_keep_the_dtype(device):
    weight = big(device, (30, 20), dtype=mg.float32)
    for initialise in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
                       init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_, init.ones_):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert initialise(weight) is weight
        assert weight.dtype == mg.float32 and weight.is_leaf and weight.requires_grad
        assert weight.device == device


def test_initialisers_are_reproducible_with_manual_seed(device):
    draws = []
    for _ in range(2):
        mg.manual_seed(11)
        draws.append([f(big(device, (5, 4))).detach().numpy() for f in
                      (init.uniform_, init.normal_, init.xavier_normal_, init.kaiming_uniform_)])
    for first, second in zip(*draws):
        np.testing.assert_array_equal(first, second)
