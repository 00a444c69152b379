"""``torch.nn.modules.normalization``: LayerNorm, GroupNorm and RMSNorm."""
from ..layers.normalization import GroupNorm, LayerNorm, RMSNorm
