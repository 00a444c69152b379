"""Checks specific to Adan, NovoGrad and MARS (the trajectories against
pytorch-optimizer 4.1.0 are in the registry, ``optim_registry_adan_novograd_mars.py``,
run by ``test_optim_generic.py``):

- optax, the second implementation: ``optax.novograd`` equals NovoGrad;
  ``optax.adan`` equals Adan where β₂ = 0.5 and differs elsewhere (optax weighs
  the gradient difference by 1 − β₂ where the paper and pytorch-optimizer use β₂);
- where minigrad does not copy pytorch-optimizer: Adan's clipping norm in
  float32 (a small drift), Adan's ``maximize`` first step; ``maximize`` equals
  minimising the negated gradient, and the caller's gradients are never written;
- NovoGrad's second moment is one number per tensor, MARS's clipping and
  cautious mask are per tensor: neither takes the fast path (``foreach=True``
  is refused), Adan does;
- the cautious mask's rule, and the options pytorch-optimizer has that minigrad
  refuses;
- every optimizer trains an MLP on two spirals to ≥ 90% accuracy.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.optim.fast.rule import permission
from optim_registry import Problem
from optim_registry_adan_novograd_mars import INFOS, pytorch_optimizer_reference
from optim_registry_optax_family import optax_reference
from tensor_mlp import cross_entropy, forward, init_mlp

O = mg.optim
INFO = {info.name: info for info in INFOS}


def run(name, hyper, problem, steps, sign=1.0):
    """minigrad's trajectory of optimizer ``name`` on ``problem`` (gradients times ``sign``)."""
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]
    optimizer = getattr(O, name)(params, **hyper)
    trajectory = []
    for step in range(steps):
        values = [p.detach().numpy() for p in params]
        for param, grad in zip(params, problem.grad_fn(step, values)):
            param.grad = mg.tensor(sign * grad, dtype=mg.float64)
        optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def assert_close(actual, expected, rtol=1e-6, atol=1e-10):
    for step, (mine, theirs) in enumerate(zip(actual, expected)):
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {step + 1}")


# -- optax, the second implementation ------------------------------------------------------
def _optax_adan(hyper):
    import optax
    beta1, beta2, beta3 = hyper["betas"]
    return optax.adan(hyper["lr"], b1=beta1, b2=beta2, b3=beta3, eps=hyper.get("eps", 1e-8),
                      eps_root=0.0, weight_decay=hyper.get("weight_decay", 0.0))


def _optax_novograd(hyper):
    import optax
    beta1, beta2 = hyper["betas"]
    return optax.novograd(hyper["lr"], b1=beta1, b2=beta2, eps=hyper.get("eps", 1e-8),
                          weight_decay=hyper.get("weight_decay", 0.0))


def test_novograd_equals_optax_novograd():
    """optax's NovoGrad is pytorch-optimizer's with weight_decouple=False and
    grad_averaging=False (λθ added after the normalisation, m ← β₁ m + ĝ)."""
    hyper = {"lr": 0.01, "betas": (0.9, 0.25), "weight_decay": 0.1, "eps": 1e-8}
    problem = Problem(seed=7)
    expected = optax_reference(_optax_novograd)(hyper, problem.init, problem.grad_fn, 100)
    assert_close(run("NovoGrad", hyper, problem, 100), expected)


def test_adan_equals_optax_adan_where_they_weigh_the_difference_alike():
    """optax weighs the gradient difference by 1 − β₂, the paper and pytorch-optimizer by
    β₂ (as decay rates): the two agree for β₂ = 0.5. optax's weight decay is AdamW's, and
    its default eps_root = 1e-8 (inside the square root) is set to pytorch-optimizer's 0."""
    hyper = {"lr": 0.01, "betas": (0.9, 0.5, 0.99), "weight_decay": 0.1}
    problem = Problem(seed=8)
    expected = optax_reference(_optax_adan)(hyper, problem.init, problem.grad_fn, 100)
    assert_close(run("Adan", {**hyper, "weight_decouple": True}, problem, 100), expected)


def test_adan_differs_from_optax_adan_with_the_default_betas():
    """With β₂ = 0.92 optax gives the difference the weight 0.08 instead of 0.92. The first
    step has no difference (both take g₀ = g₁) and agrees; the second does not."""
    hyper = {"lr": 0.01, "betas": (0.98, 0.92, 0.99)}
    problem = Problem(seed=8)
    expected = optax_reference(_optax_adan)(hyper, problem.init, problem.grad_fn, 2)
    mine = run("Adan", hyper, problem, 2)
    assert_close(mine[:1], expected[:1])
    assert not np.allclose(mine[1][0], expected[1][0], rtol=1e-3)


