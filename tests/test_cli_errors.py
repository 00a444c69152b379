"""Every bad command line ends with exit code 2 and one line on stderr, never a traceback.

A table of bad values for every option of every command, and a fuzz of the ``--sched``
and ``--opt`` parsers (every scheduler and optimizer argument given a word, a negative
number, zero, a fraction, a list, infinity): each run either trains (exit 0, or 1 with
one line if the loss diverged) or is refused with one line that names the problem.
Runs are in-process (``main()``) on a one-step task, so the sweep is quick."""
import inspect
import subprocess
import sys

import pytest

from minigrad.cli.options import optimizer_classes, scheduler_classes

from cli_helpers import run_main
from grouped_checks import failures_of

TINY = ["--epochs", "1", "--hidden", "2", "--batch-size", "full"]


def assert_one_line_error(code, out, err, command):
    assert code == 2, (code, out, err)
    assert err.startswith(f"minigrad {command}: error: "), err
    assert err.count("\n") == 1 and "Traceback" not in err, err


BAD_OPTIONS = [
    # train
    ("train", ["--scheduler", "steplr", "--sched", "step_size=0"],
     "StepLR: integer modulo by zero (at step 1 of the run's 1)"),
    ("train", ["--scheduler", "onecycle", "--sched", "max_lr=abc"],
     "--sched max_lr: OneCycleLR expects a number, got 'abc'"),
    ("train", ["--scheduler", "steplr", "--sched", "step_size=1.5"],
     "--sched step_size: StepLR expects an integer, got 1.5"),
    ("train", ["--scheduler", "cosineannealing", "--sched", "T_max=abc"],
     "--sched T_max: CosineAnnealingLR expects an integer, got 'abc'"),
    ("train", ["--scheduler", "multistep", "--sched", "milestones=3"],
     "--sched milestones: MultiStepLR expects a list such as [10,20], got 3"),
    ("train", ["--scheduler", "onecycle", "--sched", "total_steps=0"], "OneCycleLR: "),
    ("train", ["--scheduler", "exponential", "--sched", "gamma=-1"],
     "ExponentialLR with these arguments makes the learning rate -0.01 at step 1"),
    ("train", ["--scheduler", "exponential", "--sched", "gamma=1e400"],
     "--sched gamma: expected a finite number, got inf"),
    ("train", ["--scheduler", "steplr", "--sched", "foo=1"],
     "StepLR has no argument 'foo'; its arguments are: step_size, gamma"),
    ("train", ["--optimizer", "adam", "--opt", "betas=0.9"],
     "Adam: betas must be a pair of floats (beta1, beta2) in [0, 1), got 0.9 (float)"),
    ("train", ["--optimizer", "sgd", "--opt", "momentum=abc"],
     "SGD: momentum must be a real number, got 'abc' (str)"),
    ("train", ["--opt", "lr=0.1"], "--opt lr: give the learning rate with --lr"),
    ("train", ["--lr", "inf"], "argument --lr: expected a positive number, got 'inf'"),
    ("train", ["--lr", "nan"], "argument --lr: expected a positive number, got 'nan'"),
    ("train", ["--clip-grad-norm", "0"], "argument --clip-grad-norm: expected a positive number"),
    ("train", ["--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
    ("train", ["--hidden", "-3"], "argument --hidden: expected a positive integer, got '-3'"),
    ("train", ["--seed", "-1"], "argument --seed: expected a non-negative integer, got '-1'"),
    ("train", ["--threads", "0"], "argument --threads: expected a positive integer, got '0'"),
    ("train", ["--stop-after", "0"], "argument --stop-after: expected a positive integer"),
    ("train", ["--data", "images"], "argument --data: invalid choice: 'images'"),
    ("train", ["--plot", ""], "--plot: the file name is empty"),
    ("train", ["--save", "."], "--save .: is a directory, not a file name"),
    ("train", ["--resume", "/no/such/checkpoint"], "--resume /no/such/checkpoint: no such file"),
    # lr-find
    ("lr-find", ["--optimizer", "lbfgs"], "lr-find does not apply to LBFGS: its line search"),
    ("lr-find", ["--num-iter", "0"], "--num-iter must be at least 2, got 0"),
    ("lr-find", ["--start-lr", "-1"], "argument --start-lr: expected a positive number"),
    ("lr-find", ["--end-lr", "inf"], "argument --end-lr: expected a positive number, got 'inf'"),
    ("lr-find", ["--start-lr", "1", "--end-lr", "0.1"], "lr-find: "),
    ("lr-find", ["--optimizer", "adam", "--opt", "eps=abc"], "Adam: eps must be a real number"),
    # compare
    ("compare", ["--optimizers", "adam:-1"], "--optimizers: the learning rate in 'adam:-1' must"),
    ("compare", ["--optimizers", "rocket"], "unknown optimizer 'rocket'"),
    ("compare", ["--target-loss", "nan"], "argument --target-loss: expected a positive number"),
    ("compare", ["--scheduler", "steplr", "--sched", "step_size=0"], "StepLR: integer modulo"),
    # landscape
    ("landscape", ["--steps", "0"], "--steps must be a positive integer, got 0"),
    ("landscape", ["--function", "banana"], "--function: unknown test function 'banana'"),
    ("landscape", ["--optimizers", "adam:abc"], "--optimizers: expected NAME or NAME:LR"),
    ("landscape", ["--optimizers", "sgd:inf"], "the learning rate in 'sgd:inf' must be a positive"),
    ("landscape", ["--start", "nan", "0"], "--start: each coordinate must be a number between"),
    ("landscape", ["--start", "1e300", "0"], "--start: each coordinate must be a number between"),
    ("landscape", ["--gif", "/no/such/dir/paths.gif"], "--gif /no/such/dir/paths.gif: the "
                                                      "directory /no/such/dir does not exist"),
]


@pytest.mark.parametrize("command, argv, message", BAD_OPTIONS,
                         ids=[f"{c} {' '.join(a)}" for c, a, _ in BAD_OPTIONS])
def test_a_bad_option_is_one_line_on_stderr(capsys, command, argv, message):
    extra = {"train": TINY, "compare": TINY, "landscape": ["--plot", "none"],
             "lr-find": ["--plot", "none"]}[command]
    if "--resume" in argv:  # the run's options come from the checkpoint
        extra = []
    code, out, err = run_main(capsys, command, *extra, *argv)
    assert_one_line_error(code, out, err, command)
    assert message in err, err


FUZZ_VALUES = ["abc", "-1", "0", "0.5", "[1,2]", "1e400", "None"]


def sched_cases():
    for name, cls in sorted(scheduler_classes().items()):
        if name in ("LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler"):
            continue
        for argument in inspect.signature(cls).parameters:
            if argument in ("optimizer", "last_epoch", "verbose"):
                continue
            yield pytest.param(name, argument, id=f"{name}-{argument}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("scheduler, argument", list(sched_cases()))
def test_fuzz_sched_values_train_or_are_refused_in_one_line(capsys, scheduler, argument):
    def check(value):
        code, out, err = run_main(capsys, "train", *TINY, "--quiet", "--scheduler", scheduler,
                                  "--sched", f"{argument}={value}")
        if code == 2:
            assert_one_line_error(code, out, err, "train")
        else:
            assert code in (0, 1) and out.startswith("final loss"), (code, out, err)
            assert err.count("\n") <= 1 and "Traceback" not in err

    failures = failures_of(check, FUZZ_VALUES)
    assert not failures, "\n".join(failures)


OPT_FUZZ_VALUES = ["abc", "-1", "0.9", "(1,2,3)"]


def opt_cases():
    for name, cls in sorted(optimizer_classes().items()):
        for argument in inspect.signature(cls).parameters:
            if argument in ("params", "base_optimizer", "lr"):
                continue
            yield pytest.param(name, argument, id=f"{name}-{argument}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("optimizer, argument", list(opt_cases()))
def test_fuzz_opt_values_train_or_are_refused_in_one_line(capsys, optimizer, argument):
    def check(value):
        code, out, err = run_main(capsys, "train", *TINY, "--quiet", "--optimizer", optimizer,
                                  "--opt", f"{argument}={value}")
        if code == 2:
            assert_one_line_error(code, out, err, "train")
            assert argument.split("_")[0].lower() in err.lower() or "invalid" in err.lower(), err
        else:
            assert code in (0, 1) and out.startswith("final loss"), (code, out, err)
            assert err.count("\n") <= 1 and "Traceback" not in err

    failures = failures_of(check, OPT_FUZZ_VALUES)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_a_bad_option_through_the_console_command_has_no_traceback():
    result = subprocess.run([sys.executable, "-m", "minigrad", "train", "--scheduler", "steplr",
                             "--sched", "step_size=0"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("minigrad train: error: StepLR: integer modulo by zero "
                             "(at step 1 of the run's 1300)\n")
