"""Learning-rate schedulers against ``torch.optim.lr_scheduler``, and the tutorials' schedules.

Every comparison drives a torch optimizer and a minigrad optimizer side by side
(float64, two param groups with base lrs 0.1 and 0.03, the same gradients),
steps each scheduler after its optimizer, and compares ``get_last_lr()``, the
groups' cycled momentum (``momentum`` or ``betas[0]``) and the parameters
after every step for 200 steps (rtol 1e-9).
"""
import functools
import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_sched

import minigrad as mg
from minigrad.optim import lr_scheduler as mg_sched
from minigrad.optim.schedules import (WarmupCosineLR, cosine_annealing, exponential_decay,
                                      step_decay, warmup_cosine)

RTOL = 1e-9
STEPS = 200
GROUP_LRS = (0.1, 0.03)


# ---------------------------------------------------------------- harness
class InverseSqrt:
    """A callable object as ``lr_lambda``: its ``__dict__`` is what state_dict keeps."""

    def __init__(self, warmup):
        self.warmup = warmup

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.warmup) / math.sqrt(max(epoch, self.warmup))


def optimizers(kind, initial=None):
    """A torch and a minigrad optimizer of the same kind over the same float64 values,
    one parameter per group, groups with lrs ``GROUP_LRS``."""
    if initial is None:
        rng = np.random.default_rng(0)
        initial = [rng.standard_normal(4) for _ in GROUP_LRS]
    torch_params = [torch.tensor(a, requires_grad=True) for a in initial]
    mg_params = [mg.tensor(a, requires_grad=True) for a in initial]

    def groups(params):
        return [{"params": [p], "lr": lr} for p, lr in zip(params, GROUP_LRS)]

    if kind == "sgd":
        return (torch.optim.SGD(groups(torch_params), momentum=0.9),
                mg.optim.SGD(groups(mg_params), momentum=0.9))
    if kind == "sgd-no-momentum":
        return torch.optim.SGD(groups(torch_params)), mg.optim.SGD(groups(mg_params))
    return torch.optim.Adam(groups(torch_params)), mg.optim.Adam(groups(mg_params))


def params_of(optimizer):
    return [p for group in optimizer.param_groups for p in group["params"]]


def momenta(optimizer):
    return [group["betas"][0] if "betas" in group else group.get("momentum", 0.0)
            for group in optimizer.param_groups]


def snapshot(optimizer, scheduler):
    """lrs, momenta and parameter values, flat."""
    values = [float(lr) for lr in scheduler.get_last_lr()] + [float(m) for m in momenta(optimizer)]
    arrays = [p.detach().numpy() for p in params_of(optimizer)]
    return np.concatenate([values] + arrays)


def train_step(torch_opt, mg_opt, rng):
    """The same random gradient for both, then both optimizers step."""
    for t, m in zip(params_of(torch_opt), params_of(mg_opt)):
        g = rng.standard_normal(tuple(t.shape))
        t.grad = torch.tensor(g)
        m.grad = mg.tensor(g)
    torch_opt.step()
    mg_opt.step()


def drive(torch_opt, mg_opt, torch_s, mg_s, steps, rng, metrics=None, offset=0):
    """``steps`` training steps, each followed by both schedulers' step; returns the
    snapshots (after construction, then after every step) of torch and of minigrad."""
    ours, theirs = [], []
    for k in range(steps):
        train_step(torch_opt, mg_opt, rng)
        args = () if metrics is None else (metrics[offset + k],)
        torch_s.step(*args)
        mg_s.step(*args)
        theirs.append(snapshot(torch_opt, torch_s))
        ours.append(snapshot(mg_opt, mg_s))
    return np.array(ours), np.array(theirs)


def lambda_per_group(S, o):
    return S.LambdaLR(o, [lambda e: 1 / (1 + 0.05 * e), lambda e: 0.99 ** e])


