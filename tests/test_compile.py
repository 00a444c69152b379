"""mg.compile: a recorded step replays to the same numbers as the eager step
(bit for bit in float64), its guards re-record or refuse, and the replay makes no
implicit host read on the strict device."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.backend.strict_backend import forbid_host_reads
from optim_registry import all_infos


def _data(device="cpu", n=16):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.normal(size=(n, 3)), device=device)
    y = mg.tensor(rng.normal(size=(n, 1)), device=device)
    return x, y


def _training(make_optimizer, device="cpu", extras=True):
    """A small float64 model and its whole training step (forward, loss, backward,
    clipping, optimizer and scheduler steps)."""
    mg.manual_seed(0)
    layers = [nn.Linear(3, 8), nn.Tanh()]
    if extras:
        layers += [nn.Dropout(0.25), nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(8, 1)).double().to(device)
    optimizer = make_optimizer(model.parameters())
    scheduler = mg.optim.lr_scheduler.StepLR(optimizer, 7, 0.5) if extras else None

    def step(x, y):
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        if extras:
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        return loss
    return model, optimizer, step


def _assert_same_bits(expected, got):
    """The compiled run's tensors are the eager run's, bit for bit, one for one."""
    for a, b in zip(expected, got, strict=True):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


def _assert_same_trajectory(make_optimizer, steps=50, extras=True):
    x, y = _data()
    eager_model, _, eager_step = _training(make_optimizer, extras=extras)
    model, _, step = _training(make_optimizer, extras=extras)
    compiled = mg.compile(step)
    for i in range(steps):
        mg.manual_seed(i)
        expected = eager_step(x, y)
        mg.manual_seed(i)
        got = compiled(x, y)
        assert got.detach().numpy().tobytes() == expected.detach().numpy().tobytes()
    assert compiled.records == 1
    for (name, a), b in zip(eager_model.state_dict().items(), model.state_dict().values()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), name


def test_adam_with_scheduler_clipping_dropout_batchnorm_matches_eager_bit_for_bit():
    _assert_same_trajectory(lambda p: mg.optim.Adam(p, lr=1e-2))


def _registry_cases():
    for info in all_infos():
        if info.closure_loss or info.create_graph:
            continue
        yield pytest.param(info, id=info.name)


@pytest.mark.slow
@pytest.mark.parametrize("info", list(_registry_cases()))
def test_every_optimizer_in_the_registry_matches_eager_bit_for_bit(info):
    hyper = dict(info.hyper_sets[0])
    _assert_same_trajectory(lambda p: info.build(list(p), hyper), extras=False)


def test_check_mode_replays_and_compares_with_the_eager_run():
    x, y = _data()
    _, _, step = _training(lambda p: mg.optim.AdamW(p, lr=1e-2))
    compiled = mg.compile(step, mode="check")
    for i in range(4):
        compiled(x, y)
    assert compiled.records == 1


def test_check_mode_raises_on_a_difference():
    x, _ = _data()
    w = mg.ones(3, 1, dtype=mg.float64)
    counter = type("Counter", (), {"calls": 0})()  # an object's attribute: not watched

    def step(x):
        counter.calls += 1
        scale = float(counter.calls)  # a Python value the recording bakes in
        return (x @ w) * scale
    compiled = mg.compile(step, mode="check")
    compiled(x)
    with pytest.raises(mg.CompileError, match="differ"):
        compiled(x)


def test_new_batch_size_and_dtype_record_again():
    x, y = _data()
    _, _, step = _training(lambda p: mg.optim.SGD(p, lr=0.1), extras=False)
    compiled = mg.compile(step)
    compiled(x, y)
    compiled(x, y)
    assert compiled.records == 1
    compiled(x[:5], y[:5])
    assert compiled.records == 2


def test_dtype_change_records_again():
    x, _ = _data()
    compiled = mg.compile(lambda x: (x * x).sum(0))
    compiled(x)
    compiled(x)
    got = compiled(x.float())
    assert compiled.records == 2
    assert got.dtype == mg.float32
    np.testing.assert_array_equal(got.numpy(), (x.float() * x.float()).sum(0).numpy())


def test_default_dtype_change_records_again():
    w = mg.tensor(np.arange(4.0).reshape(2, 2), dtype=mg.float32)

    def step(x):  # mg.ones takes the default dtype
        return (x @ w + mg.ones(2)).sum()
    compiled = mg.compile(step)
    x = mg.tensor([[0.5, -1.5]], dtype=mg.float32)
    compiled(x)
    compiled(x)
    mg.set_default_dtype(mg.float64)
    try:
        got = compiled(x)
        expected = step(x)
    finally:
        mg.set_default_dtype(mg.float32)
    assert compiled.records == 2
    assert got.dtype == expected.dtype == mg.float64
    assert got.item() == expected.item()


def _linear_step(seed=0):
    """A float32 linear layer trained with SGD: the usual autocast set-up."""
    mg.manual_seed(seed)
    layer = nn.Linear(4, 3)
    optimizer = mg.optim.SGD(layer.parameters(), lr=0.5)

    def step(x):
        loss = layer(x).float().pow(2).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss
    return layer, step


def test_autocast_entered_around_a_compiled_step_records_again_and_gives_the_eager_numbers():
    x = mg.tensor(np.random.default_rng(1).normal(size=(8, 4)), dtype=mg.float32)
    eager_layer, eager_step = _linear_step()
    layer, step = _linear_step()
    compiled = mg.compile(step)
    for autocast in (False, True, True, False, True):
        with mg.autocast("cpu", dtype=mg.float16, enabled=autocast):
            assert compiled(x).item() == eager_step(x).item()
    assert compiled.records == 2  # one record with the region, one without
    assert layer.weight.detach().numpy().tobytes() == eager_layer.weight.detach().numpy().tobytes()


def test_a_step_compiled_inside_an_autocast_region_makes_its_own_casts():
    """An eager forward in the region first caches the weight's float16 cast; the
    compiled step must not read that cast as a constant: it casts the weight itself."""
    x = mg.tensor(np.random.default_rng(2).normal(size=(8, 4)), dtype=mg.float32)
    eager_layer, eager_step = _linear_step()
    layer, step = _linear_step()
    compiled = mg.compile(step)
    with mg.autocast("cpu", dtype=mg.float16):
        eager_layer(x)
        layer(x)
        for _ in range(4):
            assert compiled(x).item() == eager_step(x).item()
    assert compiled.records == 1
    assert layer.weight.detach().numpy().tobytes() == eager_layer.weight.detach().numpy().tobytes()


def test_anomaly_detection_runs_the_step_eagerly_and_raises_as_eager_does():
    w = mg.tensor([1.0, -1.0], requires_grad=True)

    def step():
        loss = w.sqrt().nansum()
        loss.backward()
        return loss
    compiled = mg.compile(step)
    for _ in range(2):
        compiled()
        w.grad = None
    with mg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="nan values in its gradient"):
            compiled()
    assert compiled.records == 1


def _forward_steps(model):
    """``model``'s forward summed, eagerly and compiled (recorded and replayed once on
    a float32 batch, which it returns)."""
    step = lambda x: model(x).sum()  # noqa: E731
    compiled = mg.compile(step)
    x = _data()[0].float()
    compiled(x)
    compiled(x)
    return step, compiled, x


def test_a_modules_plain_attribute_changed_records_again():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.1))
    step, compiled, x = _forward_steps(model)
    model[1].negative_slope = 0.5
    assert compiled(x).item() == step(x).item()
    assert compiled.records == 2


def test_a_forward_hook_registered_or_removed_after_recording_is_followed():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    step, compiled, x = _forward_steps(model)
    plain = compiled(x).item()
    handle = model[1].register_forward_hook(lambda module, args, output: output * 2)
    hooked = compiled(x).item()
    assert hooked == step(x).item() != plain
    handle.remove()
    assert compiled(x).item() == plain
    assert compiled.records == 3


def test_a_parameter_or_a_layer_replaced_after_recording_is_read():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    step, compiled, x = _forward_steps(model)
    model[0].weight = nn.Parameter(mg.ones(4, 3))  # another Parameter of the same shape
    assert compiled(x).item() == step(x).item()
    model[0] = nn.Linear(3, 4)  # another layer
    assert compiled(x).item() == step(x).item()
    assert compiled.records == 3


learning_rate = 0.5  # a global that the step below reads


def _manual_sgd_step(w):
    def step(x):
        loss = (x @ w).pow(2).sum()
        loss.backward()
        with mg.no_grad():
            w.sub_(learning_rate * w.grad)
        w.grad = None
        return loss
    return step


def test_a_global_or_a_closure_variable_changed_records_again():
    global learning_rate
    x = _data()[0].float()
    w_eager = mg.tensor([[0.5], [-0.25], [0.125]], requires_grad=True)
    w = mg.tensor([[0.5], [-0.25], [0.125]], requires_grad=True)
    eager, compiled = _manual_sgd_step(w_eager), mg.compile(_manual_sgd_step(w))
    try:
        for rate in (0.01, 0.01, 0.001, 0.001, 0.0):
            learning_rate = rate
            assert compiled(x).item() == eager(x).item()
    finally:
        learning_rate = 0.5
    assert compiled.records == 3
    assert w.detach().numpy().tobytes() == w_eager.detach().numpy().tobytes()

    scale = 1.0

    def scaled(x):
        return (x * scale).sum()
    compiled = mg.compile(scaled)
    compiled(x)
    compiled(x)
    scale = -0.0  # not 0.0: the same number, another sign of zero
    assert compiled(x).item() == scaled(x).item() == 0.0
    scale = 2
    assert compiled(x).item() == scaled(x).item()
    assert compiled.records == 3


@pytest.mark.parametrize("reset", ["model.zero_grad()", "p.grad = None"])
def test_gradients_reset_inside_the_step_are_reset_at_every_replay(reset):
    """A replay that skipped the reset would add each step's gradient to the last one."""
    def make():
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
        optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y):
            if reset == "model.zero_grad()":
                model.zero_grad()
            else:
                for p in model.parameters():
                    p.grad = None
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            return loss
        return model, step
    x, y = _data()
    eager_model, eager_step = make()
    model, step = make()
    compiled = mg.compile(step)
    for _ in range(5):
        assert compiled(x, y).item() == eager_step(x, y).item()
    assert compiled.records == 1
    for a, b in zip(eager_model.parameters(), model.parameters()):
        assert a.grad.numpy().tobytes() == b.grad.numpy().tobytes()
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


