"""The optimizers the tutorials teach, as ``compare`` and ``landscape`` run them.

| preset | optimizer | lr on the default task (``compare``) |
|---|---|---|
| ``sgd`` | SGD | 0.3 |
| ``momentum`` | SGD, momentum 0.9 | 0.1 |
| ``nesterov`` | SGD, momentum 0.9, nesterov | 0.1 |
| ``adagrad`` | Adagrad | 0.1 |
| ``rmsprop`` | RMSprop | 0.003 |
| ``adam`` | Adam | 0.01 |
| ``adamw`` | AdamW (weight decay 0.01) | 0.01 |
| ``lion`` | Lion | 0.003 |

Lion's steps are ±lr in every coordinate, so its rate is 3-10× smaller than
Adam's, as its paper advises. Each rate is the best of a small grid (a factor
of about 3 apart) for 60 epochs of the default task at a constant rate, over
two seeds.

An item of ``--optimizers`` is a preset or the name of any ``mg.optim``
optimizer (run with its ``DEFAULT_LRS`` rate or its class default),
optionally followed by ``:LR`` to choose the learning rate: ``adam:0.003``.
"""
import math
from dataclasses import dataclass, field

from .errors import UsageError
from .options import find_optimizer


@dataclass(frozen=True)
class Preset:
    """A named optimizer configuration: the ``mg.optim`` class, its hyperparameters and lr
    (None: the command's default for that class)."""

    label: str
    optimizer: str
    hyperparameters: dict = field(default_factory=dict)
    lr: float = None


PRESETS = {
    "sgd": Preset("SGD", "SGD", {}, 0.3),
    "momentum": Preset("SGD+momentum", "SGD", {"momentum": 0.9}, 0.1),
    "nesterov": Preset("Nesterov", "SGD", {"momentum": 0.9, "nesterov": True}, 0.1),
    "adagrad": Preset("Adagrad", "Adagrad", {}, 0.1),
    "rmsprop": Preset("RMSprop", "RMSprop", {}, 0.003),
    "adam": Preset("Adam", "Adam", {}, 0.01),
    "adamw": Preset("AdamW", "AdamW", {}, 0.01),
    "lion": Preset("Lion", "Lion", {}, 0.003),
}
DEFAULT_SET = tuple(PRESETS)


def parse_preset(text):
    """``NAME`` or ``NAME:LR`` → a ``Preset`` (a preset's, or any optimizer's by name)."""
    name, colon, lr_text = text.partition(":")
    lr = None
    if colon:
        try:
            lr = float(lr_text)
        except ValueError:
            raise UsageError(f"--optimizers: expected NAME or NAME:LR, got {text!r}") from None
        if not 0 < lr < math.inf:
            raise UsageError(f"--optimizers: the learning rate in {text!r} must be a positive "
                             "number")
    preset = PRESETS.get(name.lower())
    if preset is None:
        try:
            cls = find_optimizer(name)
        except UsageError as error:
            raise UsageError(f"{error}; or a preset: {', '.join(PRESETS)}") from None
        preset = Preset(cls.__name__, cls.__name__)
    if lr is not None:
        preset = Preset(preset.label, preset.optimizer, preset.hyperparameters, lr)
    return preset
