"""From command-line words to objects: ``key=value`` hyperparameters, optimizers and
schedulers found by name, with defaults filled from the run.

Optimizers: any class in ``mg.optim`` (``--optimizer adamw``; case-insensitive).
``--lr`` sets the learning rate; without it the rate comes from ``DEFAULT_LRS``
(rates that train the default task well), or the class's own default for an
optimizer not in that table. ``--opt key=value ...`` passes any other
hyperparameter, the value read as a Python literal (``0.9``, ``(0.9, 0.99)``,
``True``; ``true``/``false``/``none`` are accepted too, and a bare word such
as ``strong_wolfe`` stays a string). ``Lookahead`` wraps another optimizer:
``--optimizer lookahead --opt base=adam k=5 alpha=0.5``; its ``k`` and ``alpha``
go to Lookahead, every other key (and ``--lr``) to the base optimizer (Adam by
default). ``SAM`` wraps one the same way: ``--optimizer sam --opt base=sgd
momentum=0.9 rho=0.05 adaptive=True``; ``rho``, ``adaptive``, ``use_gc`` and
``perturb_eps`` go to SAM, everything else (and ``--lr``) to the base (Adam by
default); each step evaluates the loss twice (``cli/sam.py``).

Schedulers: any class in ``mg.optim.lr_scheduler``, and ``WarmupCosineLR``
(``mg.optim.schedules``; the default of ``minigrad train``), by name in any
case, with or without the ``LR`` suffix and with ``-``/``_`` ignored
(``cosineannealing``, ``OneCycleLR``, ``warmup-cosine``); ``none`` for a constant
rate. Every scheduler steps once per batch, except ``ReduceLROnPlateau``, which
steps once per epoch on the epoch's mean loss. Arguments the run decides are
filled in unless ``--sched`` gives them (N = epochs × batches per epoch, the
run's optimizer steps; lr = the optimizer's learning rate):

| scheduler | filled in |
|---|---|
| WarmupCosineLR | total_steps = N, warmup_steps = N / 20 |
| CosineAnnealingLR | T_max = N |
| CosineAnnealingWarmRestarts | T_0 = N / 4 (four cycles) |
| StepLR | step_size = N / 3 (two drops) |
| MultiStepLR | milestones = [N / 2, 3N / 4] |
| ExponentialLR | gamma = 0.01^(1/N) (down to 1% of lr at the end) |
| LinearLR, ConstantLR | total_iters = N / 10 |
| PolynomialLR | total_iters = N |
| CyclicLR | base_lr = lr / 10, max_lr = lr, step_size_up = N / 4; cycle_momentum (*) |
| OneCycleLR | max_lr = lr, total_steps = N; cycle_momentum (*) |

(*) True only for an optimizer with momentum > 0 or betas to cycle.

``LambdaLR`` and ``MultiplicativeLR`` take a Python function, ``SequentialLR``
and ``ChainedScheduler`` other schedulers: a command line cannot give those,
so they are refused (use them from Python).
"""
import argparse
import ast
import inspect
import math
import numbers
import re

from .. import optim
from ..creation import zeros
from ..nn.parameter import Parameter
from ..optim import lr_scheduler, schedules
from .errors import UsageError
from .muon import MuonWithAdamW
from .sam import SAMFromClosure

# Learning rates that train the default task (an MLP on two spirals, batches of 32) well;
# an optimizer not listed starts from its class's default lr.
DEFAULT_LRS = {"SGD": 0.1, "Adagrad": 0.1, "RMSprop": 0.003, "Adadelta": 1.0, "Adam": 0.01,
               "AdamW": 0.01, "Adamax": 0.02, "NAdam": 0.01, "RAdam": 0.01, "ASGD": 0.1,
               "AdaBelief": 0.01, "Lion": 0.003, "LAMB": 0.01, "LARS": 0.1,
               "SGDScheduleFree": 1.0, "AdamWScheduleFree": 0.01, "Muon": 0.02, "LBFGS": 1.0,
               "Adan": 0.03, "NovoGrad": 0.01, "MARS": 0.01,
               "ADOPT": 0.01, "AdEMAMix": 0.01,
               "Shampoo": 0.3, "SOAP": 0.03, "Kron": 0.01,
               "SophiaH": 0.5,  # SophiaH: its steps are at most lr · p, p = 0.01
               "Prodigy": 1.0, "DAdaptAdam": 1.0}

