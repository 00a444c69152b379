"""``minigrad.nn``: modules, layers, losses and initialisation, mirroring ``torch.nn``."""
from . import functional
from . import utils
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module
from .parameter import Parameter
