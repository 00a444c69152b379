"""``torch.nn.modules.transformer``: TransformerEncoderLayer."""
from ..layers.transformer import TransformerEncoderLayer
