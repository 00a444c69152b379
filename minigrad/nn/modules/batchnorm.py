"""``torch.nn.modules.batchnorm``: batch normalization."""
from ..layers.normalization import BatchNorm1d, BatchNorm2d