def test_reading_a_gradient_the_step_did_not_compute_is_refused():
    w = mg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        if w.grad is not None:  # a decision on what an earlier step left
            w.grad = None
        loss = (x * w).sum()
        loss.backward()
        return loss
    with pytest.raises(mg.CompileError, match="reads the .grad of a tensor before computing"):
        mg.compile(step)(mg.tensor([3.0, 4.0]))


@pytest.mark.parametrize("register", ["register_hook", "register_post_accumulate_grad_hook"])
def test_a_gradient_hook_registered_after_recording_is_refused_not_skipped(register):
    w = mg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        w.grad = None
        loss = (x * w).sum()
        loss.backward()
        return loss
    compiled = mg.compile(step)
    x = mg.tensor([3.0, 4.0])
    compiled(x)
    compiled(x)
    handle = getattr(w, register)(lambda value: None)
    with pytest.raises(mg.CompileError, match="gradient hook"):
        compiled(x)
    handle.remove()
    compiled(x)
    assert w.grad.tolist() == [3.0, 4.0]


@pytest.mark.parametrize("draw", ["random.random()", "np.random.rand()"])
def test_python_and_numpy_random_draws_in_the_step_are_refused(draw):
    import random

    def step(x):
        coin = random.random() if draw == "random.random()" else np.random.rand()
        return x * (2.0 if coin < 0.5 else -1.0)  # a decision the replay would repeat
    with pytest.raises(mg.CompileError, match="random module or numpy.random"):
        mg.compile(step)(mg.tensor([1.0, 2.0]))


