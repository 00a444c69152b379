"""Weight decay as pytorch-optimizer applies it: L2 through the gradient, or decoupled.

pytorch-optimizer 4.1.0's ``BaseOptimizer.apply_weight_decay``, which its ADOPT,
Yogi, AdEMAMix and others share. With λ = ``group["weight_decay"]``:

    θ ← θ (1 − γ λ)       if weight_decouple (as AdamW; γ = lr)
    θ ← θ (1 − λ)         if weight_decouple and fixed_decay (not scaled by the lr)
    g ← g + λ θ           otherwise (L2: the decay goes through the moments)

It runs first in a step, after ``maximize`` has negated g.
"""


def decay_weights(group, param, grad):
    """Apply ``group``'s weight decay (``weight_decay``, ``weight_decouple``,
    ``fixed_decay``): shrink ``param`` in place, or return g + λθ. Returns the gradient
    the update goes on with (a new array where L2 changed it; the caller's is never
    written)."""
    weight_decay = group["weight_decay"]
    if weight_decay == 0:
        return grad
    if group["weight_decouple"]:
        param *= 1 - weight_decay * (1.0 if group["fixed_decay"] else group["lr"])
        return grad
    return grad + weight_decay * param
