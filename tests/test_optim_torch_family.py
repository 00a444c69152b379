"""Optimizer-specific tests for the torch family (SGD, Adam, AdamW, Adagrad, RMSprop,
Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop), beyond the generic registry tests.

- first steps with known values (the facts of the optimizer reference, §3.1 and §8);
- state that the trajectory does not show (ASGD's average, AMSGrad's maximum);
- the vocabulary of the tutorials: full-batch, mini-batch and per-sample SGD,
  momentum and Nesterov momentum on an ill-conditioned quadratic, weight decay
  as an L2 term in the loss, Adam's L2 against AdamW's decoupled decay;
- every optimizer here learns the two-spirals problem.
"""
import math

import numpy as np
import pytest

import minigrad as mg
from tensor_mlp import cross_entropy, forward, init_mlp
from minigrad.optim import (ASGD, RMSprop, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam,
                            RAdam, Rprop)

torch = pytest.importorskip("torch")


def parameter(values, device="cpu"):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=mg.float64, device=device,
                     requires_grad=True)


def step_with(optimizer, param, grad):
    param.grad = mg.tensor(np.asarray(grad, dtype=np.float64), dtype=mg.float64,
                           device=param.device)
    optimizer.step()


# -- first steps ---------------------------------------------------------------------------

GRAD = np.array([[3.0, -0.02, 150.0], [-7.0, 1e-3, -0.5]])
START = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])


def first_step(cls, device, **hyper):
    param = parameter(START, device)
    step_with(cls([param], **hyper), param, GRAD)
    return param.detach().numpy() - START


def test_rmsprop_first_step_is_ten_lr_times_the_sign(device):
    # v = (1 − α) g², no bias correction: |Δθ| = γ |g| / √(0.01 g²) = 10 γ
    np.testing.assert_allclose(first_step(RMSprop, device, lr=0.1), -1.0 * np.sign(GRAD),
                               rtol=1e-4)


def test_adadelta_first_step_is_about_3e_3(device):
    # Δ = √ε / √((1 − ρ) g² + ε) · g ≈ √ε / √(1 − ρ) · sign(g) for |g| ≫ √ε
    large = np.abs(GRAD) >= 0.5
    step = first_step(Adadelta, device)
    np.testing.assert_allclose(step[large], -3.1623e-3 * np.sign(GRAD[large]), rtol=1e-3)
    assert np.all(np.abs(step) < 3.163e-3)


def test_adagrad_first_step_is_lr_per_coordinate(device):
    np.testing.assert_allclose(first_step(Adagrad, device, lr=0.05), -0.05 * np.sign(GRAD),
                               rtol=1e-6)


def test_adamax_first_step_is_lr_per_coordinate(device):
    np.testing.assert_allclose(first_step(Adamax, device, lr=0.01), -0.01 * np.sign(GRAD),
                               rtol=1e-4)


def test_rprop_first_step_is_lr_times_the_sign(device):
    np.testing.assert_allclose(first_step(Rprop, device, lr=0.03), -0.03 * np.sign(GRAD),
                               rtol=1e-12)


def test_rprop_grows_agreeing_steps_and_backs_off_after_a_sign_change(device):
    param = parameter([1.0, 1.0, 1.0], device)
    optimizer = Rprop([param], lr=0.1)
    step_with(optimizer, param, [1.0, 1.0, 1.0])                    # all move by −0.1
    step_with(optimizer, param, [2.0, -3.0, 0.0])
    # same sign: step ×1.2; sign flipped: no move, step ×0.5; zero gradient: no move
    np.testing.assert_allclose(param.detach().numpy(), [1 - 0.1 - 0.12, 0.9, 0.9], rtol=1e-12)
    np.testing.assert_allclose(optimizer.state[param]["step_size"].detach().numpy(), [0.12, 0.05, 0.1],
                               rtol=1e-12)
    step_with(optimizer, param, [1.0, -1.0, 1.0])
    # the flipped coordinate's gradient was zeroed, so its sign counts as "no information"
    np.testing.assert_allclose(param.detach().numpy(), [1 - 0.1 - 0.12 - 0.144, 0.95, 0.8], rtol=1e-12)


def test_rprop_step_sizes_are_clamped():
    param = parameter([0.0])
    optimizer = Rprop([param], lr=1.0, step_sizes=(0.3, 1.5))
    for _ in range(5):
        step_with(optimizer, param, [1.0])
    assert optimizer.state[param]["step_size"].detach().numpy()[0] == 1.5
    for sign in (-1.0, 1.0, -1.0, 1.0, -1.0):
        step_with(optimizer, param, [sign])
    assert optimizer.state[param]["step_size"].detach().numpy()[0] == 0.3


