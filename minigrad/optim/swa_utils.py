"""Weight averaging: SWA and EMA (``AveragedModel``), ``SWALR`` and ``update_bn``.

PyTorch's ``torch.optim.swa_utils``.

Stochastic Weight Averaging (Izmailov et al., "Averaging Weights Leads to
Wider Optima and Better Generalization", UAI 2018) keeps the running mean of
the weights visited late in training, typically once per epoch under a
constant or cyclic lr. After n models have been averaged, the next one enters
with weight 1 / (n + 1):

    θ̄ ← θ̄ + (θ − θ̄) / (n + 1)

An exponential moving average (EMA, Polyak averaging with exponential weights)
forgets old weights geometrically instead:

    θ̄ ← decay · θ̄ + (1 − decay) · θ

The first ``update_parameters`` copies the model in both cases. ``SWALR``
anneals the lr to a constant ``swa_lr`` for the averaging phase. Averaged
weights change the statistics BatchNorm layers see, so ``update_bn`` runs the
data through the model once to recompute their running mean and variance.

Typical use::

    swa_model = AveragedModel(model)
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, optimizer)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    update_bn(train_loader, swa_model)
"""
import copy
import itertools
import math
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..nn.layers.normalization import BatchNorm1d
from ..nn.module import Module
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def get_ema_multi_avg_fn(decay=0.999):
    """In-place EMA of lists of tensors: θ̄ ← θ̄ + (1 − decay)(θ − θ̄), i.e.
    decay · θ̄ + (1 − decay) · θ. For ``AveragedModel(multi_avg_fn=...)``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                if p_ema.dtype.kind in "fc":
                    p_ema.lerp_(p_model, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """In-place SWA of lists of tensors: θ̄ ← θ̄ + (θ − θ̄) / (n + 1)."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                if p_avg.dtype.kind in "fc":
                    p_avg.lerp_(p_model, 1 / (num_averaged + 1))
                else:
                    p_avg.copy_(p_avg + (p_model - p_avg) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """EMA of one tensor: returns decay · θ̄ + (1 − decay) · θ. For ``AveragedModel(avg_fn=...)``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """SWA of one tensor: returns θ̄ + (θ − θ̄) / (n + 1)."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _copy_module(model):
    """``copy.deepcopy(model)`` with fresh arrays but the same backend objects: the
    copy's tensors live on the same devices as the model's (a device is one backend
    object, compared by identity)."""
    backends = {id(t._backend): t._backend
                for t in itertools.chain(model.parameters(), model.buffers())}
    return copy.deepcopy(model, memo=backends)


class AveragedModel(Module):
    """A copy of ``model`` (``.module``) whose weights are the average of the weights
    ``update_parameters(model)`` has seen.

    - default: SWA, the equal-weight mean, θ̄ + (θ − θ̄) / (n + 1) for each tensor
      (as PyTorch computes it on the CPU; its GPU path lerps with a float32 weight);
    - ``avg_fn(averaged, current, n)`` returns the new average of one tensor;
    - ``multi_avg_fn(averaged_list, current_list, n)`` updates lists in place
      (``get_ema_multi_avg_fn(decay)`` for an EMA);
    - ``use_buffers=True`` averages the buffers (BatchNorm's running statistics)
      too; otherwise they are copied from ``model`` at each update.

    ``n_averaged`` (a buffer) counts the models averaged so far. Calling the
    averaged model runs ``.module``.
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = _copy_module(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=np.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Average ``model``'s current weights into this model's."""
        with no_grad():
            if self.use_buffers:
                averaged = list(itertools.chain(self.module.parameters(), self.module.buffers()))
                current = list(itertools.chain(model.parameters(), model.buffers()))
            else:
                averaged, current = list(self.parameters()), list(model.parameters())
            averaged = [p.detach() for p in averaged]
            current = [p.detach().to(p_avg.device) for p, p_avg in zip(current, averaged)]
            n_averaged = self.n_averaged.item()
            if n_averaged == 0:
                for p_avg, p_model in zip(averaged, current):
                    p_avg.copy_(p_model)
            elif self.multi_avg_fn is not None:
                for device_averaged, device_current in _by_device_and_dtype(averaged, current):
                    device = device_averaged[0].device
                    self.multi_avg_fn(device_averaged, device_current, self.n_averaged.to(device))
            else:
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for p_avg, p_model in zip(averaged, current, strict=True):
                    p_avg.copy_(avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
            if not self.use_buffers:
                for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_swa.copy_(b_model.detach().to(b_swa.device))
            self.n_averaged.add_(1)


def _by_device_and_dtype(averaged, current):
    """Pairs of lists (averaged, current), one pair per (device, dtype) of the averaged
    tensors, as ``multi_avg_fn`` wants them."""
    groups = {}
    for p_avg, p_model in zip(averaged, current, strict=True):
        key = (str(p_avg.device), str(p_avg.dtype))
        groups.setdefault(key, ([], []))
        groups[key][0].append(p_avg)
        groups[key][1].append(p_model)
    return list(groups.values())


def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of every BatchNorm layer of ``model``.

    The statistics are reset and the data of ``loader`` (batches that are
    tensors, or lists/tuples whose first element is the input) is run through
    the model once in training mode with ``momentum=None``, so each running
    statistic becomes the plain average over the batches. The layers' momentum
    and the model's training mode are restored afterwards.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, BatchNorm1d):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` over ``anneal_epochs`` steps, then hold it.

    With t = min(1, step / anneal_epochs) and α(t) = (1 − cos πt) / 2 ("cos") or
    α(t) = t ("linear"), the lr is swa_lr · α + lr_start · (1 − α), where
    lr_start (the lr when annealing began) is recovered from the current lr at
    each step, so the schedule can take over from another one.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, "
                          "please use `get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs, strict=True)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self):
        """As the base, without the annealing function (rebuilt from its name)."""
        return {key: value for key, value in self.__dict__.items()
                if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