def test_parameter_added_to_the_optimizer_records_again():
    x, y = _data()
    _, optimizer, step = _training(lambda p: mg.optim.SGD(p, lr=0.1), extras=False)
    compiled = mg.compile(step)
    compiled(x, y)
    compiled(x, y)
    optimizer.add_param_group({"params": [mg.zeros(2, requires_grad=True)]})
    compiled(x, y)
    assert compiled.records == 2


def test_learning_rate_changed_by_hand_is_read_at_replay_time():
    x, y = _data()
    eager_model, eager_opt, eager_step = _training(lambda p: mg.optim.SGD(p, lr=0.1), extras=False)
    model, opt, step = _training(lambda p: mg.optim.SGD(p, lr=0.1), extras=False)
    compiled = mg.compile(step)
    for i in range(6):
        if i == 3:
            eager_opt.param_groups[0]["lr"] = opt.param_groups[0]["lr"] = 0.01
        eager_step(x, y)
        compiled(x, y)
    assert compiled.records == 1
    _assert_same_bits(eager_model.parameters(), model.parameters())


def test_a_parameter_given_new_data_of_its_shape_is_read_by_the_replay():
    """The replay reads a parameter's array afresh when ``.data`` replaced it (its
    guard is the array object; a new one of the same shape and dtype is taken)."""
    x, y = _data()
    eager_model, _, eager_step = _training(lambda p: mg.optim.SGD(p, lr=0.1, momentum=0.9))
    model, _, step = _training(lambda p: mg.optim.SGD(p, lr=0.1, momentum=0.9))
    compiled = mg.compile(step)
    for i in range(6):
        if i == 3:
            for m in (eager_model, model):
                m[0].weight.data = m[0].weight.data * 0.5
        mg.manual_seed(i)
        expected = eager_step(x, y)
        mg.manual_seed(i)
        assert compiled(x, y).detach().numpy().tobytes() == expected.detach().numpy().tobytes()
    assert compiled.records == 1
    _assert_same_bits(eager_model.parameters(), model.parameters())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_either_way_matches_eager(set_to_none):
    """zero_grad() to None is replayed as those assignments, zero_grad(set_to_none=False)
    as the whole call: both give the eager trajectory and the eager .grad."""
    x, y = _data()
    runs = []
    for compile_it in (False, True):
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)

        def step(x, y, model=model, optimizer=optimizer):
            optimizer.zero_grad(set_to_none=set_to_none)
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            return loss
        run = mg.compile(step) if compile_it else step
        for _ in range(5):
            run(x, y)
        runs.append(model)
    _assert_same_bits(runs[0].parameters(), runs[1].parameters())
    _assert_same_bits([p.grad for p in runs[0].parameters()], [p.grad for p in runs[1].parameters()])


