"""Pooling layers (MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d) and BatchNorm2d,
GroupNorm, RMSNorm against PyTorch with the same weights: outputs, gradients, running
statistics, reprs; and the refusals of the functions, by PyTorch's messages.

(The functions themselves are rows of the op table: tests/op_table_pooling_normalization.py.)
"""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from test_nn_layers import assert_same_buffers, assert_same_gradients, check_layer, copy_weights, run_both
from torch_errors import assert_raises_like_torch

# ---------------------------------------------------------------- pooling layers
POOLING_LAYERS = [   # (constructor call, input shape)
    ("MaxPool1d(3, 2, 1, ceil_mode=True)", (2, 3, 9)),
    ("MaxPool1d(2)", (3, 8)),
    ("MaxPool2d(2)", (2, 3, 6, 6)),
    ("MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2))", (2, 2, 7, 6)),
    ("MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", (3, 7, 7)),
    ("AvgPool1d(3, stride=2, padding=1, count_include_pad=False)", (2, 3, 9)),
    ("AvgPool2d(2)", (2, 3, 6, 6)),
    ("AvgPool2d(3, 2, 1, ceil_mode=True, divisor_override=4)", (2, 2, 7, 6)),
    ("AdaptiveAvgPool2d((3, None))", (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d(1)", (3, 6, 6)),
]


@pytest.mark.parametrize("call, shape", POOLING_LAYERS, ids=[c for c, _ in POOLING_LAYERS])
def test_pooling_layer_matches_torch(call, shape, device, rng):
    mine, reference = eval("nn." + call), eval("torch.nn." + call)
    assert repr(mine) == repr(reference)
    assert list(mine.parameters()) == [] and mine.state_dict() == {}
    data = rng.permutation(np.prod(shape)).reshape(shape) * 0.1  # no ties
    check_layer(mine, reference, data, device, rng)


@pytest.mark.parametrize("layer", ["MaxPool1d", "MaxPool2d"])
def test_max_pool_layer_returns_torchs_indices(layer, device, rng):
    shape = (2, 3, 5, 5)[:4 if layer == "MaxPool2d" else 3]
    data = rng.standard_normal(shape)
    values, indices = getattr(nn, layer)(2, ceil_mode=True, return_indices=True)(mg.tensor(data, device=device))
    expected_values, expected_indices = getattr(torch.nn, layer)(2, ceil_mode=True, return_indices=True)(
        torch.tensor(data))
    np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    assert indices.dtype == mg.int64 and not indices.requires_grad


def test_layer_defaults_and_attributes_are_pytorchs():
    for name in ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d"):
        mine, theirs = getattr(nn, name)(3), getattr(torch.nn, name)(3)
        for attribute in ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                          "return_indices", "count_include_pad", "divisor_override"):
            assert getattr(mine, attribute, None) == getattr(theirs, attribute, None), (name, attribute)
    from minigrad.nn.modules.pooling import AdaptiveAvgPool2d, MaxPool2d
    assert MaxPool2d is nn.MaxPool2d and AdaptiveAvgPool2d is nn.AdaptiveAvgPool2d


def test_max_pooling_gradient_goes_to_the_first_maximum_of_a_tie(device):
    """PyTorch's rule: the first maximal element of the window (row-major) gets it all."""
    data = np.array([[[[1.0, 3.0, 0.0, 0.0], [3.0, 2.0, 0.0, 0.0]]]])
    x, t = mg.tensor(data, device=device, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    torch.nn.functional.max_pool2d(t, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1, 1, 0], [0, 0, 0, 0]]]])


def test_max_pooling_of_minus_infinity_and_nan_like_torch(device):
    """A window of −∞ with padding names its first element inside the input (also with
    dilation); a NaN is the maximum of its window."""
    data = np.full((1, 1, 5, 5), -np.inf)
    data[0, 0, 3, 3] = data[0, 0, 3, 4] = np.nan   # of two NaNs PyTorch picks the last
    for options in ({"padding": 1}, {"padding": 1, "dilation": 2}, {"padding": 1, "ceil_mode": True}):
        values, indices = F.max_pool2d(mg.tensor(data, device=device), 3, return_indices=True, **options)
        expected_values, expected_indices = torch.nn.functional.max_pool2d(
            torch.tensor(data), 3, return_indices=True, **options)
        np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
        np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


def test_pooling_keeps_float32(device, rng):
    x = mg.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), device=device, requires_grad=True)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 1, 1, count_include_pad=False),
              F.adaptive_avg_pool2d(x, 4)):
        assert y.dtype == mg.float32
        y.sum().backward()
        assert x.grad.dtype == mg.float32


