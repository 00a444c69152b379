"""The learning-rate range test ("LR finder", Smith, "Cyclical Learning Rates for
Training Neural Networks", WACV 2017; popularised by fastai).

Train for ``num_iter`` batches while the learning rate grows from ``start_lr``
to ``end_lr``, geometrically (``mode="exp"``: lr_i = start · (end/start)^(i/(n−1)))
or linearly (``mode="linear"``), and record the loss of every batch. At tiny
rates the loss does not move; as the rate grows it starts falling, falls
fastest, then flattens and finally blows up. The rate where the (smoothed) loss
falls fastest against log lr is a good learning rate to train with:

    suggestion = lr_i with the most negative d(smoothed loss) / d(log lr),
                 among the points up to the lowest smoothed loss

Batch losses are noisy, so the curve is an exponential moving average with
weight ``smooth_f`` on the newest loss,

    s_0 = loss_0,   s_i = smooth_f · loss_i + (1 − smooth_f) · s_{i−1},

and the sweep stops early once s_i > ``diverge_th`` × (the lowest s so far) or
the loss is not finite: past that point the model is only being destroyed.

The test changes the model and the optimizer, so both are restored afterwards:
their state dicts are deep-copied before the sweep and loaded back in place
after it (the same tensor objects, the original values, the optimizer's state
and learning rates as they were).

    result = lr_finder(model, optimizer, F.cross_entropy, loader)
    result.suggestion          # a learning rate
    result.plot("lr_finder.png")
"""
import math
import numbers

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .hutchinson import needs_gradient_graph

__all__ = ["lr_finder", "LRFinderResult"]


class LRFinderResult:
    """What a range test found: ``lrs``, ``losses`` (raw, one per batch),
    ``smoothed_losses``, ``diverged`` (whether it stopped early) and ``suggestion``."""

    def __init__(self, lrs, losses, smoothed_losses, diverged, mode):
        self.lrs = lrs
        self.losses = losses
        self.smoothed_losses = smoothed_losses
        self.diverged = diverged
        self.mode = mode

    @property
    def suggestion(self):
        """The lr where the smoothed loss falls fastest against log lr, on its way down
        to its lowest point.

        The slope is ``np.gradient`` of the smoothed loss over log lr (central
        differences, one-sided at the ends), taken over the finite points up to the
        lowest one: past the minimum the loss is diverging, and a fall there is
        only a recovery from a spike. Ties go to the smaller lr.
        """
        finite = [i for i, s in enumerate(self.smoothed_losses) if math.isfinite(s)]
        lowest = min(finite, key=lambda i: self.smoothed_losses[i]) if finite else None
        descent = [i for i in finite if i <= lowest] if finite else []
        if len(descent) < 3:
            raise RuntimeError(
                f"the range test's smoothed loss fell over {len(descent)} points before its "
                "lowest, too few to find where it falls fastest; lower start_lr, or raise "
                "diverge_th or num_iter")
        log_lrs = np.log([self.lrs[i] for i in descent])
        slopes = np.gradient([self.smoothed_losses[i] for i in descent], log_lrs)
        return self.lrs[descent[int(np.argmin(slopes))]]

    def plot(self, path_or_ax=None):
        """Plot the raw and smoothed losses against the lr, with the suggestion marked.

        ``path_or_ax``: a file name (the figure is saved there), a matplotlib
        ``Axes`` to draw on, or ``None`` (a new figure). Returns the ``Axes``.
        Needs matplotlib.
        """
        try:
            import matplotlib
            if path_or_ax is not None and not hasattr(path_or_ax, "plot"):
                matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as error:
            from ..viz.plots import MATPLOTLIB_MISSING  # here: minigrad.viz imports optim
            raise ImportError(f"LRFinderResult.plot draws with {MATPLOTLIB_MISSING}") from error
        ax = path_or_ax if hasattr(path_or_ax, "plot") else plt.subplots(figsize=(6, 4))[1]
        ax.plot(self.lrs, self.losses, color="0.75", linewidth=1, label="loss per batch")
        ax.plot(self.lrs, self.smoothed_losses, color="C0", label="smoothed loss")
        suggestion = self.suggestion
        ax.axvline(suggestion, color="C3", linestyle="--",
                   label=f"steepest descent: lr = {suggestion:.3g}")
        if self.mode == "exp":
            ax.set_xscale("log")
        finite = [v for v in self.losses + self.smoothed_losses if math.isfinite(v)]
        low, start = min(finite), self.smoothed_losses[0]
        ax.set_ylim(low - 0.05 * (start - low), 1.5 * start)  # the spikes of divergence cut off
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title("Learning-rate range test")
        ax.legend()
        if path_or_ax is not None and not hasattr(path_or_ax, "plot"):
            ax.figure.savefig(path_or_ax, dpi=120, bbox_inches="tight")
            plt.close(ax.figure)
        return ax