def test_item_in_the_step_raises_naming_it():
    x, y = _data()
    model = nn.Linear(3, 1).double()

    def step(x):
        loss = model(x).sum()
        if loss.item() > 0:
            return loss
        return -loss
    with pytest.raises(mg.CompileError, match=r"\.item\(\)"):
        mg.compile(step)(x)


def test_replay_makes_no_host_read_on_the_strict_device():
    x, y = _data("strict")
    _, _, step = _training(lambda p: mg.optim.Adam(p, lr=1e-2), device="strict")
    compiled = mg.compile(step)
    compiled(x, y)
    with forbid_host_reads():
        for _ in range(3):
            loss = compiled(x, y)
    assert compiled.records == 1
    assert np.isfinite(loss.detach().numpy())


def test_lstm_step_with_a_weight_used_at_every_time_step_matches_eager():
    """The recurrent weights collect one gradient per time step (sums made in place)."""
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.normal(size=(6, 4, 3)))
    target = mg.tensor(rng.normal(size=(4, 5)))

    def training():
        mg.manual_seed(0)
        lstm = nn.LSTM(3, 5).double()
        optimizer = mg.optim.Adam(lstm.parameters(), lr=1e-2)

        def step(x, target):
            _, (h, _) = lstm(x)
            loss = ((h[-1] - target) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss
        return lstm, step
    eager_lstm, eager_step = training()
    lstm, step = training()
    compiled = mg.compile(step)
    for _ in range(10):
        eager_step(x, target)
        compiled(x, target)
    _assert_same_bits(eager_lstm.parameters(), lstm.parameters())


def test_gradient_sums_of_a_tensor_used_three_times_match_eager():
    x, _ = _data()

    def training():
        w = mg.tensor(np.linspace(-1, 1, 9).reshape(3, 3), requires_grad=True)
        optimizer = mg.optim.SGD([w], lr=0.05)

        def step(x):
            h = (x @ w).tanh()
            loss = ((h @ w).tanh() @ w).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss
        return w, step
    eager_w, eager_step = training()
    w, step = training()
    compiled = mg.compile(step)
    for _ in range(5):
        eager_step(x)
        compiled(x)
    _assert_same_bits([eager_w], [w])


def test_random_tensor_made_in_the_step_is_refused():
    x, _ = _data()
    with pytest.raises(mg.CompileError, match="random tensor"):
        mg.compile(lambda x: x + mg.randn(3, dtype=mg.float64))(x)


def test_dropout_draws_fresh_masks_at_every_replay():
    x = mg.ones(4, 50, dtype=mg.float64)
    compiled = mg.compile(lambda x: mg.nn.functional.dropout(x, 0.5, training=True))
    first, second, third = compiled(x), compiled(x), compiled(x)
    assert compiled.records == 1
    assert not np.array_equal(second.numpy(), third.numpy())
    assert set(np.unique(third.numpy())) <= {0.0, 2.0}


@pytest.mark.parametrize("optimizer", ["AdamW", "SGD"])
def test_train_compile_gives_the_eager_runs_numbers(optimizer):
    from minigrad.cli.training import TrainingRun
    config = {"epochs": 2, "optimizer": optimizer, "clip_grad_norm": 1.0}
    eager, compiled = TrainingRun(dict(config)), TrainingRun(dict(config))
    compiled.use_compile()
    for _ in range(2):
        assert eager.train_epoch() == compiled.train_epoch()
    _assert_same_bits(eager.model.parameters(), compiled.model.parameters())
    assert compiled.compiled_step.records >= 1


def test_train_compile_refuses_an_optimizer_whose_step_needs_a_closure():
    from minigrad.cli.errors import UsageError
    from minigrad.cli.training import TrainingRun
    with pytest.raises(UsageError, match="--compile: LBFGS"):
        TrainingRun({"epochs": 1, "optimizer": "LBFGS"}).use_compile()


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_comparisons_casts_and_truth_reductions_follow_their_inputs(device):
    """A mask made in the step (x > 0, cast to the input's dtype, any/all, logical ops)
    is a recorded call: each replay computes it from this call's input."""
    def step(x):
        positive = x > 0
        mask = (positive & ~(x > 1)) | (x < -1)
        rows = positive.all(dim=1, keepdim=True) | mg.logical_not(positive.any(dim=1, keepdim=True))
        kept = x * mask.to(x.dtype) + rows.to(x.dtype) + positive.count_nonzero().to(x.dtype)
        return mg.autograd.grad((kept ** 2).sum(), x)[0] + kept
    rng = np.random.default_rng(0)
    batches = [[mg.tensor(rng.normal(size=(5, 3)) * 2, device=device, requires_grad=True)]
               for _ in range(3)]
    _replays_like_eager(step, batches[0], batches[1:])


def test_a_tensor_computed_outside_an_op_is_refused():
    x = mg.tensor(np.array([0, 2, 1]))
    weight = mg.tensor(np.arange(12.0).reshape(3, 4))

    def step(x):
        return nn.functional.one_hot(x, 3).to(weight.dtype) @ weight  # one_hot: not recorded
    with pytest.raises(mg.CompileError, match="not a recorded operation"):
        mg.compile(step)(x)


def test_constants_made_in_the_step_are_kept():
    x, _ = _data()
    compiled = mg.compile(lambda x: x + mg.ones(3, dtype=mg.float64) * mg.tensor(2.0, dtype=mg.float64))
    compiled(x)
    np.testing.assert_array_equal(compiled(x).numpy(), x.numpy() + 2)
    np.testing.assert_array_equal(compiled(x * 3).numpy(), x.numpy() * 3 + 2)


def test_eval_mode_and_frozen_parameters_record_again():
    x, y = _data()
    model, optimizer, step = _training(lambda p: mg.optim.SGD(p, lr=0.1))
    eager_model, _, eager_step = _training(lambda p: mg.optim.SGD(p, lr=0.1))
    compiled = mg.compile(step)
    for switch in (None, "eval", "freeze", None):
        for m in (model, eager_model):
            if switch == "eval":
                m.eval()
            elif switch == "freeze":
                m[0].weight.requires_grad_(False)
        for i in range(2):
            mg.manual_seed(i)
            eager_step(x, y)
            mg.manual_seed(i)
            compiled(x, y)
    assert compiled.records == 3
    _assert_same_bits(eager_model.state_dict().values(), model.state_dict().values())


def test_check_mode_runs_on_the_strict_device():
    x, y = _data("strict")
    _, _, step = _training(lambda p: mg.optim.Adam(p, lr=1e-2), device="strict")
    compiled = mg.compile(step, mode="check")
    for _ in range(3):
        compiled(x, y)
    assert compiled.records == 1


def test_optimizer_kernel_replayed_directly_follows_option_changes_and_hooks():
    """A fast-path step is replayed as direct kernel calls; a changed kernel (momentum
    switched off), maximize, or a step hook make the replay run the whole step()."""
    from minigrad.compile.optimizer_step import direct_step
    x, y = _data()
    make = lambda p: mg.optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    eager_model, eager_opt, eager_step = _training(make, extras=False)
    model, opt, step = _training(make, extras=False)
    compiled = mg.compile(step)
    calls = []
    for i in range(12):
        if i == 4:
            for o in (eager_opt, opt):
                o.param_groups[0]["momentum"] = 0.0
        if i == 7:
            for o in (eager_opt, opt):
                o.param_groups[0]["maximize"] = True
        if i == 9:
            for o in (eager_opt, opt):
                o.register_step_post_hook(lambda o, args, kwargs: calls.append(id(o)))
        expected, got = eager_step(x, y), compiled(x, y)
        assert got.detach().numpy().tobytes() == expected.detach().numpy().tobytes(), i
        if i == 1:  # recorded at i = 0, replayed since: the step is a direct kernel call
            replay, = compiled.replays.values()
            assert any(call.__qualname__.startswith(direct_step.__name__)
                       for call, _ins, _outs in replay.entries)
    assert compiled.records == 1
    assert calls.count(id(opt)) == 3 and calls.count(id(eager_opt)) == 3
    _assert_same_bits(eager_model.parameters(), model.parameters())


def test_returned_loss_kept_across_replays_is_not_overwritten():
    x, y = _data()
    _, _, step = _training(lambda p: mg.optim.SGD(p, lr=0.1), extras=False)
    compiled = mg.compile(step)
    losses = [compiled(x, y) for _ in range(4)]
    values = [loss.detach().numpy().copy() for loss in losses]
    compiled(x, y)
    assert [loss.detach().numpy().tobytes() for loss in losses] == [v.tobytes() for v in values]
    assert len({v.tobytes() for v in values}) == 4


def test_optimizer_kernel_replayed_directly_on_a_parameter_cut_into_slices():
    """A parameter larger than one kernel slice (and small ones gathered into one)."""
    from minigrad.compile.optimizer_step import direct_step
    rng = np.random.default_rng(1)
    x, y = mg.tensor(rng.normal(size=(4, 600))), mg.tensor(rng.normal(size=(4, 1)))

    def training():
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(600, 500), nn.Tanh(), nn.Linear(500, 1)).double()
        optimizer = mg.optim.Adam(model.parameters(), lr=1e-3)

        def step(x, y):
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss
        return model, step
    eager_model, eager_step = training()
    model, step = training()
    compiled = mg.compile(step)
    for _ in range(4):
        assert compiled(x, y).detach().numpy().tobytes() == eager_step(x, y).detach().numpy().tobytes()
    replay, = compiled.replays.values()
    assert any(call.__qualname__.startswith(direct_step.__name__) for call, _, _ in replay.entries)
    _assert_same_bits(eager_model.parameters(), model.parameters())


