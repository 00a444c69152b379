"""SOAP: Adam, run in the eigenbasis of Shampoo's preconditioner.

pytorch-optimizer's ``SOAP`` (version 4.1.0). For a parameter θ with gradient G
(a matrix, say), Shampoo's statistics L ≈ E[G Gᵀ] and R ≈ E[Gᵀ G] have
eigenvectors Q_L and Q_R. SOAP rotates the gradient into that basis, runs Adam
there (where the coordinates are close to uncorrelated, so a diagonal second
moment fits), and rotates the step back:

    G' = Q_Lᵀ G Q_R                                    project
    M ← β₁ M + (1 − β₁) G                              first moment, kept in the original basis
    V ← β₂ V + (1 − β₂) G' ⊙ G'                        second moment, kept in the rotated basis
    N = Q_L ( (Q_Lᵀ M Q_R) / (√V + ε) ) Q_Rᵀ           Adam's direction, rotated back
    θ ← θ − αₛ N,    αₛ = γ √(1 − β₂ˢ) / (1 − β₁ˢ)      (αₛ = γ without correct_bias)
    θ ← θ (1 − γ λ)                                    decoupled weight decay, after the step
    L ← β_sh L + (1 − β_sh) G Gᵀ,  R ← β_sh R + (1 − β_sh) Gᵀ G        (β_sh = shampoo_beta, or β₂)
    every f steps (s a multiple of precondition_frequency f):
        Q ← QR(L Q) for each side, columns in the order of the estimated
            eigenvalues diag(Qᵀ L Q), largest first; V's coordinates follow that order

For a tensor of any order the same holds dimension by dimension: one
statistics matrix and one basis per dimension, the projection multiplies each
dimension by its Qᵀ. A dimension longer than ``max_precondition_dim`` gets no
statistics and stays in the identity basis; a vector is rotated only with
``precondition_1d``. With ``merge_dims`` the parameter is first reshaped so that
neighbouring dimensions are merged while their product stays ≤
``max_precondition_dim`` (a 4-D ``channels_last`` parameter is first permuted
to channels first).

The first step of a parameter only measures: L, R from its gradient and Q from
their eigenvectors (``eigh``, largest eigenvalue first); θ does not move. The
counts s in αₛ and in the refresh are the steps after that one (s = t − 1).
With ``normalize_gradient``, N ← N / (RMS(N) + ε) before the step.

Hyperparameters (pytorch-optimizer's names and defaults): lr = 3e-3 (γ),
betas = (0.95, 0.95), shampoo_beta = None (β₂), weight_decay = 0.01 (λ),
precondition_frequency = 10, max_precondition_dim = 10000, merge_dims = False,
precondition_1d = False, correct_bias = True, normalize_gradient = False,
data_format = 'channels_first', eps = 1e-8, maximize = False.

What pytorch-optimizer does differently from the paper (Vyas et al.; the
authors' code), and minigrad follows: the first moment M is kept in the
original basis and projected at every step (as the authors' code does); the
refresh is one step of power iteration with a QR decomposition, not a fresh
eigendecomposition (as the authors' code does); weight decay is applied after
the step with γ (not αₛ).

Differences from pytorch-optimizer:
- pytorch-optimizer computes the QR in float32 (torch has no bfloat16 QR);
  here it runs in the parameter's dtype, float32 at least — the same for
  float32 parameters, full precision for float64 ones.
- With ``merge_dims``, a parameter whose dimensions all merge into one (every
  vector, and a matrix with m·n ≤ max_precondition_dim) makes
  pytorch-optimizer fail (it reshapes it to a single element); here it becomes
  that one dimension, as in the authors' code.
- Steps are counted per parameter (the state's ``"step"``), not per group: a
  parameter whose first gradient comes late also spends that step measuring.
- A ``data_format`` other than 'channels_first' and 'channels_last' is refused,
  and so is a ``shampoo_beta`` above 1 (pytorch-optimizer only refuses a
  negative one).

Reference: Vyas, Morwani, Zhao, Kwun, Shapira, Brandfonbrener, Janson &
Kakade, "SOAP: Improving and Stabilizing Shampoo using Adam" (ICLR 2025);
implementation: pytorch-optimizer 4.1.0 ``pytorch_optimizer/optimizer/soap.py``.
"""
import math

