"""Registry entries for Prodigy, DAdaptAdam and SAM (reference: pytorch-optimizer 4.1.0,
on torch float64 tensors).

- Prodigy and DAdaptAdam keep one estimate of d for all groups, so two groups
  are not two separate runs (``supports_groups=False``); the tests in
  test_optim_prodigy_dadapt_sam.py compare two groups with pytorch-optimizer's
  two groups. Their references run under ``torch.set_default_dtype(float64)``:
  pytorch-optimizer accumulates d's sums in tensors of the default dtype, and
  minigrad in the parameters' (float64 here).
- Prodigy's coupled weight decay (weight_decouple=False) is the authors' (the
  decay joins the gradient before the statistics); pytorch-optimizer's has no
  effect. Its reference for such a set is pytorch-optimizer with
  weight_decay=0 and the gradient g + λx (−g + λx for maximize, which it negates
  back), the same algorithm.
- SAM needs a closure (``closure_loss=True``) and the gradient at w before its
  step: both sides run ``closure(); optimizer.step(closure)`` (minigrad's
  ``SAMFromClosure``, as ``minigrad train`` does). Its hyperparameter sets are
  flat: ``base`` names the base optimizer ("SGD" or "Adam"), ``rho``,
  ``adaptive``, ``use_gc`` and ``perturb_eps`` are SAM's and everything else
  goes to the base optimizer. The global gradient norm makes two groups one
  problem, so ``supports_groups=False`` here too. pytorch-optimizer computes
  that norm in float32; the reference here is its SAM with that one cast
  removed (as the Muon entry removes torch's bfloat16), and
  test_optim_prodigy_dadapt_sam.py compares with the unmodified one.
"""
import contextlib

import minigrad as mg
from minigrad.cli.sam import SAMFromClosure
from optim_registry import OptimInfo, invalid, torch_reference
from optim_registry_second_order import torch_settings_for_reference

SAM_OPTIONS = ("rho", "adaptive", "use_gc", "perturb_eps")


def prodigy_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    import pytorch_optimizer
    hyper = dict(hyper)
    if not hyper.get("weight_decouple", True) and hyper.get("weight_decay", 0.0):
        decay, sign = hyper.pop("weight_decay"), -1.0 if hyper.get("maximize") else 1.0
        original = grad_fn

        def grad_fn(step, params):
            return [g + sign * decay * p for g, p in zip(original(step, params), params)]
    with torch_settings_for_reference():
        return torch_reference(pytorch_optimizer.Prodigy)(hyper, init_params, grad_fn, steps)


def dadapt_adam_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    import pytorch_optimizer
    with torch_settings_for_reference():
        return torch_reference(pytorch_optimizer.DAdaptAdam)(hyper, init_params, grad_fn, steps)


def make_sam(params, hyper):
    hyper = dict(hyper)
    base = getattr(mg.optim, hyper.pop("base"))
    return SAMFromClosure(params, base, **hyper)


def squared_gradient_norm_in_its_dtype(param_groups, device=None, *, weight_adaptive=False):
    """pytorch-optimizer 4.1.0's ``get_global_gradient_norm`` line for line, minus its cast
    of the norms to float32 (minigrad computes the norm in the parameters' dtype)."""
    import torch
    grads = []
    for group in param_groups:
        adaptive = weight_adaptive and group.get("adaptive", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            grads.append(p.grad * p.abs() if adaptive else p.grad)
    return torch.stack([grad.norm() for grad in grads]).square_().sum().reshape(1)


@contextlib.contextmanager
def sam_norm_in_full_precision():
    """Inside: pytorch-optimizer's SAM takes the gradient norm in the gradients' dtype."""
    import pytorch_optimizer.optimizer.sam as reference_sam
    original = reference_sam.get_global_gradient_norm
    reference_sam.get_global_gradient_norm = squared_gradient_norm_in_its_dtype
    try:
        yield
    finally:
        reference_sam.get_global_gradient_norm = original


def sam_reference(hyper, init_params, grad_fn, steps, loss_fn, full_precision=True):
    """pytorch-optimizer's SAM around torch's SGD or Adam: ``closure(); step(closure)``;
    with its gradient norm in float64 unless ``full_precision`` is False."""
    import torch
    import pytorch_optimizer
    hyper = dict(hyper)
    base = getattr(torch.optim, hyper.pop("base"))
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init_params]
    precision = sam_norm_in_full_precision() if full_precision else contextlib.nullcontext()
    with torch_settings_for_reference(), precision:
        optimizer = pytorch_optimizer.SAM(params, base, **hyper)
        trajectory = []
        for step in range(steps):
            def closure():
                values = [p.detach().numpy().copy() for p in params]
                for param, grad in zip(params, grad_fn(step, values)):
                    param.grad = torch.tensor(grad, dtype=torch.float64)
                return torch.tensor(loss_fn(step, values), dtype=torch.float64)

            closure()
            optimizer.step(closure)
            trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


