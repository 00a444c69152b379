"""One training run: a configuration in, a trained model and its history out.

``TrainingRun(config)`` builds the task, the model, the optimizer and the
scheduler that ``config`` names (a dict of plain values, ``DEFAULT_CONFIG``'s
keys; ``epochs=None`` is the data set's ``DEFAULT_EPOCHS``, ``batch_size=None``
32, or the whole training set for L-BFGS); ``train_epoch()`` trains one epoch
and returns its mean loss and metric.

An epoch is the textbook loop over shuffled mini-batches, each step given to
the optimizer as a closure (so ``LBFGS`` works like every other optimizer)::

    def closure():
        optimizer.zero_grad()
        loss = task.loss(model(inputs), targets)
        loss.backward()      # backward(create_graph=True) for SophiaH, AdaHessian
        clip_grad_norm_(model.parameters(), max_norm)     # with --clip-grad-norm
        return loss
    optimizer.step(closure); scheduler.step()

The optimizers that estimate the Hessian's diagonal from the gradients' graph
(``SophiaH``, ``AdaHessian``: ``optim/hutchinson.py``'s ``needs_gradient_graph``)
get ``loss.backward(create_graph=True)``, so they run from the command line as
they would in a user's loop; their probes come from the default generator, which
each epoch's seed seeds, so their runs are reproducible and resumable too.

Reproducible and resumable: everything random in epoch e (the order of the
samples, and dropout if a model had any) is drawn from generators seeded with
a number derived from (seed, e) alone. A run restored from a checkpoint taken
after epoch e therefore draws exactly what the uninterrupted run would have,
and its losses are the same to the last bit. The checkpoint (``checkpoint()``,
written with ``mg.save``) holds the configuration, the epoch, the model, the
optimizer and the scheduler state dicts and the history; the random state is
the seed, from which every later epoch's generators follow.

Data-parallel (``data_parallel=True``, in a process group that ``cli/parallel.py``
joined): the model is wrapped in ``DistributedDataParallel`` (``network``, what the
steps call; ``model`` stays the plain module, whose state dict the checkpoint
keeps) and each epoch's samples are shared out by a ``DistributedSampler``
seeded with the run's seed, so every rank trains on its own ``batch_size``
samples per step and the all-reduced gradient is that of the mean loss over all
of them. The epoch's loss is averaged over the ranks.

Evaluation uses the weights an optimizer says to evaluate: the slow weights
of ``Lookahead``, the averaged point x of the schedule-free optimizers
(``optimizer.eval()``, and ``optimizer.train()`` again afterwards).
"""
import math
from contextlib import contextmanager

import numpy as np

from ..autograd.grad_mode import no_grad
from ..data import DataLoader, DistributedSampler, TensorDataset
from ..nn.utils import clip_grad_norm_
from ..optim.hutchinson import needs_gradient_graph
from ..random import manual_seed
from .errors import UsageError
from .options import build_optimizer, build_scheduler, default_batch_size, steps_on_the_loss
from .tasks import (DEFAULT_EPOCHS, DEFAULT_HIDDEN, MODEL_HIDDEN, build_model, build_task,
                    check_pairing, layout)

CHECKPOINT_FORMAT = "minigrad-train-checkpoint"

DEFAULT_CONFIG = {
    "model": "mlp", "data": "spirals", "hidden": None,
    "optimizer": "AdamW", "lr": None, "opt": {},
    "scheduler": "WarmupCosineLR", "sched": {},
    "epochs": None, "batch_size": None, "clip_grad_norm": None, "seed": 0,
}


