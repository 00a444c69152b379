"""``minigrad.nn``: modules, layers, losses and initialisation, mirroring ``torch.nn``."""
from . import functional
from . import init
from . import modules
from . import utils
from . import parallel
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module
from .parameter import Parameter
from .layers import (BatchNorm1d, Conv1d, Conv2d, Dropout, Embedding, Flatten, GELU, Identity,
                     LayerNorm, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh)
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .layers.normalization import BatchNorm2d, GroupNorm, RMSNorm
from .layers.pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .layers.rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .layers.attention import MultiheadAttention
from .layers.transformer import TransformerEncoderLayer
