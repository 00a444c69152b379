"""Muon: momentum, then orthogonalise the update matrix with a Newton–Schulz iteration.

PyTorch's ``torch.optim.Muon`` (torch 2.13, ``_single_tensor_muon``), for 2-D
parameters only (the weight matrices of hidden layers). For each parameter
θ ∈ ℝ^{A×B} with gradient G, at every step:

    B ← μ B + (1 − μ) G                 momentum buffer (an EMA from zeros, no bias correction)
    M = (1 − μ) G + μ B   if nesterov,   M = B   otherwise
    O = NS(M)                            ≈ U Vᵀ where M = U S Vᵀ (the SVD)
    θ ← θ (1 − γ λ)                      decoupled weight decay, with the *unadjusted* lr γ
    θ ← θ − γ' O                         γ' = AdjustLR(γ; A, B)

NS, the Newton–Schulz iteration with coefficients (a, b, c), ns_steps times:

    X = M  (transposed if A > B, so that X X ᵀ is the smaller Gram matrix)
    X ← X / max(‖X‖_F, ε)                 now every singular value is ≤ 1
    repeat: S = X Xᵀ;  X ← a X + (b S + c S²) X
    (transpose back)

Each round maps every singular value σ of X to p(σ) = aσ + bσ³ + cσ⁵ and keeps
the singular vectors. The default quintic (3.4445, −4.7750, 2.0315) has a steep
slope at 0, so small singular values grow fast; it does not converge to
exactly 1 but leaves them roughly in [0.7, 1.2], which works as well as the
exact U Vᵀ. Orthogonalising means every direction of the update gets about the
same step, however lopsided the gradient's spectrum.

AdjustLR keeps the update's RMS comparable across shapes:
    None / "original":   γ' = γ · √max(1, A/B)          (Keller Jordan's)
    "match_rms_adamw":   γ' = 0.2 · γ · √max(A, B)      (Moonshot's: reuse AdamW's lr and λ)

Hyperparameters (torch's names and defaults): lr = 1e-3, weight_decay = 0.1,
momentum = 0.95 (μ), nesterov = True, ns_coefficients = (3.4445, −4.7750,
2.0315), eps = 1e-7 (ε), ns_steps = 5 (must be < 100), adjust_lr_fn = None.
There is no ``maximize``, as in torch. Muon rejects parameters that are not 2-D:
optimize biases, gains and embeddings with another optimizer (AdamW), as
torch's documentation recommends.

Deviations from torch:
- torch casts M to bfloat16 before the iteration (speed on GPUs); NumPy has no
  bfloat16, so here the iteration runs in the parameter's dtype. The result is
  the same up to bfloat16 rounding (a relative difference of order 1e-2 per
  step); the tests compare with torch's Muon with that one cast removed.
- ns_steps ≥ 100 and a ns_coefficients that is not three numbers raise
  ValueError at construction (torch raises at the first step).

References: Keller Jordan, "Muon: An optimizer for hidden layers in neural
networks" (blog post, 2024); Bernstein & Newhouse, "Old Optimizer, New Norm: An
Anthology" (2024) for the steepest-descent-under-the-spectral-norm view; Liu et
al., "Muon is Scalable for LLM Training" (2025) for ``match_rms_adamw``.
Implementation: torch 2.13 ``torch/optim/_muon.py``.
"""
import math

from ..backend import array_module
from ._validation import integer, numbers_tuple, real
from .optimizer import Optimizer


class Muon(Optimizer):
    """Muon(params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
    ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None)"""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5,
                 adjust_lr_fn=None):
        if not 0.0 <= real("lr (the learning rate)", lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= real("momentum", momentum):
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= real("weight_decay", weight_decay):
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        if integer("ns_steps", ns_steps) >= 100:
            raise ValueError("Number of steps must be less than 100 for computational efficiency")
        if isinstance(ns_coefficients, (tuple, list)) and len(ns_coefficients) != 3:
            raise ValueError("Coefficients must be a tuple of exactly 3 values")
        ns_coefficients = numbers_tuple("ns_coefficients", ns_coefficients, 3, "(a, b, c)")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                                      nesterov=nesterov, ns_coefficients=tuple(ns_coefficients),
                                      eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn))

    def add_param_group(self, param_group):
        """As the base class, but every parameter must be a matrix."""
        super().add_param_group(param_group)
        for param in self.param_groups[-1]["params"]:
            if param.ndim != 2:
                self.param_groups.pop()
                raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter "
                                 f"with size: {tuple(param.shape)}")

    def init_state(self, group, param):
        return {"momentum_buffer": array_module(param).zeros_like(param)}

    def update(self, group, param, grad, state, step):
        lr, momentum = group["lr"], group["momentum"]
        buffer = state["momentum_buffer"]
        buffer += (grad - buffer) * (1 - momentum)
        direction = grad + (buffer - grad) * momentum if group["nesterov"] else buffer
        orthogonal = zeropower_via_newton_schulz(direction, group["ns_coefficients"],
                                                 group["ns_steps"], group["eps"])
        param *= 1 - lr * group["weight_decay"]
        param -= adjust_lr(lr, group["adjust_lr_fn"], param.shape) * orthogonal


def zeropower_via_newton_schulz(matrix, ns_coefficients, ns_steps, eps):
    """≈ U Vᵀ for ``matrix`` = U S Vᵀ: ns_steps rounds of X ← aX + (b XXᵀ + c (XXᵀ)²) X,
    in the matrix's own dtype (torch's version computes in bfloat16)."""
    xp = array_module(matrix)
    a, b, c = ns_coefficients
    tall = matrix.shape[0] > matrix.shape[1]
    x = matrix.T if tall else matrix
    x = x / xp.maximum(xp.linalg.norm(x), eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if tall else x


def adjust_lr(lr, adjust_lr_fn, shape):
    """The lr for a matrix of ``shape`` = (A, B): γ√max(1, A/B) ("original", the default)
    or 0.2·γ·√max(A, B) ("match_rms_adamw")."""
    rows, cols = shape[:2]
    if adjust_lr_fn == "match_rms_adamw":
        return lr * (0.2 * math.sqrt(max(rows, cols)))
    return lr * math.sqrt(max(1, rows / cols))
