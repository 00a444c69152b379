"""``torch.nn.modules.rnn``: the recurrent layers and cells, and their bases."""
from ..layers.rnn import (GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell,
                          RNNCellBase)
