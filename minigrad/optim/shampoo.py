"""Shampoo: one preconditioner matrix per dimension of the parameter.

pytorch-optimizer's ``Shampoo`` (version 4.1.0) exactly. For a parameter θ of
order k (a vector k = 1, a matrix k = 2, ...) with gradient G, the paper's
update keeps one statistics matrix per dimension i, H_i (n_i × n_i), and steps
along G multiplied on each side by the inverse 2k-th roots:

    H_i ← H_i + G_(i) G_(i)ᵀ               G_(i): G unfolded along dimension i (n_i × rest)
    θ ← θ − γ · G ×₁ H_1^(−1/2k) ×₂ … ×_k H_k^(−1/2k)

where ×_i multiplies dimension i by the matrix. For a matrix that reads
θ ← θ − γ L^(−1/4) G R^(−1/4) with L = Σ G Gᵀ and R = Σ Gᵀ G; for a vector,
θ ← θ − γ H^(−1/2) g, full-matrix AdaGrad. The statistics start at ε I
(``matrix_eps``). The roots come from an SVD, H = U S Vᵀ ↦ U S^(−1/2k) Vᵀ,
computed in float64 for float64 parameters and in float32 otherwise.

What pytorch-optimizer adds to the paper, and minigrad follows, at step t:

    G ← −G                                      if maximize
    G ← G + μ (B − G)                           momentum μ > 0 (lerp towards B, from t = 2 on)
    θ ← θ (1 − λ·(1 if fixed_decay else γ))     weight_decouple (decoupled decay), or else
    G ← G + λ θ                                 L2 decay
    H_i ← H_i + G_(i) G_(i)ᵀ                    with this G (after momentum and decay)
    P_i ← H_i^(−1/2k)    only when t is a multiple of ``preconditioning_compute_steps``
    U = G ×₁ P_1 … ×_k P_k
    B ← U;   θ ← θ − γ U

- The momentum buffer B holds the last *preconditioned* update U (starting
  from the first gradient), and the raw gradient is pulled towards it: the
  momentum mixes a gradient with a preconditioned direction.
- The inverse roots P_i are kept between recomputations and start at zero:
  with ``preconditioning_compute_steps`` = c > 1, the first c − 1 steps do not
  move θ at all.

Hyperparameters (pytorch-optimizer's names and defaults): lr = 1e-3 (γ),
momentum = 0.0 (μ, in [0, 1)), weight_decay = 0.0 (λ), weight_decouple =
False, fixed_decay = False, preconditioning_compute_steps = 1, matrix_eps =
1e-6 (ε), maximize = False.

One difference from pytorch-optimizer: it counts steps per param group, here
each parameter counts its own (the state's ``"step"``); the two differ only for
a parameter that has no gradient on some steps.

Reference: Gupta, Koren & Singer, "Shampoo: Preconditioned Stochastic Tensor
Optimization" (ICML 2018); implementation: pytorch-optimizer 4.1.0
``pytorch_optimizer/optimizer/shampoo.py``.
"""
from ..backend import array_module
from ._validation import integer, real
from .optimizer import Optimizer


class Shampoo(Optimizer):
    """Shampoo(params, lr=1e-3, momentum=0.0, weight_decay=0.0, weight_decouple=False,
    fixed_decay=False, preconditioning_compute_steps=1, matrix_eps=1e-6, maximize=False)"""

    def __init__(self, params, lr=1e-3, momentum=0.0, weight_decay=0.0, weight_decouple=False,
                 fixed_decay=False, preconditioning_compute_steps=1, matrix_eps=1e-6,
                 maximize=False):
        if real("lr (the learning rate)", lr) < 0.0:
            raise ValueError(f"learning rate must be positive. ({lr} > 0)")
        if not 0.0 <= real("momentum", momentum) < 1.0:
            raise ValueError("momentum must be in the range [0.0, 1.0)")
        if real("weight_decay", weight_decay) < 0.0:
            raise ValueError("weight_decay must be non-negative")
        if integer("preconditioning_compute_steps", preconditioning_compute_steps) < 1:
            raise ValueError(f"preconditioning_compute_steps must be positive. "
                             f"({preconditioning_compute_steps} > 0)")
        if real("matrix_eps", matrix_eps) < 0.0:
            raise ValueError("matrix_eps must be non-negative")
        super().__init__(params, dict(
            lr=lr, momentum=momentum, weight_decay=weight_decay, weight_decouple=weight_decouple,
            fixed_decay=fixed_decay, preconditioning_compute_steps=preconditioning_compute_steps,
            matrix_eps=matrix_eps, maximize=maximize))

    def init_state(self, group, param):
        xp = array_module(param)
        state = {"momentum_buffer": xp.zeros_like(param)}
        for dim, size in enumerate(param.shape):
            state[f"pre_cond_{dim}"] = group["matrix_eps"] * xp.eye(size, dtype=param.dtype)
            state[f"inv_pre_cond_{dim}"] = xp.zeros((size, size), dtype=param.dtype)
        return state

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        buffer = state["momentum_buffer"]
        if momentum > 0 and step > 1:
            grad = grad + momentum * (buffer - grad)
        if weight_decay != 0:
            if group["weight_decouple"]:
                param *= 1 - weight_decay * (1.0 if group["fixed_decay"] else lr)
            else:
                grad = grad + weight_decay * param
        order = grad.ndim
        recompute = step % group["preconditioning_compute_steps"] == 0
        direction = grad
        for dim, size in enumerate(grad.shape):
            statistics, inverse_root = state[f"pre_cond_{dim}"], state[f"inv_pre_cond_{dim}"]
            unfolded = xp.moveaxis(grad, dim, 0).reshape(size, -1)
            statistics += unfolded @ unfolded.T
            if recompute:
                inverse_root[...] = matrix_inverse_root(statistics, 2 * order)
            direction = multiply_dimension(direction, inverse_root, dim)
        buffer[...] = direction
        param -= lr * direction


def matrix_inverse_root(matrix, root):
    """M^(−1/root) of a symmetric positive semi-definite M, through its SVD
    M = U S Vᵀ ↦ U S^(−1/root) Vᵀ, computed in float64 for a float64 M and in float32
    otherwise (pytorch-optimizer's ``compute_power_svd``)."""
    xp = array_module(matrix)
    dtype = xp.float64 if matrix.dtype == xp.float64 else xp.float32
    u, s, vh = xp.linalg.svd(matrix.astype(dtype), full_matrices=False)
    return ((u * s[None, :] ** (-1.0 / root)) @ vh).astype(matrix.dtype)


def multiply_dimension(tensor, matrix, dim):
    """``tensor`` with dimension ``dim`` multiplied by the symmetric ``matrix``:
    out[..., a, ...] = Σ_b matrix[a, b] tensor[..., b, ...] (for the last dimension,
    Σ_b tensor[..., b] matrix[b, a], the way pytorch-optimizer writes it)."""
    xp = array_module(tensor)
    if dim == tensor.ndim - 1:
        return xp.tensordot(tensor, matrix, axes=([dim], [0]))
    return xp.moveaxis(xp.tensordot(matrix, tensor, axes=([1], [dim])), 0, dim)
