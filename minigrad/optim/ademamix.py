"""AdEMAMix: Adam with a second, much slower momentum added to the step.

pytorch-optimizer 4.1.0's ``AdEMAMix`` exactly. For each parameter θ with
gradient g, at step t = 1, 2, ...:

    θ ← θ (1 − γ λ),  or g ← g + λ θ        weight decay (``weight_decay.py``)
    m₁ ← β₁ m₁ + (1 − β₁) g                 the fast EMA, as Adam's m
    ν  ← β₂ ν + (1 − β₂) g²                  the second moment, as Adam's v
    m₂ ← β₃(t) m₂ + (1 − β₃(t)) g            the slow EMA (β₃ = 0.9999: a memory of ~10⁴ steps)
    θ ← θ − γ (m₁ / (1 − β₁ᵗ) + α(t) m₂) / (√ν / √(1 − β₂ᵗ) + ε)

m₂ gets no bias correction: it is meant to fill slowly. With cautious=True the
fast term m₁ is masked by ``cautious_mask(m₁, g)`` before its bias correction
(``cautious.py``), as pytorch-optimizer does; m₂ and the state are not masked.

A single EMA must choose: a large β forgets slowly but reacts slowly to recent
gradients, a small one the opposite. AdEMAMix keeps both, the fast m₁ for the
current direction and the slow m₂ for gradients thousands of steps old, which
the authors found still useful and which make large models forget less.

The warm-up (``t_alpha_beta3`` = T, None for none) ramps α and β₃ up, since a
full-strength slow EMA of the first gradients would destabilise early training:

    α(t)  = min(t α / T, α)
    β₃(t) = min(exp(ln β₁ ln β₃ / ((1 − t/T) ln β₃ + (t/T) ln β₁)), β₃)

β₃(t) starts near β₁ and grows so that the EMA's half-life grows linearly.

Where pytorch-optimizer deviates from the paper (and this file follows it):

- weight decay is L2 (through the moments) by default; the paper's decay is
  decoupled, as AdamW's (``weight_decouple=True``);
- one warm-up length T for both α and β₃ (the paper has T_α and T_β₃; its
  experiments set them equal);
- steps are counted per parameter here, as torch.optim does; pytorch-optimizer
  counts them per param group, which differs only for a parameter whose first
  gradient comes in a later step than its group's first.

optax 0.2.8's ``optax.contrib.ademamix`` computes the same iterates with decoupled
decay, except that it evaluates b3 and alpha schedules (callables) at its 0-based
step count, where pytorch-optimizer's schedules take t from 1: the optax schedule
``f(n)`` equals the warm-up here at t = n + 1.

References: Pagliardini, Ablin & Grangier, "The AdEMAMix Optimizer: Better, Faster,
Older" (ICLR 2025), Algorithm 1; implementation matched: pytorch-optimizer 4.1.0
``pytorch_optimizer.AdEMAMix``.

Hyperparameters (defaults): lr γ = 1e-3; betas (β₁, β₂, β₃) = (0.9, 0.999, 0.9999),
β₁ and β₂ in [0, 1), β₃ in [0, 1]; weight_decay λ = 0; weight_decouple = False;
fixed_decay = False (decoupled decay not scaled by γ when True); alpha α = 5 (≥ 0);
t_alpha_beta3 T = None (no warm-up; a positive number of steps otherwise, which
needs β₁, β₃ > 0); eps ε = 1e-8; maximize = False (ascend: g ← −g first);
cautious = False.
"""
import math

from ..backend import array_module
from ._validation import check_eps, check_lr, check_weight_decay, real
from .cautious import cautious_mask
from .optimizer import Optimizer
from .weight_decay import decay_weights


def alpha_at(step, alpha, warmup):
    """α(t) = min(t α / T, α), or α without a warm-up (T = None)."""
    return alpha if warmup is None else min(step * alpha / warmup, alpha)