def test_an_optimizer_that_changes_the_steps_bookkeeping_is_replayed_whole():
    counted = []

    class CountingSGD(mg.optim.SGD):
        def _params_with_grads(self, group):
            counted.append(len(group["params"]))
            return super()._params_with_grads(group)
    x, y = _data()
    _, _, step = _training(lambda p: CountingSGD(p, lr=0.05), extras=False)
    compiled = mg.compile(step)
    for _ in range(3):
        compiled(x, y)
    assert compiled.records == 1 and len(counted) == 3


def _replays_like_eager(fn, first, later):
    """``fn`` compiled, called with ``first`` (recorded), then with each of ``later``:
    every replay's result equals the eager ``fn``'s, bit for bit."""
    compiled = mg.compile(fn)
    compiled(*first)
    for arguments in later:
        expected = fn(*arguments).detach().numpy()
        assert compiled(*arguments).numpy().tobytes() == expected.tobytes()
    assert compiled.records == 1


def test_index_tensors_are_read_at_every_replay():
    """An index tensor's values (an embedding's lookup, x[index]) change between calls:
    the replay takes the new ones, forward and backward."""
    rng = np.random.default_rng(0)
    table = nn.Embedding(6, 4).double()
    weight = mg.tensor(rng.normal(size=(6, 4)), requires_grad=True)

    def lookups(index, target):
        loss = ((table(index) - target) ** 2).sum() + (weight[index] * target).sum()
        grads = mg.autograd.grad(loss, [table.weight, weight])
        return mg.stack([loss.reshape(1).expand(4), grads[0].sum(0), grads[1].sum(1)[:4]])
    batches = [(mg.tensor(np.array(i)), mg.tensor(rng.normal(size=(2, 4))))
               for i in ([0, 1], [3, 5], [5, 5])]
    _replays_like_eager(lookups, batches[0], batches[1:])