CASES = {
    "LambdaLR-power": ("sgd", lambda S, o: S.LambdaLR(o, lambda e: 0.97 ** e)),
    "LambdaLR-per-group": ("sgd", lambda_per_group),
    "LambdaLR-callable-object": ("adam", lambda S, o: S.LambdaLR(o, InverseSqrt(10))),
    "MultiplicativeLR": ("sgd", lambda S, o: S.MultiplicativeLR(o, lambda e: 0.98)),
    "MultiplicativeLR-per-group": ("adam", lambda S, o: S.MultiplicativeLR(
        o, [lambda e: 0.99, lambda e: 1 - 1 / (e + 10)])),
    "StepLR": ("sgd", lambda S, o: S.StepLR(o, 30, 0.5)),
    "StepLR-default-gamma": ("adam", lambda S, o: S.StepLR(o, step_size=7)),
    "MultiStepLR": ("sgd", lambda S, o: S.MultiStepLR(o, [30, 80, 80, 150], 0.5)),
    "MultiStepLR-unsorted": ("adam", lambda S, o: S.MultiStepLR(o, [120, 2, 5, 5], gamma=0.3)),
    "ConstantLR-default": ("sgd", lambda S, o: S.ConstantLR(o)),
    "ConstantLR": ("adam", lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=40)),
    "LinearLR-warmup": ("sgd", lambda S, o: S.LinearLR(o, 0.25, 1.0, 40)),
    "LinearLR-decay": ("adam", lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.05,
                                                        total_iters=150)),
    "LinearLR-default": ("sgd", lambda S, o: S.LinearLR(o)),
    "ExponentialLR": ("sgd", lambda S, o: S.ExponentialLR(o, 0.98)),
    "ExponentialLR-slow": ("adam", lambda S, o: S.ExponentialLR(o, gamma=0.999)),
    "PolynomialLR-default": ("sgd", lambda S, o: S.PolynomialLR(o)),
    "PolynomialLR-quadratic": ("sgd", lambda S, o: S.PolynomialLR(o, total_iters=150, power=2.0)),
    "PolynomialLR-sqrt": ("adam", lambda S, o: S.PolynomialLR(o, 80, 0.5)),
    "CosineAnnealingLR-periodic": ("sgd", lambda S, o: S.CosineAnnealingLR(o, T_max=50,
                                                                           eta_min=1e-3)),
    "CosineAnnealingLR-whole-run": ("adam", lambda S, o: S.CosineAnnealingLR(o, 200)),
    "CosineAnnealingLR-short": ("sgd", lambda S, o: S.CosineAnnealingLR(o, 7, eta_min=0.01)),
    "CosineAnnealingWarmRestarts-T_mult=2": ("sgd", lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=2, eta_min=1e-3)),
    "CosineAnnealingWarmRestarts-T_mult=1": ("adam", lambda S, o:
                                             S.CosineAnnealingWarmRestarts(o, 25)),
    "CosineAnnealingWarmRestarts-T_mult=3": ("sgd", lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=3, eta_min=0.005)),
    "CyclicLR-triangular": ("sgd", lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=20)),
    "CyclicLR-triangular2": ("sgd", lambda S, o: S.CyclicLR(
        o, [0.01, 0.002], [0.1, 0.05], step_size_up=15, step_size_down=25, mode="triangular2",
        base_momentum=0.7, max_momentum=0.95)),
    "CyclicLR-exp_range": ("sgd", lambda S, o: S.CyclicLR(o, 0.001, 0.1, step_size_up=10,
                                                          mode="exp_range", gamma=0.99)),
    "CyclicLR-scale_fn-cycle": ("sgd", lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=12, scale_fn=lambda x: 1 / x, scale_mode="cycle")),
    "CyclicLR-scale_fn-iterations": ("sgd", lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=12, scale_fn=lambda x: 0.5 * (1 + math.cos(x / 40)),
        scale_mode="iterations")),
    "CyclicLR-betas": ("adam", lambda S, o: S.CyclicLR(o, 0.001, 0.01, step_size_up=8,
                                                       mode="triangular2")),
    "CyclicLR-momentum-off": ("sgd", lambda S, o: S.CyclicLR(o, 0.01, 0.1, 10,
                                                             cycle_momentum=False)),
    "CyclicLR-turns-momentum-on": ("sgd-no-momentum", lambda S, o: S.CyclicLR(o, 0.01, 0.1, 10)),
    "OneCycleLR-cos": ("sgd", lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=200)),
    "OneCycleLR-three_phase-sgd": ("sgd", lambda S, o: S.OneCycleLR(
        o, max_lr=[0.5, 0.2], total_steps=200, three_phase=True)),
    "OneCycleLR-three_phase-adam": ("adam", lambda S, o: S.OneCycleLR(
        o, 0.01, epochs=10, steps_per_epoch=20, three_phase=True, anneal_strategy="linear",
        div_factor=10.0, final_div_factor=100.0)),
    "OneCycleLR-linear": ("sgd", lambda S, o: S.OneCycleLR(
        o, 0.3, total_steps=250, pct_start=0.1, anneal_strategy="linear", base_momentum=0.8,
        max_momentum=0.9)),
    "SequentialLR-warmup-cosine": ("sgd", lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, 0.1, 1.0, 20), S.CosineAnnealingLR(o, 180, 1e-4)], milestones=[20])),
    "SequentialLR-three": ("adam", lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, 0.5, 10), S.ExponentialLR(o, 0.98), S.StepLR(o, 20, 0.5)],
        [30, 100])),
    "ChainedScheduler-constant-exponential": ("sgd", lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=20), S.ExponentialLR(o, gamma=0.99)])),
    "ChainedScheduler-three": ("adam", lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, 0.2, 1.0, 30), S.MultiStepLR(o, [60, 120], 0.3),
         S.CosineAnnealingLR(o, 50)], optimizer=o)),
}