# Hyperparameters the command line uses unless --opt says otherwise: L-BFGS diverges on
# the default task without a line search (its steps of lr along its direction overshoot).
DEFAULT_HYPERPARAMETERS = {"LBFGS": {"line_search_fn": "strong_wolfe"}}

# Optimizers made for the exact gradient of the whole data set: their default batch is
# the whole training set (L-BFGS compares losses between evaluations of one step, which
# is meaningless when each evaluation sees a different batch).
FULL_BATCH_OPTIMIZERS = ("LBFGS",)


# ---------------------------------------------------------------- key=value
def literal(text):
    """A command-line value as Python: a literal (number, tuple, bool, None, string in
    quotes), ``true``/``false``/``none`` in any case, or a bare word kept as a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[lowered]
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text.strip()):
            return text.strip()
        raise argparse.ArgumentTypeError(f"{text!r} is not a Python literal (a number, a tuple "
                                         "such as (0.9,0.99), True/False or a word)") from None


def key_value(text):
    """``key=value`` → ``(key, value)``; the argparse type of ``--opt`` and ``--sched``."""
    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected key=value (e.g. momentum=0.9), got {text!r}")
    try:
        return key, literal(value)
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"{key}: {error}") from None


def as_dict(pairs, option):
    """The ``(key, value)`` pairs of an option as a dict; a key given twice is refused."""
    result = {}
    for key, value in pairs or ():
        if key in result:
            raise UsageError(f"{option}: {key} is given twice")
        result[key] = value
    return result


def batch_size(text):
    """``--batch-size``: a positive int, or ``full`` (the whole training set)."""
    if text.strip().lower() == "full":
        return "full"
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'full', got {text!r}") from None


def positive_int(text):
    """The argparse type of counts (--epochs, --runs, --steps, ...): an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def positive_float(text):
    """The argparse type of rates (--lr, ...): a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def non_negative_int(text):
    """The argparse type of --seed: an integer ≥ 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


# ---------------------------------------------------------------- optimizers
def optimizer_classes():
    """``{name: class}`` for every optimizer in ``mg.optim``."""
    return {name: value for name, value in vars(optim).items()
            if isinstance(value, type) and issubclass(value, optim.Optimizer)
            and value is not optim.Optimizer}


def find_optimizer(name):
    """The ``mg.optim`` class called ``name`` (any case); unknown names list the valid ones."""
    classes = optimizer_classes()
    for class_name, cls in classes.items():
        if class_name.lower() == name.lower():
            return cls
    raise UsageError(f"unknown optimizer {name!r}; the optimizers in mg.optim are: "
                     f"{', '.join(sorted(classes, key=str.lower))}")


def default_lr(cls):
    """The learning rate to use when none is given: ``DEFAULT_LRS`` or the class default."""
    if cls.__name__ in DEFAULT_LRS:
        return DEFAULT_LRS[cls.__name__]
    return inspect.signature(cls).parameters["lr"].default


def _arguments(cls):
    """The keyword arguments ``cls`` accepts beyond what the command line supplies."""
    return [name for name in inspect.signature(cls).parameters
            if name not in ("self", "params", "optimizer", "base_optimizer", "last_epoch")]


def _construct(cls, what, args, kwargs):
    """``cls(*args, **kwargs)``, with unknown keywords and invalid values as UsageErrors."""
    accepted = _arguments(cls)
    for key in kwargs:
        if key not in accepted:
            raise UsageError(f"{cls.__name__} has no {what} {key!r}; its {what}s are: "
                             f"{', '.join(accepted)}")
    try:
        return cls(*args, **kwargs)
    except (ValueError, TypeError, RuntimeError, ArithmeticError) as error:
        raise UsageError(f"{cls.__name__}: {error}") from None


