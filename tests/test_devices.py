"""Devices and backends: parsing, moving tensors, the strict stand-in, CUDA."""
import numpy as np
import pytest

import minigrad as mg

needs_cuda = pytest.mark.skipif(not mg.cuda.is_available(),
                                reason="CUDA is not available (no CuPy or no GPU)")


def test_cuda_availability_is_a_plain_bool():
    assert isinstance(mg.cuda.is_available(), bool)
    assert mg.cuda.device_count() >= 0


def test_device_parsing_and_equality():
    assert mg.device("cuda:1").type == "cuda" and mg.device("cuda:1").index == 1
    assert mg.device("cuda") == "cuda:0"
    assert mg.device("cpu") == "cpu" and mg.device("cpu") != "strict"
    assert repr(mg.device("cuda:2")) == "device(type='cuda', index=2)"
    assert mg.ones(1).device == mg.device("cpu")
    for bad in ("gpu", "cuda:x", "cpu:1"):
        with pytest.raises(ValueError):
            mg.device(bad)


def test_the_strict_device_refuses_implicit_numpy_conversion():
    t = mg.ones(3, device="strict")
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(t.data)
    with pytest.raises(TypeError, match="numpy.exp"):
        np.exp(t.data)
    with pytest.raises(TypeError, match="cannot mix"):
        t.data + np.ones(3)
    assert isinstance(t.numpy(), np.ndarray)          # the explicit way works


def test_moving_between_devices_is_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("strict")
    assert y.device == "strict" and y.grad_fn is not None
    z = (y * y).sum().cpu()
    z.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_results_stay_on_the_inputs_device(device):
    x = mg.randn(2, 3, device=device, requires_grad=True)
    for result in (x + 1, x @ x.T, x.sum(0), x[0], mg.cat([x, x]), x.softmax(-1)):
        assert result.device == device
    (x * 2).sum().backward()
    assert x.grad.device == device


@needs_cuda
def test_cuda_round_trip_and_gradient():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.cuda()
    assert y.device == "cuda:0" and type(y.data).__module__.startswith("cupy")
    (y.exp() * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0, 3.0]), rtol=1e-6)


@needs_cuda
def test_cuda_scatter_add_accumulates_repeated_indices():
    x = mg.zeros(3, device="cuda", requires_grad=True)
    x[mg.tensor([0, 0, 2], device="cuda")].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]