def build_pair(case):
    kind, build = CASES[case]
    torch_opt, mg_opt = optimizers(kind)
    return torch_opt, mg_opt, build(torch_sched, torch_opt), build(mg_sched, mg_opt)


# ---------------------------------------------------------------- every scheduler vs torch
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("case", list(CASES))
def test_learning_rates_match_pytorch(case):
    torch_opt, mg_opt, torch_s, mg_s = build_pair(case)
    np.testing.assert_allclose(snapshot(mg_opt, mg_s), snapshot(torch_opt, torch_s), rtol=RTOL)
    ours, theirs = drive(torch_opt, mg_opt, torch_s, mg_s, STEPS, np.random.default_rng(1))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15)
    assert mg_opt.param_groups[0]["lr"] == mg_s.get_last_lr()[0]


@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR", "LinearLR-warmup", "ExponentialLR",
                                  "PolynomialLR-quadratic", "CosineAnnealingLR-periodic",
                                  "ChainedScheduler-constant-exponential",
                                  "SequentialLR-warmup-cosine"])
def test_chainable_schedulers_keep_a_learning_rate_changed_by_hand(case):
    torch_opt, mg_opt, torch_s, mg_s = build_pair(case)
    rng = np.random.default_rng(2)
    drive(torch_opt, mg_opt, torch_s, mg_s, 35, rng)
    for optimizer in (torch_opt, mg_opt):
        optimizer.param_groups[1]["lr"] *= 0.5
    ours, theirs = drive(torch_opt, mg_opt, torch_s, mg_s, 100, rng)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15)


def test_the_momentum_cycles_opposite_to_the_learning_rate():
    _, mg_opt, _, scheduler = build_pair("CyclicLR-triangular")
    assert mg_opt.param_groups[0]["momentum"] == 0.9  # lr at base_lr: momentum at its max
    for _ in range(20):
        mg_opt.step()
        scheduler.step()
    assert scheduler.get_last_lr()[0] == pytest.approx(0.1)
    assert mg_opt.param_groups[0]["momentum"] == pytest.approx(0.8)


def test_scheduler_state_dicts_have_pytorchs_keys_and_only_data():
    for case in CASES:
        torch_opt, mg_opt, torch_s, mg_s = build_pair(case)
        drive(torch_opt, mg_opt, torch_s, mg_s, 3, np.random.default_rng(0))
        ours, theirs = mg_s.state_dict(), torch_s.state_dict()
        assert set(ours) == set(theirs), case
        assert not _callables_in(ours), case


