"""``torch.nn.modules.flatten``: Flatten."""
from ..layers.flatten import Flatten
