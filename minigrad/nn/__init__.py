"""``minigrad.nn``: modules, layers, losses and initialisation, mirroring ``torch.nn``."""
from . import functional
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module
from .parameter import Parameter