from ..backend import array_module
from ._validation import check_betas, integer, real
from .optimizer import Optimizer


class SOAP(Optimizer):
    """SOAP(params, lr=3e-3, betas=(0.95, 0.95), shampoo_beta=None, weight_decay=1e-2,
    precondition_frequency=10, max_precondition_dim=10000, merge_dims=False,
    precondition_1d=False, correct_bias=True, normalize_gradient=False,
    data_format='channels_first', eps=1e-8, maximize=False)"""

    def __init__(self, params, lr=3e-3, betas=(0.95, 0.95), shampoo_beta=None, weight_decay=1e-2,
                 precondition_frequency=10, max_precondition_dim=10000, merge_dims=False,
                 precondition_1d=False, correct_bias=True, normalize_gradient=False,
                 data_format="channels_first", eps=1e-8, maximize=False):
        if real("lr (the learning rate)", lr) < 0.0:
            raise ValueError(f"learning rate must be positive. ({lr} > 0)")
        check_betas(betas)
        if shampoo_beta is not None and not 0.0 <= real("shampoo_beta", shampoo_beta) <= 1.0:
            raise ValueError(f"shampoo_beta must be in the range [0.0, 1.0], got {shampoo_beta}")
        if real("weight_decay", weight_decay) < 0.0:
            raise ValueError("weight_decay must be non-negative")
        if integer("precondition_frequency", precondition_frequency) <= 0:
            raise ValueError("precondition_frequency must be positive")
        if integer("max_precondition_dim", max_precondition_dim) <= 0:
            raise ValueError("max_precondition_dim must be positive")
        if data_format not in ("channels_first", "channels_last"):
            raise ValueError(f"data_format must be 'channels_first' or 'channels_last', "
                             f"got {data_format!r}")
        if real("eps", eps) < 0.0:
            raise ValueError("eps must be non-negative")
        super().__init__(params, dict(
            lr=lr, betas=tuple(betas), shampoo_beta=shampoo_beta, weight_decay=weight_decay,
            precondition_frequency=precondition_frequency,
            max_precondition_dim=max_precondition_dim, merge_dims=merge_dims,
            precondition_1d=precondition_1d, correct_bias=correct_bias,
            normalize_gradient=normalize_gradient, data_format=data_format, eps=eps,
            maximize=maximize))

    def init_state(self, group, param):
        """Adam's moments, and for each preconditioned dimension i of the (merged)
        parameter its statistics ``GG_i`` and basis ``Q_i`` (filled on the first step)."""
        xp = array_module(param)
        state = {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}
        for dim in preconditioned_dims(param, group):
            size = merged(param, group).shape[dim]
            state[f"GG_{dim}"] = xp.zeros((size, size), dtype=param.dtype)
            state[f"Q_{dim}"] = xp.zeros((size, size), dtype=param.dtype)
        return state

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        if step == 1:
            self.update_statistics(group, grad, state)
            for dim in preconditioned_dims(param, group):
                state[f"Q_{dim}"][...] = eigenvectors(state[f"GG_{dim}"])
            return
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        count = step - 1
        step_size = lr
        if group["correct_bias"]:
            step_size *= math.sqrt(1 - beta2 ** count) / (1 - beta1 ** count)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        projected = project(grad, state, group)
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq += (1 - beta2) * (projected * projected - exp_avg_sq)
        denominator = xp.sqrt(exp_avg_sq) + eps
        direction = project(project(exp_avg, state, group) / denominator, state, group,
                            back=True)
        if group["normalize_gradient"]:
            direction /= xp.sqrt(xp.mean(direction * direction)) + eps
        param -= step_size * direction
        param *= 1 - group["weight_decay"] * lr
        self.update_statistics(group, grad, state)
        if count % group["precondition_frequency"] == 0:
            refresh_bases(param, state, group)

    def update_statistics(self, group, grad, state):
        """GG_i ← β_sh GG_i + (1 − β_sh) G_(i) G_(i)ᵀ for each preconditioned dimension i."""
        xp = array_module(grad)
        shampoo_beta = group["shampoo_beta"]
        weight = 1 - (group["betas"][1] if shampoo_beta is None else shampoo_beta)
        dims = preconditioned_dims(grad, group)
        grad = merged(grad, group)
        for dim in dims:
            others = [d for d in range(grad.ndim) if d != dim]
            statistics = state[f"GG_{dim}"]
            statistics += weight * (xp.tensordot(grad, grad, axes=(others, others)) - statistics)