def test_radam_first_five_steps_are_momentum_sgd_steps(device):
    lr, beta1 = 0.01, 0.9
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(START.shape) for _ in range(6)]
    param = parameter(START, device)
    optimizer = RAdam([param], lr=lr)
    expected, momentum = START.copy(), np.zeros_like(START)
    for t, grad in enumerate(grads[:5], start=1):
        step_with(optimizer, param, grad)
        momentum = beta1 * momentum + (1 - beta1) * grad
        expected = expected - lr * momentum / (1 - beta1 ** t)
        if t == 1:
            np.testing.assert_allclose(param.detach().numpy(), START - lr * grad, rtol=1e-14)
        np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-12)
    step_with(optimizer, param, grads[5])  # ρ₆ ≈ 6 > 5: the adaptive, rectified step
    momentum = beta1 * momentum + (1 - beta1) * grads[5]
    plain = expected - lr * momentum / (1 - beta1 ** 6)
    assert np.max(np.abs(param.detach().numpy() - plain)) > 1e-3


def test_nadam_keeps_the_running_product_of_momentum_coefficients():
    param = parameter([1.0, -2.0])
    optimizer = NAdam([param], momentum_decay=0.01)
    product = 1.0
    for t in range(1, 6):
        step_with(optimizer, param, [0.5, 0.25])
        product *= 0.9 * (1 - 0.5 * 0.96 ** (t * 0.01))
        assert optimizer.state[param]["mu_product"] == pytest.approx(product, rel=1e-15)
    saved = optimizer.state_dict()["state"][0]["mu_product"]
    assert saved.detach().numpy() == pytest.approx(product, rel=1e-15)


# -- state the trajectory does not show -----------------------------------------------------

def _torch_run(torch_cls, hyper, start, grads, lr_at=None):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        param = torch.tensor(start, requires_grad=True)
        optimizer = torch_cls([param], foreach=False, **hyper)
        for index, grad in enumerate(grads):
            if lr_at is not None:
                optimizer.param_groups[0]["lr"] = lr_at(index)
            param.grad = torch.tensor(grad)
            optimizer.step()
        return param.detach().numpy(), optimizer.state[param]
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize("hyper", [dict(t0=5, lambd=1e-2, alpha=0.6, lr=0.05),
                                   dict(t0=0, weight_decay=0.1, maximize=True)])
def test_asgd_state_equals_torch_even_when_lr_changes(hyper, device):
    """ax, eta and mu after each step as torch has them: the step uses the η and μ of the
    previous step, and a new lr reaches η one step later."""
    rng = np.random.default_rng(1)
    start = rng.standard_normal(2500)  # larger than one update slice
    grads = [rng.standard_normal(2500) for _ in range(15)]

    def lr_at(index):  # a schedule, applied before each step
        return 0.05 / (1 + index)

    param = parameter(start, device)
    optimizer = ASGD([param], **hyper)
    for index, grad in enumerate(grads):
        optimizer.param_groups[0]["lr"] = lr_at(index)
        step_with(optimizer, param, grad)
    expected, state = _torch_run(torch.optim.ASGD, hyper, start, grads, lr_at)
    np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-12)
    mine = optimizer.state[param]
    np.testing.assert_allclose(mine["ax"].detach().numpy(), state["ax"].detach().numpy(), rtol=1e-12)
    assert mine["eta"] == pytest.approx(state["eta"].item(), rel=1e-14)
    assert mine["mu"] == pytest.approx(state["mu"].item(), rel=1e-14)


def test_asgd_average_is_the_mean_of_the_iterates_after_t0():
    t0 = 4
    param = parameter([3.0, -1.0])
    optimizer = ASGD([param], lr=0.1, t0=t0)
    iterates = []
    for t in range(1, 13):
        step_with(optimizer, param, param.detach().numpy() - [1.0, 2.0])
        iterates.append(param.detach().numpy().copy())
        average = optimizer.state[param]["ax"].detach().numpy()
        if t <= t0 + 2:  # μ = 1: the "average" is the latest iterate
            np.testing.assert_array_equal(average, iterates[-1])
        else:            # μ = 1/(t − t0 − 1): the mean of the iterates from step t0 + 2 on
            np.testing.assert_allclose(average, np.mean(iterates[t0 + 1:], axis=0), rtol=1e-12)