def _callables_in(value):
    if isinstance(value, dict):
        return any(_callables_in(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_callables_in(v) for v in value)
    return callable(value)


def test_state_dict_keeps_the_dict_of_a_callable_object_and_none_for_a_function():
    _, mg_opt = optimizers("sgd")
    scheduler = mg_sched.LambdaLR(mg_opt, [InverseSqrt(10), lambda e: 1.0])
    assert scheduler.state_dict()["lr_lambdas"] == [{"warmup": 10}, None]
    fresh_lambda = InverseSqrt(3)
    _, other_opt = optimizers("sgd")
    other = mg_sched.LambdaLR(other_opt, [fresh_lambda, lambda e: 1.0])
    other.load_state_dict(scheduler.state_dict())
    assert fresh_lambda.warmup == 10


# ---------------------------------------------------------------- ReduceLROnPlateau
def plateau_metrics(mode):
    """A loss that falls, flattens with improvements below the threshold, then wobbles;
    its mirror image for mode='max'."""
    t = np.arange(STEPS)
    loss = 1.0 / (1.0 + 0.05 * t) + 0.01 * np.sin(t) + 0.2 * (t > 150) + 0.5
    return list(loss if mode == "min" else 3.0 - loss)


PLATEAU_CASES = [
    ("min", "rel", dict(patience=5, factor=0.5, threshold=1e-2, cooldown=3)),
    ("min", "abs", dict(patience=3, factor=0.7, threshold=5e-3, cooldown=2, min_lr=[1e-3, 2e-3])),
    ("max", "rel", dict(patience=4, factor=0.5, threshold=1e-3, cooldown=5, min_lr=0.01)),
    ("max", "abs", dict(patience=2, factor=0.3, threshold=1e-2, cooldown=1, eps=1e-3)),
    ("min", "rel", dict()),
]


@pytest.mark.parametrize("mode,threshold_mode,kwargs", PLATEAU_CASES)
def test_reduce_on_plateau_matches_pytorch(mode, threshold_mode, kwargs):
    torch_opt, mg_opt = optimizers("sgd")
    torch_s = torch_sched.ReduceLROnPlateau(torch_opt, mode, threshold_mode=threshold_mode, **kwargs)
    mg_s = mg_sched.ReduceLROnPlateau(mg_opt, mode, threshold_mode=threshold_mode, **kwargs)
    metrics = plateau_metrics(mode)
    ours, theirs = drive(torch_opt, mg_opt, torch_s, mg_s, STEPS, np.random.default_rng(3),
                         metrics=metrics)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)
    lrs = ours[:, 0]
    assert len(set(lrs)) >= 3, "the sequence must make the scheduler reduce the lr"
    assert (mg_s.best, mg_s.num_bad_epochs, mg_s.cooldown_counter) == \
        (torch_s.best, torch_s.num_bad_epochs, torch_s.cooldown_counter)


def test_reduce_on_plateau_reads_a_one_element_tensor_and_respects_min_lr():
    _, mg_opt = optimizers("sgd")
    scheduler = mg_sched.ReduceLROnPlateau(mg_opt, patience=0, factor=0.5, min_lr=[0.02, 0.0])
    for _ in range(10):
        scheduler.step(mg.tensor(1.0))
    assert scheduler.get_last_lr() == [0.02, 0.03 * 0.5 ** 9]


# ---------------------------------------------------------------- resuming
ROUND_TRIP_CASES = list(CASES) + ["ReduceLROnPlateau"]


@pytest.mark.parametrize("case", ROUND_TRIP_CASES)
def test_state_dict_round_trip_through_a_file_continues_identically(case, tmp_path):
    if case == "ReduceLROnPlateau":
        kind = "sgd"

        def build(S, o):
            return S.ReduceLROnPlateau(o, patience=3, factor=0.5, cooldown=2, min_lr=[1e-3, 0])
        metrics = plateau_metrics("min")
    else:
        (kind, build), metrics = CASES[case], None
    torch_opt, mg_opt = optimizers(kind)
    torch_s, mg_s = build(torch_sched, torch_opt), build(mg_sched, mg_opt)
    rng = np.random.default_rng(4)
    drive(torch_opt, mg_opt, torch_s, mg_s, 80, rng, metrics)
    mg.save({"optimizer": mg_opt.state_dict(), "scheduler": mg_s.state_dict()}, tmp_path / "ckpt")
    saved = mg.load(tmp_path / "ckpt")

    _, resumed_opt = optimizers(kind, [p.detach().numpy() for p in params_of(mg_opt)])
    resumed_s = build(mg_sched, resumed_opt)  # construct first: it writes into the groups
    resumed_opt.load_state_dict(saved["optimizer"])
    resumed_s.load_state_dict(saved["scheduler"])
    ours, theirs = drive(torch_opt, resumed_opt, torch_s, resumed_s, 60, rng, metrics, offset=80)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15)