def build_optimizer(name, params, lr=None, hyperparameters=None):
    """``mg.optim.<name>(params, lr=lr, **hyperparameters)``, with ``DEFAULT_HYPERPARAMETERS``
    filled in (Lookahead: around its ``base``; Muon: on the 2-D weights, AdamW on the rest)."""
    cls = find_optimizer(name)
    hyperparameters = dict(hyperparameters or {})
    if "lr" in hyperparameters:
        raise UsageError("--opt lr: give the learning rate with --lr")
    if cls is optim.Lookahead:
        wrapper = {key: hyperparameters.pop(key) for key in ("k", "alpha")
                   if key in hyperparameters}
        base = find_optimizer(str(hyperparameters.pop("base", "Adam")))
        if base is optim.Lookahead:
            raise UsageError("Lookahead's base must be another optimizer")
        base_optimizer = build_optimizer(base.__name__, params, lr, hyperparameters)
        return _construct(cls, "hyperparameter", (base_optimizer,), wrapper)
    if cls is optim.SAM:
        return _build_sam(params, lr, hyperparameters)
    hyperparameters = {**DEFAULT_HYPERPARAMETERS.get(cls.__name__, {}), **hyperparameters}
    hyperparameters["lr"] = default_lr(cls) if lr is None else lr
    if cls is optim.Muon:
        cls = MuonWithAdamW
    return _construct(cls, "hyperparameter", (params,), hyperparameters)


SAM_OPTIONS = ("rho", "adaptive", "use_gc", "perturb_eps")


def _build_sam(params, lr, hyperparameters):
    """SAM (``SAMFromClosure``: the closure at w, then SAM's step) around the base optimizer
    that ``base`` names (Adam by default), built with the other hyperparameters and ``lr``."""
    wrapper = {key: hyperparameters.pop(key) for key in SAM_OPTIONS if key in hyperparameters}
    base = find_optimizer(str(hyperparameters.pop("base", "Adam")))
    if base in (optim.SAM, optim.Lookahead, optim.LBFGS):
        raise UsageError(f"SAM's base must be an optimizer that steps on the gradients it is "
                         f"given, not {base.__name__}")
    accepted = _arguments(base)
    for key in hyperparameters:
        if key not in accepted:
            raise UsageError(f"SAM takes {', '.join(SAM_OPTIONS)} and base; {base.__name__} has "
                             f"no hyperparameter {key!r}; its hyperparameters are: "
                             f"{', '.join(accepted)}")
    base_options = {**DEFAULT_HYPERPARAMETERS.get(base.__name__, {}), **hyperparameters,
                    "lr": default_lr(base) if lr is None else lr}
    try:
        return SAMFromClosure(params, MuonWithAdamW if base is optim.Muon else base,
                              **wrapper, **base_options)
    except (ValueError, TypeError, RuntimeError, ArithmeticError) as error:
        raise UsageError(f"SAM: {error}") from None


def default_batch_size(optimizer_name):
    """The batch size of a run that does not choose one: the whole training set ("full")
    for ``FULL_BATCH_OPTIMIZERS``, else 32."""
    full = find_optimizer(optimizer_name).__name__ in FULL_BATCH_OPTIMIZERS
    return "full" if full else 32


def describe_optimizer(optimizer):
    """What a run uses: ``AdamW(lr=0.01)``, ``SGD(lr=0.1, momentum=0.9)`` (the lr and every
    hyperparameter that differs from the class's default), ``Lookahead(Adam(lr=0.01), k=5,
    alpha=0.5)``, ``SAM(Adam(lr=0.01), rho=0.05, adaptive=False)``, ``Muon(lr=0.02) on the 2-D weights, AdamW(lr=0.01) on the rest``."""
    if isinstance(optimizer, optim.Lookahead):
        return (f"Lookahead({describe_optimizer(optimizer.base_optimizer)}, k={optimizer.k}, "
                f"alpha={optimizer.alpha})")
    if isinstance(optimizer, optim.SAM):
        return (f"SAM({describe_optimizer(optimizer.base_optimizer)}, "
                f"rho={optimizer.defaults['rho']}, adaptive={optimizer.defaults['adaptive']})")
    if isinstance(optimizer, MuonWithAdamW):
        rest = ("" if optimizer.adamw is None
                else f", {describe_optimizer(optimizer.adamw)} on the rest")
        return f"{describe_optimizer(optimizer.muon)} on the 2-D weights{rest}"
    stand_in = Parameter(zeros((1, 1)))  # the class's defaults, as it stores them
    class_defaults = type(optimizer)([stand_in]).defaults
    settings = [f"lr={optimizer.defaults['lr']:g}"] + [
        f"{name}={value!r}" for name, value in optimizer.defaults.items()
        if name != "lr" and class_defaults.get(name) != value]
    return f"{type(optimizer).__name__}({', '.join(settings)})"


