"""``minigrad lr-find``: the learning-rate range test (``mg.optim.lr_finder``).

Trains the model of ``minigrad train``'s task for ``--num-iter`` batches while
the learning rate grows geometrically from ``--start-lr`` to ``--end-lr``,
records the loss of every batch and suggests the rate at which the smoothed
loss falls fastest. The model and optimizer are restored afterwards (the test
only looks). Output::

    AdamW on mlp/spirals: 100 batches of 32, lr from 1e-06 to 10
    the loss diverged at lr 0.955; stopped there
    suggested lr: 0.0123
    try: minigrad train --model mlp --data spirals --optimizer AdamW --lr 0.0123

and the loss-against-lr figure (``--plot``, ``lr_find.png`` by default,
``none`` for no figure; without matplotlib the default figure is skipped with
a note). LBFGS is refused: its line search chooses its own step; so is SAM, whose
steps need a closure. Exit code 0, 1 if too few finite losses were recorded
to suggest anything, 2 for a bad option.
"""
import sys

from ..data import DataLoader
from ..optim import LBFGS, SAM
from ..optim.lr_finder import lr_finder
from .errors import UsageError
from .options import find_optimizer, positive_float
from .train import config_from_arguments, figure_path
from .training import TrainingRun, epoch_seed

DEFAULT_PLOT = "lr_find.png"


def add_arguments(parser):
    parser.add_argument("--start-lr", type=positive_float, default=1e-6,
                        help="first lr (default 1e-6)")
    parser.add_argument("--end-lr", type=positive_float, default=10.0,
                        help="last lr (default 10)")
    parser.add_argument("--num-iter", type=int, default=100,
                        help="batches, one lr each (default 100)")
    parser.add_argument("--plot", default=DEFAULT_PLOT, metavar="PATH",
                        help=f"loss against lr (default {DEFAULT_PLOT}; none for no figure)")


def run(args, device):
    if args.num_iter < 2:
        raise UsageError(f"--num-iter must be at least 2, got {args.num_iter}")
    plot = figure_path(args.plot, DEFAULT_PLOT)
    config = config_from_arguments(args)
    if find_optimizer(config["optimizer"]) is LBFGS:
        raise UsageError("lr-find does not apply to LBFGS: its line search chooses the step at "
                         "every step (minigrad train --optimizer lbfgs uses it, at lr 1)")
    if find_optimizer(config["optimizer"]) is SAM:
        raise UsageError("lr-find does not apply to SAM, whose steps need a closure: find the "
                         "lr of its base optimizer (e.g. --optimizer adam) and give it to "
                         "minigrad train --optimizer sam --lr ...")
    config["scheduler"] = "none"
    training = TrainingRun(config, device)
    optimizer = training.optimizer
    if callable(getattr(optimizer, "train", None)):
        optimizer.train()
    batches = DataLoader(training.dataset, batch_size=training.batch_size, shuffle=True,
                         seed=epoch_seed(config["seed"], 0))
    try:
        result = lr_finder(training.model, optimizer, training.task.loss, batches,
                           start_lr=args.start_lr, end_lr=args.end_lr, num_iter=args.num_iter)
    except ValueError as error:
        raise UsageError(f"lr-find: {error}") from None
    name = type(optimizer).__name__
    print(f"{name} on {config['model']}/{config['data']}: {args.num_iter} batches of "
          f"{training.batch_size}, lr from {args.start_lr:g} to {args.end_lr:g}")
    if result.diverged:
        print(f"the loss diverged at lr {result.lrs[-1]:.3g}; stopped there")
    try:
        suggestion = result.suggestion
    except RuntimeError as error:
        print(f"no suggestion: {error}", file=sys.stderr)
        return 1
    print(f"suggested lr: {suggestion:.3g}")
    print(f"try: minigrad train --model {config['model']} --data {config['data']} "
          f"--optimizer {config['optimizer']} --lr {suggestion:.3g}")
    if plot is not None:
        result.plot(plot)
        print(f"figure: {plot}")
    return 0
