"""Generic optimizer tests, driven by the registry in ``optim_registry.py``.

For every optimizer and every hyperparameter set: the trajectory over 100
steps equals the reference implementation's (float64), on every device, and
for a few steps with parameters larger than the CPU's update slices; two
param groups with different lr and weight decay equal two separate reference
runs; a parameter without a gradient is untouched and gets no state; a
state_dict round trip (through ``mg.save``/``mg.load``) continues exactly; bad
hyperparameters raise ValueError with their message; all-zero gradients leave
the parameters where they are. An entry with ``create_graph`` gets its
gradients from ``loss.backward(create_graph=True)`` (the problem's
``tensor_loss``) instead of setting ``.grad``.
"""
import inspect

import numpy as np
import pytest

import minigrad as mg
from conftest import _devices
from minigrad.optim.fast.rule import permission
from optim_registry import LARGE_SHAPES, Problem, all_infos, takes_the_fast_path

INFOS = all_infos()
CASES = [pytest.param(info, index, id=f"{info.name}-{index}")
         for info in INFOS for index in range(len(info.hyper_sets))]


def _accepts(info, name):
    return name in inspect.signature(info.cls.__init__).parameters


def run_minigrad(info, hyper, problem, steps, device="cpu", optimizer_out=None, params=None,
                 first_step=0):
    if params is None:
        params = [mg.tensor(p, dtype=mg.float64, device=device, requires_grad=True)
                  for p in problem.init]
    optimizer = info.build(params, hyper) if optimizer_out is None else optimizer_out
    trajectory = []
    for step in range(first_step, first_step + steps):
        def closure():
            values = [p.detach().numpy() for p in params]
            for param, grad in zip(params, problem.grad_fn(step, values)):
                param.grad = mg.tensor(grad, dtype=mg.float64, device=device)
            return mg.tensor(problem.loss(step, values), dtype=mg.float64)

        if info.closure_loss:
            optimizer.step(closure)
        elif info.create_graph:
            for param in params:
                param.grad = None
            loss = problem.tensor_loss(step, params,
                                       lambda a: mg.tensor(a, dtype=mg.float64, device=device))
            loss.backward(create_graph=True)
            optimizer.step()
        else:
            closure()
            optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory, optimizer, params


def run_reference(info, hyper, problem, steps):
    extra = {"loss_fn": problem.loss} if info.closure_loss else {}
    if info.create_graph:
        extra["tensor_loss"] = problem.tensor_loss
    return info.reference(hyper, [p.copy() for p in problem.init], problem.grad_fn, steps,
                          **extra)


def assert_trajectories_equal(actual, expected, info, what=""):
    """Every parameter after every step agrees within the entry's tolerances (as
    ``np.testing.assert_allclose``); a failure names the first step and parameter that differ."""
    assert len(actual) == len(expected)
    if _every_step_close(actual, expected, info):
        return
    for step, (mine, theirs) in enumerate(zip(actual, expected)):
        for index, (a, b) in enumerate(zip(mine, theirs)):
            np.testing.assert_allclose(
                a, b, rtol=info.rtol, atol=info.atol,
                err_msg=f"{info.name}{what}: parameter {index} differs after step {step + 1}")


def _every_step_close(actual, expected, info):
    """The test ``assert_allclose`` makes step by step (``isclose`` with NaNs equal), for all
    steps at once: one NumPy call per parameter instead of one per step and parameter (those
    cost more than the steps). False where it fails, or where the steps do not stack into
    arrays; then the step-by-step loop decides and names the step."""
    count = len(actual[0]) if actual else 0
    if any(len(mine) != count or len(theirs) != count for mine, theirs in zip(actual, expected)):
        return False
    for index in range(count):
        mine = [np.asarray(step[index]) for step in actual]
        theirs = [np.asarray(step[index]) for step in expected]
        if any(a.shape != mine[0].shape or b.shape != mine[0].shape
               for a, b in zip(mine, theirs)):
            return False
        if not np.isclose(np.stack(mine), np.stack(theirs), rtol=info.rtol, atol=info.atol,
                          equal_nan=True).all():
            return False
    return True


def test_registry_covers_every_optimizer():
    exported = {name for name, value in vars(mg.optim).items()
                if isinstance(value, type) and issubclass(value, mg.optim.Optimizer)
                and value is not mg.optim.Optimizer}
    registered = {info.cls.__name__ for info in INFOS}
    assert exported <= registered, f"optimizers without a registry entry: {exported - registered}"
    for info in INFOS:
        assert len(info.hyper_sets) >= 3, f"{info.name}: give at least 3 hyperparameter sets"


@pytest.mark.parametrize("info, index", CASES)
def test_trajectory_equals_reference(info, index):
    hyper = info.hyper_sets[index]
    problem = Problem(seed=index)
    mine, _, _ = run_minigrad(info, hyper, problem, info.steps)
    assert_trajectories_equal(mine, run_reference(info, hyper, problem, info.steps), info)


@pytest.mark.parametrize("info", [i for i in INFOS if permission(object.__new__(i.cls)).buckets],
                         ids=str)
