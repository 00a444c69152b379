"""The ``minigrad`` command: train models and watch optimizers, from the shell.

    minigrad train        train a model (default: an MLP on two spirals, AdamW,
                          warm-up + cosine) and print a summary line
    minigrad compare      several optimizers on the same task, data and seed: a table
                          and a figure of their loss curves
    minigrad landscape    optimizers on 2-D test functions, drawn over the contour plot
    minigrad lr-find      the learning-rate range test and its suggested rate

``python -m minigrad`` is the same command; with no command (or only options,
``python -m minigrad --epochs 20``) it runs ``train``. ``minigrad COMMAND -h``
lists a command's options. One file per command (``train.py``, ``compare.py``,
``landscape.py``, ``lr_find.py``); the tasks and models are in ``tasks.py``,
optimizers and schedulers by name in ``options.py``, the training loop in
``training.py``, data-parallel runs over MPI in ``parallel.py``.

The summary line of ``minigrad train`` (its last line of output) reads::

    final loss 0.0696 | accuracy 97.5% | time 5.7 s | 4,482 parameters

with ``r2 0.9931`` instead of the accuracy for the sine forecasting task.

A bad option ends the command with exit code 2 and one line on stderr,
``minigrad train: error: ...`` (an unknown optimizer lists the valid names, a
bad hyperparameter shows the optimizer's own ValueError, ``--device cuda``
without a GPU says so). Every option's default is in ``-h``.

Every command runs its matrix products on one CPU thread unless ``--threads N``
says otherwise (``mg.set_num_threads``), so that it prints the same numbers on
every machine: see docs/performance.md.
"""
import argparse
import re
import sys

from .. import __version__, cuda
from ..backend.threads import get_num_threads, set_num_threads
from . import compare, landscape, lr_find, parallel, train
from .errors import UsageError
from .options import batch_size, key_value, non_negative_int, positive_float, positive_int
from .tasks import DATASETS, MODELS
from .train import SaveError
from .training import DEFAULT_CONFIG

COMMANDS = {"train": train, "compare": compare, "landscape": landscape, "lr-find": lr_find}


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with errors as one line (``prog: error: message``) and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_task_options(parser, epochs_default=None):
    """The task's options; ``--epochs`` where the command trains for epochs."""
    config = DEFAULT_CONFIG
    group = parser.add_argument_group("task")
    group.add_argument("--model", type=str.lower, choices=MODELS,
                       help=f"the network (default {config['model']})")
    group.add_argument("--data", type=str.lower, choices=DATASETS,
                       help=f"the data set (default {config['data']})")
    group.add_argument("--hidden", type=positive_int, metavar="H",
                       help="hidden units per layer (default 64), the embedding width of gpt "
                            "(default 128)")
    if epochs_default is not None:
        group.add_argument("--epochs", type=positive_int,
                           help=f"epochs (default {epochs_default})")
    group.add_argument("--batch-size", type=batch_size, metavar="N|full",
                       help="samples per step: 1 is per-sample SGD, full is full-batch gradient "
                            "descent (default 32; full for LBFGS)")
    group.add_argument("--seed", type=non_negative_int,
                       help=f"the random start: the data, the initial weights and the order of "
                            f"the batches (default {config['seed']})")
    group.add_argument("--device", type=str.lower, choices=("cpu", "cuda"), default="cpu",
                       help="where the tensors live (default cpu)")
    group.add_argument("--quiet", action="store_true", help="print only the results")


def _add_optimizer_options(parser):
    group = parser.add_argument_group("optimizer")
    group.add_argument("--optimizer", metavar="NAME",
                       help=f"any optimizer in mg.optim, any case (default "
                            f"{DEFAULT_CONFIG['optimizer']})")
    group.add_argument("--lr", type=positive_float, help="learning rate (default: a rate that "
                                                         "suits the optimizer)")
    group.add_argument("--opt", type=key_value, nargs="+", action="extend", metavar="KEY=VALUE",
                       help="other hyperparameters, e.g. --opt momentum=0.9 nesterov=True")


def _add_schedule_options(parser, scheduler_default):
    group = parser.add_argument_group("schedule")
    group.add_argument("--scheduler", metavar="NAME",
                       help=f"any scheduler in mg.optim.lr_scheduler, WarmupCosineLR, or none "
                            f"(default {scheduler_default})")
    group.add_argument("--sched", type=key_value, nargs="+", action="extend", metavar="KEY=VALUE",
                       help="the scheduler's arguments, e.g. --sched eta_min=1e-4")
    group.add_argument("--clip-grad-norm", type=positive_float, metavar="MAX_NORM",
                       help="rescale the gradient to this norm when it is longer")


def plain(text):
    """A docstring as ``--help`` shows it: without the reST markup (double backquotes,
    ``::`` before an example)."""
    return re.sub(r"::$", ":", text.replace("``", ""), flags=re.M)


def build_parser():
    parser = ArgumentParser(prog="minigrad", description=plain(__doc__.split("\n\n")[0]))
    parser.add_argument("--version", action="version", version=f"minigrad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name, module in COMMANDS.items():
        summary = plain(module.__doc__.splitlines()[0].split(": ", 1)[1])
        sub = commands.add_parser(name, help=summary, description=plain(module.__doc__),
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        if name in ("train", "compare"):
            _add_task_options(sub, "100 for the 2-D point sets, 30 digits, 20 sine, 40 chars"
                              if name == "train" else "60, or train's default if smaller")
        elif name == "lr-find":
            _add_task_options(sub)
        if name in ("train", "lr-find"):
            _add_optimizer_options(sub)
        if name in ("train", "compare"):
            _add_schedule_options(sub, DEFAULT_CONFIG["scheduler"] if name == "train" else "none")
        module.add_arguments(sub)
        sub.add_argument("--threads", type=positive_int, default=1, metavar="N",
                         help="CPU threads for matrix products (default 1: the same numbers on "
                              "every machine, and faster for small models)")
    return parser


def _with_default_command(argv):
    """No command, or options only: ``train``."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return ["train", *argv]
    return argv


def main(argv=None):
    """Run the ``minigrad`` command line on ``argv`` (``sys.argv[1:]`` when None);
    returns the exit code (the console script exits with it)."""
    argv = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"minigrad {args.command}"
    threads_before = get_num_threads()
    set_num_threads(args.threads)
    try:
        if getattr(args, "device", "cpu") == "cuda" and not cuda.is_available():
            raise UsageError("--device cuda: no CUDA GPU is available (it needs CuPy and an "
                             "NVIDIA GPU); use --device cpu")
        if getattr(args, "nproc", None) is not None:
            return parallel.relaunch(args.nproc, argv)
        return COMMANDS[args.command].run(args, getattr(args, "device", "cpu"))
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except SaveError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    finally:
        set_num_threads(threads_before)