def beta3_at(step, beta1, beta3, warmup):
    """β₃(t) = min(exp(ln β₁ ln β₃ / ((1 − t/T) ln β₃ + (t/T) ln β₁)), β₃), or β₃ without a
    warm-up (T = None): the half-life of the slow EMA grows linearly from β₁'s to β₃'s."""
    if warmup is None:
        return beta3
    log_beta1, log_beta3 = math.log(beta1), math.log(beta3)
    fraction = step / warmup
    return min(math.exp(log_beta1 * log_beta3
                        / ((1.0 - fraction) * log_beta3 + fraction * log_beta1)), beta3)


class AdEMAMix(Optimizer):
    """AdEMAMix(params, lr=1e-3, betas=(0.9, 0.999, 0.9999), weight_decay=0,
    weight_decouple=False, fixed_decay=False, alpha=5.0, t_alpha_beta3=None, eps=1e-8,
    maximize=False, foreach=None, *, cautious=False)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999, 0.9999), weight_decay=0.0,
                 weight_decouple=False, fixed_decay=False, alpha=5.0, t_alpha_beta3=None,
                 eps=1e-8, maximize=False, foreach=None, *, cautious=False):
        check_lr(lr)
        _check_betas(betas)
        check_weight_decay(weight_decay)
        if not 0.0 <= real("alpha", alpha):
            raise ValueError(f"Invalid alpha value: {alpha} (the weight of the slow EMA must "
                             f"be non-negative)")
        if t_alpha_beta3 is not None:
            if not 0.0 < real("t_alpha_beta3", t_alpha_beta3):
                raise ValueError(f"Invalid t_alpha_beta3 value: {t_alpha_beta3} (the warm-up "
                                 f"length must be a positive number of steps, or None)")
            if betas[0] == 0 or betas[2] == 0:
                raise ValueError(f"the warm-up of beta3 (t_alpha_beta3={t_alpha_beta3}) "
                                 f"takes the logarithms of beta1 and beta3, which must then "
                                 f"be positive, got betas={tuple(betas)}")
        check_eps(eps)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay,
                                      weight_decouple=weight_decouple, fixed_decay=fixed_decay,
                                      alpha=alpha, t_alpha_beta3=t_alpha_beta3, eps=eps,
                                      maximize=maximize, foreach=foreach, cautious=cautious))

    def init_state(self, group, param):
        xp = array_module(param)
        return {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param),
                "exp_avg_slow": xp.zeros_like(param)}

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        beta1, beta2, beta3 = group["betas"]
        warmup = group["t_alpha_beta3"]
        alpha = alpha_at(step, group["alpha"], warmup)
        slow_beta = beta3_at(step, beta1, beta3, warmup)
        fast, second, slow = state["exp_avg"], state["exp_avg_sq"], state["exp_avg_slow"]
        grad = decay_weights(group, param, grad)
        fast += (grad - fast) * (1 - beta1)
        second *= beta2
        second += (1 - beta2) * grad * grad
        slow += (grad - slow) * (1 - slow_beta)
        denominator = xp.sqrt(second)
        denominator /= math.sqrt(1 - beta2 ** step)
        denominator += group["eps"]
        if group["cautious"]:
            fast = fast * cautious_mask(fast, grad)
        direction = fast / (1 - beta1 ** step)
        direction += alpha * slow
        param -= group["lr"] * (direction / denominator)


def _check_betas(betas):
    """``betas``: (β₁, β₂, β₃) with β₁, β₂ in [0, 1) and β₃ in [0, 1]."""
    what = "betas must be three numbers (beta1, beta2, beta3)"
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"{what}, got {betas!r} ({type(betas).__name__})")
    if len(betas) != 3:
        raise ValueError(f"{what}, got {len(betas)} values: {betas!r}")
    for index, beta in enumerate(betas):
        value = real(f"betas[{index}]", beta)
        if not (0.0 <= value <= 1.0 if index == 2 else 0.0 <= value < 1.0):
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
