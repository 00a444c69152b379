"""``minigrad train``: train a model and say how it went.

With no options: an MLP (2 → 64 → 64 → 2, ReLU) learns to separate two
interleaved spirals with AdamW (lr 0.01) under a linear warm-up then cosine
schedule, 100 epochs of mini-batches of 32. Output (stdout): a line saying
what is trained, a line every tenth of the run::

    epoch  20/100  loss 0.2096  accuracy 94.0%  lr 0.0094

and the summary line, always the last::

    final loss 0.0696 | accuracy 97.5% | time 5.7 s | 4,482 parameters

(``r2 0.9931`` instead of the accuracy for ``--data sine``; the time is this
command's training time). With ``--quiet`` only the summary line is printed.
A progress bar (tqdm, on stderr when it is a terminal) shows the loss,
accuracy and lr as the run goes.

Checkpoints: ``--save PATH`` writes one at the end of the run and, during it,
at the end of any epoch that ends 5 seconds or more after the last write, so
that an interrupted run loses little. Each write goes through a temporary file
renamed over PATH, so an interrupted or failed save leaves the previous
checkpoint, or nothing, never half a file.
``--resume PATH`` continues that run exactly where it stopped, with the
settings stored in it: the epochs that follow have the same losses as an
uninterrupted run. Options
that define the run (model, data, optimizer, lr, scheduler, batch size, seed,
...) cannot be changed on resume; ``--epochs`` can (the run's new length; the
learning-rate schedule keeps the horizon it was built with). ``--stop-after
E`` ends the run after epoch E while the schedule still spans ``--epochs``:
one way to split a run in two.

Data-parallel: under ``mpiexec -n N`` the run is shared out over the N
processes (``--batch-size`` samples per process and step; only rank 0 prints,
saves and draws, and its progress bar counts the samples of all ranks);
``--nproc N`` starts that ``mpiexec`` itself.

Exit codes: 0 done; 1 the loss diverged (it is reported) or a save failed;
2 a bad option (one line on stderr); 130 interrupted (Ctrl-C).
"""
import importlib.util
import math
import os
import sys
import time

from ..optim import LBFGS
from ..serialization import SerializationError, load, save
from ..viz.plots import MATPLOTLIB_MISSING
from .errors import UsageError
from .options import as_dict, describe_optimizer, positive_int
from .parallel import join_process_group, launched_world_size, stderr_is_terminal
from .training import DEFAULT_CONFIG, TrainingRun

SAVE_INTERVAL = 5.0  # seconds between checkpoints during a run

# Options that define a run; --resume takes them from the checkpoint.
RUN_OPTIONS = {"model": "--model", "data": "--data", "hidden": "--hidden",
               "optimizer": "--optimizer", "lr": "--lr", "opt": "--opt",
               "scheduler": "--scheduler", "sched": "--sched", "batch_size": "--batch-size",
               "clip_grad_norm": "--clip-grad-norm", "seed": "--seed"}


def add_arguments(parser):
    parser.add_argument("--save", metavar="PATH",
                        help="write a checkpoint here (at the end, and every few seconds)")
    parser.add_argument("--resume", metavar="PATH",
                        help="continue the run saved in this checkpoint, exactly")
    parser.add_argument("--stop-after", type=positive_int, metavar="EPOCH",
                        help="stop after this epoch (the schedule still spans --epochs)")
    parser.add_argument("--plot", metavar="PATH", help="save loss, accuracy and lr curves (PNG)")
    parser.add_argument("--nproc", type=positive_int, metavar="N",
                        help="train data-parallel on N processes, started with mpiexec "
                             "(each takes --batch-size samples per step)")
    parser.add_argument("--compile", action="store_true",
                        help="record the training step once and replay it (mg.compile): the "
                             "same numbers, less Python per step")


def config_from_arguments(args):
    """The run's configuration: the options given, ``DEFAULT_CONFIG`` for the rest."""
    config = dict(DEFAULT_CONFIG)
    for key in ("model", "data", "hidden", "optimizer", "lr", "scheduler", "epochs",
                "batch_size", "clip_grad_norm", "seed"):
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    config["opt"] = as_dict(getattr(args, "opt", None), "--opt")
    config["sched"] = as_dict(getattr(args, "sched", None), "--sched")
    if config["sched"] and getattr(args, "scheduler", None) is None:
        raise UsageError("--sched sets the arguments of the scheduler --scheduler names; "
                         "give --scheduler too")
    return config


