"""Devices and backends: ``mg.cuda``, device parsing, the backend seam, the
strict stand-in (proving it is as strict as CuPy), seeding, and CUDA tests that
run where a GPU is available and skip with the reason elsewhere.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.backend import get_backend

needs_cuda = pytest.mark.skipif(not mg.cuda.is_available(),
                                reason="CUDA is not available (CuPy is not installed or sees no GPU)")
needs_no_cuda = pytest.mark.skipif(mg.cuda.is_available(), reason="a GPU is available here")


# ---------------------------------------------------------------- mg.cuda
def test_cuda_is_available_is_a_plain_bool_without_error():
    available = mg.cuda.is_available()
    assert available is True or available is False
    assert isinstance(mg.cuda.device_count(), int)
    assert (mg.cuda.device_count() > 0) == available


@needs_no_cuda
def test_without_a_gpu_cuda_is_reported_unavailable_and_requests_fail_clearly():
    assert mg.cuda.is_available() is False and mg.cuda.device_count() == 0
    for request in (lambda: mg.zeros(2, device="cuda"), lambda: mg.tensor([1.0], device="cuda:0"),
                    lambda: mg.ones(2).to("cuda"), lambda: mg.ones(2).cuda(),
                    lambda: mg.randn(2, device="cuda:1"), lambda: get_backend("cuda")):
        with pytest.raises(RuntimeError, match=r"'cuda:\d' was requested but CUDA is not available.*device='cpu'"):
            request()
    mg.cuda.manual_seed(0)                                   # no GPU: nothing to seed, no error
    assert mg.ones(1).device == "cpu"                        # the CPU keeps working


# ---------------------------------------------------------------- Device
def test_device_parsing():
    cuda1 = mg.device("cuda:1")
    assert cuda1.type == "cuda" and cuda1.index == 1 and str(cuda1) == "cuda:1"
    assert repr(cuda1) == repr(torch.device("cuda:1")) == "device(type='cuda', index=1)"
    cpu = mg.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None and str(cpu) == "cpu"
    assert repr(cpu) == repr(torch.device("cpu")) == "device(type='cpu')"
    assert mg.device("cuda").index == 0 and str(mg.device("cuda")) == "cuda:0"
    assert mg.device("strict").type == "strict"
    assert mg.device(cuda1) == cuda1                          # from a Device
    for bad in ("gpu", "cuda:x", "cuda:-1", "cpu:1", "strict:0", "", "CUDA"):
        with pytest.raises(ValueError):
            mg.device(bad)


def test_device_equality_and_hashing():
    assert "cpu" == mg.device("cpu") and mg.device("cpu") == "cpu"
    assert mg.device("cpu") == mg.device("cpu") and mg.device("cpu") != mg.device("strict")
    assert mg.device("cuda:1") == "cuda:1" and mg.device("cuda:1") != "cuda:0"
    assert mg.device("cuda") == mg.device("cuda:0")
    assert mg.device("cpu") != "not a device" and mg.device("cpu") != 3
    assert len({mg.device("cpu"), mg.device("cpu"), mg.device("cuda:0"), mg.device("cuda")}) == 2
    assert mg.ones(1).device == "cpu" and mg.ones(1, device="strict").device == mg.device("strict")


# ---------------------------------------------------------------- the backend seam
def test_each_device_has_one_backend_object_with_its_array_module(device):
    backend = get_backend(device)
    assert get_backend(device) is backend and get_backend(mg.device(device)) is backend
    t = mg.ones(2, device=device)
    assert t.backend is backend and backend.is_array(t._array)
    assert isinstance(t._array, backend.xp.ndarray)
    host = backend.to_host(t._array)
    assert type(host) is np.ndarray and host.tolist() == [1.0, 1.0]
    assert backend.is_array(backend.from_host(np.arange(3)))


def test_cpu_tensors_hold_numpy_arrays():
    t = mg.tensor([1.0, 2.0])
    assert type(t._array) is np.ndarray and t.backend.xp is np and t.backend.name == "numpy"


def test_scatter_add_accumulates_repeated_indices(device):
    backend = get_backend(device)
    target = backend.xp.zeros(4)
    backend.scatter_add(target, backend.from_host(np.array([0, 2, 0, 0])),
                        backend.from_host(np.array([1.0, 2.0, 3.0, 4.0])))
    assert backend.to_host(target).tolist() == [8.0, 0.0, 2.0, 0.0]


def test_results_and_gradients_stay_on_the_inputs_device(device):
    x = mg.randn(2, 3, device=device, requires_grad=True)
    for result in (x + 1, x @ x.T, x.sum(0), x[0], mg.cat([x, x]), x.softmax(-1), x.exp(), x > 0):
        assert result.device == device and result.backend.is_array(result._array)
    (x * x).sum().backward()
    assert x.grad.device == device and x.grad.backend.is_array(x.grad._array)


# ---------------------------------------------------------------- the strict stand-in
def test_the_strict_device_refuses_implicit_numpy_conversion():
    t = mg.tensor([1.0, 2.0, 3.0], device="strict")
    assert not isinstance(t._array, np.ndarray)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(t._array)                                     # CuPy's words
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array(t._array)
    with pytest.raises(TypeError, match="numpy.exp"):
        np.exp(t._array)
    with pytest.raises(TypeError, match="numpy.sum"):
        np.sum(t._array)
    with pytest.raises(TypeError, match="(?i)mix"):
        t._array + np.ones(3)
    with pytest.raises(TypeError):
        np.add.at(t._array, [0], 1.0)
    with pytest.raises(TypeError):
        float(np.float64(1.0) * np.ones(3) @ t._array)


def test_the_strict_device_computes_like_numpy_through_its_xp():
    values = np.array([[0.5, -1.0], [2.0, 3.0]])
    t = mg.tensor(values, device="strict")
    xp = t.backend.xp
    np.testing.assert_array_equal(t.backend.to_host(xp.exp(t._array)), np.exp(values))
    assert t.backend.is_array(t._array.sum())                    # a 0-d device array, as CuPy gives
    assert t.detach().numpy().tolist() == values.tolist() and t.tolist() == values.tolist()
    assert t[1, 1].item() == 3.0


def test_moving_between_cpu_and_strict_copies_and_is_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("strict")
    assert y.device == "strict" and y.requires_grad and y.grad_fn is not None
    with mg.no_grad():
        x.add_(1)
    assert y.tolist() == [1.0, 2.0]                            # a copy, not a view
    (y * y).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0]


# ---------------------------------------------------------------- seeding
def test_manual_seed_seeds_every_backend():
    mg.manual_seed(99)
    cpu_first, strict_first = mg.randn(5).detach().numpy(), mg.randn(5, device="strict").detach().numpy()
    cpu_uniform, strict_uniform = mg.rand(3).detach().numpy(), mg.rand(3, device="strict").detach().numpy()
    mg.manual_seed(99)
    np.testing.assert_array_equal(mg.randn(5).detach().numpy(), cpu_first)
    np.testing.assert_array_equal(mg.randn(5, device="strict").detach().numpy(), strict_first)
    np.testing.assert_array_equal(mg.rand(3).detach().numpy(), cpu_uniform)
    np.testing.assert_array_equal(mg.rand(3, device="strict").detach().numpy(), strict_uniform)


def test_each_backend_has_its_own_stream(device):
    """Drawing on one device does not move another device's generator."""
    other = "strict" if device == "cpu" else "cpu"
    mg.manual_seed(5)
    expected = mg.randn(4, device=device).detach().numpy()
    mg.manual_seed(5)
    mg.randn(100, device=other)
    np.testing.assert_array_equal(mg.randn(4, device=device).detach().numpy(), expected)


