"""``torch.nn.modules.linear``: Linear and Identity."""
from ..layers.linear import Identity, Linear
