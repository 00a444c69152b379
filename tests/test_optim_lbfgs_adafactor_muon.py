"""LBFGS, Adafactor and Muon: what the generic registry tests (test_optim_generic.py)
do not reach.

- LBFGS: the Rosenbrock function minimised to 1e-6 with and without the
  strong-Wolfe line search, every outer step equal to torch's (and the same
  number of function evaluations); a least-squares problem over two parameters
  against torch and the exact solution; the line search's cubic step against
  torch's; the state layout; errors.
- Adafactor: first steps of known size, the factored state of a batch of
  matrices, ε₁ = the dtype's machine epsilon (float32), against torch.
- Muon: tall matrices against torch (without its bfloat16 cast) and against the
  unmodified torch Muon (with it, loosely); what the Newton–Schulz iteration
  does to singular values; lr adjustment; 2-D only.
- Learning: each trains a two-spirals MLP to ≥ 90 % accuracy within a stated budget.
"""
import math

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.optim.lbfgs import cubic_interpolate
from minigrad.optim.muon import adjust_lr, zeropower_via_newton_schulz
from optim_registry_second_order import torch_muon_in_full_precision


@pytest.fixture(autouse=True, scope="module")
def torch_in_float64_on_one_thread():
    """References in float64; one thread (torch's threads contend on a busy 2-core machine)."""
    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(dtype)
    torch.set_num_threads(threads)


def run_pair(make_mine, make_theirs, init, grads):
    """Both optimizers over the same gradient sequence; the parameters after every step."""
    mine = [mg.tensor(a.copy(), requires_grad=True) for a in init]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    optimizer, reference = make_mine(mine), make_theirs(theirs)
    trajectory_mine, trajectory_theirs = [], []
    for step_grads in grads:
        for p, q, g in zip(mine, theirs, step_grads):
            p.grad = mg.tensor(g.copy())
            q.grad = torch.tensor(g.copy())
        optimizer.step()
        reference.step()
        trajectory_mine.append([p.detach().numpy().copy() for p in mine])
        trajectory_theirs.append([q.detach().numpy().copy() for q in theirs])
    return trajectory_mine, trajectory_theirs


def assert_same_trajectory(mine, theirs, rtol, atol=0.0):
    for step, (ours, reference) in enumerate(zip(mine, theirs)):
        for a, b in zip(ours, reference):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"after step {step + 1}")


# ------------------------------------------------------------------------------- LBFGS
def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_rosenbrock_as_torch_does(line_search_fn, device):
    # tolerance_change 1e-12 instead of 1e-9: with 1e-9 both stop at |x - 1| ≈ 3e-6 / 4e-5
    options = dict(line_search_fn=line_search_fn, tolerance_change=1e-12)
    x = mg.tensor([-1.2, 1.0], dtype=mg.float64, device=device, requires_grad=True)
    x_torch = torch.tensor([-1.2, 1.0], requires_grad=True)
    optimizer, reference = mg.optim.LBFGS([x], **options), torch.optim.LBFGS([x_torch], **options)

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    def torch_closure():
        reference.zero_grad()
        loss = rosenbrock(x_torch)
        loss.backward()
        return loss

    for step in range(6):
        loss, torch_loss = optimizer.step(closure), reference.step(torch_closure)
        np.testing.assert_allclose(x.detach().numpy(), x_torch.detach().numpy(), rtol=1e-6,
                                   err_msg=f"after step {step + 1}")
        np.testing.assert_allclose(loss.item(), torch_loss.item(), rtol=1e-6, atol=1e-12)
        state, torch_state = optimizer.state[x], reference.state[x_torch]
        assert (state["func_evals"], state["n_iter"]) == (torch_state["func_evals"],
                                                          torch_state["n_iter"])
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-6)


def test_lbfgs_least_squares_over_two_parameters():
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((30, 3))
    targets = inputs @ rng.standard_normal((3, 2)) + rng.standard_normal(2) \
        + 0.1 * rng.standard_normal((30, 2))
    init = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    weight, bias = (mg.tensor(a, requires_grad=True) for a in init)
    weight_t, bias_t = (torch.tensor(a, requires_grad=True) for a in init)
    options = dict(line_search_fn="strong_wolfe", max_iter=10, history_size=4,
                   tolerance_grad=1e-10, tolerance_change=1e-14)
    optimizer = mg.optim.LBFGS([weight, bias], **options)
    reference = torch.optim.LBFGS([weight_t, bias_t], **options)
    x, y, x_t, y_t = mg.tensor(inputs), mg.tensor(targets), torch.tensor(inputs), torch.tensor(targets)

    def closure():
        optimizer.zero_grad()
        loss = ((x @ weight + bias - y) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        reference.zero_grad()
        loss = ((x_t @ weight_t + bias_t - y_t) ** 2).mean()
        loss.backward()
        return loss

    for step in range(8):
        optimizer.step(closure)
        reference.step(torch_closure)
        for mine, theirs in [(weight, weight_t), (bias, bias_t)]:
            np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-6,
                                       atol=1e-12, err_msg=f"after step {step + 1}")
    design = np.concatenate([inputs, np.ones((30, 1))], axis=1)
    solution = np.linalg.lstsq(design, targets, rcond=None)[0]
    np.testing.assert_allclose(weight.detach().numpy(), solution[:3], atol=1e-6)
    np.testing.assert_allclose(bias.detach().numpy(), solution[3], atol=1e-6)


