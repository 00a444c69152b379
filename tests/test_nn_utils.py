"""mg.nn.utils against torch.nn.utils: gradient clipping by norm and by value,
and the flat-vector view of parameters.

Every comparison gives both frameworks the same float64 gradients and checks
the returned norm and the clipped gradients to rtol 1e-12.
"""
import math

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.backend.strict_backend import forbid_host_reads
from minigrad.nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                               vector_to_parameters)

SHAPES = [(3, 4), (4,), (2, 2, 3), ()]


def make_pair(rng, device, shapes=SHAPES, scale=1.0, grads=True):
    """Parameters with gradients in both frameworks, equal values (float64)."""
    mine, theirs = [], []
    for shape in shapes:
        value = rng.standard_normal(shape)
        grad = rng.standard_normal(shape) * scale
        param = mg.nn.Parameter(mg.tensor(value, device=device))
        reference = torch.nn.Parameter(torch.tensor(value))
        if grads:
            param.grad = mg.tensor(grad, device=device)
            reference.grad = torch.tensor(grad)
        mine.append(param)
        theirs.append(reference)
    return mine, theirs


def assert_grads_equal(mine, theirs):
    for param, reference in zip(mine, theirs):
        if reference.grad is None:
            assert param.grad is None
        else:
            mg.testing.assert_close(param.grad, reference.grad.detach().numpy(), rtol=1e-12, atol=0)


