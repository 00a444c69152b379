"""Checks specific to Lion, LARS, LAMB, AdaBelief, Lookahead and the schedule-free
optimizers (the trajectories against optax and schedulefree are in the registry,
``optim_registry_optax_family.py``, run by ``test_optim_generic.py``):

- Lion moves every coordinate by exactly lr per step (without weight decay);
- the trust ratio of LARS and LAMB is 1, not the trust coefficient, where the
  parameter's or the update's norm is zero; LARS's ``trust_ratio=False`` group
  equals optax's ``trust_ratio_mask``;
- schedule-free: ``eval()``/``train()`` swap x and y as schedulefree does, the
  group bookkeeping matches, ``step()`` refuses to run outside train mode;
- Lookahead syncs every k steps and nowhere else, exposes the slow weights,
  shares its param groups with the base optimizer and saves both states;
- every optimizer trains an MLP on two spirals to ≥ 90% accuracy.
"""
from contextlib import nullcontext

import numpy as np
import pytest

import minigrad as mg
from tensor_mlp import cross_entropy, forward, init_mlp

O = mg.optim


def leaf(array, device="cpu"):
    return mg.tensor(np.asarray(array, dtype=np.float64), dtype=mg.float64, device=device,
                     requires_grad=True)


def set_grads(params, grads, device="cpu"):
    for param, grad in zip(params, grads):
        param.grad = mg.tensor(grad, dtype=mg.float64, device=device)


# -- Lion ---------------------------------------------------------------------------------
def test_lion_moves_every_coordinate_by_exactly_lr(device, rng):
    """Lion's update is lr · sign(c): with no weight decay every coordinate moves by
    exactly lr per step (0 where c = 0). Parameters on a grid of multiples of lr = 2⁻¹⁰
    make the check exact in floating point; one parameter is larger than the CPU
    update slice, so the flat, chunked update is covered too."""
    lr = 2.0 ** -10
    shapes = [(3, 4), (5,), (50, 60)]
    params = [leaf(rng.integers(-500, 500, s) * lr, device) for s in shapes]
    optimizer = O.Lion(params, lr=lr, weight_decay=0.0)
    for step in range(20):
        grads = [rng.standard_normal(s) for s in shapes]
        if step == 0:
            grads[0][0, :2] = 0.0  # c = (1 − β₁)·0 + β₁·0 = 0: no move
        before = [p.detach().numpy().copy() for p in params]
        set_grads(params, grads, device)
        optimizer.step()
        for param, old, grad in zip(params, before, grads):
            moved = np.abs(param.detach().numpy() - old)
            expected = np.full(old.shape, lr)
            if step == 0:
                expected[grad == 0] = 0.0
            np.testing.assert_array_equal(moved, expected)


def test_lion_momentum_uses_beta2_and_the_step_uses_beta1():
    """c = β₁ m + (1 − β₁) g picks the sign; m ← β₂ m + (1 − β₂) g is the memory."""
    param = leaf([0.0, 0.0])
    optimizer = O.Lion([param], lr=0.1, betas=(0.9, 0.5), weight_decay=0.0)
    set_grads([param], [np.array([1.0, -2.0])])
    optimizer.step()  # m = 0: u = sign(g)
    np.testing.assert_allclose(param.detach().numpy(), [-0.1, 0.1])
    np.testing.assert_allclose(optimizer.state[param]["exp_avg"].detach().numpy(), [0.5, -1.0])
    set_grads([param], [np.array([-1.0, 0.0])])
    optimizer.step()  # c = 0.9·[0.5, −1] + 0.1·[−1, 0] = [0.35, −0.9] (β₂ would give −0.25)
    np.testing.assert_allclose(param.detach().numpy(), [-0.2, 0.2])


# -- trust ratio ---------------------------------------------------------------------------
def test_lars_trust_ratio_is_one_when_a_norm_is_zero(device):
    """r = η‖θ‖/‖u‖ normally; r = 1 (not η) when ‖θ‖ = 0 or ‖u‖ = 0 (optax's rule)."""
    lr, eta = 0.5, 1e-3
    zero_bias = leaf(np.zeros(3), device)
    no_gradient = leaf([1.0, 2.0], device)
    weight = leaf([[3.0, 0.0], [0.0, 4.0]], device)
    optimizer = O.LARS([zero_bias, no_gradient, weight], lr=lr, momentum=0.9,
                       trust_coefficient=eta)
    g_bias, g_weight = np.array([1.0, -2.0, 0.5]), np.array([[1.0, 1.0], [1.0, 1.0]])
    set_grads([zero_bias, no_gradient, weight], [g_bias, np.zeros(2), g_weight], device)
    optimizer.step()
    np.testing.assert_allclose(zero_bias.detach().numpy(), -lr * 1.0 * g_bias, rtol=1e-15)  # r = 1
    np.testing.assert_array_equal(no_gradient.detach().numpy(), [1.0, 2.0])  # u = 0: no step at all
    ratio = eta * 5.0 / 2.0  # ‖θ‖ = 5, ‖g‖ = 2
    np.testing.assert_allclose(weight.detach().numpy(), [[3.0, 0.0], [0.0, 4.0]] - lr * ratio * g_weight,
                               rtol=1e-15)


