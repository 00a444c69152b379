"""End-to-end learning with the recurrent layers (seeded, deterministic, a few seconds each).

- An LSTM reads 20 values of a sine wave and predicts the next one; on windows
  it never saw, the mean squared error falls below 1e-2.
- A character-level GRU language model on the Zen of Python: the training
  cross-entropy falls by at least 40% in a short run.
"""
import minigrad as mg
from minigrad import nn


class SineForecaster(nn.Module):
    """The next value of a series from the LSTM's last hidden state."""

    def __init__(self, hidden_size=16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, windows):
        _, (h_n, _) = self.lstm(windows)
        return self.head(h_n[-1])


def test_lstm_forecasts_a_sine_wave():
    mg.manual_seed(0)
    inputs, targets = mg.data.make_sine_sequences(n_samples=128, seq_len=20, noise=0.01, seed=0)
    test_inputs, test_targets = mg.data.make_sine_sequences(n_samples=128, seq_len=20, noise=0.01,
                                                            seed=1)
    model = SineForecaster()
    optimizer = mg.optim.Adam(model.parameters(), lr=0.02)
    loss_fn = nn.MSELoss()
    for _ in range(50):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    with mg.no_grad():
        test_loss = loss_fn(model(test_inputs), test_targets).item()
    assert test_loss < 1e-2, test_loss


class CharModel(nn.Module):
    """Embedding → GRU → logits for the next character at every position."""

    def __init__(self, vocab_size, embedding_dim=16, hidden_size=64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.gru = nn.GRU(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, indices):
        output, _ = self.gru(self.embedding(indices))
        return self.head(output)


def test_char_level_gru_loss_falls_by_forty_percent():
    mg.manual_seed(0)
    corpus = mg.data.load_char_corpus()
    inputs, targets = corpus.windows(seq_len=32)
    vocab_size = len(corpus.vocab)
    model = CharModel(vocab_size)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        logits = model(inputs)
        loss = loss_fn(logits.reshape(-1, vocab_size), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] <= 0.6 * losses[0], (losses[0], losses[-1])