INFOS = [
    OptimInfo(
        name="Prodigy", cls=mg.optim.Prodigy, reference=prodigy_reference, supports_groups=False,
        hyper_sets=[  # the last one is used for save/load and the devices: a busy one
            {},
            {"lr": 0.5, "betas": (0.8, 0.99), "beta3": 0.9, "d0": 1e-3, "d_coef": 2.0,
             "growth_rate": 1.05},
            {"lr": 0.0, "d0": 0.1},
            {"weight_decay": 0.05, "weight_decouple": False, "maximize": True, "eps": 1e-6,
             "d0": 1e-2, "growth_rate": 1.02},  # bounded d: ascent stays finite
            {"eps": None, "weight_decay": 0.2, "fixed_decay": True, "beta3": 1.0},
            {"weight_decay": 0.1, "bias_correction": True, "safeguard_warmup": True},
        ],
        error_inputs=[
            ({"lr": -1.0}, invalid("Invalid learning rate: -1.0")),
            ({"betas": (1.0, 0.999)}, invalid("Invalid beta parameter at index 0: 1.0")),
            ({"betas": (0.9, 1.0)}, invalid("Invalid beta parameter at index 1: 1.0")),
            ({"beta3": 1.5}, invalid("beta3 must be in [0, 1]")),
            ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative")),
            ({"eps": -1e-8}, invalid("eps must be non-negative")),
            ({"d0": 0.0}, invalid("d0 (the initial distance estimate) must be positive")),
            ({"d_coef": 0.0}, invalid("d_coef must be positive")),
            ({"growth_rate": 0.5}, invalid("growth_rate must be at least 1")),
        ]),
    OptimInfo(
        name="DAdaptAdam", cls=mg.optim.DAdaptAdam, reference=dadapt_adam_reference,
        supports_groups=False,
        hyper_sets=[
            {},
            {"lr": 0.5, "betas": (0.8, 0.99), "d0": 1e-3, "growth_rate": 1.02},
            {"lr": 0.0, "d0": 0.1},
            {"weight_decay": 0.05, "weight_decouple": True, "maximize": True, "eps": 1e-6,
             "d0": 1e-2, "growth_rate": 1.02},  # bounded d: ascent stays finite
            {"weight_decay": 0.2, "weight_decouple": True, "fixed_decay": True,
             "betas": (0.0, 0.5)},
            {"weight_decay": 0.1, "bias_correction": True},
        ],
        error_inputs=[
            ({"lr": -1.0}, invalid("Invalid learning rate: -1.0")),
            ({"betas": (0.9, 1.0)}, invalid("Invalid beta parameter at index 1: 1.0")),
            ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative")),
            ({"eps": -1e-8}, invalid("eps must be non-negative")),
            ({"d0": -1.0}, invalid("d0 (the initial distance estimate) must be positive")),
            ({"growth_rate": 0.5}, invalid("growth_rate must be at least 1")),
        ]),
    OptimInfo(
        name="SAM", cls=mg.optim.SAM, reference=sam_reference, make=make_sam, closure_loss=True,
        supports_groups=False,
        hyper_sets=[
            {"base": "SGD", "lr": 0.05},
            {"base": "SGD", "lr": 0.05, "momentum": 0.9, "rho": 0.2, "adaptive": True},
            {"base": "Adam", "lr": 0.01, "rho": 0.1, "weight_decay": 0.01},
            {"base": "SGD", "lr": 0.05, "rho": 0.0, "maximize": False, "nesterov": True,
             "momentum": 0.5},
            {"base": "Adam", "lr": 0.02, "adaptive": True, "use_gc": True, "rho": 0.5,
             "perturb_eps": 1e-3, "amsgrad": True},
        ],
        error_inputs=[
            ({"base": "SGD", "rho": -0.1}, invalid("rho must be non-negative, got -0.1")),
            ({"base": "SGD", "perturb_eps": -1.0},
             invalid("perturb_eps must be non-negative, got -1.0")),
            ({"base": "SGD", "lr": -0.1}, invalid("Invalid learning rate: -0.1")),
        ]),
]
