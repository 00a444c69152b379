"""The cautious mask: keep only the coordinates of an update that agree with the gradient.

For an update direction u (the step is θ ← θ − γ u) and the gradient g of the
same parameter, Liang, Chen, Liu & Liu, "Cautious Optimizers: Improving
Training with One Line of Code" (2024), zero every coordinate where u and g
disagree in sign and rescale the rest so the update keeps its size:

    φ = 1[u ⊙ g > 0]                    1 where u moves θ downhill, else 0
    u ← u ⊙ φ · n / (Σ φ + 1)           n: the number of elements of the parameter

This is pytorch-optimizer 4.1.0's ``BaseOptimizer.apply_cautious`` exactly. The
paper divides by max(mean(φ), ε) instead, i.e. by Σφ / n clamped away from 0;
pytorch-optimizer writes (Σφ + 1) / n, which needs no clamp and is the same up to
the +1. The sum runs over the whole parameter, so an update with the mask is not
elementwise: optimizers with ``cautious=True`` run per parameter, on whole arrays
(``Optimizer.whole_parameter_option``).
"""


def cautious_mask(update, grad):
    """φ · n / (Σφ + 1), with φ = 1[update ⊙ grad > 0] and n = update.size: the factor
    by which ``update`` (a whole parameter's update, in the parameter's dtype) is
    multiplied. A new array; neither argument is changed."""
    agrees = (update * grad > 0).astype(update.dtype)
    agrees *= agrees.size / (agrees.sum() + 1)
    return agrees