# ---------------------------------------------------------------- clip_grad_norm_
@pytest.mark.parametrize("norm_type", [1, 2, 3, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.3, 1e3], ids=["clips", "leaves-alone"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, device, rng):
    mine, theirs = make_pair(rng, device, scale=2.0)
    total = clip_grad_norm_(mine, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, mg.Tensor) and total.shape == () and total.device == device
    assert total.dtype == mg.float64
    mg.testing.assert_close(total, expected.detach().numpy(), rtol=1e-12, atol=0)
    assert_grads_equal(mine, theirs)


def test_clip_grad_norm_scales_to_max_norm(device, rng):
    mine, _ = make_pair(rng, device, scale=5.0)
    clip_grad_norm_(mine, 1.0)
    after = clip_grad_norm_(mine, 1e9)
    assert abs(after.item() - 1.0) < 1e-5


def test_clip_grad_norm_skips_missing_grads_and_takes_a_generator(device, rng):
    mine, theirs = make_pair(rng, device)
    mine[1].grad = None
    theirs[1].grad = None
    total = clip_grad_norm_((p for p in mine), 0.5)
    expected = torch.nn.utils.clip_grad_norm_((p for p in theirs), 0.5)
    mg.testing.assert_close(total, expected.detach().numpy(), rtol=1e-12, atol=0)
    assert_grads_equal(mine, theirs)


def test_clip_grad_norm_accepts_a_single_tensor(device, rng):
    mine, theirs = make_pair(rng, device, shapes=[(5,)], scale=3.0)
    total = clip_grad_norm_(mine[0], 1.0, norm_type=3)
    expected = torch.nn.utils.clip_grad_norm_(theirs[0], 1.0, norm_type=3)
    mg.testing.assert_close(total, expected.detach().numpy(), rtol=1e-12, atol=0)
    assert_grads_equal(mine, theirs)


def test_clip_grad_norm_without_any_grad_returns_zero(device, rng):
    mine, _ = make_pair(rng, device, grads=False)
    total = clip_grad_norm_(mine, 1.0)
    assert total.item() == 0.0 and total.shape == ()
    assert all(param.grad is None for param in mine)
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_norm_keeps_float32_grads_float32(device, rng):
    param = mg.nn.Parameter(mg.tensor(np.ones(4, dtype=np.float32), device=device))
    param.grad = mg.tensor(np.full(4, 3.0, dtype=np.float32), device=device)
    total = clip_grad_norm_([param], 1.0)
    assert total.dtype == mg.float32 and param.grad.dtype == mg.float32
    np.testing.assert_allclose(param.grad.detach().numpy(), np.full(4, 0.5), rtol=1e-5)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf * 0
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_error_if_nonfinite(bad, device, rng):
    mine, theirs = make_pair(rng, device)
    grad = mine[0].grad.detach().numpy()
    grad[0, 0] = bad
    mine[0].grad = mg.tensor(grad, device=device)
    theirs[0].grad[0, 0] = bad
    before = [p.grad.detach().numpy().copy() for p in mine]
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is non-finite"):
        clip_grad_norm_(mine, 1.0, error_if_nonfinite=True)
    for param, grad in zip(mine, before):   # nothing was scaled
        np.testing.assert_array_equal(param.grad.detach().numpy(), grad)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    # Without the check both frameworks scale by the non-finite norm.
    total = clip_grad_norm_(mine, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    mg.testing.assert_close(total, expected.detach().numpy(), equal_nan=True)
    for param, reference in zip(mine, theirs):
        mg.testing.assert_close(param.grad, reference.grad.detach().numpy(), rtol=1e-12, atol=0,
                                equal_nan=True)


def test_clip_grad_norm_never_reads_device_values_back(rng):
    """On a GPU a host read would stall until the norm is computed; on the strict
    device any read inside ``forbid_host_reads()`` raises."""
    mine, theirs = make_pair(rng, "strict", scale=2.0)
    with forbid_host_reads():
        total = clip_grad_norm_(mine, 0.5)
        clip_grad_value_(mine, 0.1)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    mg.testing.assert_close(total, expected.detach().numpy(), rtol=1e-12, atol=0)
    assert_grads_equal(mine, theirs)


def test_clip_grad_norm_over_two_devices(rng):
    """Gradients on two devices: one total norm (on the first one), each scaled where it lives."""
    on_cpu, theirs_cpu = make_pair(rng, "cpu", shapes=[(3, 2)], scale=2.0)
    on_strict, theirs_strict = make_pair(rng, "strict", shapes=[(5,)], scale=2.0)
    total = clip_grad_norm_(on_cpu + on_strict, 0.7, norm_type=3)
    expected = torch.nn.utils.clip_grad_norm_(theirs_cpu + theirs_strict, 0.7, norm_type=3)
    assert total.device == "cpu" and on_strict[0].grad.device == "strict"
    mg.testing.assert_close(total, expected.detach().numpy(), rtol=1e-12, atol=0)
    assert_grads_equal(on_cpu + on_strict, theirs_cpu + theirs_strict)


# ---------------------------------------------------------------- clip_grad_value_
@pytest.mark.parametrize("clip_value", [0.5, 10.0])
def test_clip_grad_value_matches_torch(clip_value, device, rng):
    mine, theirs = make_pair(rng, device, scale=2.0)
    mine[2].grad, theirs[2].grad = None, None
    assert clip_grad_value_(mine, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    assert_grads_equal(mine, theirs)
    assert max(np.abs(p.grad.detach().numpy()).max() for p in mine if p.grad is not None) <= clip_value


def test_clip_grad_value_accepts_a_single_tensor(device, rng):
    mine, theirs = make_pair(rng, device, shapes=[(6,)], scale=3.0)
    clip_grad_value_(mine[0], 1.0)
    torch.nn.utils.clip_grad_value_(theirs[0], 1.0)
    assert_grads_equal(mine, theirs)


# ---------------------------------------------------------------- vector conversion
def test_parameters_to_vector_matches_torch_and_is_differentiable(device, rng):
    mine, theirs = make_pair(rng, device, grads=False)
    vector = parameters_to_vector(mine)
    expected = torch.nn.utils.parameters_to_vector(theirs)
    assert vector.shape == (sum(p.numel() for p in mine),) and vector.device == device
    mg.testing.assert_close(vector, expected.detach().numpy(), rtol=0, atol=0)
    weights = rng.standard_normal(vector.shape[0])
    (vector * mg.tensor(weights, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    assert_grads_equal(mine, theirs)


def test_vector_to_parameters_matches_torch_and_keeps_the_parameters(device, rng):
    mine, theirs = make_pair(rng, device, grads=False)
    ids = [id(p) for p in mine]
    values = rng.standard_normal(sum(p.numel() for p in mine))
    vector_to_parameters(mg.tensor(values, device=device), mine)
    torch.nn.utils.vector_to_parameters(torch.tensor(values), theirs)
    assert [id(p) for p in mine] == ids
    for param, reference in zip(mine, theirs):
        assert param.device == device and isinstance(param, mg.nn.Parameter)
        mg.testing.assert_close(param, reference.detach().numpy(), rtol=0, atol=0)
    # Round trip.
    np.testing.assert_array_equal(parameters_to_vector(mine).detach().numpy(), values)


def test_vector_to_parameters_casts_to_each_parameters_dtype(device):
    params = [mg.nn.Parameter(mg.zeros(2, dtype=mg.float32, device=device)),
              mg.nn.Parameter(mg.zeros(1, dtype=mg.float64, device=device))]
    vector_to_parameters(mg.tensor([1.5, 2.5, 3.5], dtype=mg.float64, device=device), params)
    assert [p.dtype for p in params] == [mg.float32, mg.float64]
    assert params[0].tolist() == [1.5, 2.5] and params[1].tolist() == [3.5]


@pytest.mark.parametrize("length", [6, 8])
def test_vector_to_parameters_length_mismatch_names_both_sizes(length, device):
    params = [mg.nn.Parameter(mg.zeros(3, 2, device=device)), mg.nn.Parameter(mg.zeros(1, device=device))]
    with pytest.raises(ValueError, match=f"vector has {length} elements but the parameters hold 7"):
        vector_to_parameters(mg.zeros(length, device=device), params)
    assert all((p.detach().numpy() == 0).all() for p in params)   # nothing was written


def test_vector_conversion_rejects_bad_input():
    on_cpu = mg.nn.Parameter(mg.zeros(2))
    on_strict = mg.nn.Parameter(mg.zeros(2, device="strict"))
    with pytest.raises(TypeError, match="different devices .*cpu and strict"):
        parameters_to_vector([on_cpu, on_strict])
    with pytest.raises(TypeError, match="different devices"):
        vector_to_parameters(mg.zeros(4), [on_cpu, on_strict])
    with pytest.raises(TypeError, match="vector is on strict but the parameters are on cpu"):
        vector_to_parameters(mg.zeros(2, device="strict"), [on_cpu])
    with pytest.raises(TypeError, match="expected minigrad.Tensor, but got: ndarray"):
        vector_to_parameters(np.zeros(2), [on_cpu])
    with pytest.raises(ValueError, match="expected a 1-d vector, got a tensor of shape \\(1, 2\\)"):
        vector_to_parameters(mg.zeros(1, 2), [on_cpu])
    with pytest.raises(ValueError, match="at least one parameter"):
        parameters_to_vector([])