def test_index_list_key_is_a_constant_of_the_replay():
    weight = mg.tensor(np.arange(12.0).reshape(4, 3))
    _replays_like_eager(lambda t: weight[[0, 2]] * t, [mg.ones(3, dtype=mg.float64)],
                        [[mg.full((3,), 2.0, dtype=mg.float64)]])


@pytest.mark.parametrize("device", ["cpu", "strict"])
@pytest.mark.parametrize("name, lookup", [
    ("gather", lambda w, i: w.gather(1, i.reshape(-1, 1))),
    ("index_select", lambda w, i: w.index_select(0, i)),
    ("scatter_add", lambda w, i: mg.zeros(4, 3, dtype=w.dtype, device=w.device)
     .scatter_add(0, i.reshape(-1, 1).expand(-1, 3), w[:2])),
])
def test_positions_made_from_an_index_tensor_follow_it(name, lookup, device):
    """gather, index_select and scatter turn their index tensor into an indexing key
    outside the operation: a recorded call, so each replay makes this step's key."""
    weight = mg.tensor(np.arange(12.0).reshape(4, 3), device=device, requires_grad=True)

    def step(index):
        out = lookup(weight, index)
        return mg.cat([out.reshape(-1), mg.autograd.grad((out ** 2).sum(), weight)[0].reshape(-1)])
    batches = [[mg.tensor(np.array(i), device=device)] for i in ([0, 2], [2, 1], [1, 1])]
    _replays_like_eager(step, batches[0], batches[1:])


