"""Registry entries for Adan, NovoGrad and MARS, whose reference is pytorch-optimizer
4.1.0 (``pytorch_optimizer``), run on float64 torch tensors on the CPU.

minigrad's argument names are pytorch-optimizer's, so the hyperparameters go
through unchanged. pytorch-optimizer writes into ``param.grad`` during its
step (it negates it for ``maximize``, scales it, adds weight decay); the
harness sets fresh gradients before every step, so that changes nothing here.

Adan's reference differs from plain pytorch-optimizer in two places where
minigrad deliberately does not copy it (see ``minigrad/optim/adan.py``):

- the global gradient norm of ``max_grad_norm`` is taken in float64 (the
  gradients' dtype) where pytorch-optimizer takes it in float32, a relative
  drift of about 1e-5 over 100 steps (``test_optim_adan_novograd_mars.py``
  bounds it);
- ``maximize=True`` runs as minimising the negated gradients: pytorch-optimizer
  records its first "previous gradient" before negating, so its first
  gradient difference is 2ĝ₁ instead of 0 (``maximize`` would not be the same
  as minimising −f).
"""
from contextlib import contextmanager
from unittest import mock

import minigrad as mg
from optim_registry import (EPS_ERRORS, LR_ERRORS, WEIGHT_DECAY_ERRORS, OptimInfo, invalid,
                            torch_reference)


def pytorch_optimizer_reference(name):
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import pytorch_optimizer
        return torch_reference(getattr(pytorch_optimizer, name))(hyper, init_params, grad_fn,
                                                                 steps, loss_fn)
    return reference


@contextmanager
def float64_global_norm():
    """pytorch-optimizer's Adan with its global gradient norm taken in float64."""
    import torch

    def squared_norm(param_groups):
        grads = [p.grad for group in param_groups for p in group["params"] if p.grad is not None]
        return sum((grad * grad).sum() for grad in grads).reshape(1)

    with mock.patch("pytorch_optimizer.optimizer.adan.get_global_gradient_norm", squared_norm), \
            torch.no_grad():
        yield


def adan_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    hyper = dict(hyper)
    sign = -1.0 if hyper.pop("maximize", False) else 1.0

    def signed_grad_fn(step, params):
        return [sign * grad for grad in grad_fn(step, params)]

    with float64_global_norm():
        return pytorch_optimizer_reference("Adan")(hyper, init_params, signed_grad_fn, steps)


def info(name, hyper_sets, error_inputs, reference=None):
    return OptimInfo(name=name, cls=getattr(mg.optim, name), hyper_sets=hyper_sets,
                     reference=reference or pytorch_optimizer_reference(name),
                     error_inputs=error_inputs)


TWO_BETAS_ERRORS = [
    ({"betas": (1.0, 0.9)}, invalid("Invalid beta parameter at index 0: 1.0")),
    ({"betas": (0.9, -0.1)}, invalid("Invalid beta parameter at index 1: -0.1")),
]

INFOS = [
    info("Adan", [
        {},
        {"lr": 0.01, "weight_decay": 0.1},                              # proximal decay
        {"lr": 0.01, "weight_decay": 0.05, "weight_decouple": True, "maximize": True},
        {"lr": 0.02, "max_grad_norm": 1.0},                             # clipping every step
        {"lr": 0.01, "betas": (0.0, 0.0, 0.0), "eps": 1e-6},             # no memory at all
        {"lr": 0.005, "betas": (0.9, 0.5, 0.999), "max_grad_norm": 50.0, "weight_decay": 0.02},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + [
        ({"betas": (0.98, 1.0, 0.99)}, invalid("Invalid beta parameter at index 1: 1.0")),
        ({"betas": (0.98, 0.92, 1.0)}, invalid("Invalid beta parameter at index 2: 1.0")),
        ({"betas": (0.98, 0.92)}, invalid("betas must be a tuple of 3 numbers")),
        ({"max_grad_norm": -1.0}, invalid("Invalid max_grad_norm: -1.0")),
        ({"use_gc": True}, invalid("Adan does not support the option use_gc")),
        ({"adanorm": True}, invalid("Adan does not support the option adanorm")),
    ], reference=adan_reference),
    info("NovoGrad", [
        {},
        {"lr": 0.01, "weight_decay": 0.1},                              # L2 after normalising
        {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": True, "grad_averaging": True},
        {"lr": 0.005, "weight_decay": 0.01, "weight_decouple": True, "fixed_decay": True,
         "maximize": True},
        {"lr": 0.02, "betas": (0.0, 0.0), "adam_debias": True},          # no memory at all
        {"lr": 0.01, "betas": (0.9, 0.25), "eps": 1e-4},                 # optax's betas
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + TWO_BETAS_ERRORS),
    info("MARS", [
        # first: the set the group and zero-gradient tests use, with every tensor under
        # MARS's rule (the 1-d learning rate is a ratio of the constructor's lr, and
        # weight_decay_1d decays 1-d tensors even where the gradients are zero)
        {"lr": 0.01, "optimize_1d": True, "cautious": True, "gamma": 0.5, "maximize": True,
         "weight_decay": 0.01},
        {},
        {"lr": 0.01, "weight_decay": 0.1, "weight_decay_1d": 0.0, "ams_bound": True},
        {"lr": 0.005, "mars_type": "lion", "cautious": True, "lr_1d": 0.01},
        {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": False, "gamma": 0.1},
        {"lr": 0.01, "gamma": 0.0, "fixed_decay": True, "weight_decay": 0.01,
         "betas_1d": (0.5, 0.6), "eps": 1e-6, "mars_type": "lion", "optimize_1d": True},
    ], LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + TWO_BETAS_ERRORS + [
        ({"lr": 0.0}, invalid("MARS needs lr > 0")),
        ({"betas_1d": (0.9, 1.0)}, invalid("Invalid betas_1d parameter at index 1: 1.0")),
        ({"gamma": -0.1}, invalid("Invalid gamma")),
        ({"weight_decay_1d": -0.1}, invalid("Invalid weight_decay_1d value: -0.1")),
        ({"lr_1d": -0.1}, invalid("Invalid lr_1d")),
        ({"mars_type": "shampoo"}, invalid("MARS does not support mars_type='shampoo'")),
        ({"mars_type": "sgd"}, invalid("mars_type must be 'adamw' or 'lion'")),
    ]),
]
