"""Shampoo, SOAP and Kron: what the generic registry tests (test_optim_generic.py) do not
cover.

- each one learns the two-spirals problem (a 2-64-64-2 tanh MLP, full batch) to 90 %;
- SOAP's ``merge_dims`` (with both data formats) on a 4-D parameter equals the reference;
"""
import numpy as np
import pytest

import minigrad as mg
from optim_registry import Problem
from optim_registry_shampoo_soap_kron import INFOS
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
