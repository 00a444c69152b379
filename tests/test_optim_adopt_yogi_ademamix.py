"""ADOPT, Yogi, AdEMAMix and the cautious mask, beyond the registry's generic checks.

The registry (``optim_registry_adopt_yogi_ademamix.py``) compares trajectories
with pytorch-optimizer 4.1.0. Here:

- optax 0.2.8, the second oracle: ``optax.yogi`` gives the same iterates;
  ``optax.contrib.adopt`` and ``optax.contrib.ademamix`` too once their step-indexed
  functions are shifted by one (optax counts from 0 where pytorch-optimizer, and so
  minigrad, count from 1), which is the one disagreement, shown both ways for ADOPT;
- the cautious mask's rule on a worked example, and a cautious group taking the
  plain loop (``foreach=True`` too; ``fused=True`` refused);
- ADOPT's first step only fills v, and bad arguments of a kind the registry
  cannot express;
- every optimizer, cautious or not, trains the spirals MLP to ≥ 90 %.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim.cautious import cautious_mask
from optim_registry import OptimInfo, Problem
from optim_registry_optax_family import optax_reference
from tensor_mlp import cross_entropy, forward, init_mlp
from test_optim_generic import assert_trajectories_equal, run_minigrad

O = mg.optim


# ----------------------------------------------------------- optax, the second oracle
def _float64(count):
    """optax's int32 step count as float64 (JAX divides int32 in float32)."""
    import jax.numpy as jnp
    return jnp.asarray(count, dtype=jnp.float64)


def _optax_yogi(hyper):
    import optax
    beta1, beta2 = hyper["betas"]
    return optax.yogi(hyper["lr"], b1=beta1, b2=beta2, eps=hyper["eps"])


def _optax_adopt_shifted(hyper):
    """optax's ADOPT with pytorch-optimizer's clip: clip_value_fn(n) = (n + 1)^¼."""
    import optax
    beta1, beta2 = hyper["betas"]
    return optax.contrib.adopt(hyper["lr"], b1=beta1, b2=beta2, eps=hyper["eps"],
                               clip_value_fn=lambda count: (_float64(count) + 1) ** 0.25)


def _optax_adopt(hyper):
    import optax
    beta1, beta2 = hyper["betas"]
    return optax.contrib.adopt(hyper["lr"], b1=beta1, b2=beta2, eps=hyper["eps"])


def _optax_ademamix_shifted(hyper):
    """optax's AdEMAMix with decoupled decay and the warm-up of α and β₃ evaluated at
    t = count + 1, as pytorch-optimizer's."""
    import jax.numpy as jnp
    import optax
    beta1, beta2, beta3 = hyper["betas"]
    alpha, warmup = hyper["alpha"], hyper["t_alpha_beta3"]
    log_beta1, log_beta3 = np.log(beta1), np.log(beta3)

    def alpha_at(count):
        return jnp.minimum((_float64(count) + 1) * alpha / warmup, alpha)

    def beta3_at(count):
        fraction = (_float64(count) + 1) / warmup
        return jnp.minimum(jnp.exp(log_beta1 * log_beta3
                                   / ((1 - fraction) * log_beta3 + fraction * log_beta1)), beta3)

    return optax.contrib.ademamix(hyper["lr"], b1=beta1, b2=beta2, b3=beta3_at, alpha=alpha_at,
                                  eps=hyper["eps"], weight_decay=hyper["weight_decay"])


OPTAX_CASES = [
    ("Yogi", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-3}, _optax_yogi, {}),
    ("ADOPT", {"lr": 0.01, "betas": (0.9, 0.99), "eps": 1e-6}, _optax_adopt_shifted, {}),
    # the disagreement the other way: optax's default clip is minigrad's with t − 1
    ("ADOPT", {"lr": 0.01, "betas": (0.9, 0.99), "eps": 1e-6}, _optax_adopt,
     {"clip_lambda": lambda step: (step - 1) ** 0.25}),
    ("AdEMAMix", {"lr": 0.01, "betas": (0.9, 0.999, 0.999), "alpha": 6.0, "t_alpha_beta3": 40,
                  "eps": 1e-8, "weight_decay": 0.1}, _optax_ademamix_shifted,
     {"weight_decouple": True}),
]


@pytest.mark.parametrize("name, hyper, transform, minigrad_only", OPTAX_CASES,
                         ids=["Yogi", "ADOPT-clip-shifted", "ADOPT-optax-clip", "AdEMAMix"])
def test_trajectory_equals_optax(name, hyper, transform, minigrad_only):
    info = OptimInfo(name=name, cls=getattr(O, name), hyper_sets=[hyper],
                     reference=optax_reference(transform))
    problem = Problem(seed=7)
    mine, _, _ = run_minigrad(info, {**hyper, **minigrad_only}, problem, 100)
    expected = info.reference(hyper, [p.copy() for p in problem.init], problem.grad_fn, 100)
    assert_trajectories_equal(mine, expected, info, " (against optax)")


def test_adopt_with_its_default_clip_differs_from_optax_by_the_shift():
    """The disagreement is real: with both defaults the trajectories part."""
    hyper = {"lr": 0.01, "betas": (0.9, 0.99), "eps": 1e-6}
    problem = Problem(seed=7)
    info = OptimInfo(name="ADOPT", cls=O.ADOPT, hyper_sets=[hyper],
                     reference=optax_reference(_optax_adopt))
    mine, _, _ = run_minigrad(info, hyper, problem, 10)
    theirs = info.reference(hyper, [p.copy() for p in problem.init], problem.grad_fn, 10)
    assert not np.allclose(mine[-1][0], theirs[-1][0], rtol=1e-6)