def check_output_path(path, option):
    """Refuse, before any training, a path whose directory does not exist."""
    if path is None:
        return
    if not str(path).strip():
        raise UsageError(f"{option}: the file name is empty")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{option} {path}: the directory {directory} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{option} {path}: is a directory, not a file name")




def _matplotlib_missing():
    return importlib.util.find_spec("matplotlib") is None


def check_plotting(path, option):
    """Refuse, before any training, a figure that cannot be drawn without matplotlib."""
    if path is not None and _matplotlib_missing():
        raise UsageError(f"{option} draws a figure with {MATPLOTLIB_MISSING}")


def figure_path(path, default):
    """The figure to write for ``--plot path`` (``default`` when the option was not given):
    None for ``none``. A figure asked for needs matplotlib (a UsageError without it);
    without matplotlib the default figure is skipped with a note on stderr."""
    if path.lower() == "none":
        return None
    check_output_path(path, "--plot")
    if path == default and _matplotlib_missing():
        print(f"no figure: the figure is drawn with {MATPLOTLIB_MISSING}", file=sys.stderr)
        return None
    check_plotting(path, "--plot")
    return path


def _load_run(args, device, data_parallel):
    given = [flag for key, flag in RUN_OPTIONS.items() if getattr(args, key) not in (None, [])]
    if given:
        raise UsageError(f"--resume continues the saved run with its own settings; leave out "
                         f"{', '.join(given)}")
    try:
        checkpoint = load(args.resume)
    except FileNotFoundError:
        raise UsageError(f"--resume {args.resume}: no such file") from None
    except SerializationError as error:
        raise UsageError(f"--resume {args.resume}: {error}") from None
    return TrainingRun.from_checkpoint(checkpoint, device, epochs=args.epochs,
                                       data_parallel=data_parallel)


def format_metric(name, value):
    return f"accuracy {100 * value:.1f}%" if name == "accuracy" else f"{name} {value:.4f}"


def describe(run):
    """One line: what this run trains, on what, with what."""
    task, config = run.task, run.config
    held_out = ("the training samples" if task.test_is_train
                else f"{len(task.test[1])} held-out samples")
    scheduler = type(run.scheduler).__name__ if run.scheduler is not None else "a constant lr"
    batches = (f"{run.steps_per_epoch} batches of {run.batch_size}" if run.steps_per_epoch > 1
               else f"one batch of {run.batch_size}")
    if run.world_size > 1:
        batches += f" per process on {run.world_size} processes"
    return (f"{config['model']} on {config['data']}: {len(run.dataset)} training samples "
            f"({batches}), {task.metric_name} on {held_out}; {run.parameter_count:,} parameters; "
            f"{describe_optimizer(run.optimizer)} with {scheduler}; {config['epochs']} epochs")


def _progress_bar(run, last_epoch, quiet):
    """Steps per second; in a data-parallel run samples per second, of all ranks together."""
    from tqdm import tqdm
    per_step, unit = (1, "step") if run.world_size == 1 else (run.samples_per_step, "sample")
    if quiet:
        disable = True
    else:  # None: only on a terminal (tqdm's test; the launcher's variable under --nproc)
        disable = None if run.world_size == 1 or not stderr_is_terminal() else False
    return tqdm(total=run.steps_per_epoch * last_epoch * per_step,
                initial=run.steps_per_epoch * run.epoch * per_step, unit=unit,
                unit_scale=run.world_size > 1, file=sys.stderr, disable=disable, leave=False,
                dynamic_ncols=True, desc="training")


def run(args, device):
    check_output_path(args.save, "--save")
    check_output_path(args.plot, "--plot")
    check_plotting(args.plot, "--plot")
    data_parallel = launched_world_size() > 1
    if data_parallel and args.compile:
        raise UsageError("--compile: data-parallel training all-reduces the gradients from "
                         "hooks during backward, which a recorded step can't replay; train "
                         "on several processes without --compile")
    if data_parallel and join_process_group()[0] != 0:
        # Only rank 0 speaks and writes files; the others train alongside it.
        args.quiet, args.save, args.plot = True, None, None
        with open(os.devnull, "w") as silence:
            sys.stdout = silence
            try:
                return _train(args, device, data_parallel)
            finally:
                sys.stdout = sys.__stdout__
    return _train(args, device, data_parallel)