def epoch_seed(seed, epoch):
    """The seed of epoch ``epoch`` (counted from 0) of a run seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


@contextmanager
def evaluation_weights(optimizer):
    """Inside the block the parameters hold the weights ``optimizer`` says to evaluate."""
    if hasattr(optimizer, "slow_weights"):  # Lookahead
        with optimizer.slow_weights():
            yield
    elif callable(getattr(optimizer, "eval", None)):  # schedule-free
        optimizer.eval()
        try:
            yield
        finally:
            optimizer.train()
    else:
        yield


class TrainingRun:
    """The task, model, optimizer, scheduler and history of one run of ``config``."""

    def __init__(self, config, device="cpu", data_parallel=False):
        self.config = config = {**DEFAULT_CONFIG, **config}
        if config["epochs"] is None:
            config["epochs"] = DEFAULT_EPOCHS.get(config["data"], DEFAULT_EPOCHS["spirals"])
        if config["hidden"] is None:
            config["hidden"] = MODEL_HIDDEN.get(config["model"], DEFAULT_HIDDEN)
        check_pairing(config["model"], config["data"])
        self.task = build_task(config["data"], layout(config["model"]), config["seed"], device)
        manual_seed(config["seed"])
        self.model = build_model(config["model"], self.task, config["hidden"]).to(device)
        self.dataset = TensorDataset(*self.task.train)
        self.network, self.sampler, self.world_size = self.model, None, 1
        if data_parallel:
            from ..nn.parallel import DistributedDataParallel
            self.network = DistributedDataParallel(self.model)
            self.sampler = DistributedSampler(self.dataset, seed=config["seed"])
            self.world_size = self.sampler.num_replicas
        samples = len(self.sampler) if data_parallel else len(self.dataset)
        size = config["batch_size"] or default_batch_size(config["optimizer"])
        self.batch_size = samples if size == "full" else min(size, samples)
        self.steps_per_epoch = math.ceil(samples / self.batch_size)
        self.optimizer = build_optimizer(config["optimizer"], self.model.parameters(),
                                         config["lr"], config["opt"])
        self.create_graph = needs_gradient_graph(self.optimizer)
        self.scheduler = build_scheduler(config["scheduler"], self.optimizer,
                                         config["epochs"] * self.steps_per_epoch, config["sched"],
                                         epochs=config["epochs"])
        self.epoch = 0
        self.history = {"loss": [], "metric": [], "lr": []}
        self.compiled_step = None  # set by use_compile()

    def use_compile(self):
        """Train with ``mg.compile``: the step (zero_grad, forward, loss, backward,
        clipping, optimizer step) is recorded once per batch shape and replayed; the
        numbers are those of the eager step. Refused for optimizers whose step needs a
        closure or a graph of the gradients."""
        from ..compile import compile
        from ..optim import LBFGS, SAM
        if self.create_graph or isinstance(self.optimizer, (LBFGS, SAM)):
            raise UsageError(
                f"--compile: {type(self.optimizer).__name__}'s step re-evaluates the loss "
                "(a closure) or differentiates the gradients again; a recorded step can't "
                "replay that. Train without --compile")
        model, optimizer, task = self.model, self.optimizer, self.task
        max_norm = self.config["clip_grad_norm"]

        def step(inputs, targets):
            optimizer.zero_grad()
            loss = task.loss(model(inputs), targets)
            loss.backward()
            if max_norm is not None:
                clip_grad_norm_(model.parameters(), max_norm)
            optimizer.step()
            return loss
        self.compiled_step = compile(step)

    @property
    def parameter_count(self):
        return sum(p.numel() for p in self.model.parameters())

    @property
    def samples_per_step(self):
        """The samples one step trains on, over all ranks."""
        return self.batch_size * self.world_size

    @property
    def lr(self):
        """The learning rate of the first parameter group now."""
        return self.optimizer.param_groups[0]["lr"]

    def train_epoch(self, after_step=None):
        """Train one epoch; return (mean batch loss, metric). ``after_step()`` (optional)
        runs after each step."""
        seed = epoch_seed(self.config["seed"], self.epoch)
        manual_seed(seed)
        if self.sampler is None:
            loader = DataLoader(self.dataset, batch_size=self.batch_size, shuffle=True, seed=seed)
        else:
            self.sampler.set_epoch(self.epoch)
            loader = DataLoader(self.dataset, batch_size=self.batch_size, sampler=self.sampler)
        model, optimizer, task = self.network, self.optimizer, self.task
        max_norm = self.config["clip_grad_norm"]
        model.train()
        if callable(getattr(optimizer, "train", None)):
            optimizer.train()
        total = None
        for inputs, targets in loader:
            def closure():
                optimizer.zero_grad()
                loss = task.loss(model(inputs), targets)
                loss.backward(create_graph=self.create_graph)
                if max_norm is not None:
                    clip_grad_norm_(model.parameters(), max_norm)
                return loss

            self.history["lr"].append(self.lr)
            if self.compiled_step is not None:
                loss = self.compiled_step(inputs, targets).detach()
            else:
                loss = optimizer.step(closure).detach()
            total = loss if total is None else total + loss
            if self.scheduler is not None and not steps_on_the_loss(self.scheduler):
                self.scheduler.step()
            if after_step is not None:
                after_step()
        mean_loss = total.item() / self.steps_per_epoch
        if self.sampler is not None:
            from .parallel import mean_over_ranks
            mean_loss = mean_over_ranks(mean_loss)
        if self.scheduler is not None and steps_on_the_loss(self.scheduler):
            self.scheduler.step(mean_loss)
        metric = self.evaluate() if math.isfinite(mean_loss) else math.nan
        self.epoch += 1
        self.history["loss"].append(mean_loss)
        self.history["metric"].append(metric)
        return mean_loss, metric

    def evaluate(self):
        """The task's metric on its test samples, with the weights to evaluate."""
        inputs, targets = self.task.test
        self.model.eval()
        try:
            with evaluation_weights(self.optimizer), no_grad():
                return self.task.metric(self.model(inputs), targets)
        finally:
            self.model.train()

    # -- checkpoints ----------------------------------------------------------------
    def checkpoint(self):
        """Everything needed to continue this run exactly, as plain data for ``mg.save``."""
        return {"format": CHECKPOINT_FORMAT, "config": self.config, "epoch": self.epoch,
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "history": self.history}

    @classmethod
    def from_checkpoint(cls, checkpoint, device="cpu", epochs=None, data_parallel=False):
        """The run ``checkpoint`` was taken from, at the epoch it was taken; ``epochs``
        (when given) is the run's new length."""
        if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise UsageError("--resume: the file is not a checkpoint of minigrad train")
        config = dict(checkpoint["config"])
        run = cls(config, device, data_parallel)
        run.model.load_state_dict(checkpoint["model"])
        run.optimizer.load_state_dict(checkpoint["optimizer"])
        if run.scheduler is not None:
            run.scheduler.load_state_dict(checkpoint["scheduler"])
        run.epoch = checkpoint["epoch"]
        run.history = {key: list(values) for key, values in checkpoint["history"].items()}
        if epochs is not None:
            run.config["epochs"] = epochs
        return run
