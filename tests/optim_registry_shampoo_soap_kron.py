"""Registry entries for Shampoo, SOAP and Kron (reference: pytorch-optimizer 4.1.0, float64).

The reference runs pytorch-optimizer's class on float64 torch tensors with the
problem's gradients, on one torch thread (``torch_settings_for_reference``).
"""
import minigrad as mg
from optim_registry import OptimInfo, invalid, torch_reference
from optim_registry_second_order import torch_settings_for_reference


def pytorch_optimizer_reference(name):
    """A reference that runs ``pytorch_optimizer.<name>`` in float64."""
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import pytorch_optimizer
        with torch_settings_for_reference():
            return torch_reference(getattr(pytorch_optimizer, name))(hyper, init_params, grad_fn,
                                                                     steps, loss_fn)
    return reference


SHAMPOO = OptimInfo(
    name="Shampoo", cls=mg.optim.Shampoo, reference=pytorch_optimizer_reference("Shampoo"),
    hyper_sets=[
        {"lr": 0.01},
        {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.05},
        {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": True, "matrix_eps": 1e-4},
        {"lr": 0.005, "weight_decay": 0.01, "weight_decouple": True, "fixed_decay": True,
         "preconditioning_compute_steps": 3, "momentum": 0.5, "matrix_eps": 0.01},
        {"lr": 0.01, "maximize": True, "preconditioning_compute_steps": 2, "matrix_eps": 0.1},
    ],
    error_inputs=[
        ({"lr": -0.1}, invalid("learning rate must be positive. (-0.1 > 0)")),
        ({"momentum": 1.0}, invalid("momentum must be in the range [0.0, 1.0)")),
        ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative")),
        ({"preconditioning_compute_steps": 0},
         invalid("preconditioning_compute_steps must be positive. (0 > 0)")),
        ({"matrix_eps": -1e-6}, invalid("matrix_eps must be non-negative")),
    ])

INFOS = [SHAMPOO]
