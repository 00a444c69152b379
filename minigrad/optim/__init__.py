"""``minigrad.optim``: optimizers with PyTorch's API and numerics.

Each optimizer lives in its own file, whose docstring gives its update rule.
The shared machinery (param groups, state, state_dict, updating many
parameters at once) is in ``optimizer.py``.
"""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD
