"""Registry entries for Shampoo, SOAP and Kron (reference: pytorch-optimizer 4.1.0, float64).

The reference runs pytorch-optimizer's class on float64 torch tensors with the
problem's gradients, on one torch thread (``torch_settings_for_reference``).
"""
import contextlib

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



def soap_reference_class():
    """pytorch-optimizer's SOAP, made a float64 oracle that can be compared step by step:

    - its QR refresh runs in float64 (pytorch-optimizer casts to float32 first; minigrad
      computes in the parameter's dtype): ``get_orthogonal_matrix_qr`` below is its own
      code with that cast removed;
    - its ``torch.tensordot`` and ``torch.linalg.eigh`` are NumPy's (the same kernels
      minigrad calls on the CPU). On the first step the statistics G Gᵀ of one gradient
      are rank-deficient, and the eigenvectors of the repeated eigenvalue 0 are *any*
      basis of its eigenspace: which one depends on the last bit of the matrix and on the
      LAPACK (torch's MKL and NumPy's OpenBLAS pick different ones). Adam in those
      coordinates then moves differently, so a comparison needs the same matrix and the
      same pick.
    """
    import torch
    from pytorch_optimizer import SOAP

    class SOAPFloat64(SOAP):
        def get_orthogonal_matrix_qr(self, state, max_precondition_dim=10000, merge_dims=False):
            original_shape = state['exp_avg_sq'].shape
            permuted_shape = original_shape
            if self.data_format == 'channels_last' and len(original_shape) == 4:
                permuted_shape = state['exp_avg_sq'].permute(0, 3, 1, 2).shape
            exp_avg_sq = state['exp_avg_sq']
            if merge_dims:
                exp_avg_sq = self.merge_dims(exp_avg_sq, max_precondition_dim)
            matrices = []
            for ind, (m, o) in enumerate(zip(state['GG'], state['Q'])):
                if len(m) == 0:
                    matrices.append([])
                    continue
                matrix_product = m @ o
                est_eig = (o * matrix_product).sum(dim=0)
                sort_idx = torch.argsort(est_eig, descending=True)
                exp_avg_sq = exp_avg_sq.index_select(ind, sort_idx)
                q, _ = torch.linalg.qr(matrix_product.index_select(1, sort_idx))
                matrices.append(q)
            if merge_dims:
                if self.data_format == 'channels_last' and len(original_shape) == 4:
                    exp_avg_sq = exp_avg_sq.reshape(permuted_shape).permute(0, 2, 3, 1)
                else:
                    exp_avg_sq = exp_avg_sq.reshape(original_shape)
            state['exp_avg_sq'] = exp_avg_sq
            return matrices

    return SOAPFloat64


@contextlib.contextmanager
def torch_linear_algebra_from_numpy():
    """Inside: ``torch.tensordot`` and ``torch.linalg.eigh`` compute with NumPy."""
    import numpy as np
    import torch
    tensordot, eigh = torch.tensordot, torch.linalg.eigh

    def numpy_tensordot(a, b, dims):
        return torch.from_numpy(np.tensordot(a.numpy(), b.numpy(), axes=dims))

    def numpy_eigh(matrix):
        values, vectors = np.linalg.eigh(matrix.numpy())
        return torch.from_numpy(values), torch.from_numpy(vectors)

    torch.tensordot, torch.linalg.eigh = numpy_tensordot, numpy_eigh
    try:
        yield
    finally:
        torch.tensordot, torch.linalg.eigh = tensordot, eigh


def soap_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    with torch_settings_for_reference(), torch_linear_algebra_from_numpy():
        return torch_reference(soap_reference_class())(hyper, init_params, grad_fn, steps)


SOAP_INFO = OptimInfo(
    name="SOAP", cls=mg.optim.SOAP, reference=soap_reference,
    hyper_sets=[
        {},
        {"lr": 0.01, "betas": (0.9, 0.99), "shampoo_beta": 0.9, "weight_decay": 0.0,
         "precondition_frequency": 3},
        {"lr": 0.005, "precondition_1d": True, "normalize_gradient": True,
         "precondition_frequency": 8},
        {"lr": 0.01, "correct_bias": False, "max_precondition_dim": 4, "eps": 1e-6,
         "maximize": True},
        {"lr": 0.01, "weight_decay": 0.1, "max_precondition_dim": 50,
         "precondition_frequency": 5},
    ],
    error_inputs=[
        ({"lr": -0.1}, invalid("learning rate must be positive. (-0.1 > 0)")),
        ({"betas": (1.0, 0.95)}, invalid("Invalid beta parameter at index 0: 1.0")),
        ({"shampoo_beta": -0.5}, invalid("shampoo_beta must be non-negative")),
        ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative")),
        ({"precondition_frequency": 0}, invalid("precondition_frequency must be positive")),
        ({"max_precondition_dim": 0}, invalid("max_precondition_dim must be positive")),
        ({"data_format": "nchw"},
         invalid("data_format must be 'channels_first' or 'channels_last', got 'nchw'")),
        ({"eps": -1e-8}, invalid("eps must be non-negative")),
    ])

INFOS = [SHAMPOO, SOAP_INFO]