def test_trajectory_with_parameters_larger_than_a_slice_equals_reference(info):
    # The optimizers whose fast path slices: here it cuts the big parameters on 'cpu' too,
    # with the last hyperparameter set that runs on the fast path (not a cautious one).
    hyper = next(h for h in reversed(info.hyper_sets) if takes_the_fast_path(info, h))
    problem = Problem(seed=6, shapes=LARGE_SHAPES)
    mine, optimizer, _ = run_minigrad(info, hyper, problem, 5)
    bucket, = optimizer._buckets[id(optimizer.param_groups[0])]
    assert len(bucket.chunks) > 2, "the big parameters were not cut into slices"
    assert_trajectories_equal(mine, run_reference(info, hyper, problem, 5), info, " (large)")


# The devices the CPU's trajectory is compared with: every test device but the CPU itself
# (the CPU against the CPU would only run the same steps twice).
OTHER_DEVICES = [device for device in _devices() if device != "cpu"]


@pytest.mark.parametrize("device", OTHER_DEVICES)
@pytest.mark.parametrize("info", INFOS, ids=str)
def test_trajectory_is_the_same_on_every_device(info, device):
    problem = Problem(seed=1)
    on_cpu, _, _ = run_minigrad(info, info.hyper_sets[-1], problem, 30)
    on_device, _, _ = run_minigrad(info, info.hyper_sets[-1], problem, 30, device=device)
    assert_trajectories_equal(on_device, on_cpu, info, f" on {device}")


@pytest.mark.parametrize("info", [i for i in INFOS if i.supports_groups], ids=str)
def test_two_param_groups_equal_two_separate_runs(info):
    hyper = dict(info.hyper_sets[0])
    problem = Problem(seed=2)
    first, second = [0, 1], [2, 3]
    lr = hyper.get("lr", inspect.signature(info.cls.__init__).parameters.get("lr").default
                   if _accepts(info, "lr") else None)
    group_hyper = dict(hyper)
    if lr is not None:
        group_hyper["lr"] = lr * 0.5
    if _accepts(info, "weight_decay"):
        group_hyper["weight_decay"] = 0.05
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]
    optimizer = info.build([{"params": params[:2], **{k: v for k, v in group_hyper.items()
                                                     if k in ("lr", "weight_decay")}},
                            {"params": params[2:]}], hyper)
    mine, _, _ = run_minigrad(info, hyper, problem, 40, optimizer_out=optimizer, params=params)
    expected_first = run_reference(info, group_hyper, problem.subset(first), 40)
    expected_second = run_reference(info, hyper, problem.subset(second), 40)
    expected = [a + b for a, b in zip(expected_first, expected_second)]
    assert_trajectories_equal(mine, expected, info, " (two groups)")


@pytest.mark.parametrize("info", INFOS, ids=str)
def test_parameter_without_gradient_is_untouched_and_stateless(info):
    problem = Problem(seed=3)
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]
    idle = mg.tensor(np.ones((2, 3)), dtype=mg.float64, requires_grad=True)
    hyper = dict(info.hyper_sets[0])
    if _accepts(info, "weight_decay"):
        hyper["weight_decay"] = 0.1  # decay must not touch it either
    optimizer = info.build(params + [idle], hyper)
    run_minigrad(info, hyper, problem, 5, optimizer_out=optimizer, params=params)
    np.testing.assert_array_equal(idle.detach().numpy(), np.ones((2, 3)))
    assert idle not in optimizer.state


@pytest.mark.parametrize("info", INFOS, ids=str)
def test_state_dict_round_trip_continues_exactly(info, tmp_path):
    hyper = info.hyper_sets[-1]
    problem = Problem(seed=4)
    uninterrupted, _, _ = run_minigrad(info, hyper, problem, 50)
    _, optimizer, params = run_minigrad(info, hyper, problem, 30)
    path = tmp_path / "optimizer.npz"
    mg.save(optimizer.state_dict(), path)
    fresh_params = [mg.tensor(p.detach().numpy(), dtype=mg.float64, requires_grad=True) for p in params]
    fresh = info.build(fresh_params, hyper)
    fresh.load_state_dict(mg.load(path))
    resumed, _, _ = run_minigrad(info, hyper, problem, 20, optimizer_out=fresh,
                                 params=fresh_params, first_step=30)
    info_exact = type(info)(**{**vars(info), "rtol": 1e-12, "atol": 1e-14})
    assert_trajectories_equal(resumed, uninterrupted[30:], info_exact, " (resumed)")


@pytest.mark.parametrize("info", [i for i in INFOS if i.error_inputs], ids=str)
def test_bad_hyperparameters_raise_value_error(info):
    for kwargs, message in info.error_inputs:
        params = [mg.tensor(np.ones((2, 2)), requires_grad=True)]
        with pytest.raises(ValueError, match=message):
            info.build(params, kwargs)


@pytest.mark.parametrize("info", [i for i in INFOS if i.zero_grad_is_identity], ids=str)
def test_zero_gradients_leave_parameters_unchanged(info):
    hyper = dict(info.hyper_sets[0])
    if _accepts(info, "weight_decay"):
        hyper["weight_decay"] = 0.0
    problem = Problem(seed=5)
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]
    optimizer = info.build(params, hyper)
    for _ in range(5):
        for param in params:
            param.grad = mg.zeros_like(param)
        if info.create_graph:  # zero gradients that still have a graph (of a zero Hessian)
            for param in params:
                param.grad = None
            (sum((p * p).sum() for p in params) * 0.0).backward(create_graph=True)
        if info.closure_loss:
            optimizer.step(lambda: mg.tensor(0.0))
        else:
            optimizer.step()
    for param, initial in zip(params, problem.init):
        np.testing.assert_array_equal(param.detach().numpy(), initial)