# ---------------------------------------------------------------- CUDA (skipped without a GPU)
@needs_cuda
def test_cuda_round_trip_keeps_values_and_dtype():
    values = np.random.default_rng(0).standard_normal((3, 4))
    for dtype in (mg.float32, mg.float64, mg.int64):
        x = mg.tensor(values, dtype=dtype)
        on_gpu = x.to("cuda")
        assert on_gpu.device == "cuda:0" and on_gpu.is_cuda and on_gpu.dtype == dtype
        assert type(on_gpu._array).__module__.startswith("cupy")
        back = on_gpu.cpu()
        assert back.device == "cpu" and type(back._array) is np.ndarray
        np.testing.assert_array_equal(back.detach().numpy(), x.detach().numpy())
        np.testing.assert_array_equal(on_gpu.detach().numpy(), x.detach().numpy())    # numpy() copies to the host


@needs_cuda
def test_cuda_gradient_flows_across_devices():
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    y = x.cuda()
    assert y.grad_fn is not None
    (y.exp() * 2).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.exp([1.0, 2.0, 3.0]), rtol=1e-12)
    w = mg.tensor([1.0, -1.0], device="cuda", requires_grad=True)
    (w.cpu() * mg.tensor([3.0, 4.0])).sum().backward()
    assert w.grad.device == "cuda:0" and w.grad.tolist() == [3.0, 4.0]


@needs_cuda
def test_cuda_matches_torch_on_a_small_network():
    rng = np.random.default_rng(1)
    W, x = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    ours_w = mg.tensor(W, device="cuda", requires_grad=True)
    loss = (mg.tensor(x, device="cuda") @ ours_w.T).tanh().sum()
    loss.backward()
    theirs_w = torch.tensor(W, requires_grad=True)
    (torch.tensor(x) @ theirs_w.T).tanh().sum().backward()
    mg.testing.assert_close(ours_w.grad, theirs_w.grad)