def merge_small_dims(shape, max_dim):
    """``shape`` with neighbouring dimensions merged while their product stays ≤ ``max_dim``
    (pytorch-optimizer's ``merge_small_dims``; where all merge into one, that one)."""
    merged_shape, product = [], 1
    for size in shape:
        product *= size
        if product > max_dim:
            merged_shape.append(product // size)
            product = size
    merged_shape.append(product)
    return tuple(merged_shape)


def merged(tensor, group):
    """The tensor the bases act on: with ``merge_dims``, permuted to channels first (4-D,
    ``channels_last``) and reshaped by ``merge_small_dims``; otherwise the tensor itself."""
    if not group["merge_dims"]:
        return tensor
    xp = array_module(tensor)
    if group["data_format"] == "channels_last" and tensor.ndim == 4:
        tensor = xp.transpose(tensor, (0, 3, 1, 2))
    return tensor.reshape(merge_small_dims(tensor.shape, group["max_precondition_dim"]))


def unmerged(tensor, shape, group):
    """``merged``'s inverse: back to ``shape``, the parameter's."""
    if not group["merge_dims"]:
        return tensor
    xp = array_module(tensor)
    if group["data_format"] == "channels_last" and len(shape) == 4:
        batch, height, width, channels = shape
        return xp.transpose(tensor.reshape(batch, channels, height, width), (0, 2, 3, 1))
    return tensor.reshape(shape)


def preconditioned_dims(param, group):
    """The dimensions of the (merged) parameter that get a basis: those ≤
    ``max_precondition_dim``; a vector's only with ``precondition_1d``."""
    max_dim = group["max_precondition_dim"]
    if param.ndim == 1:
        return [0] if group["precondition_1d"] and param.shape[0] <= max_dim else []
    return [dim for dim, size in enumerate(merged(param, group).shape) if size <= max_dim]


def project(tensor, state, group, back=False):
    """Each dimension i of ``tensor`` multiplied by Q_iᵀ (into the eigenbasis), or by Q_i
    (``back``); dimensions without a basis are left as they are."""
    xp = array_module(tensor)
    shape = tensor.shape
    tensor = merged(tensor, group)
    for dim in range(tensor.ndim):
        basis = state.get(f"Q_{dim}")
        if basis is None:
            tensor = xp.moveaxis(tensor, 0, -1)
        else:
            tensor = xp.tensordot(tensor, basis, axes=([0], [1 if back else 0]))
    return unmerged(tensor, shape, group)


def eigenvectors(matrix):
    """The eigenvectors of the symmetric ``matrix`` as columns, largest eigenvalue first
    (pytorch-optimizer adds 1e-30 I first)."""
    xp = array_module(matrix)
    _, vectors = xp.linalg.eigh(matrix + 1e-30 * xp.eye(matrix.shape[0], dtype=matrix.dtype))
    return vectors[:, ::-1]


def refresh_bases(param, state, group):
    """One step of power iteration for each basis: Q ← QR(GG Q), columns ordered by the
    estimated eigenvalues diag(Qᵀ GG Q), largest first; the second moment's coordinates
    are put in the same order."""
    xp = array_module(param)
    exp_avg_sq = merged(state["exp_avg_sq"], group)
    for dim in preconditioned_dims(param, group):
        statistics, basis = state[f"GG_{dim}"], state[f"Q_{dim}"]
        product = statistics @ basis
        estimated_eigenvalues = (basis * product).sum(axis=0)
        order = xp.argsort(-estimated_eigenvalues)
        exp_avg_sq = xp.take(exp_avg_sq, order, axis=dim)
        dtype = xp.promote_types(param.dtype, xp.float32)
        q, _ = xp.linalg.qr(product[:, order].astype(dtype))
        basis[...] = q.astype(param.dtype)
    state["exp_avg_sq"][...] = unmerged(exp_avg_sq, state["exp_avg_sq"].shape, group)
