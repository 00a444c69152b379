"""Registry entries for the optimizers that copy ``torch.optim``: SGD, Adam, AdamW,
Adagrad, RMSprop, Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop.

The reference is torch 2.13 itself, on the CPU in float64 with ``foreach=False``
(the single-tensor code path) and float64 as the default dtype, so that the
scalar statistics torch keeps as 0-d tensors of the default dtype (NAdam's
mu_product, ASGD's eta and mu) are float64 as minigrad's are.
"""

import minigrad as mg
from optim_registry import (BETAS_ERRORS, EPS_ERRORS, LR_ERRORS, WEIGHT_DECAY_ERRORS, OptimInfo,
                            invalid, torch_reference)


def torch_family_reference(torch_name):
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import torch
        run = torch_reference(getattr(torch.optim, torch_name))
        previous = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            return run({**hyper, "foreach": False}, init_params, grad_fn, steps, loss_fn)
        finally:
            torch.set_default_dtype(previous)
    return reference


def info(name, hyper_sets, error_inputs, **fields):
    return OptimInfo(name=name, cls=getattr(mg.optim, name), hyper_sets=hyper_sets,
                     reference=torch_family_reference(name), error_inputs=error_inputs, **fields)


INFOS = [
    info("SGD", [
        {},
        {"lr": 0.05},
        {"lr": 0.03, "momentum": 0.9},
        {"lr": 0.02, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01},
        {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
        {"lr": 1e-3, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
    ], LR_ERRORS + WEIGHT_DECAY_ERRORS + [
        ({"momentum": -0.5}, invalid("Invalid momentum value: -0.5")),
        ({"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum"),
        ({"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
         "Nesterov momentum requires a momentum and zero dampening"),
    ]),
    info("Adam", [
        {},
        {"lr": 0.01, "amsgrad": True},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True},
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS),
    info("AdamW", [
        {},
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.005, "weight_decay": 0.05, "amsgrad": True},
        {"lr": 0.01, "betas": (0.5, 0.9), "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS),
    info("Adagrad", [
        {},
        {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1},
        {"lr": 0.05, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + [
        ({"lr_decay": -0.1}, invalid("Invalid lr_decay value: -0.1")),
        ({"initial_accumulator_value": -1.0},
         invalid("Invalid initial_accumulator_value value: -1.0")),
    ]),
    info("RMSprop", [
        {},
        {"lr": 0.01, "alpha": 0.9, "momentum": 0.9, "weight_decay": 0.01},
        {"lr": 0.005, "centered": True, "momentum": 0.5},
        {"lr": 1e-3, "centered": True, "weight_decay": 0.1, "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + [
        ({"momentum": -0.9}, invalid("Invalid momentum value: -0.9")),
        ({"alpha": -0.5}, invalid("Invalid alpha value: -0.5")),
    ]),
    info("Adadelta", [
        {},
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.1},
        {"rho": 0.8, "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + [
        ({"rho": 1.5}, invalid("Invalid rho value: 1.5")),
        ({"rho": -0.1}, invalid("Invalid rho value: -0.1")),
    ]),
    info("Adamax", [
        {},
        {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05},
        {"eps": 1e-4, "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS),
    info("NAdam", [
        {},
        {"lr": 0.01, "weight_decay": 0.05},
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "momentum_decay": 1e-2},
        {"betas": (0.85, 0.99), "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS + [
        ({"momentum_decay": -1e-3}, invalid("Invalid momentum_decay value: -0.001")),
    ]),
    info("RAdam", [
        {},
        {"lr": 0.01, "weight_decay": 0.05},
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"betas": (0.9, 0.9), "eps": 1e-6, "maximize": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS),
    # ASGD's built-in decay θ ← θ(1 − λ_a η) moves θ even when every gradient is zero.
    info("ASGD", [
        {},
        {"lr": 0.05, "lambd": 1e-3, "alpha": 0.6, "t0": 20, "weight_decay": 0.01},
        {"lr": 1e-3, "t0": 0, "maximize": True},
    ], LR_ERRORS + WEIGHT_DECAY_ERRORS, zero_grad_is_identity=False),
    info("Rprop", [
        {},
        {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-4, 1.0)},
        {"step_sizes": (1e-6, 1.0), "maximize": True},
    ], LR_ERRORS + [
        ({"etas": (1.5, 1.2)}, invalid("Invalid eta values: 1.5, 1.2")),
        ({"etas": (0.5, 0.9)}, invalid("Invalid eta values: 0.5, 0.9")),
        ({"etas": (0.0, 1.2)}, invalid("Invalid eta values: 0.0, 1.2")),
    ]),
]
