"""```minigrad.nn.modules```: the layers under the file names PyTorch gives them.

PyTorch code sometimes imports a layer by its full path,
``from torch.nn.modules.linear import Linear`` or
``torch.nn.modules.loss._Loss``; the same paths work here
(``minigrad.nn.modules.linear.Linear``). Each file of this package only
re-exports the classes from where minigrad defines them (``minigrad.nn.layers``,
``minigrad.nn.loss``, ...): ``minigrad.nn.modules.linear.Linear is
minigrad.nn.Linear``.
"""
from .activation import (GELU, LeakyReLU, LogSoftmax, MultiheadAttention, ReLU, Sigmoid, Softmax,
                         Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .module import Module
from .normalization import GroupNorm, LayerNorm, RMSNorm
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding
from .transformer import TransformerEncoderLayer