# -- where minigrad does not copy pytorch-optimizer ------------------------------------------
def test_adan_clipping_differs_from_pytorch_optimizer_only_by_its_float32_norm():
    """pytorch-optimizer takes the global norm of ``max_grad_norm`` in float32; minigrad in
    the gradients' dtype. Over 100 clipped steps the trajectories stay within 1e-4."""
    hyper = {"lr": 0.02, "max_grad_norm": 1.0}
    problem = Problem(seed=3)
    expected = pytorch_optimizer_reference("Adan")(hyper, problem.init, problem.grad_fn, 100)
    assert_close(run("Adan", hyper, problem, 100), expected, rtol=1e-4, atol=1e-8)


def test_adan_step_with_a_closure_clips_the_gradients_it_computed():
    """Adan's own step(): the closure runs first (with gradients on), then c is taken from
    the gradients it left, then the hooks and the update run; the loss is returned."""
    param = mg.tensor([3.0, 4.0], dtype=mg.float64, requires_grad=True)
    optimizer = O.Adan([param], lr=0.1, max_grad_norm=1.0, eps=0.0)
    calls = []
    optimizer.register_step_pre_hook(lambda *args: calls.append("pre"))

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum() / 2  # gradient θ, norm 5
        loss.backward()
        return loss

    assert optimizer.step(closure).item() == 12.5
    assert calls == ["pre"]
    np.testing.assert_allclose(optimizer.state[param]["exp_avg"].numpy(),
                               0.02 * np.array([3.0, 4.0]) / 5)


@pytest.mark.parametrize("name", ["Adan", "NovoGrad", "MARS"])
def test_float32_parameters_keep_float32_state(name):
    params = [mg.tensor(np.ones((3, 2)), dtype=mg.float32, requires_grad=True),
              mg.tensor(np.ones(4), dtype=mg.float32, requires_grad=True)]
    optimizer = getattr(O, name)(params, max_grad_norm=1.0) if name == "Adan" \
        else getattr(O, name)(params)
    for _ in range(2):
        for param in params:
            param.grad = mg.tensor(np.full(param.shape, 0.5), dtype=mg.float32)
        optimizer.step()
    for param in params:
        assert param.dtype == mg.float32
        for value in optimizer.state[param].values():
            if isinstance(value, mg.Tensor):
                assert value.dtype == mg.float32


def test_pytorch_optimizer_adan_maximize_starts_with_a_nonzero_difference():
    """Why Adan's ``maximize`` is not copied: pytorch-optimizer records its first previous
    gradient before negating g, so its first difference is 2ĝ (ĝ = −g), not 0."""
    import pytorch_optimizer
    import torch
    param = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    optimizer = pytorch_optimizer.Adan([param], lr=0.01, maximize=True)
    param.grad = torch.tensor([0.5, 3.0], dtype=torch.float64)
    optimizer.step()
    beta2 = 0.92
    np.testing.assert_allclose(optimizer.state[param]["exp_avg_diff"].numpy(),
                               (1 - beta2) * 2 * np.array([-0.5, -3.0]))
    mine = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    minigrad_adan = O.Adan([mine], lr=0.01, maximize=True)
    mine.grad = mg.tensor([0.5, 3.0], dtype=mg.float64)
    minigrad_adan.step()
    np.testing.assert_array_equal(minigrad_adan.state[mine]["exp_avg_diff"].numpy(), [0.0, 0.0])


@pytest.mark.parametrize("name", ["Adan", "NovoGrad", "MARS"])
def test_maximize_equals_minimising_the_negated_gradient(name):
    hyper = {k: v for k, v in INFO[name].hyper_sets[-1].items() if k != "maximize"}
    problem = Problem(seed=9)
    ascending = run(name, {**hyper, "maximize": True}, problem, 30)
    descending = run(name, hyper, problem, 30, sign=-1.0)
    assert_close(ascending, descending, rtol=0, atol=0)


