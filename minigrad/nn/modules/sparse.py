"""``torch.nn.modules.sparse``: Embedding."""
from ..layers.embedding import Embedding
