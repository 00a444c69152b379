"""``torch.nn.modules.activation``: the activation layers."""
from ..layers.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