# ---------------------------------------------------------------- schedulers
_NEEDS_PYTHON = {"LambdaLR": "a Python function (lr_lambda)",
                 "MultiplicativeLR": "a Python function (lr_lambda)",
                 "SequentialLR": "other schedulers", "ChainedScheduler": "other schedulers"}


def scheduler_classes():
    """``{name: class}``: every scheduler in ``mg.optim.lr_scheduler`` and ``WarmupCosineLR``."""
    classes = {name: getattr(lr_scheduler, name) for name in lr_scheduler.__all__
               if name != "LRScheduler"}
    classes["WarmupCosineLR"] = schedules.WarmupCosineLR
    return classes


def _normalise(name):
    name = name.lower().replace("-", "").replace("_", "")
    return name[:-2] if name.endswith("lr") else name


def find_scheduler(name):
    """The scheduler class called ``name`` (see the module docstring), or None for ``none``."""
    if name.lower() == "none":
        return None
    classes = scheduler_classes()
    for class_name, cls in classes.items():
        if _normalise(class_name) == _normalise(name):
            if class_name in _NEEDS_PYTHON:
                raise UsageError(f"{class_name} takes {_NEEDS_PYTHON[class_name]}, which a "
                                 "command line cannot give: use it from Python, or choose "
                                 "another scheduler")
            return cls
    raise UsageError(f"unknown scheduler {name!r}; choose none or one of: "
                     f"{', '.join(sorted(set(classes) - set(_NEEDS_PYTHON), key=str.lower))}")


def _cycles_momentum(optimizer):
    defaults = optimizer.defaults
    return "betas" in defaults or defaults.get("momentum", 0) > 0


