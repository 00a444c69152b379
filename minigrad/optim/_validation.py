"""Hyperparameter checks shared by the optimizers.

A value of the wrong kind (a string where a number goes, a float where a pair
goes) raises ``TypeError`` naming the argument and what it must be; a value out
of range raises ``ValueError`` with PyTorch's wording. ``real`` and
``integer`` return the value they checked, so a range check reads
``if not 0.0 <= real("rho", rho): raise ValueError(...)``.
"""
import inspect
import numbers

import numpy as np

from ..tensor import Tensor


def real(name, value):
    """``value``, a real number (Python or NumPy, or a one-element Tensor as PyTorch
    accepts for ``lr``); ``TypeError`` naming ``name`` otherwise."""
    if isinstance(value, Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, numbers.Real):
        return value
    raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")


def integer(name, value):
    """``value``, an integer (not a bool); ``TypeError`` naming ``name`` otherwise."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return value
    raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")


def boolean(name, value):
    """``value``, a bool (a string such as ``'no'`` would silently count as True)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


def numbers_tuple(name, value, length, meaning="", allow_none=False):
    """``value`` as a tuple of ``length`` real numbers (``None`` items where
    ``allow_none``); ``meaning`` says what they are, e.g. ``"(eta_minus, eta_plus)"``."""
    what = f"a tuple of {length} numbers" + (f" {meaning}" if meaning else "")
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if len(value) != length:
        raise ValueError(f"{name} must be {what}, got {len(value)} values: {value!r}")
    for item in value:
        if not (item is None and allow_none):
            real(f"each value of {name}", item)
    return tuple(value)


def check_lr(lr):
    if not 0.0 <= real("lr (the learning rate)", lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def check_eps(eps, name="epsilon value", argument="eps"):
    if not 0.0 <= real(argument, eps):
        raise ValueError(f"Invalid {name}: {eps}")


def check_weight_decay(weight_decay):
    if not 0.0 <= real("weight_decay", weight_decay):
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def check_momentum(momentum, name="momentum value", argument="momentum"):
    if not 0.0 <= real(argument, momentum):
        raise ValueError(f"Invalid {name}: {momentum}")


def check_betas(betas):
    """``betas``: a pair (beta1, beta2) of floats in [0, 1)."""
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"betas must be a pair of floats (beta1, beta2) in [0, 1), got "
                        f"{betas!r} ({type(betas).__name__})")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair of floats (beta1, beta2) in [0, 1), got "
                         f"{len(betas)} values: {betas!r}")
    for index, beta in enumerate(betas):
        if not 0.0 <= real(f"betas[{index}]", beta) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")


def check_kinds(cls, hyperparameters):
    """Each of ``hyperparameters`` (name → value) of the kind of its default in the
    signature of ``cls``: a bool where the default is a bool, a real number where it
    is a number, a tuple of as many numbers where it is a tuple (``TypeError``
    otherwise); None too for the names in ``cls.accepts_none`` (Prodigy's eps=None
    means something). The ranges are each optimizer's own checks."""
    signature = inspect.signature(cls.__init__).parameters
    for name, value in hyperparameters.items():
        if value is None and name in getattr(cls, "accepts_none", ()):
            continue
        default = signature[name].default if name in signature else None
        if isinstance(default, bool):
            boolean(name, value)
        elif isinstance(default, numbers.Real):
            real(name, value)
        elif isinstance(default, tuple):
            numbers_tuple(name, value, len(default), allow_none=None in default)


def refuse_options(optimizer, options, unsupported):
    """Refuse the extra keyword options ``options`` (a dict) given to ``optimizer`` (its
    name): the reference implementation takes them through ``**kwargs``, and minigrad
    does not run them. A name in ``unsupported`` (name → what it does) raises
    ``ValueError`` saying so; any other name ``TypeError``, as a misspelt argument would."""
    for name in options:
        if name in unsupported:
            raise ValueError(f"{optimizer} does not support the option {name} "
                             f"({unsupported[name]})")
        raise TypeError(f"{optimizer} got an unexpected keyword argument {name!r}")


def check_foreach(foreach):
    """``foreach``: None, True or False (an optimizer that accepts it for compatibility)."""
    if foreach is not None and not isinstance(foreach, (bool, np.bool_)):
        raise TypeError(f"foreach must be None, True or False, got {foreach!r} "
                        f"({type(foreach).__name__})")


def check_same_in_every_group(optimizer, param_group, names):
    """For an optimizer with one estimate shared by all its groups (Prodigy, D-Adaptation):
    ``param_group`` may not give a value other than the first group's for any of
    ``names``; ValueError naming the hyperparameter otherwise."""
    if not optimizer.param_groups or not isinstance(param_group, dict):
        return
    first = optimizer.param_groups[0]
    def comparable(value):
        return tuple(value) if isinstance(value, (tuple, list)) else value

    for name in names:
        if name in param_group and comparable(param_group[name]) != comparable(first[name]):
            raise ValueError(
                f"{type(optimizer).__name__} adapts one step size for all parameter groups: "
                f"{name} must be the same in every group (the first group has {first[name]!r}, "
                f"this one {param_group[name]!r})")