def test_an_array_made_in_the_step_outside_any_operation_is_refused():
    """An array a forward receives that the step made outside a recorded operation
    can't be replayed: refused, naming the operation."""
    class Pick(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x, key):
            return x[key]

    weight = mg.tensor(np.arange(12.0).reshape(4, 3))
    with pytest.raises(mg.CompileError, match="Pick was given an array of shape"):
        mg.compile(lambda t: Pick.apply(weight, key=np.flatnonzero(np.array([1, 0, 1, 0]))) * t)(
            mg.ones(3, dtype=mg.float64))


def test_a_whole_call_s_returned_tensor_is_fresh_at_every_replay():
    """clip_grad_norm_ returns the total norm: a replay returns this step's norm."""
    norms = []
    for compile_it in (False, True):
        w = mg.tensor([3.0, -1.0], dtype=mg.float64, requires_grad=True)
        optimizer = mg.optim.SGD([w], lr=0.1)

        def step():
            optimizer.zero_grad()
            (w ** 2).sum().backward()
            norm = nn.utils.clip_grad_norm_([w], 100.0)
            optimizer.step()
            return norm * 1.0  # used in the step after the call, too
        run = mg.compile(step) if compile_it else step
        norms.append([run().item() for _ in range(4)])
    assert norms[0] == norms[1] and len(set(norms[1])) == 4


def test_embedding_on_the_strict_device_replays_without_host_reads_and_reports_bad_indices():
    """On a device the lookup's indices are clamped and counted by a recorded call (no
    host read); a bad index raises at the next read, as it does eagerly."""
    mg.manual_seed(0)
    table = nn.Embedding(6, 4).double().to("strict")
    compiled = mg.compile(lambda index: mg.autograd.grad((table(index) ** 2).sum(), table.weight)[0])
    batches = [mg.tensor(np.array(i), device="strict") for i in ([0, 1], [3, 5], [5, 2])]
    compiled(batches[0])
    with forbid_host_reads():
        got = [compiled(index) for index in batches[1:]]
    for index, gradient in zip(batches[1:], got):
        expected = mg.autograd.grad((table(index) ** 2).sum(), table.weight)[0]
        assert gradient.numpy().tobytes() == expected.numpy().tobytes()
    assert compiled.records == 1
    compiled(mg.tensor(np.array([0, 9]), device="strict"))
    with pytest.raises(IndexError, match="got 9"):
        table.weight.sum().item()  # the next read from the device


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_an_index_made_by_arange_in_the_step_is_a_constant(device):
    """Positions made in the step by mg.arange (a GPT's position embedding) depend only on
    shapes, which the guards fix: a constant of the replay."""
    mg.manual_seed(0)
    table = nn.Embedding(5, 3).double().to(device)

    def step(index):
        positions = mg.arange(index.shape[0], device=device)
        return mg.autograd.grad((table(index) * table(positions)).sum(), table.weight)[0]
    batches = [[mg.tensor(np.array(i), device=device)] for i in ([1, 2, 3], [4, 0, 2])]
    _replays_like_eager(step, batches[0], batches[1:])


def _amp_training(init_scale):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    scaler = mg.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=2)

    def step(x, y):
        optimizer.zero_grad()
        with mg.autocast("cpu", dtype=mg.float16):
            loss = ((model(x) - y) ** 2).mean()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        return loss
    return model, scaler, step


@pytest.mark.parametrize("mode", [None, "check"])
def test_mixed_precision_with_a_grad_scaler_matches_eager_skipped_steps_included(mode):
    """unscale_, step and update are replayed as calls: the inf check, the skipped
    step and the scale's backoff and growth happen at every replay as eagerly."""
    x, y = (t.float() for t in _data())
    eager_model, eager_scaler, eager_step = _amp_training(2.0 ** 14)
    model, scaler, step = _amp_training(2.0 ** 14)
    compiled = mg.compile(step, mode=mode)
    scales = []
    for number in range(7):
        target = y * (1e6 if number == 3 else 1.0)  # float16 overflows: the step is skipped
        expected, got = eager_step(x, target).item(), compiled(x, target).item()
        assert got == expected
        assert scaler.get_scale() == eager_scaler.get_scale()
        scales.append(scaler.get_scale())
    assert compiled.records == 1
    changes = [b / a for a, b in zip(scales, scales[1:])]
    assert 2.0 in changes and 0.5 in changes  # the scale grew and backed off
    for a, b in zip(eager_model.parameters(), model.parameters()):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


