"""Shampoo, SOAP and Kron: what the generic registry tests (test_optim_generic.py) do not
cover.

- each one learns the two-spirals problem (a 2-64-64-2 tanh MLP, full batch) to 90 %.
"""
import numpy as np
import pytest

import minigrad as mg
from test_optim_lbfgs_adafactor_muon import spirals_mlp, train_full_batch


# ------------------------------------------------------------------------------ spirals
def test_shampoo_learns_two_spirals():
    """Budget: 200 full-batch steps, lr=0.1, momentum 0.5 (REACHED reached)."""
    params, loss, accuracy = spirals_mlp()
    train_full_batch([mg.optim.Shampoo(params, lr=0.1, momentum=0.5)], loss, 200)
    assert accuracy() >= 0.9
