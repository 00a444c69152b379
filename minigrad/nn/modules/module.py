"""``torch.nn.modules.module``: Module, the base class of every layer."""
from ..module import Module