def lr_finder(model, optimizer, loss_fn, batches, start_lr=1e-7, end_lr=10, num_iter=100,
              mode="exp", smooth_f=0.05, diverge_th=5):
    """Run the range test and return an ``LRFinderResult``; the model and optimizer
    end as they began.

    - ``loss_fn(model(inputs), targets)`` gives the loss of a batch;
    - ``batches``: a ``DataLoader`` or any re-iterable of ``(inputs, targets)``;
      it is started again when it runs out before ``num_iter`` batches;
    - every param group trains with the same lr at each step of the sweep;
    - the optimizers that differentiate the gradients once more (SophiaH, AdaHessian)
      get ``loss.backward(create_graph=True)``.
    """
    _check_arguments(start_lr, end_lr, num_iter, mode, smooth_f, diverge_th)
    if mode == "exp":
        lrs = [start_lr * (end_lr / start_lr) ** (i / (num_iter - 1)) for i in range(num_iter)]
    else:
        lrs = [start_lr + (end_lr - start_lr) * i / (num_iter - 1) for i in range(num_iter)]
    params = [p for group in optimizer.param_groups for p in group["params"]]
    grads = [p.grad for p in params]
    saved_model = _deep_copy(model.state_dict())
    saved_optimizer = _deep_copy(optimizer.state_dict())
    losses, smoothed = [], []
    diverged = False
    create_graph = needs_gradient_graph(optimizer)
    try:
        for lr, (inputs, targets) in zip(lrs, _endless(batches)):
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward(create_graph=create_graph)
            optimizer.step()
            losses.append(loss.item())
            smoothed.append(losses[-1] if not smoothed
                            else smooth_f * losses[-1] + (1 - smooth_f) * smoothed[-1])
            if not math.isfinite(smoothed[-1]) or smoothed[-1] > diverge_th * min(smoothed):
                diverged = True
                break
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        for param, grad in zip(params, grads):
            param.grad = grad
    return LRFinderResult(lrs[:len(losses)], losses, smoothed, diverged, mode)


def _check_arguments(start_lr, end_lr, num_iter, mode, smooth_f, diverge_th):
    if mode not in ("exp", "linear"):
        raise ValueError(f"mode must be 'exp' or 'linear', got {mode!r}")
    for name, bound in (("start_lr", start_lr), ("end_lr", end_lr)):
        if isinstance(bound, bool) or not isinstance(bound, numbers.Real) or not math.isfinite(bound):
            raise ValueError(f"{name} must be a finite number, got {bound!r}")
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    if isinstance(num_iter, bool) or not isinstance(num_iter, int) or num_iter < 2:
        raise ValueError(f"num_iter must be an integer of at least 2, got {num_iter}")
    if not 0 < smooth_f <= 1:
        raise ValueError(f"smooth_f (the weight of the newest loss) must be in (0, 1], "
                         f"got {smooth_f}")
    if not diverge_th > 1:
        raise ValueError(f"diverge_th must be greater than 1, got {diverge_th}")


def _endless(batches):
    """The batches of ``batches``, started again each time they run out."""
    while True:
        count = 0
        for batch in batches:
            count += 1
            yield batch
        if count == 0:
            raise ValueError("the batches for the range test are empty (or an iterator that "
                             "has run out: pass a list or a DataLoader)")


def _deep_copy(value):
    """A copy of a state dict whose tensors own their memory (nested dicts, lists, tuples)."""
    if isinstance(value, Tensor):
        with no_grad():
            return value.detach().clone()
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_deep_copy(item) for item in value)
    return value
