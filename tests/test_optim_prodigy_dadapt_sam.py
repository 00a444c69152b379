"""Prodigy, DAdaptAdam and SAM: what the generic registry tests (test_optim_generic.py)
do not cover.

- Two param groups (one d estimate, one gradient norm for all of them) equal
  pytorch-optimizer's two groups; groups that disagree on d's hyperparameters are
  refused.
- Prodigy: pytorch-optimizer's coupled weight decay has no effect (the documented
  difference), the estimate is kept in float32 for float32 parameters, and the
  trajectory agrees with optax.contrib.prodigy, the second oracle, as far as they share
  an algorithm.
- SAM: the unmodified pytorch-optimizer (its float32 gradient norm) within 1e-5;
  ``first_step``/``second_step`` by hand equal ``step(closure)``; ``step()`` without a
  closure and a base optimizer instance are refused by message; groups and state are
  the base optimizer's, also after ``load_state_dict``; optax.contrib.sam agrees.
- Each one trains the spirals MLP to ≥ 90%.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.cli.sam import SAMFromClosure
from optim_registry import Problem
from optim_registry_optax_family import optax_reference
from optim_registry_prodigy_dadapt_sam import INFOS, sam_reference, torch_settings_for_reference
from tensor_mlp import cross_entropy, forward, init_mlp
from test_optim_generic import run_minigrad

INFO = {info.name: info for info in INFOS}


def torch_params(problem):
    import torch
    return [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in problem.init]


def minigrad_params(problem):
    return [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]


def run_torch(optimizer, params, problem, steps):
    import torch
    trajectory = []
    for step in range(steps):
        values = [p.detach().numpy().copy() for p in params]
        for param, grad in zip(params, problem.grad_fn(step, values)):
            param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def assert_close(mine, theirs, rtol=1e-6, atol=1e-10):
    for step, (a_step, b_step) in enumerate(zip(mine, theirs)):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {step + 1}")


# -- two groups ------------------------------------------------------------------------------
@pytest.mark.parametrize("name, shared, first, second", [
    ("Prodigy", {"lr": 0.5, "d0": 1e-3}, {"weight_decay": 0.1, "safeguard_warmup": True},
     {"eps": 1e-4, "weight_decay": 0.0}),
    ("DAdaptAdam", {"lr": 0.5, "d0": 1e-3}, {"weight_decay": 0.1},
     {"weight_decay": 0.05, "weight_decouple": True, "eps": 1e-4}),
])
def test_two_groups_share_one_estimate_like_pytorch_optimizer(name, shared, first, second):
    import pytorch_optimizer
    problem = Problem(seed=2)
    params = minigrad_params(problem)
    optimizer = getattr(mg.optim, name)([{"params": params[:2], **first},
                                         {"params": params[2:], **second}], **shared)
    mine, _, _ = run_minigrad(INFO[name], shared, problem, 40, optimizer_out=optimizer,
                              params=params)
    with torch_settings_for_reference():
        reference_params = torch_params(problem)
        reference = getattr(pytorch_optimizer, name)(
            [{"params": reference_params[:2], **first},
             {"params": reference_params[2:], **second}], **shared)
        theirs = run_torch(reference, reference_params, problem, 40)
    assert_close(mine, theirs)
    assert optimizer.param_groups[0]["d"] == optimizer.param_groups[1]["d"] > 1e-3


@pytest.mark.parametrize("name, key, value", [
    ("Prodigy", "lr", 0.5), ("Prodigy", "d_coef", 2.0), ("Prodigy", "betas", (0.8, 0.99)),
    ("DAdaptAdam", "lr", 0.5), ("DAdaptAdam", "growth_rate", 1.5),
])
def test_groups_that_disagree_on_the_estimate_are_refused(name, key, value):
    a, b = (mg.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match=f"^{name} adapts one step size for all parameter "
                                         f"groups: {key} must be the same in every group"):
        getattr(mg.optim, name)([{"params": [a]}, {"params": [b], key: value}])
    same = getattr(mg.optim, name)([{"params": [a]}, {"params": [b], "betas": [0.9, 0.999]}])
    assert len(same.param_groups) == 2  # a list equal to the first group's tuple is the same


def test_sam_two_groups_share_one_gradient_norm_like_pytorch_optimizer():
    import torch
    import pytorch_optimizer
    problem = Problem(seed=2)
    params = minigrad_params(problem)
    optimizer = SAMFromClosure([{"params": params[:2], "rho": 0.2, "adaptive": True},
                                {"params": params[2:], "lr": 0.02}], mg.optim.SGD, lr=0.05)
    info = INFO["SAM"]
    mine, _, _ = run_minigrad(info, {}, problem, 30, optimizer_out=optimizer, params=params)
    reference_params = torch_params(problem)
    with torch_settings_for_reference():
        reference = pytorch_optimizer.SAM(
            [{"params": reference_params[:2], "rho": 0.2, "adaptive": True},
             {"params": reference_params[2:], "lr": 0.02}], torch.optim.SGD, lr=0.05)
    theirs = []
    for step in range(30):
        def closure():
            values = [p.detach().numpy().copy() for p in reference_params]
            for param, grad in zip(reference_params, problem.grad_fn(step, values)):
                param.grad = torch.tensor(grad, dtype=torch.float64)
        closure()
        reference.step(closure)
        theirs.append([p.detach().numpy().copy() for p in reference_params])
    assert_close(mine, theirs, rtol=1e-5)


# -- Prodigy ---------------------------------------------------------------------------------
def test_pytorch_optimizer_prodigy_coupled_weight_decay_has_no_effect_and_ours_does():
    import pytorch_optimizer
    problem = Problem(seed=0)
    runs = {}
    for decay in (0.0, 0.1):
        with torch_settings_for_reference():
            params = torch_params(problem)
            reference = pytorch_optimizer.Prodigy(params, weight_decay=decay,
                                                  weight_decouple=False)
            runs[decay] = run_torch(reference, params, problem, 20)
    assert_close(runs[0.1], runs[0.0], rtol=0, atol=0)  # its decay changes nothing
    mine, _, _ = run_minigrad(INFO["Prodigy"], {"weight_decay": 0.1, "weight_decouple": False},
                              problem, 20)
    assert not np.allclose(mine[-1][2], runs[0.0][-1][2])


@pytest.mark.parametrize("name", ["Prodigy", "DAdaptAdam"])
def test_float32_parameters_keep_float32_statistics_and_float_estimates(name):
    problem = Problem(seed=0)
    params = [mg.tensor(p.astype(np.float32), requires_grad=True) for p in problem.init]
    optimizer = getattr(mg.optim, name)(params)
    for step in range(5):
        for param, grad in zip(params, problem.grad_fn(step, [p.detach().numpy() for p in params])):
            param.grad = mg.tensor(grad.astype(np.float32))
        optimizer.step()
    assert all(p.dtype == mg.float32 for p in params)
    assert all(value.dtype == mg.float32 for state in optimizer.state.values()
               for key, value in state.items() if key != "step")
    assert isinstance(optimizer.param_groups[0]["d"], float)
    assert optimizer.param_groups[0]["d"] > 1e-6


def _optax_prodigy(hyper):
    import optax
    return optax.contrib.prodigy(learning_rate=1.0)


def test_prodigy_equals_optax_contrib_prodigy_where_they_share_the_algorithm():
    """optax.contrib.prodigy (0.2.8) always corrects the bias (bias_correction=True) and
    has no growth_rate (= inf): with those, the same algorithm. (optax runs its step
    jitted, as the registry's optax references do.)"""
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    problem = Problem(seed=0)
    mine, _, _ = run_minigrad(INFO["Prodigy"], {"bias_correction": True}, problem, 50)
    theirs = optax_reference(_optax_prodigy)({}, problem.init, problem.grad_fn, 50)
    assert_close(mine, theirs)


# -- SAM -------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", range(len(INFO["SAM"].hyper_sets)))
def test_sam_equals_unmodified_pytorch_optimizer_with_its_float32_norm(index):
    info, problem = INFO["SAM"], Problem(seed=index)
    hyper = info.hyper_sets[index]
    mine, _, _ = run_minigrad(info, hyper, problem, info.steps)
    theirs = sam_reference(hyper, problem.init, problem.grad_fn, info.steps, problem.loss,
                           full_precision=False)
    assert_close(mine, theirs, rtol=1e-5, atol=1e-8)


def test_first_and_second_step_by_hand_equal_step_with_a_closure():
    problem = Problem(seed=1)
    results = []
    for by_hand in (False, True):
        params = minigrad_params(problem)
        optimizer = mg.optim.SAM(params, mg.optim.Adam, rho=0.1, adaptive=True, lr=0.01)

        def set_grads(step):
            values = [p.detach().numpy() for p in params]
            for param, grad in zip(params, problem.grad_fn(step, values)):
                param.grad = mg.tensor(grad, dtype=mg.float64)
            return mg.tensor(0.0)

        for step in range(10):
            set_grads(step)
            if by_hand:
                optimizer.first_step(zero_grad=True)
                set_grads(step)
                optimizer.second_step(zero_grad=True)
            else:
                optimizer.step(lambda: set_grads(step))
        results.append([p.detach().numpy() for p in params])
        assert all("old_p" not in state for state in optimizer.state.values())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_sam_refuses_a_step_without_closure_and_an_optimizer_instance():
    param = mg.tensor(np.ones(3), requires_grad=True)
    optimizer = mg.optim.SAM([param], mg.optim.SGD, lr=0.1)
    param.grad = mg.ones(3, dtype=mg.float64)
    with pytest.raises(RuntimeError, match="^SAM.step needs a closure that re-evaluates the "
                                           "loss and its gradients"):
        optimizer.step()
    with pytest.raises(TypeError, match="^SAM builds its base optimizer itself: pass the class"):
        mg.optim.SAM([param], mg.optim.SGD([param], lr=0.1))


def test_sam_shares_groups_and_state_with_its_base_also_after_loading(tmp_path):
    problem = Problem(seed=3)
    info = INFO["SAM"]
    hyper = {"base": "Adam", "lr": 0.01, "rho": 0.1}
    _, optimizer, params = run_minigrad(info, hyper, problem, 5)
    assert optimizer.param_groups is optimizer.base_optimizer.param_groups
    assert optimizer.param_groups[0]["rho"] == 0.1 and "exp_avg" in optimizer.state[params[0]]
    mg.save(optimizer.state_dict(), tmp_path / "sam.npz")
    fresh = info.build([mg.tensor(p.detach().numpy(), requires_grad=True) for p in params],
                       hyper)
    fresh.load_state_dict(mg.load(tmp_path / "sam.npz"))
    assert fresh.state is fresh.base_optimizer.state and len(fresh.state) == len(params)
    scheduler = mg.optim.lr_scheduler.StepLR(fresh, step_size=1, gamma=0.5)
    fresh.step(lambda: mg.tensor(0.0))
    scheduler.step()
    assert fresh.base_optimizer.param_groups[0]["lr"] == 0.005


def test_sam_with_sgd_equals_optax_contrib_sam():
    """optax.contrib.sam(sgd(lr), chain(normalize(), sgd(rho)), sync_period=2,
    opaque_mode=True): the same two evaluations per step (optax's normalize divides
    by ‖g‖ with no ε₀, hence perturb_eps=0)."""
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    problem = Problem(seed=0)
    hyper = {"base": "SGD", "lr": 0.05, "rho": 0.1, "perturb_eps": 0.0}
    mine, _, _ = run_minigrad(INFO["SAM"], hyper, problem, 30)
    transform = optax.contrib.sam(optax.sgd(0.05),
                                  optax.chain(optax.contrib.normalize(), optax.sgd(0.1)),
                                  sync_period=2, opaque_mode=True)
    params = [jnp.asarray(p, dtype=jnp.float64) for p in problem.init]
    state = transform.init(params)
    theirs = []
    for step in range(30):
        def grad_fn(at, _):
            return [jnp.asarray(g) for g in problem.grad_fn(step, [np.array(p) for p in at])]

        grads = grad_fn(params, 0)
        updates, state = transform.update(grads, state, params, grad_fn=grad_fn)
        params = optax.apply_updates(params, updates)
        theirs.append([np.array(p) for p in params])
    assert_close(mine, theirs, rtol=1e-6, atol=1e-10)


# -- PyTorch's API ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda p: mg.optim.Prodigy(p), lambda p: mg.optim.DAdaptAdam(p),
                                  lambda p: mg.optim.SAM(p, mg.optim.SGD, lr=0.1)],
                         ids=["Prodigy", "DAdaptAdam", "SAM"])
def test_step_runs_hooks_once_and_returns_the_closure_loss(make):
    param = mg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    optimizer = make([param])
    calls = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    closure()  # SAM perturbs along the gradient at w
    loss = optimizer.step(closure)
    assert calls == ["pre", "post"] and loss.requires_grad
    assert not np.array_equal(param.detach().numpy(), [1.0, -2.0])


# -- the command line ------------------------------------------------------------------------
def test_command_line_builds_sam_around_a_base_and_trains_with_it():
    from minigrad.cli.errors import UsageError
    from minigrad.cli.options import build_optimizer, describe_optimizer
    from minigrad.cli.training import TrainingRun
    params = [mg.nn.Parameter(mg.zeros(3, 2))]
    sam = build_optimizer("sam", params, 0.05, {"base": "sgd", "momentum": 0.9, "rho": 0.1})
    assert isinstance(sam, SAMFromClosure) and isinstance(sam.base_optimizer, mg.optim.SGD)
    assert describe_optimizer(sam) == "SAM(SGD(lr=0.05, momentum=0.9), rho=0.1, adaptive=False)"
    assert describe_optimizer(build_optimizer("SAM", params)) == (
        "SAM(Adam(lr=0.01), rho=0.05, adaptive=False)")
    for options, message in [({"base": "lbfgs"}, "SAM's base must be an optimizer that steps"),
                             ({"k": 5}, "SAM takes rho, adaptive, use_gc, perturb_eps and base; "
                                        "Adam has no hyperparameter 'k'"),
                             ({"rho": -1.0}, "SAM: rho must be non-negative")]:
        with pytest.raises(UsageError, match=f"^{message}"):
            build_optimizer("SAM", params, None, options)
    run = TrainingRun({"optimizer": "SAM", "opt": {"adaptive": True}, "epochs": 1})
    loss, metric = run.train_epoch()
    assert np.isfinite(loss) and 0 <= metric <= 1