@pytest.mark.filterwarnings("ignore:The epoch parameter")
def test_multistep_milestones_come_back_as_counts(tmp_path):
    """A file keeps the milestone Counter as a dict; loading makes it a Counter again
    (the closed form of step(epoch) needs its repeated elements)."""
    torch_opt, mg_opt = optimizers("sgd")
    torch_s = torch_sched.MultiStepLR(torch_opt, [10, 20, 20, 35], 0.5)
    mg.save(mg_sched.MultiStepLR(mg_opt, [10, 20, 20, 35], 0.5).state_dict(), tmp_path / "s")
    _, resumed_opt = optimizers("sgd")
    resumed = mg_sched.MultiStepLR(resumed_opt, [1], 0.5)
    resumed.load_state_dict(mg.load(tmp_path / "s"))
    for epoch in (25, 40, 15):
        torch_opt.step()
        resumed_opt.step()
        torch_s.step(epoch)
        resumed.step(epoch)
        np.testing.assert_allclose(resumed.get_last_lr(), torch_s.get_last_lr(), rtol=RTOL)


def test_resuming_with_last_epoch_needs_initial_lr():
    torch_opt, mg_opt = optimizers("sgd")
    with pytest.raises(KeyError) as theirs:
        torch_sched.StepLR(torch_opt, 3, last_epoch=5)
    with pytest.raises(KeyError) as ours:
        mg_sched.StepLR(mg_opt, 3, last_epoch=5)
    assert str(ours.value) == str(theirs.value)


def test_resuming_with_last_epoch_continues_the_closed_form():
    torch_opt, mg_opt = optimizers("sgd")
    for optimizer in (torch_opt, mg_opt):
        for group in optimizer.param_groups:
            group["initial_lr"] = group["lr"]
    torch_s = torch_sched.CosineAnnealingLR(torch_opt, 30, last_epoch=12)
    mg_s = mg_sched.CosineAnnealingLR(mg_opt, 30, last_epoch=12)
    ours, theirs = drive(torch_opt, mg_opt, torch_s, mg_s, 40, np.random.default_rng(5))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15)


# ---------------------------------------------------------------- step(epoch)
@pytest.mark.filterwarnings("ignore:The epoch parameter")
@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR-unsorted", "ConstantLR",
                                  "LinearLR-warmup", "ExponentialLR", "PolynomialLR-quadratic",
                                  "CosineAnnealingLR-periodic", "LambdaLR-power"])
def test_step_with_an_epoch_uses_the_closed_form(case):
    torch_opt, mg_opt, torch_s, mg_s = build_pair(case)
    for epoch in [3, 4, 40, 17, 90, 91, 150, 0, 120]:
        torch_opt.step()
        mg_opt.step()
        torch_s.step(epoch)
        mg_s.step(epoch)
        np.testing.assert_allclose(mg_s.get_last_lr(), torch_s.get_last_lr(), rtol=RTOL)


def test_step_with_an_epoch_warns_that_it_is_deprecated():
    _, mg_opt, _, scheduler = build_pair("StepLR")
    mg_opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not"):
        scheduler.step(5)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("T_0,T_mult", [(10, 2), (7, 1), (2, 3)])
def test_warm_restarts_accept_fractional_epochs(T_0, T_mult):
    torch_opt, mg_opt = optimizers("sgd")
    torch_s = torch_sched.CosineAnnealingWarmRestarts(torch_opt, T_0, T_mult, eta_min=1e-4)
    mg_s = mg_sched.CosineAnnealingWarmRestarts(mg_opt, T_0, T_mult, eta_min=1e-4)
    iterations = 5
    rng = np.random.default_rng(6)
    for epoch in range(30):
        for i in range(iterations):
            train_step(torch_opt, mg_opt, rng)
            torch_s.step(epoch + i / iterations)
            mg_s.step(epoch + i / iterations)
            np.testing.assert_allclose(snapshot(mg_opt, mg_s), snapshot(torch_opt, torch_s),
                                       rtol=RTOL)
            assert (mg_s.T_i, mg_s.last_epoch) == (torch_s.T_i, torch_s.last_epoch)


# ---------------------------------------------------------------- warnings
def test_stepping_the_scheduler_before_the_optimizer_warns():
    torch_opt, mg_opt = optimizers("sgd")
    for S, optimizer in ((torch_sched, torch_opt), (mg_sched, mg_opt)):
        scheduler = S.StepLR(optimizer, 3)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                             "`optimizer.step\\(\\)`"):
            scheduler.step()


