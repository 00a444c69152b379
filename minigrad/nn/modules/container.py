"""``torch.nn.modules.container``: Sequential, ModuleList, ModuleDict."""
from ..containers import ModuleDict, ModuleList, Sequential
