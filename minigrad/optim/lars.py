"""LARS: layer-wise adaptive rate scaling, SGD with a trust ratio per layer.

optax 0.2.8's ``optax.lars`` exactly. For each parameter θ (a whole layer's
weight or bias: norms are taken over the entire tensor) with gradient g:

    u = g + λ θ                                   weight decay λ, included in the norm below
    r = η ‖θ‖ / (‖u‖ + ε)                         the trust ratio (trust_coefficient η)
    r = 1            if ‖θ‖ = 0 or ‖u‖ = 0         (not η: a zero-initialised bias takes full steps)
    w = γ r u                                     lr γ
    v ← w + μ v                                   momentum μ: the lr sits *inside* the buffer
    θ ← θ − v              or   θ ← θ − (w + μ v)   with nesterov

The trust ratio makes the step of every layer proportional to the size of that
layer's weights, ‖Δθ‖ ≈ γ η ‖θ‖ (for small μ), whatever the scale of its
gradient: layers whose gradients are large relative to their weights no
longer diverge at the huge learning rates of large-batch training. Since the
lr multiplies each step *before* it enters the momentum buffer, changing γ
mid-training (a scheduler) affects new steps only, not the stored velocity;
this equals PyTorch-style momentum (θ ← θ − γ v) while γ is constant.

Reference: You, Gitman & Ginsburg, "Large Batch Training of Convolutional
Networks" (arXiv:1708.03888, 2017); implementation matched: optax 0.2.8
``optax.lars`` (add_decayed_weights → scale_by_trust_ratio →
scale_by_learning_rate → trace).

Hyperparameters (optax name → minigrad name, default):

- ``learning_rate`` → ``lr`` (γ), 1e-3 (optax has no default; LARS is usually
  run with a much larger lr, since the trust ratio η‖θ‖/‖u‖ is small);
- ``momentum`` → ``momentum`` (μ), 0.9; ``nesterov`` → ``nesterov``, False
  (as in PyTorch's SGD, it needs momentum > 0);
- ``weight_decay`` → ``weight_decay`` (λ), 0;
- ``trust_coefficient`` → ``trust_coefficient`` (η), 1e-3;
- ``eps`` → ``eps`` (ε), 0;
- ``weight_decay_mask`` → a param group with ``weight_decay=0``;
- ``trust_ratio_mask`` → a param group with ``trust_ratio=False`` (r = 1 for
  its parameters). As in optax, the trust ratio applies to every parameter by
  default, biases included; the LARS paper and most recipes exclude biases and
  normalisation parameters::

      LARS([{"params": weights},
            {"params": biases, "trust_ratio": False, "weight_decay": 0.0}], lr=...)
"""
from ..backend import array_module
from ._validation import check_eps, check_lr, check_momentum, check_weight_decay, real
from .optimizer import Optimizer


def layer_trust_ratio(param, update, trust_coefficient=1.0, eps=0.0):
    """η‖θ‖ / (‖u‖ + ε) as a 0-d array, or 1 where either norm is zero (optax's rule).

    Shared by LARS (η = trust_coefficient) and LAMB (η = 1, ε = 0). No host
    synchronisation: the zero-norm rule is an ``xp.where``.
    """
    xp = array_module(param)
    param_norm = xp.sqrt(xp.sum(param * param))
    update_norm = xp.sqrt(xp.sum(update * update))
    zero_norm = xp.logical_or(param_norm == 0, update_norm == 0)
    safe_denominator = xp.where(zero_norm, 1.0, update_norm + eps)  # no 0/0 warnings
    return xp.where(zero_norm, 1.0, trust_coefficient * param_norm / safe_denominator
                    ).astype(param.dtype)


def check_trust_coefficient(trust_coefficient):
    if not 0.0 <= real("trust_coefficient", trust_coefficient):
        raise ValueError(f"Invalid trust_coefficient value: {trust_coefficient}")


class LARS(Optimizer):
    """LARS(params, lr=1e-3, momentum=0.9, weight_decay=0, trust_coefficient=1e-3, eps=0,
    nesterov=False, *, trust_ratio=True)"""

    def __init__(self, params, lr=1e-3, momentum=0.9, weight_decay=0.0, trust_coefficient=1e-3,
                 eps=0.0, nesterov=False, *, trust_ratio=True):
        check_lr(lr)
        check_momentum(momentum)
        check_weight_decay(weight_decay)
        check_trust_coefficient(trust_coefficient)
        check_eps(eps)
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum requires a momentum")
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      trust_coefficient=trust_coefficient, eps=eps,
                                      nesterov=nesterov, trust_ratio=trust_ratio))

    def init_state(self, group, param):
        if group["momentum"] == 0:
            return {}
        return {"momentum_buffer": array_module(param).zeros_like(param)}

    def update(self, group, param, grad, state, step):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if group["trust_ratio"]:
            grad = grad * layer_trust_ratio(param, grad, group["trust_coefficient"], group["eps"])
        scaled_step = lr * grad
        if momentum != 0:
            velocity = state["momentum_buffer"]
            velocity *= momentum
            velocity += scaled_step
            scaled_step = scaled_step + momentum * velocity if group["nesterov"] else velocity
        param -= scaled_step