def test_cubic_interpolate_equals_torchs():
    from torch.optim.lbfgs import _cubic_interpolate
    rng = np.random.default_rng(0)
    no_minimum = 0
    for _ in range(200):
        x1, x2 = rng.uniform(-2, 2, 2)
        f1, f2, g1, g2 = rng.standard_normal(4)
        bounds = (min(x1, x2) - 0.5, max(x1, x2) + 0.5) if rng.random() < 0.5 else None
        mine = cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds)
        theirs = _cubic_interpolate(*(torch.tensor(v) for v in (x1, f1, g1, x2, f2, g2)), bounds)
        assert mine == pytest.approx(float(theirs), rel=1e-12, abs=1e-12)
        no_minimum += (g1 + g2 - 3 * (f1 - f2) / (x1 - x2)) ** 2 < g1 * g2
    assert 0 < no_minimum < 200  # both branches were taken


def test_lbfgs_state_lives_under_the_first_parameter():
    weight = mg.tensor(np.ones((2, 3)), requires_grad=True)
    bias = mg.tensor(np.ones(4), requires_grad=True)
    optimizer = mg.optim.LBFGS([weight, bias], max_iter=4)

    def closure():
        optimizer.zero_grad()
        loss = ((weight - 2.0) ** 2).sum() + ((bias + 1.0) ** 4).sum()
        loss.backward()
        return loss

    first_loss = optimizer.step(closure)
    assert first_loss.item() == pytest.approx(6 * 1.0 + 4 * 16.0)
    optimizer.step(closure)
    assert list(optimizer.state) == [weight]
    state = optimizer.state[weight]
    assert set(state) == {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro",
                          "H_diag", "prev_flat_grad", "prev_loss"}
    assert state["n_iter"] == 8 and state["d"].shape == (10,)  # one flat vector for both
    assert all(s.shape == (10,) for s in state["old_dirs"] + state["old_stps"])
    saved = optimizer.state_dict()
    assert list(saved["state"]) == [0] and saved["param_groups"][0]["params"] == [0, 1]
    assert saved["param_groups"][0]["max_eval"] == 5  # max_iter * 5 // 4


def test_lbfgs_at_a_minimum_evaluates_once_and_stays():
    x = mg.tensor([1.0, 1.0], dtype=mg.float64, requires_grad=True)
    optimizer = mg.optim.LBFGS([x])

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    optimizer.step(closure)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 1.0])
    assert optimizer.state[x] == {"func_evals": 1, "n_iter": 0}


def test_lbfgs_runs_step_hooks_once_per_step():
    x = mg.tensor([0.5, 0.5], dtype=mg.float64, requires_grad=True)
    optimizer = mg.optim.LBFGS([x], max_iter=3)
    calls = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    optimizer.step(closure)
    assert calls == ["pre", "post"]


