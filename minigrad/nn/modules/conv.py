"""``torch.nn.modules.conv``: Conv1d and Conv2d."""
from ..layers.convolution import Conv1d, Conv2d