def _train(args, device, data_parallel):
    if args.resume is not None:
        training = _load_run(args, device, data_parallel)
    else:
        training = TrainingRun(config_from_arguments(args), device, data_parallel)
    if getattr(args, "compile", False):
        training.use_compile()
    epochs = training.config["epochs"]
    last_epoch = min(epochs, args.stop_after or epochs)
    if not args.quiet:
        print(describe(training))
        if training.epoch:
            print(f"resuming after epoch {training.epoch}")
    start = time.perf_counter()
    saved_epoch = None
    try:
        for saved_epoch in _epochs(training, last_epoch, args):
            pass
    except KeyboardInterrupt:
        saved = (f"; the checkpoint after epoch {saved_epoch} is in {args.save}: continue with "
                 f"--resume {args.save}" if saved_epoch is not None else "")
        print(f"interrupted{saved}", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - start
    history, metric_name = training.history, training.task.metric_name
    if args.plot is not None and history["loss"]:
        from ..viz import plot_training_curves
        plot_training_curves(history["loss"], history["metric"], history["lr"], args.plot,
                             metric_name=metric_name)
    loss, metric = (history["loss"][-1], history["metric"][-1]) if history["loss"] else (
        math.nan, math.nan)
    print(f"final loss {loss:.4f} | {format_metric(metric_name, metric)} | time {seconds:.1f} s | "
          f"{training.parameter_count:,} parameters")
    if not math.isfinite(loss):
        print(f"the loss diverged at epoch {training.epoch}: {divergence_advice(training)}",
              file=sys.stderr)
        return 1
    return 0


def divergence_advice(training):
    """What to change when ``training`` diverged. L-BFGS: a line search and the full batch
    first (without them its step of lr along its direction overshoots, and each evaluation
    of a step would see another batch); any optimizer: a smaller lr, or clipping."""
    optimizer = training.optimizer
    if isinstance(optimizer, LBFGS):
        changes = []
        if optimizer.defaults["line_search_fn"] is None:
            changes.append("--opt line_search_fn=strong_wolfe")
        if training.steps_per_epoch > 1:
            changes.append("--batch-size full")
        if changes:
            return f"L-BFGS needs {' and '.join(changes)} (the defaults of minigrad train)"
        return "try a smaller --lr"
    return "try a smaller --lr or --clip-grad-norm"


def _epochs(training, last_epoch, args):
    """Train up to ``last_epoch`` with a progress bar and the epoch lines; yield the epoch
    of each checkpoint written (the run stops early if the loss diverges)."""
    epochs = training.config["epochs"]
    report_every = max(1, epochs // 10)
    metric_name = training.task.metric_name
    saved_at = time.perf_counter()
    with _progress_bar(training, last_epoch, args.quiet) as bar:
        while training.epoch < last_epoch:
            loss, metric = training.train_epoch(
                after_step=lambda: bar.update(1 if training.world_size == 1
                                              else training.samples_per_step))
            epoch, diverged = training.epoch, not math.isfinite(loss)
            progress = (f"loss {loss:.4f}  {format_metric(metric_name, metric)}  "
                        f"lr {training.lr:.3g}")
            bar.set_postfix_str(progress.replace("  ", ", "))
            if not args.quiet and (epoch == 1 or epoch % report_every == 0
                                   or epoch == last_epoch or diverged):
                bar.write(f"epoch {epoch:{len(str(epochs))}d}/{epochs}  {progress}",
                          file=sys.stdout)
            if diverged:  # the last checkpoint, if any, keeps the weights before the blow-up
                return
            if args.save is not None and (epoch == last_epoch
                                          or time.perf_counter() - saved_at >= SAVE_INTERVAL):
                _save(training, args.save)
                saved_at = time.perf_counter()
                yield epoch


def _save(training, path):
    try:
        save(training.checkpoint(), path)
    except OSError as error:
        raise SaveError(f"could not save the checkpoint to {path}: {error}") from None


class SaveError(Exception):
    """A checkpoint could not be written (the previous one, if any, is intact)."""