def test_a_tensor_made_in_the_step_and_written_in_place_starts_anew_at_every_replay():
    def step(x):
        total = mg.zeros(3)
        total += x
        total.mul_(2)
        return total * 2, mg.ones(3)
    compiled = mg.compile(step)
    x = mg.tensor([1.0, 2.0, 3.0])
    results = [compiled(x) for _ in range(3)]
    for doubled, ones in results:
        assert doubled.tolist() == [4.0, 8.0, 12.0]
    results[1][1].add_(5)  # a returned tensor made in the step is a new one at every call
    assert compiled(x)[1].tolist() == [1.0, 1.0, 1.0]
    assert compiled.records == 1


def test_gradients_into_a_tensor_the_step_was_given_are_refused():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def given_with_grad(x):
        loss = (x * w).sum()
        loss.backward()  # x.grad: the argument of this call, not the recording's
        return loss

    def made_to_require_grad(x):
        x.requires_grad_(True)
        return (x * w).sum()
    with pytest.raises(mg.CompileError, match="the step was given or made"):
        mg.compile(given_with_grad)(mg.tensor([1.0, 1.0, 1.0], requires_grad=True))
    with pytest.raises(mg.CompileError, match="requires_grad of a tensor it was given"):
        mg.compile(made_to_require_grad)(mg.tensor([1.0, 1.0, 1.0]))

    def input_gradient(x):  # the way that compiles: autograd.grad, returned
        return mg.autograd.grad((x * w).sum(), x)[0]
    compiled = mg.compile(input_gradient)
    for scale in (1.0, 2.0, 3.0):
        x = mg.tensor([scale, 0.0, -scale], requires_grad=True)
        assert compiled(x).tolist() == input_gradient(x).tolist() == [1.0, 2.0, 3.0]
    assert compiled.records == 1


def test_a_tensor_or_a_function_assigned_to_a_module_attribute_is_followed():
    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(3, 3)
            self.mask = mg.ones(3)  # a tensor attribute, not a buffer
            self.activation = mg.tanh

        def forward(self, x):
            return self.activation(self.layer(x) * self.mask)
    mg.manual_seed(0)
    model = Masked()
    step, compiled, x = _forward_steps(model)
    model.mask = mg.tensor([1.0, 0.0, -1.0])
    assert compiled(x).item() == step(x).item()
    model.activation = mg.sigmoid
    assert compiled(x).item() == step(x).item()
    assert compiled.records == 3


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_sort_argsort_topk_and_median_follow_their_inputs(device):
    def step(x):
        values, indices = x.sort(1, descending=True)
        top = x.topk(2, dim=0)
        weights = mg.arange(3.0, dtype=mg.float64, device=device)
        gradient, = mg.autograd.grad((values * weights).sum() + top.values.sum(), x)
        median, positions = x.median(0)
        return values, indices, x.argsort(0), top.indices, gradient, median, positions, x.median()
    compiled = mg.compile(step)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = mg.tensor(rng.normal(size=(4, 3)), requires_grad=True, device=device)
        for got, expected in zip(compiled(x), step(x), strict=True):
            assert got.detach().cpu().numpy().tolist() == expected.detach().cpu().numpy().tolist()
        if device == "strict":
            with forbid_host_reads():
                compiled(x)
    assert compiled.records == 1


step_count = 0  # a global that the step below changes


def test_a_step_that_assigns_its_global_or_closure_variable_is_refused():
    def counted(x):
        global step_count
        step_count += 1  # a replay would not count, and would read the last count
        return x * (1.0 / step_count)
    with pytest.raises(mg.CompileError, match="the step assigns step_count"):
        mg.compile(counted)(mg.tensor([1.0, 2.0]))

    def make():
        calls = 0

        def step(x):
            nonlocal calls
            calls += 1
            return x * calls
        return step
    with pytest.raises(mg.CompileError, match="the step assigns calls"):
        mg.compile(make())(mg.tensor([1.0, 2.0]))


def test_a_step_that_appends_to_a_list_of_its_closure_is_refused():
    losses = []

    def step(x):
        loss = (x * x).sum()
        losses.append(loss.detach())  # once, at the recording: the list would stay short
        return loss
    with pytest.raises(mg.CompileError, match="the step assigns losses"):
        mg.compile(step)(mg.tensor([1.0, 2.0]))


def test_returning_a_tensor_no_recorded_call_made_is_refused():
    """nonzero's shape depends on the values: not a call a replay can repeat, and
    returning its first value would be stale."""
    with pytest.raises(mg.CompileError, match="returns a tensor of shape"):
        mg.compile(lambda x: mg.nonzero(x * 2))(mg.tensor([0.0, 1.0, 2.0]))
