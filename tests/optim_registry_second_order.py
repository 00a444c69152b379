"""Registry entries for LBFGS, Adafactor and Muon (references: torch 2.13, float64).

- LBFGS runs with a closure (``closure_loss=True``): each outer step evaluates
  the problem's loss and gradient for that step as often as it likes. One
  parameter group only, so ``supports_groups=False``.
- Muon accepts 2-D parameters only. The problem has vectors as well, so both
  sides give Muon the matrices and leave the vectors where they are. torch's
  Muon runs its Newton–Schulz iteration in bfloat16; the reference here is
  torch's Muon with that one cast removed (``_zeropower_via_newtonschulz``
  replaced by a float64 copy of itself), which is what minigrad computes.
  tests/test_optim_lbfgs_adafactor_muon.py compares with the unmodified one.
"""
import contextlib

import minigrad as mg
from optim_registry import OptimInfo, invalid, torch_reference


def newton_schulz_without_bfloat16(grad, ns_coefficients, ns_steps, eps):
    """torch 2.13's ``_zeropower_via_newtonschulz`` line for line, minus ``.bfloat16()``."""
    import torch
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    a, b, c = ns_coefficients
    ortho_grad = grad.clone()
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    ortho_grad.div_(ortho_grad.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram_matrix = ortho_grad @ ortho_grad.T
        gram_update = torch.addmm(gram_matrix, gram_matrix, gram_matrix, beta=b, alpha=c)
        ortho_grad = torch.addmm(ortho_grad, gram_update, ortho_grad, beta=a)
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    return ortho_grad


@contextlib.contextmanager
def torch_muon_in_full_precision():
    """Inside: torch.optim.Muon orthogonalises in the update's dtype instead of bfloat16."""
    import torch.optim._muon as torch_muon
    original = torch_muon._zeropower_via_newtonschulz
    torch_muon._zeropower_via_newtonschulz = newton_schulz_without_bfloat16
    try:
        yield
    finally:
        torch_muon._zeropower_via_newtonschulz = original


def muon_on_matrices(params, hyper):
    """Muon for the 2-D parameters (of each group, if groups are given); the rest stay put."""
    if params and isinstance(params[0], dict):
        groups = [{**group, "params": [p for p in group["params"] if p.ndim == 2]}
                  for group in params]
        return mg.optim.Muon(groups, **hyper)
    return mg.optim.Muon([p for p in params if p.ndim == 2], **hyper)


@contextlib.contextmanager
def torch_settings_for_reference():
    """Inside: torch's default dtype is float64, so the losses the reference's closures
    return (``torch.tensor(float)``) are float64 like minigrad's, not float32; and torch
    computes on one thread (on a busy 2-core machine its threads wait on each other:
    100 steps of Muon took 25 s with two threads, 0.25 s with one)."""
    import torch
    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)


def torch_muon_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    import torch

    def torch_muon_on_matrices(params, **kwargs):
        return torch.optim.Muon([p for p in params if p.ndim == 2], **kwargs)

    with torch_muon_in_full_precision(), torch_settings_for_reference():
        return torch_reference(torch_muon_on_matrices)(hyper, init_params, grad_fn, steps,
                                                       loss_fn)


def torch_reference_named(name):
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import torch
        with torch_settings_for_reference():
            return torch_reference(getattr(torch.optim, name))(hyper, init_params, grad_fn,
                                                               steps, loss_fn)
    return reference


INFOS = [
    OptimInfo(
        name="LBFGS", cls=mg.optim.LBFGS, reference=torch_reference_named("LBFGS"),
        closure_loss=True, supports_groups=False, steps=8,
        hyper_sets=[
            {},
            {"lr": 0.5, "max_iter": 5, "history_size": 3},
            {"line_search_fn": "strong_wolfe"},
            {"line_search_fn": "strong_wolfe", "max_iter": 7, "max_eval": 9, "history_size": 4,
             "tolerance_grad": 1e-5, "tolerance_change": 1e-7},
        ],
        error_inputs=[
            ({"lr": -1.0}, invalid("Invalid learning rate: -1.0")),
            ({"line_search_fn": "armijo"},
             invalid("line_search_fn must be None or 'strong_wolfe', got 'armijo'")),
        ]),
    OptimInfo(
        name="Adafactor", cls=mg.optim.Adafactor, reference=torch_reference_named("Adafactor"),
        hyper_sets=[
            {},
            {"lr": 0.05, "weight_decay": 0.1},
            {"lr": 0.1, "beta2_decay": -0.5, "eps": (1e-6, 1e-2), "d": 2.0},
            {"lr": 0.02, "weight_decay": 0.05, "maximize": True},
        ],
        error_inputs=[
            ({"lr": -0.01}, invalid("Learning rate should be >= 0 but is: -0.01")),
            ({"beta2_decay": 0.5}, invalid("beta2_decay should be <= 0 but is: 0.5")),
            ({"eps": (-1.0, 1e-3)}, invalid("epsilon1 should be >= 0 but is: -1.0")),
            ({"eps": (None, -1e-3)}, invalid("epsilon2 should be >= 0 but is: -0.001")),
            ({"d": 0.5}, invalid("Clipping threshold d should be >= 1 but is: 0.5")),
            ({"weight_decay": -0.1}, invalid("weight_decay should be >= 0 but is: -0.1")),
        ]),
    OptimInfo(
        name="Muon", cls=mg.optim.Muon, reference=torch_muon_reference, make=muon_on_matrices,
        hyper_sets=[
            {},
            {"lr": 0.02, "nesterov": False, "adjust_lr_fn": "match_rms_adamw"},
            {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.0, "ns_steps": 3,
             "adjust_lr_fn": "original"},
            {"lr": 0.01, "ns_coefficients": (1.875, -1.25, 0.375), "ns_steps": 8, "eps": 1e-5},
        ],
        error_inputs=[
            ({"lr": -1e-3}, invalid("Learning rate should be >= 0 but is: -0.001")),
            ({"momentum": -0.5}, invalid("momentum should be >= 0 but is: -0.5")),
            ({"weight_decay": -0.1}, invalid("weight decay should be >= 0 but is: -0.1")),
            ({"adjust_lr_fn": "spectral"},
             invalid("Adjust learning rate function spectral is not supported")),
            ({"ns_steps": 100},
             invalid("Number of steps must be less than 100 for computational efficiency")),
            ({"ns_coefficients": (3.4445, -4.7750)},
             invalid("Coefficients must be a tuple of exactly 3 values")),
        ]),
]