def test_lbfgs_errors():
    a, b = (mg.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options"):
        mg.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    optimizer = mg.optim.LBFGS([a])
    with pytest.raises(ValueError, match="parameter groups"):
        optimizer.add_param_group({"params": [b]})
    with pytest.raises(TypeError, match="needs a closure"):
        optimizer.step()
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        mg.optim.LBFGS([a], line_search_fn="backtracking")


# ---------------------------------------------------------------------------- Adafactor
def test_adafactor_first_step_is_lr_times_rms_of_the_weights():
    """Step 1 replaces the statistics (1 − β̂₂ = 1), so V̂ = G² for a vector, and for a
    matrix whose G² is rank one: U = sign(G), RMS(U) = 1 (no clipping), and
    Δθ = −min(lr, 1) · max(ε₂, RMS(θ)) · sign(G)."""
    rng = np.random.default_rng(0)
    vector, matrix = rng.standard_normal(6), rng.standard_normal((4, 5))
    grads = [rng.standard_normal(6), np.outer(rng.standard_normal(4), rng.standard_normal(5))]
    params = [mg.tensor(vector, requires_grad=True), mg.tensor(matrix, requires_grad=True)]
    for p, g in zip(params, grads):
        p.grad = mg.tensor(g)
    mg.optim.Adafactor(params, lr=0.05).step()
    for p, start, g in zip(params, [vector, matrix], grads):
        rms = np.sqrt(np.mean(start ** 2))
        np.testing.assert_allclose(p.detach().numpy(), start - 0.05 * rms * np.sign(g), rtol=1e-12)


def test_adafactor_moves_zero_weights_by_eps2():
    weight = mg.tensor(np.zeros(3), requires_grad=True)
    weight.grad = mg.tensor(np.array([2.0, -0.5, 1e-3]))
    mg.optim.Adafactor([weight], lr=0.5, eps=(None, 1e-2)).step()
    np.testing.assert_allclose(weight.detach().numpy(), -0.5 * 1e-2 * np.array([1.0, -1.0, 1.0]),
                               rtol=1e-12)


def test_adafactor_factors_the_last_two_dimensions():
    batch = mg.tensor(np.ones((2, 3, 4)), requires_grad=True)
    vector = mg.tensor(np.ones(5), requires_grad=True)
    scalar = mg.tensor(np.array(1.0), requires_grad=True)
    optimizer = mg.optim.Adafactor([batch, vector, scalar])
    for p in (batch, vector, scalar):
        p.grad = mg.ones_like(p)
    optimizer.step()
    assert {k: tuple(v.shape) for k, v in optimizer.state[batch].items() if k != "step"} == \
        {"row_var": (2, 3, 1), "col_var": (2, 1, 4)}
    assert set(optimizer.state[vector]) == {"step", "variance"}
    assert optimizer.state[scalar]["variance"].shape == ()


@pytest.mark.parametrize("dtype, gradient_scale, rtol", [
    (np.float64, 1.0, 1e-6),
    # gradients ~1e-9: G² is below ε₁² = finfo(float32).eps², so the clamp decides
    (np.float32, 1e-9, 1e-5),
])
def test_adafactor_batched_and_scalar_params_match_torch(dtype, gradient_scale, rtol):
    rng = np.random.default_rng(1)
    shapes = [(2, 3, 4), (), (5,), (3, 3)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[(gradient_scale * rng.standard_normal(s)).astype(dtype) for s in shapes]
             for _ in range(20)]
    options = dict(lr=0.1, weight_decay=0.01)
    mine, theirs = run_pair(lambda p: mg.optim.Adafactor(p, **options),
                            lambda p: torch.optim.Adafactor(p, **options), init, grads)
    assert_same_trajectory(mine, theirs, rtol=rtol)


def test_adafactor_refuses_state_of_the_wrong_shape():
    weight = mg.tensor(np.ones((3, 4)), requires_grad=True)
    optimizer = mg.optim.Adafactor([weight])
    weight.grad = mg.ones_like(weight)
    optimizer.step()
    saved = optimizer.state_dict()
    saved["state"][0]["row_var"] = mg.zeros(3, 4)
    with pytest.raises(ValueError, match=r"'row_var'.*needs \(3, 1\)"):
        mg.optim.Adafactor([mg.tensor(np.ones((3, 4)), requires_grad=True)]).load_state_dict(saved)


# --------------------------------------------------------------------------------- Muon
MUON_SHAPES = [(6, 3), (3, 6), (4, 4)]  # tall (transposed inside), wide, square


@pytest.mark.parametrize("options", [
    {"lr": 0.02},
    {"lr": 0.05, "nesterov": False, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.01},
])
def test_muon_matches_torch_without_bfloat16_on_tall_and_wide_matrices(options):
    rng = np.random.default_rng(2)
    init = [rng.standard_normal(s) for s in MUON_SHAPES]
    grads = [[rng.standard_normal(s) for s in MUON_SHAPES] for _ in range(20)]
    with torch_muon_in_full_precision():
        mine, theirs = run_pair(lambda p: mg.optim.Muon(p, **options),
                                lambda p: torch.optim.Muon(p, **options), init, grads)
    assert_same_trajectory(mine, theirs, rtol=1e-6, atol=1e-12)


def test_muon_is_close_to_torchs_bfloat16_muon():
    """The only difference from torch's Muon is the precision of the Newton–Schulz
    iteration: after 10 steps the displacements θ₁₀ − θ₀ agree to a few percent."""
    rng = np.random.default_rng(3)
    shapes = MUON_SHAPES + [(32, 16)]
    init = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(10)]
    mine, theirs = run_pair(lambda p: mg.optim.Muon(p, lr=0.02),
                            lambda p: torch.optim.Muon(p, lr=0.02), init, grads)
    for start, a, b in zip(init, mine[-1], theirs[-1]):
        relative = np.linalg.norm(a - b) / np.linalg.norm(b - start)
        assert 1e-4 < relative < 5e-2  # different (bfloat16), but only by its rounding


