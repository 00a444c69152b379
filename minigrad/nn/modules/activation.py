"""``torch.nn.modules.activation``: the activation layers, and MultiheadAttention (PyTorch
keeps it in this file too)."""
from ..layers.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from ..layers.attention import MultiheadAttention
