"""Adadelta: a step whose units match θ's, from running means of g² and of past steps.

PyTorch's ``torch.optim.Adadelta`` (torch 2.13, single-tensor path) exactly. For
each parameter θ with gradient g:

    g ← g + λ θ                                   (weight_decay λ: L2, through the gradient)
    v ← ρ v + (1 − ρ) g²                          (running mean of g², from 0)
    Δ = √(u + ε) / √(v + ε) · g                   (ε inside both square roots)
    u ← ρ u + (1 − ρ) Δ²                          (running mean of squared steps, from 0)
    θ ← θ − γ Δ                                   (lr γ)

Like RMSprop, the gradient is divided by an RMS of recent gradients; Adadelta
multiplies it by the RMS of recent *updates*, so the step has the units of θ
and, in the paper, needs no learning rate at all (γ = 1 is the default and
PyTorch's lr merely scales the result). The price is a slow start: with u = 0
the first step is about √ε / √(1 − ρ) ≈ 3.16e-3 per coordinate (for the defaults
and |g| ≫ √ε), growing as u accumulates.

Hyperparameters (defaults): lr γ = 1.0; rho ρ = 0.9 (in [0, 1]); eps ε = 1e-6;
weight_decay λ = 0; maximize = False (ascend: g ← −g first).

Reference: Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (arXiv
1212.5701, 2012).
"""
from ..backend import array_module
from ._validation import check_eps, check_lr, check_weight_decay, real
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False,
    foreach=None)"""

    elementwise = True

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False,
                 foreach=None):
        check_lr(lr)
        if not 0.0 <= real("rho", rho) <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_eps(eps)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"square_avg": xp.zeros_like(param), "acc_delta": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = xp.sqrt(acc_delta + eps)
        delta /= xp.sqrt(square_avg + eps)
        delta *= grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param -= group["lr"] * delta
