"""``torch.nn.modules.pooling``: max, average and adaptive average pooling."""
from ..layers.pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