def test_newton_schulz_orthogonalises():
    rng = np.random.default_rng(4)
    matrix = rng.standard_normal((7, 4))
    u, _, vt = np.linalg.svd(matrix, full_matrices=False)
    # the quintic (15/8, −10/8, 3/8) has p(1) = 1, p'(1) = 0: it converges to U Vᵀ
    np.testing.assert_allclose(zeropower_via_newton_schulz(matrix, (1.875, -1.25, 0.375), 10, 1e-7),
                               u @ vt, atol=1e-12)
    # Muon's default quintic stops short of 1 on purpose: singular values land in ~[0.7, 1.13]
    for shape in [(8, 4), (4, 8), (16, 16), (32, 8)]:
        singular = np.linalg.svd(zeropower_via_newton_schulz(
            rng.standard_normal(shape), (3.4445, -4.7750, 2.0315), 5, 1e-7), compute_uv=False)
        assert 0.65 < singular.min() and singular.max() < 1.2
    # a zero update stays zero (ε keeps the normalisation finite)
    np.testing.assert_array_equal(
        zeropower_via_newton_schulz(np.zeros((3, 2)), (3.4445, -4.7750, 2.0315), 5, 1e-7), 0)


def test_muon_lr_adjustment():
    assert adjust_lr(0.1, None, (8, 2)) == pytest.approx(0.2)          # √max(1, 8/2)
    assert adjust_lr(0.1, "original", (2, 8)) == pytest.approx(0.1)    # wide: no boost
    assert adjust_lr(0.1, "match_rms_adamw", (8, 2)) == pytest.approx(0.1 * 0.2 * math.sqrt(8))


def test_muon_accepts_only_matrices():
    with pytest.raises(ValueError, match=r"only supports 2D parameters .* size: \(5,\)"):
        mg.optim.Muon([mg.tensor(np.ones((2, 2)), requires_grad=True),
                       mg.tensor(np.ones(5), requires_grad=True)])
    optimizer = mg.optim.Muon([mg.tensor(np.ones((2, 2)), requires_grad=True)])
    with pytest.raises(ValueError, match=r"size: \(2, 2, 2\)"):
        optimizer.add_param_group({"params": [mg.tensor(np.ones((2, 2, 2)), requires_grad=True)]})
    assert len(optimizer.param_groups) == 1


# ----------------------------------------------------------------------------- learning
def spirals_mlp(seed=0):
    """Two spirals (200 points) and a 2-64-64-2 tanh MLP with PyTorch's default init."""
    x, y = mg.data.make_spirals(n_samples=200, seed=seed)
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in [(2, 64), (64, 64), (64, 2)]:
        bound = 1 / math.sqrt(fan_in)
        params.append(mg.tensor(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                                requires_grad=True))
        params.append(mg.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                                requires_grad=True))

    def logits():
        h = x
        for i in range(0, 4, 2):
            h = (h @ params[i] + params[i + 1]).tanh()
        return h @ params[4] + params[5]

    def loss():
        return -logits().log_softmax(dim=1)[mg.arange(len(y)), y].mean()

    def accuracy():
        with mg.no_grad():
            return float((logits().argmax(dim=1) == y).detach().numpy().mean())

    return params, loss, accuracy


def train_full_batch(optimizers, loss, steps):
    for _ in range(steps):
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss().backward()
        for optimizer in optimizers:
            optimizer.step()


def test_lbfgs_learns_two_spirals():
    """Budget: 5 steps of L-BFGS with strong Wolfe (≤ 100 iterations, ≤ 125 evaluations of
    the loss; 0.98 reached)."""
    params, loss, accuracy = spirals_mlp()
    optimizer = mg.optim.LBFGS(params, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        value = loss()
        value.backward()
        return value

    for _ in range(5):
        optimizer.step(closure)
    assert accuracy() >= 0.9


def test_adafactor_learns_two_spirals():
    """Budget: 400 full-batch steps, lr=0.5 (ρₜ = min(0.5, 1/√t)), other settings default
    (0.985 reached)."""
    params, loss, accuracy = spirals_mlp()
    train_full_batch([mg.optim.Adafactor(params, lr=0.5)], loss, 400)
    assert accuracy() >= 0.9


def test_muon_learns_two_spirals():
    """Budget: 200 full-batch steps (0.98 reached). Muon (lr=0.05, no weight decay) for the three weight
    matrices; the biases are vectors, which Muon refuses, so AdamW (lr=0.01, no weight
    decay) takes them, as torch's documentation recommends."""
    params, loss, accuracy = spirals_mlp()
    optimizers = [mg.optim.Muon(params[0::2], lr=0.05, weight_decay=0.0),
                  mg.optim.AdamW(params[1::2], lr=0.01, weight_decay=0.0)]
    train_full_batch(optimizers, loss, 200)
    assert accuracy() >= 0.9