# ------------------------------------------------------------------ the cautious mask
def test_cautious_mask_keeps_agreeing_coordinates_rescaled():
    """φ = 1[u ⊙ g > 0], times n / (Σφ + 1): here 2 of 4 agree, so each kept one is
    multiplied by 4 / 3; a zero in u or in g is not an agreement."""
    update = np.array([1.0, -2.0, 3.0, 0.0])
    grad = np.array([0.5, 1.0, 2.0, 1.0])
    np.testing.assert_allclose(cautious_mask(update, grad), [4 / 3, 0.0, 4 / 3, 0.0])
    assert cautious_mask(update.astype(np.float32), grad.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("make", [lambda groups: O.ADOPT(groups, cautious=True),
                                  lambda groups: O.AdEMAMix(groups, cautious=True),
                                  lambda groups: O.Lion(groups, cautious=True)],
                         ids=["ADOPT", "AdEMAMix", "Lion"])
def test_a_cautious_group_runs_the_plain_loop(make):
    """The mask sums over each parameter: no buckets, whatever foreach says, and no kernel
    (foreach and fused as param-group keys, which every optimizer accepts)."""
    params = [mg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True),
              mg.tensor(np.ones(4), requires_grad=True)]
    for foreach in (None, True):
        optimizer = make([{"params": params, "foreach": foreach}])
        for _ in range(2):
            for param in params:
                param.grad = param.detach() * 2 - 0.5
            optimizer.step()
        assert not optimizer._buckets
    with pytest.raises(RuntimeError, match="with cautious=True .* reads each parameter whole"):
        make([{"params": params, "fused": True}])


def test_cautious_lion_masks_the_sign_step_per_parameter():
    """One step from m = 0: u = sign(g) agrees with g wherever g ≠ 0, so the kept
    coordinates move by lr · n / (Σφ + 1) = lr · 4 / 4 and the one with g = 0 stays."""
    param = mg.tensor(np.zeros(4), requires_grad=True)
    optimizer = O.Lion([param], lr=0.1, weight_decay=0.0, cautious=True)
    param.grad = mg.tensor(np.array([2.0, -1.0, 0.0, 3.0]))
    optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), [-0.1, 0.1, 0.0, -0.1])


# ------------------------------------------------------------------------------- ADOPT
def test_adopt_first_step_only_fills_the_second_moment():
    param = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    optimizer = O.ADOPT([param], lr=0.1, weight_decay=0.5, weight_decouple=True)
    param.grad = mg.tensor([3.0, 4.0], dtype=mg.float64)
    optimizer.step()
    # only the decoupled decay moves θ: θ (1 − γλ)
    np.testing.assert_allclose(param.detach().numpy(), [0.95, -1.9])
    state = optimizer.state[param]
    np.testing.assert_array_equal(state["exp_avg_sq"].detach().numpy(), [9.0, 16.0])
    np.testing.assert_array_equal(state["exp_avg"].detach().numpy(), [0.0, 0.0])


def test_bad_arguments_of_the_wrong_kind_raise_type_error():
    param = [mg.tensor([1.0], requires_grad=True)]
    with pytest.raises(TypeError, match="clip_lambda must be a function of the step"):
        O.ADOPT(param, clip_lambda=0.25)
    with pytest.raises(TypeError, match="cautious must be True or False"):
        O.AdEMAMix(param, cautious="yes")
    with pytest.raises(TypeError, match="t_alpha_beta3 must be a real number"):
        O.AdEMAMix(param, t_alpha_beta3="100")


# ------------------------------------------------------------------ learning: two spirals
# optimizer, full-batch steps, hidden width 32
LEARNING = [
    ("ADOPT", lambda p: O.ADOPT(p, lr=0.03), 200),
    ("ADOPT, cautious", lambda p: O.ADOPT(p, lr=0.03, cautious=True), 300),
    ("Yogi", lambda p: O.Yogi(p, lr=0.03), 300),
    ("AdEMAMix", lambda p: O.AdEMAMix(p, lr=0.03), 200),
    ("AdEMAMix, cautious, warm-up", lambda p: O.AdEMAMix(p, lr=0.01, t_alpha_beta3=300,
                                                         cautious=True), 200),
    ("Lion, cautious", lambda p: O.Lion(p, lr=0.01, cautious=True), 200),
]


@pytest.mark.parametrize("name, make, steps", LEARNING, ids=[n for n, _, _ in LEARNING])
def test_optimizer_learns_two_spirals(name, make, steps):
    """A 2-32-32-2 tanh MLP (plain tensors, as ``python -m minigrad``) on 200 points of
    two spirals, full batch, seeded: ≥ 90% training accuracy within the budget."""
    x, labels = mg.data.make_spirals(n_samples=200, noise=0.05, seed=0)
    params = init_mlp([2, 32, 32, 2], seed=0)
    optimizer = make(params)
    for _ in range(steps):
        loss = cross_entropy(forward(params, x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with mg.no_grad():
        accuracy = float((forward(params, x).argmax(dim=1) == labels).detach().numpy().mean())
    assert accuracy >= 0.9, f"{name}: accuracy {accuracy:.3f} after {steps} steps"