@pytest.mark.filterwarnings("error")
def test_stepping_the_optimizer_first_does_not_warn():
    _, mg_opt = optimizers("adam")
    first = mg_sched.StepLR(mg_opt, 3)
    second = mg_sched.ExponentialLR(mg_opt, 0.9)  # the optimizer's step is wrapped once
    mg_opt.step()
    first.step()
    second.step()
    assert mg_opt._opt_called


def test_replacing_optimizer_step_after_construction_warns():
    _, mg_opt = optimizers("sgd")
    scheduler = mg_sched.StepLR(mg_opt, 3)
    mg_opt.step = lambda closure=None: None
    mg_opt.step()
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        scheduler.step()


def test_calling_get_lr_outside_step_warns():
    _, mg_opt, _, scheduler = build_pair("StepLR")
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()


def test_one_cycle_refuses_to_step_past_total_steps():
    torch_opt, mg_opt = optimizers("sgd")
    messages = []
    for S, optimizer in ((torch_sched, torch_opt), (mg_sched, mg_opt)):
        scheduler = S.OneCycleLR(optimizer, max_lr=0.5, total_steps=10)
        for _ in range(10):
            optimizer.step()
            scheduler.step()
        with pytest.raises(ValueError) as error:
            scheduler.step()
        messages.append(str(error.value))
    assert messages[0] == messages[1] == \
        "Tried to step 11 times. The specified number of total steps is 10"


# ---------------------------------------------------------------- bad arguments
def other_optimizer(S, optimizer):
    """A scheduler on a different optimizer of the same library."""
    module = torch if S is torch_sched else mg
    param = module.tensor(np.zeros(2), requires_grad=True)
    return S.StepLR(module.optim.SGD([param], lr=0.1), 3)


BAD_ARGUMENTS = {
    "ConstantLR-factor": lambda S, o: S.ConstantLR(o, factor=1.5),
    "LinearLR-start_factor": lambda S, o: S.LinearLR(o, start_factor=0),
    "LinearLR-end_factor": lambda S, o: S.LinearLR(o, end_factor=1.5),
    "LambdaLR-count": lambda S, o: S.LambdaLR(o, [lambda e: 1.0]),
    "MultiplicativeLR-count": lambda S, o: S.MultiplicativeLR(o, [lambda e: 1.0] * 3),
    "CosineAnnealingWarmRestarts-T_0": lambda S, o: S.CosineAnnealingWarmRestarts(o, 0),
    "CosineAnnealingWarmRestarts-T_0-float": lambda S, o: S.CosineAnnealingWarmRestarts(o, 2.5),
    "CosineAnnealingWarmRestarts-T_mult": lambda S, o: S.CosineAnnealingWarmRestarts(o, 5, 0),
    "CosineAnnealingWarmRestarts-eta_min": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, 5, eta_min="0"),
    "CosineAnnealingWarmRestarts-negative-epoch": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, 5).step(-1),
    "CyclicLR-mode": lambda S, o: S.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    "CyclicLR-base_lr-count": lambda S, o: S.CyclicLR(o, [0.01], 0.1),
    "CyclicLR-max_momentum-count": lambda S, o: S.CyclicLR(o, 0.01, 0.1,
                                                          max_momentum=[0.9, 0.9, 0.9]),
    "OneCycleLR-no-length": lambda S, o: S.OneCycleLR(o, 0.1),
    "OneCycleLR-total_steps": lambda S, o: S.OneCycleLR(o, 0.1, total_steps=0),
    "OneCycleLR-epochs": lambda S, o: S.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    "OneCycleLR-steps_per_epoch": lambda S, o: S.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=1.5),
    "OneCycleLR-pct_start": lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
    "OneCycleLR-pct_start-int": lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    "OneCycleLR-anneal_strategy": lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10,
                                                           anneal_strategy="step"),
    "OneCycleLR-max_lr-count": lambda S, o: S.OneCycleLR(o, [0.1], total_steps=10),
    "ReduceLROnPlateau-factor": lambda S, o: S.ReduceLROnPlateau(o, factor=1.0),
    "ReduceLROnPlateau-mode": lambda S, o: S.ReduceLROnPlateau(o, mode="lowest"),
    "ReduceLROnPlateau-threshold_mode": lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="pct"),
    "ReduceLROnPlateau-min_lr-count": lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1]),
    "SequentialLR-empty": lambda S, o: S.SequentialLR(o, [], []),
    "SequentialLR-milestones": lambda S, o: S.SequentialLR(
        o, [S.StepLR(o, 2), S.StepLR(o, 3)], [2, 4]),
    "SequentialLR-plateau": lambda S, o: S.SequentialLR(
        o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], [2]),
    "ChainedScheduler-empty": lambda S, o: S.ChainedScheduler([]),
    "ChainedScheduler-plateau": lambda S, o: S.ChainedScheduler(
        [S.StepLR(o, 2), S.ReduceLROnPlateau(o)]),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_raise_pytorchs_value_error(case):
    torch_opt, mg_opt = optimizers("sgd")
    with pytest.raises(ValueError) as theirs:
        BAD_ARGUMENTS[case](torch_sched, torch_opt)
    with pytest.raises(ValueError) as ours:
        BAD_ARGUMENTS[case](mg_sched, mg_opt)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("container", ["SequentialLR", "ChainedScheduler"])