def test_amsgrad_takes_the_maximum_of_the_raw_second_moment():
    """A large first gradient, then small ones: v decays, so max(v) stays v₁, but the
    bias-corrected v̂ = v/(1 − β₂ᵗ) falls, so the maximum of v̂ would be v̂₁ = g₁²."""
    lr, (beta1, beta2), eps = 0.01, (0.9, 0.999), 1e-8
    grads = [10.0] + [0.1] * 9
    param = parameter([0.0])
    optimizer = Adam([param], lr=lr, amsgrad=True)
    m = v = raw_max = hat_max = 0.0
    theta_raw = theta_hat = 0.0
    for t, grad in enumerate(grads, start=1):
        step_with(optimizer, param, [grad])
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        raw_max, hat_max = max(raw_max, v), max(hat_max, v / (1 - beta2 ** t))
        theta_raw -= lr / (1 - beta1 ** t) * m / (math.sqrt(raw_max / (1 - beta2 ** t)) + eps)
        theta_hat -= lr / (1 - beta1 ** t) * m / (math.sqrt(hat_max) + eps)
        assert optimizer.state[param]["max_exp_avg_sq"].detach().numpy()[0] == pytest.approx(raw_max,
                                                                                   rel=1e-12)
        assert param.detach().numpy()[0] == pytest.approx(theta_raw, rel=1e-12)
    assert abs(theta_raw - theta_hat) > 0.1 * abs(theta_hat)


def test_adagrad_uses_each_groups_initial_accumulator_value():
    first, second = parameter([1.0]), parameter([1.0])
    optimizer = Adagrad([{"params": [first]},
                         {"params": [second], "initial_accumulator_value": 3.0}], lr=0.1)
    for param in (first, second):
        param.grad = mg.tensor([1.0], dtype=mg.float64)
    optimizer.step()
    assert first.detach().numpy()[0] == pytest.approx(1 - 0.1 * 1 / (1 + 1e-10))
    assert second.detach().numpy()[0] == pytest.approx(1 - 0.1 * 1 / 2)


# -- gradient descent, batch sizes, momentum, weight decay ----------------------------------

def _regression_data(n=12, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features))
    y = x @ rng.standard_normal(features) + 0.1 * rng.standard_normal(n)
    return x, y