POOLING_ERRORS = {  # name: (call with the functional module given, message words)
    "2d-input": (lambda f, t: f.max_pool2d(t(2, 2), 2), "3D or 4D"),
    "1d-input": (lambda f, t: f.max_pool1d(t(2), 2), "Expected 2D or 3D"),
    "empty-plane": (lambda f, t: f.max_pool2d(t(1, 3, 0, 4), 2), "optional 0 dim batch size"),
    "padding": (lambda f, t: f.max_pool2d(t(1, 3, 4, 4), 2, padding=2),
                r"pad should be at most half of effective kernel size, but got pad=2, kernel_size=2"),
    "avg-padding": (lambda f, t: f.avg_pool2d(t(1, 3, 4, 4), 2, padding=2), "at most half"),
    "padding-with-indices": (lambda f, t: f.max_pool2d(t(1, 3, 9, 9), 3, padding=2, dilation=2,
                                                       return_indices=True),
                             "pad should be smaller than or equal to half of kernel size"),
    "padding-with-gradient": (lambda f, t: f.max_pool2d(t(1, 3, 9, 9, requires_grad=True), 3,
                                                        padding=2, dilation=2),
                              "pad should be smaller than or equal to half of kernel size"),
    "1d-padding": (lambda f, t: f.max_pool1d(t(1, 3, 9), 3, padding=2, dilation=2),
                   r"max_pool1d\(\) padding should be at most half of kernel size"),
    "too-small": (lambda f, t: f.max_pool2d(t(1, 3, 2, 2), 3),
                  r"Given input size: \(3x2x2\). Calculated output size: \(3x0x0\). Output size is too small"),
    "avg-too-small": (lambda f, t: f.avg_pool1d(t(1, 3, 2), 3), r"\(3x1x2\)"),
    "1d-too-small": (lambda f, t: f.max_pool1d(t(1, 3, 2), 3), "Invalid computed output size: 0"),
    "stride-zero": (lambda f, t: f.max_pool2d(t(1, 3, 4, 4), 2, stride=0), "stride should not be zero"),
    "1d-kernel-zero": (lambda f, t: f.max_pool1d(t(1, 3, 4), 0), "kernel_size must be greater than zero"),
    "dilation-zero": (lambda f, t: f.max_pool2d(t(1, 3, 4, 4), 2, dilation=0),
                      "dilation should be greater than zero"),
    "three-kernel-sizes": (lambda f, t: f.max_pool2d(t(1, 3, 4, 4), (2, 2, 2)),
                           "kernel_size must either be a single int, or a tuple of two ints"),
    "divisor-zero": (lambda f, t: f.avg_pool2d(t(1, 3, 4, 4), 2, divisor_override=0),
                     "divisor must be not zero"),
    "adaptive-2d-input": (lambda f, t: f.adaptive_avg_pool2d(t(3, 4), 2), "Expected 3D or 4D tensor"),
    "adaptive-negative": (lambda f, t: f.adaptive_avg_pool2d(t(1, 3, 4, 4), (2, -1)),
                          "elements of output_size must be greater than or equal to 0"),
    "group-norm-groups": (lambda f, t: f.group_norm(t(2, 6, 4), 4),
                          "Expected number of channels in input to be divisible by num_groups"),
    "group-norm-weight": (lambda f, t: f.group_norm(t(2, 6, 4), 3, t(5)),
                          "Expected weight to be a vector of size equal to the number of channels"),
    "group-norm-1d": (lambda f, t: f.group_norm(t(6), 3), "Expected at least 2 dimensions"),
    "rms-norm-shape": (lambda f, t: f.rms_norm(t(2, 6, 4), (3,)),
                       r"Given normalized_shape=\[3\], expected input with shape \[\*3\]"),
    "rms-norm-weight": (lambda f, t: f.rms_norm(t(2, 6, 4), (4,), t(3)),
                        "Expected weight to be of same shape as normalized_shape"),
    "rms-norm-empty-shape": (lambda f, t: f.rms_norm(t(2, 6, 4), ()),
                             "Expected normalized_shape to be at least 1-dimensional"),
}


@pytest.mark.parametrize("name", sorted(POOLING_ERRORS))
def test_functions_refuse_bad_arguments_like_torch(name):
    call, words = POOLING_ERRORS[name]
    assert_raises_like_torch(lambda: call(torch.nn.functional, torch.randn),
                             lambda: call(F, mg.randn), match=words)


# ---------------------------------------------------------------- BatchNorm2d
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm2d_matches_torch_in_training_then_evaluation(momentum, device, rng):
    reference = torch.nn.BatchNorm2d(3, momentum=momentum)
    with torch.no_grad():
        reference.weight.uniform_(0.5, 1.5)
        reference.bias.uniform_(-1, 1)
    mine = copy_weights(nn.BatchNorm2d(3, momentum=momentum), reference).to(device)
    for _ in range(3):
        x, x_ref = run_both(mine, reference, 2 * rng.standard_normal((4, 3, 5, 4)) + 1, device, rng)
        assert_same_gradients(mine, reference, x, x_ref)
        mine.zero_grad(), reference.zero_grad()
    assert_same_buffers(mine, reference)
    assert int(mine.num_batches_tracked.item()) == 3
    mine.eval(), reference.eval()
    x, x_ref = run_both(mine, reference, rng.standard_normal((2, 3, 3, 3)), device, rng)
    assert_same_gradients(mine, reference, x, x_ref)
    assert_same_buffers(mine, reference)