@pytest.mark.parametrize("name, hyper", [
    ("Adan", {"lr": 0.01, "max_grad_norm": 0.5, "maximize": True, "weight_decay": 0.1}),
    ("NovoGrad", {"lr": 0.01, "weight_decay": 0.1, "maximize": True, "grad_averaging": True}),
    ("MARS", {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": False, "maximize": True,
              "cautious": True}),
])
def test_the_callers_gradients_are_not_written(name, hyper):
    """pytorch-optimizer scales, negates or decays ``param.grad`` in place; minigrad not."""
    problem = Problem(seed=10)
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]
    optimizer = getattr(O, name)(params, **hyper)
    for step in range(3):
        grads = problem.grad_fn(step, [p.detach().numpy() for p in params])
        for param, grad in zip(params, grads):
            param.grad = mg.tensor(grad, dtype=mg.float64)
        optimizer.step()
        for param, grad in zip(params, grads):
            np.testing.assert_array_equal(param.grad.numpy(), grad)


# -- per-tensor statistics and the fast path -------------------------------------------------
def test_novograd_keeps_one_second_moment_per_tensor():
    """v₁ = ‖g₁‖², a 0-d array per parameter; m₁ = g₁ / (√v₁ + ε)."""
    param = mg.tensor([[3.0, 0.0], [0.0, 4.0]], dtype=mg.float64, requires_grad=True)
    optimizer = O.NovoGrad([param], lr=0.1, eps=0.0)
    param.grad = mg.tensor([[3.0, 0.0], [0.0, 4.0]], dtype=mg.float64)
    optimizer.step()
    state = optimizer.state[param]
    assert state["grads_ema"].shape == ()
    assert state["grads_ema"].item() == 25.0
    np.testing.assert_allclose(state["moments"].numpy(), [[0.6, 0.0], [0.0, 0.8]])
    np.testing.assert_allclose(param.detach().numpy(), [[2.94, 0.0], [0.0, 3.92]])


@pytest.mark.parametrize("name", ["NovoGrad", "MARS"])
def test_per_tensor_rules_run_the_plain_loop_and_refuse_foreach(name):
    params = [mg.tensor(np.ones((2, 2)), requires_grad=True)]
    assert not permission(getattr(O, name)(params)).buckets
    with pytest.raises(RuntimeError, match="does not declare `elementwise = True`"):
        getattr(O, name)(params, foreach=True)


def test_adan_takes_the_fast_path():
    params = [mg.tensor(np.ones((2, 2)), requires_grad=True)]
    assert permission(O.Adan(params, foreach=True)).buckets


def test_mars_clips_the_corrected_gradient_to_norm_one_per_tensor():
    """c₁ = (1 + γβ₁/(1 − β₁)) g₁ (g₀ = 0), divided by ‖c₁‖ when that exceeds 1, so the
    first momentum is (1 − β₁) c₁ / ‖c₁‖ for a large gradient."""
    param = mg.tensor(np.zeros((2, 2)), dtype=mg.float64, requires_grad=True)
    optimizer = O.MARS([param], lr=0.01, betas=(0.9, 0.99))
    param.grad = mg.tensor([[30.0, 0.0], [0.0, 40.0]], dtype=mg.float64)
    optimizer.step()
    np.testing.assert_allclose(optimizer.state[param]["exp_avg"].numpy(),
                               0.1 * np.array([[0.6, 0.0], [0.0, 0.8]]))


def test_unknown_options_raise_type_error():
    params = [mg.tensor(np.ones(2), requires_grad=True)]
    with pytest.raises(TypeError, match="Adan got an unexpected keyword argument 'r'"):
        O.Adan(params, r=0.95)
    with pytest.raises(TypeError, match="MARS got an unexpected keyword argument 'momentum'"):
        O.MARS(params, momentum=0.9)
    with pytest.raises(ValueError, match="adanorm_r"):
        O.Adan(params, adanorm_r=0.9)


# -- learning: two spirals -----------------------------------------------------------------
LEARNING = [
    ("Adan", lambda p: O.Adan(p, lr=0.03), 200),
    ("NovoGrad", lambda p: O.NovoGrad(p, lr=0.1), 200),
    ("MARS", lambda p: O.MARS(p, lr=0.03, lr_1d=0.03), 200),
    ("MARS-cautious", lambda p: O.MARS(p, lr=0.03, lr_1d=0.03, cautious=True), 200),
    ("MARS-lion", lambda p: O.MARS(p, lr=0.003, lr_1d=0.01, mars_type="lion"), 400),
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