def _sgd_with_loader(x, y, batch_size, epochs, lr):
    weights = parameter(np.zeros(x.shape[1]))
    optimizer = SGD([weights], lr=lr)
    dataset = mg.data.TensorDataset(mg.tensor(x, dtype=mg.float64), mg.tensor(y, dtype=mg.float64))
    loader = mg.data.DataLoader(dataset, batch_size=batch_size, shuffle=False)
    for _ in range(epochs):
        for x_batch, y_batch in loader:
            loss = ((x_batch @ weights - y_batch) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return weights.detach().numpy(), optimizer.state[weights]["step"]


def _gradient_descent_by_hand(x, y, batch_size, epochs, lr):
    """θ ← θ − γ ∇θ mean_batch (xθ − y)², over consecutive batches of the data."""
    theta, updates = np.zeros(x.shape[1]), 0
    for _ in range(epochs):
        for start in range(0, len(y), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            theta = theta - lr * 2 * xb.T @ (xb @ theta - yb) / len(yb)
            updates += 1
    return theta, updates


@pytest.mark.parametrize("batch_size, name", [(12, "full batch"), (5, "mini-batch"),
                                              (1, "per sample")])
def test_sgd_is_gradient_descent_at_every_batch_size(batch_size, name):
    """Full-batch gradient descent is SGD with the whole data set as one batch; batch size
    1 is per-sample SGD, anything between mini-batch SGD (ceil(N/B) updates per epoch)."""
    x, y = _regression_data()
    mine, steps = _sgd_with_loader(x, y, batch_size, epochs=3, lr=0.05)
    expected, updates = _gradient_descent_by_hand(x, y, batch_size, epochs=3, lr=0.05)
    assert steps == updates == 3 * math.ceil(12 / batch_size)
    np.testing.assert_allclose(mine, expected, rtol=1e-12, err_msg=name)


def _steps_to_converge(hyper, limit=1000):
    """Steps until f(x, y) = ½(x² + 100 y²) < 1e-8, from (10, 1): a narrow ravine."""
    param = parameter([10.0, 1.0])
    curvature = mg.tensor([1.0, 100.0], dtype=mg.float64)
    optimizer = SGD([param], **hyper)
    for step in range(1, limit + 1):
        loss = 0.5 * (curvature * param * param).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if 0.5 * np.sum([1.0, 100.0] * param.detach().numpy() ** 2) < 1e-8:
            return step
    return None


def test_momentum_and_nesterov_cross_a_ravine_faster_than_gradient_descent():
    """Condition number 100; each method at its best learning rate (a grid search done
    once): gradient descent needs 570 steps, heavy-ball momentum 160, Nesterov 112."""
    assert _steps_to_converge(dict(lr=0.0194)) == 570
    assert _steps_to_converge(dict(lr=0.0105, momentum=0.9)) == 160
    assert _steps_to_converge(dict(lr=0.013, momentum=0.9, nesterov=True)) == 112


@pytest.mark.parametrize("hyper", [dict(lr=0.05), dict(lr=0.02, momentum=0.9),
                                   dict(lr=0.02, momentum=0.9, nesterov=True)])
def test_sgd_weight_decay_is_an_l2_term_in_the_loss(hyper):
    """SGD(weight_decay=λ) on L follows the same path as SGD on L + λ/2 ‖θ‖²."""
    decay = 0.3
    x, y = _regression_data()
    inputs, targets = mg.tensor(x, dtype=mg.float64), mg.tensor(y, dtype=mg.float64)
    decayed, penalized = parameter(np.ones(3)), parameter(np.ones(3))
    with_decay = SGD([decayed], weight_decay=decay, **hyper)
    with_penalty = SGD([penalized], **hyper)
    for _ in range(30):
        for optimizer, weights, penalty in ((with_decay, decayed, 0.0),
                                            (with_penalty, penalized, decay)):
            loss = ((inputs @ weights - targets) ** 2).mean()
            loss = loss + penalty / 2 * (weights * weights).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        np.testing.assert_allclose(decayed.detach().numpy(), penalized.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("decay", [0.1, 1e-3])
def test_adam_l2_is_not_adamw_decoupled_decay(decay):
    """With no data gradient, Adam's L2 gradient λθ is normalised away: every coordinate
    moves by about lr per step whatever λ and |θ| are. AdamW shrinks θ by (1 − γλ)."""
    start, lr = np.array([1.0, 10.0, 100.0]), 0.01
    adam, adamw = parameter(start), parameter(start)
    l2, decoupled = Adam([adam], lr=lr, weight_decay=decay), AdamW([adamw], lr=lr,
                                                                   weight_decay=decay)
    for _ in range(100):
        for optimizer, param in ((l2, adam), (decoupled, adamw)):
            param.grad = mg.zeros_like(param)
            optimizer.step()
    np.testing.assert_allclose(adam.detach().numpy(), [0.224, 9.017, 99.002], atol=1e-3)
    np.testing.assert_allclose(adamw.detach().numpy(), start * (1 - lr * decay) ** 100, rtol=1e-12)


# -- learning: two spirals ------------------------------------------------------------------

# Hyperparameters and the budget of full-batch steps within which each optimizer
# reaches 90% training accuracy on 200 points of two spirals with a 2-32-32-2 tanh
# MLP (seed 0). Budgets are about twice the steps needed over three seeds.
SPIRAL_RUNS = [
    (Adagrad, dict(lr=0.1), 600),
    (RMSprop, dict(lr=0.01), 500),
    (Adadelta, dict(lr=10.0), 900),  # at the default lr=1 its slow start needs ~1,100 steps
    (Adamax, dict(lr=0.02), 700),
    (NAdam, dict(lr=0.03), 400),
    (RAdam, dict(lr=0.03), 500),
    (ASGD, dict(lr=2.0), 800),
    (Rprop, dict(lr=0.05), 400),
]


@pytest.mark.parametrize("cls, hyper, budget", SPIRAL_RUNS,
                         ids=[cls.__name__ for cls, *_ in SPIRAL_RUNS])
def test_learns_two_spirals(cls, hyper, budget):
    x, labels = mg.data.make_spirals(200, seed=0)
    params = init_mlp([2, 32, 32, 2], seed=0)
    optimizer = cls(params, **hyper)
    accuracy = 0.0
    for step in range(1, budget + 1):
        loss = cross_entropy(forward(params, x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 0:
            with mg.no_grad():
                accuracy = float((forward(params, x).argmax(dim=1) == labels).detach().numpy().mean())
            if accuracy >= 0.9:
                break
    assert accuracy >= 0.9, f"{cls.__name__}{hyper}: {accuracy:.1%} after {budget} steps"
