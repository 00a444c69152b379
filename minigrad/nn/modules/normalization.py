"""``torch.nn.modules.normalization``: LayerNorm."""
from ..layers.normalization import LayerNorm
