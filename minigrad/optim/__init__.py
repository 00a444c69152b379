"""``minigrad.optim``: optimizers with PyTorch's API and numerics.

Each optimizer lives in its own file, whose docstring gives its update rule,
and whose ``update()`` is what ``step()`` runs. The shared machinery (param
groups, state, state_dict, hooks) is in ``optimizer.py``; the fast path that
runs the same rules over many parameters at once is fenced off in ``fast/``.
"""
from .adabelief import AdaBelief
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .dadapt import DAdaptAdam
from .lamb import LAMB
from .lars import LARS
from .lbfgs import LBFGS
from .lion import Lion
from .lookahead import Lookahead
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer
from .prodigy import Prodigy
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sam import SAM
from .schedulefree import AdamWScheduleFree, SGDScheduleFree
from .sgd import SGD
from .switch import SwitchOptimizer
from . import lr_finder, lr_scheduler, schedules, swa_utils