def test_lamb_trust_ratio_is_one_when_a_norm_is_zero(device):
    zero = leaf(np.zeros(3), device)
    still = leaf([1.0, 2.0], device)
    optimizer = O.LAMB([zero, still], lr=0.1, eps=1e-6)
    grad = np.array([1.0, -2.0, 0.5])
    set_grads([zero, still], [grad, np.zeros(2)], device)
    optimizer.step()
    adam_step = grad / (np.abs(grad) + 1e-6)  # m̂ = g, √v̂ = |g| on the first step
    np.testing.assert_allclose(zero.detach().numpy(), -0.1 * adam_step, rtol=1e-12)  # r = 1
    np.testing.assert_array_equal(still.detach().numpy(), [1.0, 2.0])


def test_lars_groups_without_trust_ratio_equal_optax_masks():
    """optax's ``trust_ratio_mask`` / ``weight_decay_mask`` are param groups here: the
    biases go in a group with ``trust_ratio=False, weight_decay=0``."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    optax = pytest.importorskip("optax")
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(p.shape) for p in init] for _ in range(20)]
    weight, bias = leaf(init[0]), leaf(init[1])
    optimizer = O.LARS([{"params": [weight]},
                        {"params": [bias], "trust_ratio": False, "weight_decay": 0.0}],
                       lr=0.1, weight_decay=0.01, trust_coefficient=0.02)
    transform = optax.lars(0.1, weight_decay=0.01, weight_decay_mask=[True, False],
                           trust_coefficient=0.02, trust_ratio_mask=[True, False])
    theirs = [jax.numpy.asarray(p) for p in init]
    state = transform.init(theirs)
    for step_grads in grads:
        set_grads([weight, bias], step_grads)
        optimizer.step()
        updates, state = transform.update([jax.numpy.asarray(g) for g in step_grads], state,
                                          theirs)
        theirs = optax.apply_updates(theirs, updates)
    np.testing.assert_allclose(weight.detach().numpy(), np.asarray(theirs[0]), rtol=1e-10)
    np.testing.assert_allclose(bias.detach().numpy(), np.asarray(theirs[1]), rtol=1e-10)


# -- schedule-free -------------------------------------------------------------------------
SCHEDULE_FREE = [
    ("SGDScheduleFree", {"lr": 0.3, "momentum": 0.8, "warmup_steps": 5, "weight_decay": 0.01}),
    ("AdamWScheduleFree", {"lr": 0.05, "betas": (0.9, 0.99), "warmup_steps": 5,
                           "weight_decay": 0.01}),
]
BOOKKEEPING = ("k", "train_mode", "weight_sum", "lr_max", "scheduled_lr")


@pytest.mark.parametrize("name, hyper", SCHEDULE_FREE, ids=[n for n, _ in SCHEDULE_FREE])
def test_schedule_free_train_and_eval_swap_like_schedulefree(name, hyper, device):
    """After training, eval() puts x in the parameters and train() puts y back, as in
    schedulefree; the per-group bookkeeping matches; training resumes identically."""
    schedulefree = pytest.importorskip("schedulefree")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((6, 5)), rng.standard_normal(5)]
    mine = [leaf(p, device) for p in init]
    theirs = [torch.tensor(p, requires_grad=True) for p in init]
    optimizer = getattr(O, name)(mine, **hyper)
    reference = getattr(schedulefree, name)(theirs, **hyper)

    def train(steps):
        for _ in range(steps):
            grads = [rng.standard_normal(p.shape) + p.detach().numpy() for p in mine]
            set_grads(mine, grads, device)
            for param, grad in zip(theirs, grads):
                param.grad = torch.tensor(grad)
            optimizer.step()
            reference.step()

    def assert_same():
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-13)
        for group, their_group in zip(optimizer.param_groups, reference.param_groups):
            for key in BOOKKEEPING:
                assert group[key] == pytest.approx(their_group[key], rel=1e-12), key

    optimizer.train()
    reference.train()
    train(12)
    assert_same()
    y = [p.detach().numpy().copy() for p in mine]
    optimizer.eval()
    reference.eval()
    assert_same()  # x
    beta = hyper.get("momentum", hyper.get("betas", (0.9,))[0])
    for param, y_values in zip(mine, y):  # y = (1 − β) z + β x
        z = optimizer.state[param]["z"].detach().numpy()
        np.testing.assert_allclose((1 - beta) * z + beta * param.detach().numpy(), y_values, rtol=1e-10)
    optimizer.train()
    reference.train()
    assert_same()  # y again
    train(8)
    assert_same()


@pytest.mark.parametrize("name", ["SGDScheduleFree", "AdamWScheduleFree"])
def test_schedule_free_step_needs_train_mode(name):
    param = leaf([1.0, -1.0])
    optimizer = getattr(O, name)([param])
    assert not optimizer.param_groups[0]["train_mode"]  # groups start in eval mode
    set_grads([param], [np.array([0.5, 0.5])])
    with pytest.raises(RuntimeError, match=r"not in train mode: call optimizer\.train\(\)"):
        optimizer.step()
    np.testing.assert_array_equal(param.detach().numpy(), [1.0, -1.0])
    optimizer.train()
    optimizer.step()
    optimizer.eval()
    with pytest.raises(RuntimeError, match="not in train mode"):
        optimizer.step()


def test_schedule_free_modes_before_the_first_step_change_nothing():
    param = leaf([1.0, -1.0])
    optimizer = O.AdamWScheduleFree([param])
    optimizer.eval()
    optimizer.train()
    optimizer.train()  # twice: no second swap
    np.testing.assert_array_equal(param.detach().numpy(), [1.0, -1.0])
    assert optimizer.param_groups[0]["train_mode"]


def test_schedule_free_step_takes_lr_from_the_group_each_step():
    """``group["lr"]`` is read at every step (schedulers and warmup act on it)."""
    param = leaf([0.0])
    optimizer = O.SGDScheduleFree([param], lr=1.0, momentum=0.5)
    optimizer.train()
    set_grads([param], [np.array([1.0])])
    optimizer.step()  # c = 1: y = z = −1
    np.testing.assert_allclose(param.detach().numpy(), [-1.0])
    optimizer.param_groups[0]["lr"] = 0.5
    set_grads([param], [np.array([1.0])])
    optimizer.step()
    assert optimizer.param_groups[0]["scheduled_lr"] == 0.5
    assert optimizer.param_groups[0]["lr_max"] == 1.0


# -- Lookahead -----------------------------------------------------------------------------
def test_lookahead_syncs_every_k_steps(device):
    """Between syncs the parameters follow the base optimizer exactly; on every k-th
    step the slow weights move α of the way to the fast ones and the fast weights
    jump there; the slow weights change at no other step."""
    rng = np.random.default_rng(0)
    k, alpha = 3, 0.25
    init = [rng.standard_normal((50, 50)), rng.standard_normal(7)]
    grads = [[rng.standard_normal(p.shape) for p in init] for _ in range(3 * k)]
    params = [leaf(p, device) for p in init]
    lookahead = O.Lookahead(O.SGD(params, lr=0.1, momentum=0.9), k=k, alpha=alpha)
    slow = [p.copy() for p in init]
    # the fast trajectory is plain SGD that restarts from the slow weights at each sync,
    # keeping its momentum (optax's reset_state=False)
    plain_params = [leaf(p, device) for p in init]
    plain = O.SGD(plain_params, lr=0.1, momentum=0.9)
    for step, step_grads in enumerate(grads, start=1):
        set_grads(params, step_grads, device)
        set_grads(plain_params, step_grads, device)
        lookahead.step()
        plain.step()
        if step % k:
            for param, fast in zip(params, plain_params):
                np.testing.assert_array_equal(param.detach().numpy(), fast.detach().numpy())
        else:
            slow = [s + alpha * (f.detach().numpy() - s) for s, f in zip(slow, plain_params)]
            with mg.no_grad():
                for fast, s in zip(plain_params, slow):
                    fast.copy_(mg.tensor(s, dtype=mg.float64, device=device))
            for param, s in zip(params, slow):
                np.testing.assert_allclose(param.detach().numpy(), s, rtol=1e-14, atol=1e-15)
        for param, s in zip(params, slow):
            np.testing.assert_allclose(lookahead.state[param]["slow_param"].detach().numpy(), s,
                                       rtol=1e-14, atol=1e-15)


def test_lookahead_slow_weights_are_swapped_in_for_evaluation():
    param = leaf([1.0, 2.0])
    lookahead = O.Lookahead(O.SGD([param], lr=0.5), k=5)
    set_grads([param], [np.array([1.0, 1.0])])
    lookahead.step()
    fast = param.detach().numpy().copy()
    np.testing.assert_array_equal(fast, [0.5, 1.5])
    with lookahead.slow_weights():
        np.testing.assert_array_equal(param.detach().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(param.detach().numpy(), fast)
    with pytest.raises(KeyError):
        with lookahead.slow_weights():
            raise KeyError("an error while evaluating")
    np.testing.assert_array_equal(param.detach().numpy(), fast)  # restored anyway


def test_lookahead_shares_param_groups_and_saves_both_states():
    params = [leaf([1.0, 2.0]), leaf([3.0])]
    base = O.Adam(params, lr=0.1)
    lookahead = O.Lookahead(base, k=2)
    assert lookahead.param_groups is base.param_groups
    lookahead.param_groups[0]["lr"] = 0.01  # as a scheduler would
    set_grads(params, [np.array([1.0, 1.0]), np.array([1.0])])
    lookahead.step()
    np.testing.assert_allclose(params[0].detach().numpy(), [0.99, 1.99], rtol=1e-6)  # Adam: ≈ lr·sign(g)
    saved = lookahead.state_dict()
    assert set(saved) == {"state", "param_groups", "base_optimizer"}
    assert set(saved["state"][0]) == {"step", "slow_param"}
    assert set(saved["base_optimizer"]["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    with pytest.raises(ValueError, match="base_optimizer"):
        O.Lookahead(O.Adam([leaf([0.0, 0.0]), leaf([0.0])])).load_state_dict(
            {"state": saved["state"], "param_groups": saved["param_groups"]})
    lookahead.zero_grad()
    assert all(p.grad is None for p in params)


def test_lookahead_runs_hooks_and_closures_like_other_optimizers():
    param = leaf([1.0, -1.0])
    lookahead = O.Lookahead(O.SGD([param], lr=0.5), k=1, alpha=0.5)
    calls = []
    lookahead.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    lookahead.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))

    def closure():
        set_grads([param], [np.array([2.0, 2.0])])
        return 7.0

    assert lookahead.step(closure) == 7.0
    assert calls == ["pre", "post"]
    # slow copy taken before the fast step: θ = 1 + 0.5·((1 − 0.5·2) − 1) = 0.5
    np.testing.assert_allclose(param.detach().numpy(), [0.5, -1.5])


def test_lookahead_refuses_what_is_not_an_optimizer():
    with pytest.raises(TypeError, match="Lookahead wraps a minigrad optimizer, got list"):
        O.Lookahead([leaf([1.0])])


# -- learning: two spirals -----------------------------------------------------------------
# optimizer, full-batch steps, hidden width 32; evaluated with the weights each method
# says to evaluate with (Lookahead: slow; schedule-free: x, in eval mode)
LEARNING = [
    ("Lion", lambda p: O.Lion(p, lr=0.01), 300),
    ("LARS", lambda p: O.LARS(p, lr=5.0), 400),
    ("LAMB", lambda p: O.LAMB(p, lr=0.01), 500),
    ("AdaBelief", lambda p: O.AdaBelief(p, lr=0.03), 300),
    ("Lookahead(Adam)", lambda p: O.Lookahead(O.Adam(p, lr=0.03), k=5, alpha=0.5), 300),
    ("SGDScheduleFree", lambda p: O.SGDScheduleFree(p, lr=10.0, warmup_steps=100), 600),
    ("AdamWScheduleFree", lambda p: O.AdamWScheduleFree(p, lr=0.05), 300),
]


@pytest.mark.parametrize("name, make, steps", LEARNING, ids=[n for n, _, _ in LEARNING])
def test_optimizer_learns_two_spirals(name, make, steps):
    """A 2-32-32-2 tanh MLP (plain tensors, as ``python -m minigrad``) on 200 points of
    two spirals, full batch, seeded: ≥ 90% training accuracy within the budget."""
    x, labels = mg.data.make_spirals(n_samples=200, noise=0.05, seed=0)
    params = init_mlp([2, 32, 32, 2], seed=0)
    optimizer = make(params)
    if hasattr(optimizer, "train"):
        optimizer.train()
    for _ in range(steps):
        loss = cross_entropy(forward(params, x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if hasattr(optimizer, "eval"):
        optimizer.eval()
    evaluate = optimizer.slow_weights() if hasattr(optimizer, "slow_weights") else nullcontext()
    with mg.no_grad(), evaluate:
        accuracy = float((forward(params, x).argmax(dim=1) == labels).detach().numpy().mean())
    assert accuracy >= 0.9, f"{name}: accuracy {accuracy:.3f} after {steps} steps"
