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
        ({"shampoo_beta": -0.5}, invalid("shampoo_beta must be in the range [0.0, 1.0], got -0.5")),
        ({"shampoo_beta": 1.5}, invalid("shampoo_beta must be in the range [0.0, 1.0], got 1.5")),
        ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative")),
        ({"precondition_frequency": 0}, invalid("precondition_frequency must be positive")),
        ({"max_precondition_dim": 0}, invalid("max_precondition_dim must be positive")),
        ({"data_format": "nchw"},
         invalid("data_format must be 'channels_first' or 'channels_last', got 'nchw'")),
        ({"eps": -1e-8}, invalid("eps must be non-negative")),
    ])

INFOS = [SHAMPOO, SOAP_INFO]


KRON_SEED = 1234


def kron_with_generator(params, hyper):
    """Kron drawing from its own generator, seeded with ``KRON_SEED``."""
    return mg.optim.Kron(params, generator=mg.Generator().manual_seed(KRON_SEED), **hyper)


@contextlib.contextmanager
def kron_reference_draws(seed=KRON_SEED):
    """Inside: pytorch-optimizer's Kron draws what minigrad's Kron draws from a generator
    seeded with ``seed`` (kron.py's docstring gives the order): its balancing coin
    ``np.random.random()`` is ``mg.rand(1, generator=g, dtype=mg.float64)``, its probes
    ``torch.randn_like(x, dtype=d)`` are ``mg.randn(*x.shape, generator=g,
    dtype=mg.float64)`` cast to d. Its triangular solves also run in the factors' dtype
    (pytorch-optimizer casts them to float32; minigrad does not)."""
    import types

    import numpy as np
    import torch
    from pytorch_optimizer.optimizer import psgd

    generator = mg.Generator().manual_seed(seed)

    class NumpyWithMinigradCoin(types.ModuleType):
        random = types.SimpleNamespace(
            random=lambda: mg.rand(1, generator=generator, dtype=mg.float64).item())

        def __getattr__(self, name):
            return getattr(np, name)

    def probe_like(tensor, dtype=None):
        drawn = mg.randn(*tensor.shape, generator=generator, dtype=mg.float64).numpy()
        return torch.from_numpy(drawn).to(dtype or tensor.dtype)

    def solve_triangular_right_in_place_dtype(x, a):
        return torch.linalg.solve_triangular(a, x.reshape(-1, x.size(-1)), upper=True,
                                             left=False).reshape_as(x)

    saved = psgd.np, torch.randn_like, psgd.solve_triangular_right
    psgd.np, torch.randn_like = NumpyWithMinigradCoin("numpy"), probe_like
    psgd.solve_triangular_right = solve_triangular_right_in_place_dtype
    try:
        yield
    finally:
        psgd.np, torch.randn_like, psgd.solve_triangular_right = saved


def torch_dtypes(hyper):
    """``hyper`` with minigrad's dtypes (``precondition_dtype``, ``mu_dtype``) as torch's."""
    import numpy as np
    import torch
    return {name: getattr(torch, np.dtype(value).name)
            if name.endswith("_dtype") and value is not None else value
            for name, value in hyper.items()}


def kron_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    import pytorch_optimizer
    with torch_settings_for_reference(), kron_reference_draws():
        return torch_reference(pytorch_optimizer.Kron)(torch_dtypes(hyper), init_params,
                                                       grad_fn, steps)


KRON = OptimInfo(
    name="Kron", cls=mg.optim.Kron, reference=kron_reference, make=kron_with_generator,
    supports_groups=False,  # one stream of draws for all groups: see the test file
    hyper_sets=[
        {"lr": 0.01, "precondition_dtype": mg.float64},
        {"lr": 0.003, "momentum": 0.5, "weight_decay": 0.1, "precondition_dtype": mg.float64,
         "balance_prob": 0.3},
        {"lr": 0.01, "weight_decay": 0.05, "weight_decouple": False,
         "pre_conditioner_update_probability": 0.4, "memory_save_mode": "one_diag",
         "momentum_into_precondition_update": False, "precondition_dtype": mg.float64},
        {"lr": 0.01, "max_size_triangular": 50, "memory_save_mode": "smart_one_diag",
         "precondition_dtype": mg.float64, "maximize": True},
        {"lr": 0.01, "memory_save_mode": "all_diag", "precondition_dtype": mg.float64,
         "pre_conditioner_update_probability": lambda step: 1.0 / (1 + step % 3),
         "balance_prob": 1.0},
        {"lr": 0.005, "precondition_dtype": None, "mu_dtype": mg.float64,
         "balance_prob": 0.5},
    ],
    error_inputs=[
        ({"lr": -0.1}, invalid("learning rate must be positive. (-0.1 > 0)")),
        ({"momentum": 1.0}, invalid("momentum must be in the range [0.0, 1.0)")),
        ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative")),
        ({"memory_save_mode": "some_diag"}, invalid("invalid memory_save_mode some_diag")),
        ({"pre_conditioner_update_probability": 1.5},
         invalid("pre_conditioner_update_probability must be in [0, 1]")),
        ({"balance_prob": -0.5}, invalid("balance_prob must be in [0, 1], got -0.5")),
        ({"precondition_dtype": mg.int64},
         invalid("precondition_dtype must be a floating dtype")),
    ])

INFOS = [SHAMPOO, SOAP_INFO, KRON]
