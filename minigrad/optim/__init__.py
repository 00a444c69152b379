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
from .adahessian import AdaHessian
from .adam import Adam, AdamW
from .adamax import Adamax
from .adan import Adan
from .ademamix import AdEMAMix
from .adopt import ADOPT
from .asgd import ASGD
from .dadapt import DAdaptAdam
from .kron import Kron
from .lamb import LAMB
from .lars import LARS
from .lbfgs import LBFGS
from .lion import Lion
from .lookahead import Lookahead
from .mars import MARS
from .muon import Muon
from .nadam import NAdam
from .novograd import NovoGrad
from .optimizer import Optimizer
from .prodigy import Prodigy
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sam import SAM
from .schedulefree import AdamWScheduleFree, SGDScheduleFree
from .sgd import SGD
from .shampoo import Shampoo
from .soap import SOAP
from .sophia import SophiaH
from .switch import SwitchOptimizer
from .yogi import Yogi
from . import lr_finder, lr_scheduler, schedules, swa_utils
