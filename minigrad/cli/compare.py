"""``minigrad compare``: several optimizers on the same task, data and seed.

Each optimizer trains a fresh copy of the same model (the same initial
weights, the same batches in the same order) for the same number of epochs,
with a constant learning rate unless ``--scheduler`` says otherwise. By
default the optimizers are the tutorials' eight (each at a learning rate
tuned for the default task) on ``minigrad train``'s default task for 60 epochs (or
``minigrad train``'s default for the data set, if fewer). Output: a
table, one row per optimizer as it finishes,

    optimizer           lr  final loss  accuracy  steps to loss 0.15     time
    SGD                0.3      0.4172     80.5%                   -    3.1 s
    SGD+momentum       0.1      0.1090     96.5%                 715    2.5 s

where *steps to loss L* is the number of optimizer steps taken by the end of
the first epoch whose mean training loss is at most L (``--target-loss``,
0.15 by default; ``-`` if never), and a figure overlaying their loss curves, written to
``--plot`` (``compare.png`` in the current directory by default; ``--plot
none`` for no figure; without matplotlib the default figure is skipped with a
note). Exit code 0, or 2 for a bad option.
"""
import math
import time

from .options import positive_float
from .presets import DEFAULT_SET, parse_preset
from .train import config_from_arguments, figure_path, format_metric
from .tasks import DEFAULT_EPOCHS as TASK_EPOCHS
from .training import TrainingRun

DEFAULT_EPOCHS = 60
DEFAULT_PLOT = "compare.png"


def add_arguments(parser):
    parser.add_argument("--optimizers", nargs="+", default=list(DEFAULT_SET), metavar="NAME[:LR]",
                        help="presets (sgd momentum nesterov adagrad rmsprop adam adamw lion: the "
                             "default) or any mg.optim optimizer, each optionally :LR")
    parser.add_argument("--target-loss", type=positive_float, default=0.15, metavar="LOSS",
                        help="count the steps until the epoch loss reaches this (default 0.15)")
    parser.add_argument("--plot", default=DEFAULT_PLOT, metavar="PATH",
                        help=f"the loss curves' figure (default {DEFAULT_PLOT}; none: no figure)")


def steps_to_target(losses, target, steps_per_epoch):
    """Steps taken by the end of the first epoch whose loss is ≤ ``target``, or None."""
    for epoch, loss in enumerate(losses, start=1):
        if loss <= target:
            return epoch * steps_per_epoch
    return None


def run(args, device):
    presets = [parse_preset(text) for text in args.optimizers]
    plot = figure_path(args.plot, DEFAULT_PLOT)
    config = config_from_arguments(args)
    if args.epochs is None:
        config["epochs"] = min(DEFAULT_EPOCHS, TASK_EPOCHS[config["data"]])
    if args.scheduler is None:
        config["scheduler"] = "none"
    label_width = max(9, *(len(preset.label) for preset in presets))
    target = f"steps to loss {args.target_loss:g}"
    curves = {}
    for index, preset in enumerate(presets):
        config.update(optimizer=preset.optimizer, lr=preset.lr, opt=preset.hyperparameters)
        training = TrainingRun(config, device)
        if index == 0:
            if not args.quiet:
                print(f"{config['model']} on {config['data']}, {config['epochs']} epochs of "
                      f"{training.steps_per_epoch} steps, seed {config['seed']}")
            print(f"{'optimizer':<{label_width}}  {'lr':>8}  {'final loss':>10}  "
                  f"{training.task.metric_name:>8}  {target:>{len(target)}}  {'time':>7}")
        start = time.perf_counter()
        while training.epoch < config["epochs"]:
            loss, _ = training.train_epoch()
            if not math.isfinite(loss):
                break
        seconds = time.perf_counter() - start
        losses = training.history["loss"]
        steps = steps_to_target(losses, args.target_loss, training.steps_per_epoch)
        metric = format_metric(training.task.metric_name, training.history["metric"][-1])
        print(f"{preset.label:<{label_width}}  {training.optimizer.defaults['lr']:>8.3g}  "
              f"{losses[-1]:>10.4f}  {metric.split()[-1]:>8}  "
              f"{'-' if steps is None else steps:>{len(target)}}  {seconds:>5.1f} s", flush=True)
        curves[preset.label] = losses
    if plot is not None:
        from ..viz import plot_loss_curves
        plot_loss_curves(curves, plot, title=f"{config['model']} on {config['data']}: "
                                             "training loss per epoch")
        if not args.quiet:
            print(f"loss curves: {plot}")
    return 0
