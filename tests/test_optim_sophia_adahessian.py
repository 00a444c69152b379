"""SophiaH and AdaHessian beyond the generic registry tests
(tests/optim_registry_sophia_adahessian.py):

- Hutchinson's estimate on a loss whose Hessian is not diagonal (a tanh layer)
  gives pytorch-optimizer's trajectories, with the same probes replayed into it;
- ``step(hessian=...)`` with estimates of one's own gives pytorch-optimizer's
  result (refreshing the curvature off the schedule too), and a wrong count or
  shape is refused by name;
- a plain ``backward()`` before a step that needs the Hessian is refused,
  saying to use ``create_graph=True``; a parameter no gradient depends on gets
  zero curvature;
- saving the generator's state beside ``state_dict`` resumes a run with
  Gaussian probes exactly;
- both learn the two-spirals problem, trained with ``loss.backward(create_graph=True)``.
"""
import numpy as np
import pytest

import minigrad as mg
from optim_registry_sophia_adahessian import PROBE_SEED, pytorch_optimizer_settings
from tensor_mlp import cross_entropy, forward, init_mlp

RNG = np.random.default_rng(7)
INPUTS = RNG.standard_normal((6, 3))
TARGETS = RNG.standard_normal((6, 4))
INIT = [RNG.standard_normal((3, 4)), RNG.standard_normal(4)]


def coupled_loss(weight, bias, constant):
    """Σ (tanh(x W + b) − y)²: weights of one unit share curvature (a non-diagonal Hessian)."""
    return (((constant(INPUTS) @ weight + bias).tanh() - constant(TARGETS)) ** 2).sum()


def run_minigrad(name, hyper, steps):
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in INIT]
    optimizer = getattr(mg.optim, name)(
        params, generator=mg.Generator().manual_seed(PROBE_SEED), **hyper)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        coupled_loss(*params, lambda a: mg.tensor(a, dtype=mg.float64)).backward(create_graph=True)
        optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def run_pytorch_optimizer(name, hyper, steps):
    import pytorch_optimizer
    import torch
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in INIT]
    optimizer = getattr(pytorch_optimizer, name)(params, **hyper)
    trajectory = []
    with pytorch_optimizer_settings():
        for _ in range(steps):
            optimizer.zero_grad()
            coupled_loss(*params, lambda a: torch.tensor(a, dtype=torch.float64)).backward(
                create_graph=True)
            optimizer.step()
            trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


COUPLED_RUNS = [
    ("SophiaH", {"lr": 0.1, "p": 0.5, "update_period": 2}),
    ("SophiaH", {"lr": 0.1, "p": 0.5, "hessian_distribution": "rademacher", "num_samples": 3}),
    ("AdaHessian", {"lr": 0.05}),
    ("AdaHessian", {"lr": 0.05, "hessian_distribution": "gaussian", "num_samples": 2,
                    "eps": 1e-2}),
]


@pytest.mark.parametrize("name, hyper", COUPLED_RUNS, ids=lambda v: str(v))
def test_hutchinson_on_a_non_diagonal_hessian_equals_pytorch_optimizer(name, hyper):
    mine, theirs = run_minigrad(name, hyper, 30), run_pytorch_optimizer(name, hyper, 30)
    for step, (a, b) in enumerate(zip(mine, theirs)):
        for index, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-10,
                                       err_msg=f"{name}: parameter {index}, step {step + 1}")


def test_hutchinson_estimate_is_the_hessian_diagonal_on_average():
    # E[z ⊙ Hz] = diag(H): 4000 Rademacher probes of a coupled loss's Hessian, against
    # the diagonal torch computes exactly. One probe's error in Hᵢᵢ is Σ_{j≠i} Hᵢⱼ zᵢ zⱼ, of
    # standard deviation √(Σ_{j≠i} Hᵢⱼ²): the mean of N is within 4 of those / √N.
    import torch
    from minigrad.optim.hutchinson import hessian_diagonal
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in INIT]
    coupled_loss(*params, lambda a: mg.tensor(a, dtype=mg.float64)).backward(create_graph=True)
    estimate = hessian_diagonal(params, 4000, "rademacher", mg.Generator().manual_seed(0))
    flat = torch.tensor(np.concatenate([p.ravel() for p in INIT]))
    hessian = torch.autograd.functional.hessian(
        lambda v: coupled_loss(v[:12].reshape(3, 4), v[12:],
                               lambda a: torch.tensor(a, dtype=torch.float64)), flat)
    hessian = hessian.numpy()
    diagonal = np.diagonal(hessian)
    spread = np.sqrt((hessian ** 2).sum(axis=1) - diagonal ** 2)
    error = np.concatenate([e.ravel() for e in estimate]) - diagonal
    assert np.all(np.abs(error) <= 4 * spread / np.sqrt(4000) + 1e-12), (error, spread)