# -- learning: two spirals -------------------------------------------------------------------
# optimizer, full-batch steps; a 2-32-32-2 tanh MLP as in the other optimizer families
LEARNING = [
    # default betas stall at 87% on this short full-batch run; β₂ = 0.99 adapts faster
    ("Prodigy", lambda p: mg.optim.Prodigy(p, betas=(0.9, 0.99)), 300),
    ("DAdaptAdam", lambda p: mg.optim.DAdaptAdam(p), 300),
    ("SAM(SGD)", lambda p: SAMFromClosure(p, mg.optim.SGD, rho=0.05, lr=0.5, momentum=0.9), 400),
    ("ASAM(Adam)", lambda p: SAMFromClosure(p, mg.optim.Adam, rho=0.5, adaptive=True, lr=0.03),
     300),
]


@pytest.mark.parametrize("name, make, steps", LEARNING, ids=[n for n, _, _ in LEARNING])
def test_optimizer_learns_two_spirals(name, make, steps):
    """200 points of two spirals, full batch, seeded: ≥ 90% training accuracy."""
    x, labels = mg.data.make_spirals(n_samples=200, noise=0.05, seed=0)
    params = init_mlp([2, 32, 32, 2], seed=0)
    optimizer = make(params)

    def closure():
        optimizer.zero_grad()
        loss = cross_entropy(forward(params, x), labels)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)
    with mg.no_grad():
        accuracy = float((forward(params, x).argmax(dim=1) == labels).detach().numpy().mean())
    assert accuracy >= 0.9, f"{name}: accuracy {accuracy:.3f} after {steps} steps"
