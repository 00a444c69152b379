"""``torch.nn.modules.dropout``: Dropout."""
from ..layers.dropout import Dropout
