"""GradScaler against torch.amp.GradScaler: the scale, the growth tracker and the
parameters over 100 steps with inf/NaN gradients injected at chosen steps, the
state_dict, and the errors of misuse."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg

W0 = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
X = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
INF_STEPS = {3, 4, 17, 40, 41, 42, 43, 77}
NAN_STEPS = {60}


def _trajectory(lib, scaler, steps=100, optimizer_class="SGD"):
    """Train w on mean((x w)²) with SGD + momentum, injecting inf/NaN into the loss;
    returns the scale, the growth tracker and w after each step, and which steps ran."""
    weight = lib.tensor(W0.copy(), requires_grad=True)
    options = {"lr": 0.01, "momentum": 0.9} if optimizer_class == "SGD" else {"lr": 0.01}
    optimizer = getattr(lib.optim, optimizer_class)([weight], **options)
    x = lib.tensor(X)
    records = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = ((x @ weight) ** 2).mean()
        if step in INF_STEPS:
            loss = loss * float("inf")
        if step in NAN_STEPS:
            loss = loss * float("nan")
        scaler.scale(loss).backward()
        before = weight.detach().numpy().copy()
        scaler.step(optimizer)
        scaler.update()
        records.append((scaler.get_scale(), scaler._get_growth_tracker(),
                        weight.detach().numpy().copy(), not np.array_equal(before, weight.detach().numpy())))
    return records


@pytest.mark.parametrize("optimizer_class", ["SGD", "Adam"])
def test_scale_and_parameters_follow_torch_over_100_steps(optimizer_class):
    ours = _trajectory(mg, mg.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=5),
                       optimizer_class=optimizer_class)
    theirs = _trajectory(torch, torch.amp.GradScaler("cpu", init_scale=2.0**10,
                                                      growth_interval=5),
                         optimizer_class=optimizer_class)
    for step, ((scale, tracker, weight, moved), (t_scale, t_tracker, t_weight, t_moved)) in \
            enumerate(zip(ours, theirs)):
        assert (scale, tracker, moved) == (t_scale, t_tracker, t_moved), f"step {step}"
        np.testing.assert_allclose(weight, t_weight, rtol=1e-5, atol=1e-6, err_msg=f"step {step}")
        assert moved == (step not in INF_STEPS | NAN_STEPS)  # skipped steps leave w as it was
    scales = [record[0] for record in ours]
    assert max(scales) > 2.0**10 and min(scales) < 2.0**10  # it both grew and backed off


@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_growth_stops_at_a_non_finite_scale(lib):
    scaler = lib.amp.GradScaler("cpu", init_scale=3e38, growth_interval=1)
    weight = lib.tensor([1.0], requires_grad=True)
    optimizer = lib.optim.SGD([weight], lr=0.0)
    for _ in range(2):
        scaler.scale(weight.sum() * 1e-38).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad()
    assert scaler.get_scale() == float(np.float32(3e38)) and scaler._get_growth_tracker() == 0


def test_unscale_then_clip_then_step_matches_torch():
    grads = {}
    for lib in (mg, torch):
        weight = lib.tensor(W0.copy(), requires_grad=True)
        optimizer = lib.optim.SGD([weight], lr=0.1)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(((lib.tensor(X) @ weight) ** 2).sum()).backward()
        scaler.unscale_(optimizer)
        grads[lib.__name__] = weight.grad.numpy().copy()
        lib.nn.utils.clip_grad_norm_([weight], 1.0)
        scaler.step(optimizer)
        scaler.update()
        grads[lib.__name__ + " w"] = weight.detach().numpy()
    np.testing.assert_allclose(grads["minigrad"], grads["torch"], rtol=1e-6)
    np.testing.assert_allclose(grads["minigrad w"], grads["torch w"], rtol=1e-6)


def test_state_dict_keys_values_and_round_trip():
    ours = mg.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=5)
    theirs = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=5)
    _trajectory(mg, ours, steps=23)
    _trajectory(torch, theirs, steps=23)
    state = ours.state_dict()
    assert state == theirs.state_dict()
    assert list(state) == ["scale", "growth_factor", "backoff_factor", "growth_interval",
                           "_growth_tracker"]
    restored = mg.amp.GradScaler("cpu")
    restored.load_state_dict(state)
    assert restored.state_dict() == state
    assert mg.amp.GradScaler("cpu").state_dict() == torch.amp.GradScaler("cpu").state_dict()


def test_defaults_and_accessors_match_torch():
    ours, theirs = mg.amp.GradScaler("cpu"), torch.amp.GradScaler("cpu")
    for getter in ("get_scale", "get_growth_factor", "get_backoff_factor",
                   "get_growth_interval", "is_enabled", "_get_growth_tracker"):
        assert getattr(ours, getter)() == getattr(theirs, getter)(), getter
    ours.set_growth_factor(3.0), ours.set_backoff_factor(0.25), ours.set_growth_interval(7)
    assert (ours.get_growth_factor(), ours.get_backoff_factor(), ours.get_growth_interval()) \
        == (3.0, 0.25, 7)


def test_disabled_scaler_passes_through():
    scaler = mg.amp.GradScaler("cpu", enabled=False)
    weight = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (weight ** 2).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.step(mg.optim.SGD([weight], lr=0.5))
    scaler.update()
    np.testing.assert_allclose(weight.detach().numpy(), [0.0, 0.0])
    assert scaler.state_dict() == {} and scaler.get_scale() == 1.0 and not scaler.is_enabled()


def test_cuda_scaler_without_cuda_warns_and_disables_as_torch():
    if mg.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = mg.amp.GradScaler()
    assert not scaler.is_enabled()


def _scaled_backward(scaler):
    weight = mg.tensor([1.0, 2.0], requires_grad=True)
    scaler.scale((weight ** 2).sum()).backward()
    return weight, mg.optim.SGD([weight], lr=0.1)


def test_misuse_errors_match_torch():
    scaler = mg.amp.GradScaler("cpu")
    weight, optimizer = _scaled_backward(scaler)
    scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this "
                                           r"optimizer since the last update\(\)."):
        scaler.unscale_(optimizer)
    scaler.step(optimizer)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)."):
        scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last "
                                           r"update\(\)."):
        scaler.step(optimizer)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(optimizer, closure=lambda: None)
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        mg.amp.GradScaler("cpu").step(optimizer)
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        fresh = mg.amp.GradScaler("cpu")
        _scaled_backward(fresh)
        fresh.update()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        mg.amp.GradScaler("cpu").load_state_dict({})
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
        mg.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0."):
        mg.amp.GradScaler("cpu", backoff_factor=1.0)
    half = mg.tensor([1.0], dtype=mg.float16, requires_grad=True)
    fp16_scaler = mg.amp.GradScaler("cpu")
    fp16_scaler.scale(half.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        fp16_scaler.unscale_(mg.optim.SGD([half], lr=0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaler.update(4.0)
    assert scaler.get_scale() == 4.0
    scaler.update(mg.tensor(8.0))
    assert scaler.get_scale() == 8.0


def test_scale_of_several_outputs():
    scaler = mg.amp.GradScaler("cpu", init_scale=4.0)
    a, b = mg.tensor(1.0), mg.tensor(2.0)
    assert [t.item() for t in scaler.scale([a, b])] == [4.0, 8.0]
    assert [t.item() for t in scaler.scale(iter([a]))] == [4.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)


def test_on_a_device_only_step_reads_the_host_once():
    """On the strict device (the CUDA stand-in) scale, backward, unscale_ and update
    run without host reads; step reads whether an inf was found, once, as PyTorch's."""
    from minigrad.backend.strict_backend import forbid_host_reads
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(4, 8), mg.nn.Tanh(), mg.nn.Linear(8, 3)).to("strict")
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    scaler = mg.amp.GradScaler("strict", init_scale=2.0**8, growth_interval=1)
    x = mg.tensor(X[:, :3].repeat(2, axis=1)[:, :4], device="strict")
    y = mg.tensor([0, 1, 2, 0, 1], device="strict")
    before = [p.detach().to("cpu").numpy().copy() for p in model.parameters()]
    with forbid_host_reads():
        with mg.autocast("strict"):
            loss = mg.nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match="copies a 'strict' device array to the host"):
        with forbid_host_reads():
            scaler.step(optimizer)  # the one read: was any gradient inf/NaN?
    scaler.step(optimizer)
    with forbid_host_reads():
        scaler.update()
    assert scaler.get_scale() == 2.0**9  # one clean step with growth_interval=1: grown
    assert all(not np.array_equal(b, p.detach().to("cpu").numpy())
               for b, p in zip(before, model.parameters()))