def test_a_parameter_no_gradient_depends_on_gets_zero_curvature():
    # L = Σ q² + Σ p·x with x a tensor that requires grad but is not optimized: p's gradient x
    # has a graph, which leads to no parameter, so no H z has a part for p: its curvature is 0.
    from minigrad.optim.hutchinson import hessian_diagonal
    p = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    q = mg.tensor([3.0], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([5.0, 7.0], dtype=mg.float64, requires_grad=True)
    ((q ** 2).sum() + (p * x).sum()).backward(create_graph=True)
    curvature_of_p, curvature_of_q = hessian_diagonal([p, q], 2, "rademacher")
    np.testing.assert_array_equal(curvature_of_p, [0.0, 0.0])
    np.testing.assert_array_equal(curvature_of_q, [2.0])


@pytest.mark.parametrize("name, hyper", [
    ("SophiaH", {"lr": 0.1, "p": 0.5, "update_period": 1000}),
    ("AdaHessian", {"lr": 0.05, "update_period": 1000, "weight_decay": 0.1,
                    "weight_decouple": False}),
], ids=["SophiaH", "AdaHessian"])
def test_a_given_hessian_gives_pytorch_optimizers_result(name, hyper):
    # Estimates given on steps 1, 4, 7, ... (off the 1000-step schedule after the first):
    # they refresh the curvature; the steps between reuse it and need no graph.
    import pytorch_optimizer
    import torch
    rng = np.random.default_rng(3)
    mine = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in INIT]
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in INIT]
    optimizer = getattr(mg.optim, name)(mine, **hyper)
    reference = getattr(pytorch_optimizer, name)(theirs, **hyper)
    for step in range(12):
        gradients = [rng.standard_normal(p.shape) for p in INIT]
        hessian = [rng.uniform(0.1, 3.0, p.shape) for p in INIT] if step % 3 == 0 else None
        for param, grad in zip(mine, gradients):
            param.grad = mg.tensor(grad, dtype=mg.float64)
        for param, grad in zip(theirs, gradients):
            param.grad = torch.tensor(grad)
        given = None if hessian is None else [mg.tensor(h) if step % 2 else h for h in hessian]
        optimizer.step(hessian=given)
        reference.step(hessian=None if hessian is None else [torch.tensor(h) for h in hessian])
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("cls", [mg.optim.SophiaH, mg.optim.AdaHessian], ids=str)
def test_a_given_hessian_of_the_wrong_count_or_shape_is_refused(cls):
    params = [mg.zeros(2, 3, requires_grad=True), mg.zeros(4, requires_grad=True)]
    for param in params:
        param.grad = mg.ones_like(param)
    optimizer = cls(params)
    with pytest.raises(ValueError, match=r"^hessian must hold one estimate per parameter "
                                         r"\(2\), got 1$"):
        optimizer.step(hessian=[mg.ones(2, 3)])
    with pytest.raises(ValueError, match=r"^the shape of parameter 1 and its hessian do not "
                                         r"match: \(4,\) vs \(3,\)$"):
        optimizer.step(hessian=[mg.ones(2, 3), mg.ones(3)])


@pytest.mark.parametrize("cls", [mg.optim.SophiaH, mg.optim.AdaHessian], ids=str)
def test_a_plain_backward_is_refused_saying_to_keep_the_graph(cls):
    param = mg.tensor([1.0, 2.0], requires_grad=True)
    (param ** 3).sum().backward()
    with pytest.raises(RuntimeError, match=rf"^{cls.__name__} estimates the Hessian's diagonal "
                                           r"from the gradients' graph, .*create_graph=True"):
        cls([param]).step()


def test_a_run_with_gaussian_probes_resumes_exactly_with_the_generators_state(tmp_path):
    def train(optimizer, params, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            coupled_loss(*params, lambda a: mg.tensor(a, dtype=mg.float64)).backward(
                create_graph=True)
            optimizer.step()

    hyper = {"lr": 0.1, "p": 0.5, "update_period": 3}
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in INIT]
    uninterrupted = mg.optim.SophiaH(params, generator=mg.Generator().manual_seed(1), **hyper)
    train(uninterrupted, params, 20)

    first = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in INIT]
    generator = mg.Generator().manual_seed(1)
    optimizer = mg.optim.SophiaH(first, generator=generator, **hyper)
    train(optimizer, first, 11)
    mg.save({"optimizer": optimizer.state_dict(), "probes": generator.get_state()},
            tmp_path / "checkpoint.npz")
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    resumed = [mg.tensor(p.detach().numpy(), dtype=mg.float64, requires_grad=True) for p in first]
    fresh = mg.optim.SophiaH(resumed, generator=mg.Generator().set_state(checkpoint["probes"]),
                             **hyper)
    fresh.load_state_dict(checkpoint["optimizer"])
    train(fresh, resumed, 9)
    for a, b in zip(resumed, params):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-13)


# Hyperparameters and the budget of full-batch steps within which each reaches 90% training
# accuracy on 200 points of two spirals with a 2-32-32-2 tanh MLP (seed 0). Budgets are about
# twice the steps needed over three seeds (SophiaH: 75–100; AdaHessian: 150–425).
SPIRAL_RUNS = [
    (mg.optim.SophiaH, dict(lr=0.3, p=0.1), 200),
    (mg.optim.AdaHessian, dict(lr=0.2), 800),
]


@pytest.mark.parametrize("cls, hyper, budget", SPIRAL_RUNS,
                         ids=[cls.__name__ for cls, *_ in SPIRAL_RUNS])
def test_learns_two_spirals(cls, hyper, budget):
    x, labels = mg.data.make_spirals(200, seed=0)
    params = init_mlp([2, 32, 32, 2], seed=0)
    optimizer = cls(params, generator=mg.Generator().manual_seed(0), **hyper)
    accuracy = 0.0
    for step in range(1, budget + 1):
        loss = cross_entropy(forward(params, x), labels)
        optimizer.zero_grad()
        loss.backward(create_graph=True)  # the step differentiates the gradients once more
        optimizer.step()
        if step % 25 == 0:
            with mg.no_grad():
                accuracy = float((forward(params, x).argmax(dim=1) == labels).detach().numpy().mean())
            if accuracy >= 0.9:
                break
    assert accuracy >= 0.9, f"{cls.__name__}{hyper}: {accuracy:.1%} after {budget} steps"