@pytest.mark.parametrize("options", [{"affine": False}, {"track_running_stats": False}, {"bias": False}],
                         ids=["no-affine", "no-running-stats", "no-bias"])
def test_batchnorm2d_options_match_torch(options, device, rng):
    reference = torch.nn.BatchNorm2d(3, **options)
    mine = copy_weights(nn.BatchNorm2d(3, **options), reference).to(device)
    assert repr(mine) == repr(reference)
    assert list(mine.state_dict()) == list(reference.state_dict())
    for mode in ("train", "eval"):
        getattr(mine, mode)(), getattr(reference, mode)()
        x, x_ref = run_both(mine, reference, rng.standard_normal((3, 3, 2, 4)), device, rng)
        assert_same_gradients(mine, reference, x, x_ref)
        assert_same_buffers(mine, reference)
        mine.zero_grad(), reference.zero_grad()


def test_batchnorm2d_takes_only_4d_input():
    assert_raises_like_torch(lambda: torch.nn.BatchNorm2d(3)(torch.randn(2, 3, 4)),
                             lambda: nn.BatchNorm2d(3)(mg.randn(2, 3, 4)),
                             match=r"expected 4D input \(got 3D input\)")
    from minigrad.nn.modules.batchnorm import BatchNorm2d
    assert BatchNorm2d is nn.BatchNorm2d


# ---------------------------------------------------------------- GroupNorm, RMSNorm
@pytest.mark.parametrize("options, shape", [
    ({}, (2, 6, 4, 3)), ({"affine": False}, (3, 6)), ({"bias": False, "eps": 1e-3}, (2, 6, 5)),
], ids=["images", "no-affine", "no-bias"])
def test_group_norm_matches_torch(options, shape, device, rng):
    reference = torch.nn.GroupNorm(3, 6, **options)
    if reference.weight is not None:
        with torch.no_grad():
            reference.weight.uniform_(0.5, 1.5)
    mine = nn.GroupNorm(3, 6, **options)
    assert repr(mine) == repr(reference)
    assert list(mine.state_dict()) == list(reference.state_dict())
    for mode in ("train", "eval"):  # the same in both
        getattr(mine, mode)(), getattr(reference, mode)()
        check_layer(mine, reference, rng.standard_normal(shape), device, rng)
        mine.zero_grad(), reference.zero_grad()


def test_group_norm_refuses_channels_its_groups_do_not_divide():
    assert_raises_like_torch(lambda: torch.nn.GroupNorm(4, 6), lambda: nn.GroupNorm(4, 6),
                             match=r"num_channels \(6\) must be divisible by num_groups \(4\)")


@pytest.mark.parametrize("options, shape", [
    ({"normalized_shape": 4}, (2, 3, 4)), ({"normalized_shape": (3, 4), "eps": 1e-3}, (2, 3, 4)),
    ({"normalized_shape": [4], "elementwise_affine": False}, (5, 4)),
], ids=["default", "two-dims-eps", "no-affine"])
def test_rms_norm_matches_torch(options, shape, device, rng):
    reference = torch.nn.RMSNorm(**options)
    if reference.weight is not None:
        with torch.no_grad():
            reference.weight.uniform_(0.5, 1.5)
    mine = nn.RMSNorm(**options)
    assert repr(mine) == repr(reference)
    assert list(mine.state_dict()) == list(reference.state_dict())
    check_layer(mine, reference, rng.standard_normal(shape), device, rng)


def test_rms_norm_default_eps_is_the_dtypes_machine_epsilon(device):
    """eps=None is torch.finfo(dtype).eps: it decides the output of a tiny input."""
    for dtype in ("float32", "float64"):
        data = np.full((2, 3), 1e-5, dtype=dtype)
        y = nn.RMSNorm(3, device=device, dtype=dtype)(mg.tensor(data, device=device))
        expected = torch.nn.RMSNorm(3, dtype=getattr(torch, dtype))(torch.tensor(data))
        assert y.dtype == dtype
        mg.testing.assert_close(y, expected.detach())


@pytest.mark.parametrize("name", ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"])
def test_pooling_an_empty_batch_gives_an_empty_batch_like_torch(name, device):
    shape = (0, 3, 4, 4) if name.endswith("2d") else (0, 3, 4)
    x = mg.zeros(*shape, device=device, requires_grad=True)
    y = getattr(F, name)(x, 2)
    assert tuple(y.shape) == tuple(getattr(torch.nn.functional, name)(torch.zeros(shape), 2).shape)
    y.sum().backward()
    assert x.grad.shape == x.shape
