"""The learning-rate schedules the tutorials teach, as plain functions of the step.

Each function gives the learning rate at step t (counted from 0) from the
starting rate ``lr0``; nothing else is hidden in it, so a learner can read the
formula, print a table or plot the curve::

    lrs = [cosine_annealing(t, lr0=0.1, total=100) for t in range(101)]

- ``step_decay``:        η_t = η₀ · drop^⌊t / every⌋
- ``exponential_decay``: η_t = η₀ · e^(−k t)
- ``cosine_annealing``:  η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T)) / 2, held at η_min after T
- ``warmup_cosine``:     a linear warmup from start_factor · η₀ to η₀ over the
  first ``warmup`` steps, then ``cosine_annealing`` over the remaining
  ``total − warmup`` steps (the standard Transformer recipe)

With ``lr0=1`` (and ``lr_min`` given as a fraction of the base lr) a function
gives the *factor* on the base lr, which is what ``LambdaLR`` wants::

    LambdaLR(optimizer, lambda t: cosine_annealing(t, 1.0, total=100, lr_min=0.01))

``WarmupCosineLR`` is the warmup-then-cosine schedule as a scheduler. Over the
``total_steps`` of the schedule it gives the same learning rates as PyTorch's
composition ``SequentialLR([LinearLR(start_factor, 1, warmup_steps),
CosineAnnealingLR(total_steps − warmup_steps, eta_min)], milestones=[warmup_steps])``.

Where these differ from the tutorials and from PyTorch:

- the tutorials' warmup η₀ · t / warmup trains the whole first step with
  η = 0; here the warmup starts at ``start_factor`` · η₀ (> 0), as
  ``LinearLR`` insists;
- PyTorch's ``CosineAnnealingLR`` is periodic: after T_max steps the rate
  climbs back up. These functions (like optax's and Keras's) stay at η_min.
"""
import math

from .lr_scheduler import LRScheduler, _warn_get_lr_called_within_step

__all__ = ["step_decay", "exponential_decay", "cosine_annealing", "warmup_cosine",
           "WarmupCosineLR"]


def step_decay(step, lr0, drop, every):
    """η₀ · drop^⌊step / every⌋: multiply by ``drop`` every ``every`` steps (``StepLR``)."""
    return lr0 * drop ** (step // every)


def exponential_decay(step, lr0, k):
    """η₀ · e^(−k · step): a smooth decay with rate k (``ExponentialLR`` with γ = e^(−k))."""
    return lr0 * math.exp(-k * step)


def cosine_annealing(step, lr0, total, lr_min=0.0):
    """η_min + (η₀ − η_min) · (1 + cos(π · t / total)) / 2 with t = min(step, total):
    half a cosine from η₀ down to ``lr_min`` over ``total`` steps, then flat."""
    t = min(step, total)
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / total)) / 2


def warmup_cosine(step, lr0, warmup, total, lr_min=0.0, start_factor=0.01):
    """Linear warmup, then cosine decay.

    For step < warmup: η₀ · (s + (1 − s) · step / warmup), rising from s · η₀
    (s = ``start_factor``) toward η₀; from step = warmup on:
    ``cosine_annealing(step − warmup, η₀, total − warmup, lr_min)``, which
    starts at η₀ and reaches ``lr_min`` at step = total.
    """
    if step < warmup:
        return lr0 * (start_factor + (1 - start_factor) * step / warmup)
    return cosine_annealing(step - warmup, lr0, total - warmup, lr_min)


class WarmupCosineLR(LRScheduler):
    """Linear warmup for ``warmup_steps``, then cosine decay to ``eta_min`` at ``total_steps``.

    Each group's lr is ``warmup_cosine(e, base_lr, warmup_steps, total_steps,
    eta_min, warmup_start_factor)`` (see the module docstring), computed from
    the base lr at every step (like ``LambdaLR``, not chainable). After
    ``total_steps`` the lr stays at ``eta_min``.
    """

    def __init__(self, optimizer, warmup_steps, total_steps, warmup_start_factor=0.01,
                 eta_min=0.0, last_epoch=-1):
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
            raise ValueError(f"Expected a non-negative integer warmup_steps, but got {warmup_steps}")
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) \
                or total_steps <= warmup_steps:
            raise ValueError(f"Expected an integer total_steps greater than warmup_steps "
                             f"({warmup_steps}), but got {total_steps}")
        if warmup_start_factor > 1.0 or warmup_start_factor <= 0:
            raise ValueError("warmup_start_factor expected to be greater than 0 and less or "
                             "equal to 1.")
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.warmup_start_factor = warmup_start_factor
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        return [warmup_cosine(self.last_epoch, base_lr, self.warmup_steps, self.total_steps,
                              self.eta_min, self.warmup_start_factor)
                for base_lr in self.base_lrs]