@needs_cuda
def test_cuda_manual_seed_is_reproducible_and_mixing_with_cpu_raises():
    mg.manual_seed(3)
    first = mg.randn(6, device="cuda").detach().numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.randn(6, device="cuda").detach().numpy(), first)
    with pytest.raises(RuntimeError, match=r"cpu and cuda:0.*\.to\("):
        mg.ones(2) + mg.ones(2, device="cuda")


@needs_cuda
def test_cuda_scatter_add_accumulates_repeated_indices():
    x = mg.zeros(3, device="cuda", requires_grad=True)
    x[mg.tensor([0, 0, 2], device="cuda")].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]


def test_copies_of_tensors_and_modules_share_the_device_backend(device):
    """copy.deepcopy (AveragedModel, checkpoints) must not clone the backend object,
    or the copy would look like it lived on another device."""
    import copy
    model = mg.nn.Linear(3, 2).to(device)
    twin = copy.deepcopy(model)
    assert twin.weight._backend is model.weight._backend
    x = mg.randn(4, 3, device=device)
    mg.testing.assert_close(twin(x), model(x))
    tensor = mg.randn(3, device=device)
    assert copy.copy(tensor)._backend is tensor._backend


def test_work_on_a_devices_arrays_runs_with_that_device_current(monkeypatch):
    """On CUDA each backend's ``scope`` makes its GPU current (``cupy.cuda.Device(i)``), so
    that a 'cuda:1' tensor's results, gradients and optimizer state land on GPU 1. Here a
    recording scope on the 'strict' device shows that operations, backward, factories
    and the optimizer step (plain loop and fast path) all run inside it."""
    import minigrad as mg
    from minigrad.backend import get_backend

    class RecordingScope:
        depth = entered = 0

        def __enter__(self):
            self.depth += 1
            self.entered += 1

        def __exit__(self, *exc):
            self.depth -= 1

    backend = get_backend("strict")
    scope = RecordingScope()
    monkeypatch.setattr(backend, "scope", scope)
    depths = []
    for name in ("exp", "zeros", "zeros_like"):
        original = getattr(backend.xp, name)

        def recording(*args, _original=original, **kwargs):
            depths.append(scope.depth)
            return _original(*args, **kwargs)
        monkeypatch.setattr(backend.xp, name, recording)
    x = mg.zeros(3, device="strict", requires_grad=True)         # a factory
    w = mg.zeros(3, device="strict", requires_grad=True)
    loss = (x.exp() * w).sum()                                     # operations
    entered = scope.entered
    loss.backward()                                                # backward
    assert scope.entered > entered
    for foreach in (False, None):                                  # plain loop, fast path
        entered = scope.entered
        mg.optim.Adam([{"params": [x, w], "foreach": foreach}], lr=0.1).step()
        assert scope.entered > entered
    assert depths and all(depth >= 1 for depth in depths), depths
    assert scope.depth == 0


def test_a_group_on_two_gpus_steps_each_parameter_with_its_own_gpu_current(monkeypatch):
    """Two GPUs, played by two 'strict' backend objects with recording scopes: each
    parameter's state is made and its update runs with its own device current."""
    import minigrad as mg
    from minigrad.backend import get_backend
    from minigrad.backend.strict_backend import StrictBackend
    from minigrad.tensor import new_tensor

    class Scope:
        depth = 0

        def __enter__(self):
            self.depth += 1

        def __exit__(self, *exc):
            self.depth -= 1

    first, second = get_backend("strict"), StrictBackend()
    second.device_object, second.array_type = first.device_object, first.array_type
    monkeypatch.setattr(first, "scope", Scope())
    second.scope = Scope()
    params = []
    for backend in (first, second):
        param = new_tensor(backend.from_host(np.ones(3)), backend, None, 0)
        param.requires_grad = True
        param.grad = new_tensor(backend.from_host(np.ones(3)), backend, None, 0)
        params.append(param)
    seen = []

    class RecordingSGD(mg.optim.SGD):
        def init_state(self, group, param):
            backend = first if param is params[0]._array else second
            seen.append(("state", backend.scope.depth, backend is first))
            return super().init_state(group, param)

        def update(self, group, param, grad, state, step):
            backend = first if param is params[0]._array else second
            seen.append(("update", backend.scope.depth, backend is first))
            super().update(group, param, grad, state, step)

    RecordingSGD(params, lr=0.5, momentum=0.9).step()
    assert len(seen) == 4 and all(depth == 1 for _, depth, _ in seen), seen
    assert sorted(on_first for _, _, on_first in seen) == [False, False, True, True]
    for param in params:
        np.testing.assert_array_equal(param.detach().numpy(), [0.5, 0.5, 0.5])
