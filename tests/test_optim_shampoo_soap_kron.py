"""Shampoo, SOAP and Kron: what the generic registry tests (test_optim_generic.py) do not
cover.

- each one learns the two-spirals problem (a 2-64-64-2 tanh MLP, full batch) to 90 %;
- SOAP's ``merge_dims`` (with both data formats) on a 4-D parameter equals the reference;
- Kron with two param groups equals the reference with the same groups (fed the same
  draws); with its default float32 factors it stays within float32 rounding of the
  reference; it draws from its generator (or the default one, which mg.manual_seed seeds).
"""
import numpy as np
import pytest

import minigrad as mg
from optim_registry import Problem
from optim_registry_second_order import torch_settings_for_reference
from optim_registry_shampoo_soap_kron import (INFOS, kron_reference_draws, kron_with_generator,
                                              torch_dtypes)
from test_optim_generic import assert_trajectories_equal, run_minigrad, run_reference
from test_optim_lbfgs_adafactor_muon import spirals_mlp, train_full_batch


# ------------------------------------------------------------------------------ spirals
def test_shampoo_learns_two_spirals():
    """Budget: 200 full-batch steps, lr=0.5 (0.955 reached)."""
    params, loss, accuracy = spirals_mlp()
    train_full_batch([mg.optim.Shampoo(params, lr=0.5)], loss, 200)
    assert accuracy() >= 0.9


def test_soap_learns_two_spirals():
    """Budget: 150 full-batch steps, lr=0.03, other settings default (0.98 reached)."""
    params, loss, accuracy = spirals_mlp()
    train_full_batch([mg.optim.SOAP(params, lr=0.03)], loss, 150)
    assert accuracy() >= 0.9


# --------------------------------------------------------------------------------- SOAP
@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_soap_merge_dims_of_a_4d_parameter_equals_reference(data_format):
    # (2, 3, 4, 5) merged under max_precondition_dim=10: [6, 4, 5] channels first, and
    # (2, 5, 3, 4) → [10, 3, 4] channels last. (pytorch-optimizer fails on vectors and on
    # tensors that merge into one dimension, so the registry cannot run merge_dims.)
    info = next(i for i in INFOS if i.name == "SOAP")
    hyper = {"lr": 0.01, "merge_dims": True, "max_precondition_dim": 10,
             "precondition_frequency": 4, "data_format": data_format}
    problem = Problem(seed=7, shapes=[(2, 3, 4, 5)])
    mine, _, _ = run_minigrad(info, hyper, problem, 30)
    assert_trajectories_equal(mine, run_reference(info, hyper, problem, 30), info)


def test_soap_merge_dims_keeps_a_vector_and_merges_a_small_matrix_into_one_dimension():
    vector = mg.tensor(np.ones(5), requires_grad=True)
    matrix = mg.tensor(np.ones((3, 4)), requires_grad=True)
    optimizer = mg.optim.SOAP([vector, matrix], merge_dims=True, precondition_1d=True)
    vector.grad = mg.tensor(np.arange(5.0))
    matrix.grad = mg.tensor(np.arange(12.0).reshape(3, 4))
    optimizer.step()
    assert optimizer.state[vector]["GG_0"].shape == (5, 5)
    assert optimizer.state[matrix]["GG_0"].shape == (12, 12)
    assert "GG_1" not in optimizer.state[matrix]


def test_kron_learns_two_spirals():
    """Budget: 200 full-batch steps, lr=0.03, other settings default (0.99 reached)."""
    params, loss, accuracy = spirals_mlp()
    optimizer = mg.optim.Kron(params, lr=0.03, generator=mg.Generator().manual_seed(0))
    train_full_batch([optimizer], loss, 200)
    assert accuracy() >= 0.9


# --------------------------------------------------------------------------------- Kron
def kron_reference_run(groups_of_indices, group_hyper, problem, steps, hyper):
    """pytorch-optimizer's Kron on float64 torch tensors, with param groups, fed
    minigrad's draws (``kron_reference_draws``)."""
    import pytorch_optimizer
    import torch
    params = [torch.tensor(p, requires_grad=True) for p in problem.init]
    groups = [{"params": [params[i] for i in indices], **torch_dtypes(extra)}
              for indices, extra in zip(groups_of_indices, group_hyper)]
    trajectory = []
    with torch_settings_for_reference(), kron_reference_draws():
        optimizer = pytorch_optimizer.Kron(groups, **torch_dtypes(hyper))
        for step in range(steps):
            values = [p.detach().numpy().copy() for p in params]
            for param, grad in zip(params, problem.grad_fn(step, values)):
                param.grad = torch.tensor(grad)
            optimizer.step()
            trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def test_kron_two_param_groups_equal_the_reference_with_the_same_groups():
    # The registry compares two groups with two separate runs; Kron's draws are one stream
    # for the whole optimizer, so here the reference gets the same two groups instead.
    info = next(i for i in INFOS if i.name == "Kron")
    hyper = {"lr": 0.01, "precondition_dtype": mg.float64, "balance_prob": 0.3}
    first = {"lr": 0.005, "weight_decay": 0.05, "memory_save_mode": "all_diag"}
    problem = Problem(seed=2)
    params = [mg.tensor(p, dtype=mg.float64, requires_grad=True) for p in problem.init]
    optimizer = kron_with_generator([{"params": params[:3], **first},
                                     {"params": params[3:]}], hyper)
    mine, _, _ = run_minigrad(info, hyper, problem, 40, optimizer_out=optimizer, params=params)
    expected = kron_reference_run([[0, 1, 2], [3]], [first, {}], problem, 40, hyper)
    assert_trajectories_equal(mine, expected, info, " (two groups)")


def test_kron_with_float32_factors_stays_close_to_the_reference():
    # The default precondition_dtype: the factors in float32 on both sides, computed by
    # different kernels, so equal to float32 rounding rather than exactly.
    info = next(i for i in INFOS if i.name == "Kron")
    hyper = {"lr": 0.01}
    problem = Problem(seed=8)
    mine, optimizer, params = run_minigrad(info, hyper, problem, 30)
    assert optimizer.state[params[0]]["Q_0"].dtype == mg.float32
    loose = type(info)(**{**vars(info), "rtol": 1e-4, "atol": 1e-6})
    assert_trajectories_equal(mine, run_reference(info, hyper, problem, 30), loose)


def test_kron_refuses_a_generator_that_is_not_a_cpu_generator():
    param = mg.tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match="generator must be a CPU mg.Generator or None"):
        mg.optim.Kron([param], generator=np.random.default_rng(0))


def test_kron_same_seed_same_steps_and_the_default_generator_follows_manual_seed():
    def run(**kwargs):
        param = mg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
        optimizer = mg.optim.Kron([param], lr=0.1, **kwargs)
        for _ in range(5):
            param.grad = param.detach() * 2 + 0.1
            optimizer.step()
        return param.detach().numpy()

    np.testing.assert_array_equal(run(generator=mg.Generator().manual_seed(3)),
                                  run(generator=mg.Generator().manual_seed(3)))
    mg.manual_seed(5)
    first = run()
    mg.manual_seed(5)
    np.testing.assert_array_equal(run(), first)