def test_schedulers_of_another_optimizer_are_refused(container):
    messages = []
    for S, module in ((torch_sched, torch), (mg_sched, mg)):
        optimizer = module.optim.SGD([module.tensor(np.zeros(2), requires_grad=True)], lr=0.1)
        schedulers = [S.StepLR(optimizer, 2), other_optimizer(S, optimizer)]
        with pytest.raises(ValueError) as error:
            if container == "SequentialLR":
                S.SequentialLR(optimizer, schedulers, [2])
            else:
                S.ChainedScheduler(schedulers, optimizer)
        messages.append(str(error.value))
    prefix = f"{container} expects all schedulers to belong to the same optimizer, but got " \
             "scheduler StepLR at index 1 has"
    assert messages[0].startswith(prefix) and messages[1].startswith(prefix)


def test_cycling_momentum_needs_an_optimizer_that_has_one():
    for S, module in ((torch_sched, torch), (mg_sched, mg)):
        optimizer = module.optim.Adagrad([module.tensor(np.zeros(2), requires_grad=True)])
        for build in (lambda: S.CyclicLR(optimizer, 0.01, 0.1),
                      lambda: S.OneCycleLR(optimizer, 0.1, total_steps=10)):
            with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with "
                                                 "`cycle_momentum` option enabled"):
                build()


def test_schedulers_need_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        mg_sched.StepLR([], 3)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
        mg_sched.MultiplicativeLR(optimizers("sgd")[1], 0.5)


# ---------------------------------------------------------------- the tutorials' schedules
def test_the_schedule_functions_follow_their_formulas():
    assert [step_decay(t, 0.1, 0.5, 30) for t in (0, 29, 30, 65)] == [0.1, 0.1, 0.05, 0.025]
    assert exponential_decay(50, 0.2, 0.02) == pytest.approx(0.2 * math.exp(-1.0), rel=1e-15)
    assert cosine_annealing(0, 1.0, 100) == 1.0
    assert cosine_annealing(50, 1.0, 100, lr_min=0.2) == pytest.approx(0.6, rel=1e-15)
    assert cosine_annealing(100, 1.0, 100, lr_min=0.2) == pytest.approx(0.2, rel=1e-15)
    assert cosine_annealing(170, 1.0, 100, lr_min=0.2) == pytest.approx(0.2, rel=1e-15)
    assert warmup_cosine(0, 1.0, 10, 110, start_factor=0.01) == 0.01  # never a zero lr
    assert warmup_cosine(5, 1.0, 10, 110, start_factor=0.0) == 0.5
    assert warmup_cosine(10, 1.0, 10, 110) == 1.0
    assert warmup_cosine(60, 1.0, 10, 110, lr_min=0.1) == pytest.approx(0.55, rel=1e-15)


def per_group_factor(function, **kwargs):
    """``LambdaLR`` factors from a schedule function: lr0 = 1 and lr_min as a fraction
    of each group's base lr."""
    lr_min = kwargs.pop("lr_min", 0.0)
    return [functools.partial(lambda t, base: function(t, 1.0, lr_min=lr_min / base, **kwargs),
                              base=base) for base in GROUP_LRS]