def scheduler_defaults(cls, optimizer, total_steps):
    """The arguments of ``cls`` that depend on the run (see the module docstring's table)."""
    n = total_steps
    lr = optimizer.param_groups[0]["lr"]
    fills = {
        schedules.WarmupCosineLR: lambda: {"total_steps": n, "warmup_steps": n // 20},
        lr_scheduler.CosineAnnealingLR: lambda: {"T_max": n},
        lr_scheduler.CosineAnnealingWarmRestarts: lambda: {"T_0": max(1, n // 4)},
        lr_scheduler.StepLR: lambda: {"step_size": max(1, n // 3)},
        lr_scheduler.MultiStepLR: lambda: {"milestones": [n // 2, 3 * n // 4]},
        lr_scheduler.ExponentialLR: lambda: {"gamma": 0.01 ** (1 / n)},
        lr_scheduler.LinearLR: lambda: {"total_iters": max(1, n // 10)},
        lr_scheduler.ConstantLR: lambda: {"total_iters": max(1, n // 10)},
        lr_scheduler.PolynomialLR: lambda: {"total_iters": n},
        lr_scheduler.CyclicLR: lambda: {"base_lr": lr / 10, "max_lr": lr,
                                        "step_size_up": max(1, n // 4),
                                        "cycle_momentum": _cycles_momentum(optimizer)},
        lr_scheduler.OneCycleLR: lambda: {"max_lr": lr, "total_steps": n,
                                          "cycle_momentum": _cycles_momentum(optimizer)},
    }
    return fills[cls]() if cls in fills else {}


def build_scheduler(name, optimizer, total_steps, arguments=None, epochs=None):
    """The scheduler ``name`` on ``optimizer`` for a run of ``total_steps`` steps (``epochs``
    epochs), or None. Its ``--sched`` arguments are checked first (``check_kinds``), and the
    whole schedule is rehearsed (``rehearse``): a value it cannot run with is a UsageError
    now, not a traceback in the middle of the run."""
    cls = find_scheduler(name)
    if cls is None:
        if arguments:
            raise UsageError("--sched sets a scheduler's arguments, but --scheduler is none")
        return None
    filled = scheduler_defaults(cls, optimizer, total_steps)
    check_kinds(cls, arguments or {}, filled)
    kwargs = {**filled, **(arguments or {})}
    rehearse(cls, kwargs, optimizer, total_steps, epochs)
    return _construct(cls, "argument", (optimizer,), kwargs)


def _kind(value):
    """What a scheduler argument is, judged by an example value: "an integer", ..."""
    if isinstance(value, bool):
        return "True or False"
    if isinstance(value, numbers.Integral):
        return "an integer"
    if isinstance(value, numbers.Real):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list such as [10,20]"
    if isinstance(value, str):
        return "a word"
    return None


def _is_kind(value, kind):
    if kind == "a number" and isinstance(value, (list, tuple)):  # one value per param group
        return all(_is_kind(item, kind) for item in value)
    return {"True or False": lambda: isinstance(value, bool),
            "an integer": lambda: isinstance(value, numbers.Integral) and not isinstance(
                value, bool),
            "a number": lambda: isinstance(value, numbers.Real) and not isinstance(value, bool),
            "a list such as [10,20]": lambda: isinstance(value, (list, tuple)),
            "a word": lambda: isinstance(value, str)}[kind]()


def check_kinds(cls, arguments, filled):
    """Each ``--sched`` value of the kind of the value the run would fill in, or of the
    argument's default: ``step_size=1.5`` and ``max_lr=abc`` are refused by name."""
    signature = inspect.signature(cls).parameters
    for key, value in arguments.items():
        if key not in signature or key in ("optimizer", "last_epoch"):
            raise UsageError(f"{cls.__name__} has no argument {key!r}; its arguments are: "
                             f"{', '.join(_arguments(cls))}")
        example = filled.get(key, signature[key].default)
        kind = _kind(example)
        if kind is not None and not _is_kind(value, kind):
            raise UsageError(f"--sched {key}: {cls.__name__} expects {kind}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"--sched {key}: expected a finite number, got {value!r}")


class _StandIn(optim.Optimizer):
    """An optimizer with no parameters and a copy of another's groups' hyperparameters: a
    schedule can be run on it without touching the real optimizer."""

    def __init__(self, optimizer):  # no Optimizer.__init__: it would need parameters
        self.defaults = dict(optimizer.defaults)
        self.param_groups = [{**group, "params": []} for group in optimizer.param_groups]
        self.state, self._buckets, self._step_pre_hooks, self._step_post_hooks = {}, {}, {}, {}

    def step(self, closure=None):
        return None


def rehearse(cls, kwargs, optimizer, total_steps, epochs=None):
    """Run the schedule ``cls(**kwargs)`` for the run's ``total_steps`` steps on a stand-in
    of ``optimizer``: an error, or a learning rate that is negative or not finite, at any
    step is a UsageError that names the step. (``ReduceLROnPlateau`` steps once per epoch,
    ``epochs`` times, here on a constant loss.)"""
    stand_in = _StandIn(optimizer)
    scheduler = _construct(cls, "argument", (stand_in,), kwargs)
    plateau = steps_on_the_loss(scheduler)
    steps = epochs if plateau and epochs is not None else total_steps
    for step in range(1, steps + 1):
        try:
            stand_in.step()
            if plateau:
                scheduler.step(1.0)
            else:
                scheduler.step()
        except (ValueError, TypeError, RuntimeError, ArithmeticError, IndexError) as error:
            raise UsageError(f"{cls.__name__}: {error} (at step {step} of the run's {steps})"
                             ) from None
        for group in stand_in.param_groups:
            if not 0 <= group["lr"] < math.inf:
                raise UsageError(f"{cls.__name__} with these arguments makes the learning rate "
                                 f"{group['lr']:g} at step {step} of the run's {steps}")


def steps_on_the_loss(scheduler):
    """Whether ``scheduler`` steps once per epoch on the loss (``ReduceLROnPlateau``)."""
    return isinstance(scheduler, lr_scheduler.ReduceLROnPlateau)