FUNCTION_CASES = {
    "step_decay": (
        lambda S, o: S.StepLR(o, 30, 0.5),
        lambda o: mg_sched.LambdaLR(o, functools.partial(step_decay, lr0=1.0, drop=0.5,
                                                         every=30))),
    "exponential_decay": (
        lambda S, o: S.ExponentialLR(o, math.exp(-0.02)),
        lambda o: mg_sched.LambdaLR(o, functools.partial(exponential_decay, lr0=1.0, k=0.02))),
    "cosine_annealing": (
        lambda S, o: S.CosineAnnealingLR(o, STEPS, eta_min=1e-3),
        lambda o: mg_sched.LambdaLR(o, per_group_factor(cosine_annealing, total=STEPS,
                                                        lr_min=1e-3))),
    "warmup_cosine": (
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.05, 1.0, 20),
                                        S.CosineAnnealingLR(o, STEPS - 20, 1e-3)], [20]),
        lambda o: mg_sched.LambdaLR(o, per_group_factor(warmup_cosine, warmup=20, total=STEPS,
                                                        lr_min=1e-3, start_factor=0.05))),
    "WarmupCosineLR": (
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.05, 1.0, 20),
                                        S.CosineAnnealingLR(o, STEPS - 20, 1e-3)], [20]),
        lambda o: WarmupCosineLR(o, warmup_steps=20, total_steps=STEPS, warmup_start_factor=0.05,
                                 eta_min=1e-3)),
    "WarmupCosineLR-default-start": (
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.01, 1.0, 7),
                                        S.CosineAnnealingLR(o, 100 - 7)], [7]),
        lambda o: WarmupCosineLR(o, 7, 100)),
    "WarmupCosineLR-no-warmup": (
        lambda S, o: S.CosineAnnealingLR(o, STEPS, eta_min=1e-3),
        lambda o: WarmupCosineLR(o, 0, STEPS, eta_min=1e-3)),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("case", list(FUNCTION_CASES))
def test_schedules_equal_their_pytorch_schedulers_over_the_schedule(case):
    """Through ``LambdaLR`` (factor form) or as ``WarmupCosineLR``, each schedule gives the
    learning rates of the matching PyTorch scheduler at every step of its length."""
    reference, ours_build = FUNCTION_CASES[case]
    length = 100 if case == "WarmupCosineLR-default-start" else STEPS
    torch_opt, mg_opt = optimizers("sgd")
    torch_s, mg_s = reference(torch_sched, torch_opt), ours_build(mg_opt)
    ours, theirs = drive(torch_opt, mg_opt, torch_s, mg_s, length, np.random.default_rng(7))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15)


def test_warmup_cosine_stays_at_eta_min_after_the_schedule():
    """PyTorch's cosine climbs back up after T_max; the convenience scheduler holds."""
    _, mg_opt = optimizers("adam")
    scheduler = WarmupCosineLR(mg_opt, 5, 20, eta_min=1e-4)
    for _ in range(40):
        mg_opt.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [1e-4, 1e-4]


def test_warmup_cosine_round_trips_through_a_file(tmp_path):
    _, mg_opt = optimizers("sgd")
    scheduler = WarmupCosineLR(mg_opt, 10, 50)
    for _ in range(17):
        mg_opt.step()
        scheduler.step()
    mg.save(scheduler.state_dict(), tmp_path / "sched")
    _, other_opt = optimizers("sgd")
    resumed = WarmupCosineLR(other_opt, 10, 50)
    resumed.load_state_dict(mg.load(tmp_path / "sched"))
    for _ in range(10):
        mg_opt.step()
        other_opt.step()
        scheduler.step()
        resumed.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr()


@pytest.mark.parametrize("kwargs,message", [
    (dict(warmup_steps=-1, total_steps=10), "Expected a non-negative integer warmup_steps"),
    (dict(warmup_steps=2.5, total_steps=10), "Expected a non-negative integer warmup_steps"),
    (dict(warmup_steps=10, total_steps=10), "Expected an integer total_steps greater than"),
    (dict(warmup_steps=1, total_steps=10, warmup_start_factor=0),
     "warmup_start_factor expected to be greater than 0"),
])
def test_warmup_cosine_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WarmupCosineLR(optimizers("sgd")[1], **kwargs)
