"""The learning problems of the command line: a data set, the model that reads it,
its loss and its metric.

Every data set pairs with every model; recurrent models read each sample as a
sequence. Per ``--data``: the samples; what ``mlp`` reads; what ``rnn``,
``lstm`` and ``gru`` read; the loss and the metric.

- ``spirals``, ``moons``, ``xor``, ``circles``: 400 points (x, y) in 2 classes;
  mlp: the point; recurrent: the sequence x, y (two steps of one feature);
  cross-entropy, accuracy.
- ``digits``: 1,797 8×8 images of digits in 10 classes (scikit-learn's);
  mlp: the 64 pixels; recurrent: 8 rows of 8 pixels, top to bottom;
  cross-entropy, accuracy.
- ``sine``: 400 windows of 20 values of a noisy sine wave, to forecast the
  next value; mlp: the 20 values at once; recurrent: one value per step;
  mean squared error, R².
- ``chars``: the Zen of Python, a character-level language model; mlp: the 8
  previous characters (embedded and concatenated) → the next one; recurrent:
  windows of 32 characters, each character → the one after it; cross-entropy,
  accuracy of the next character.

``minigrad train`` runs ``DEFAULT_EPOCHS[data]`` epochs unless ``--epochs``
says otherwise: 100 for the 2-D point sets, 30 for the digits, 20 for the sine
forecast, 40 for the characters (a few seconds to a minute on a laptop's CPU).

The metric is measured on held-out samples (a fresh draw of the generated data
sets with another seed; the last 20% of a seeded shuffle of the digits) except
for ``chars``, whose corpus is too small to hold any out: there it is the
training text. R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (1 is a perfect forecast, 0 no
better than the mean).

Models, with ``H = --hidden`` (64 by default): ``mlp`` is Linear → ReLU →
Linear(H, H) → ReLU → Linear (ReLU rather than tanh: on the spirals it trains
reliably from every seed, where tanh units sometimes stall for long); a
recurrent model is one ``nn.RNN``/``nn.LSTM``/``nn.GRU`` layer of H units
(``batch_first=True``) and a Linear head on its last output, or on every
output for ``chars``. Characters enter any model
through an ``nn.Embedding`` of 16 dimensions.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..creation import tensor as make_tensor
from ..data import (load_char_corpus, load_digits, make_circles, make_moons, make_sine_sequences,
                    make_spirals, make_xor)
from ..nn import functional as F
from .errors import UsageError

DATASETS = ("spirals", "moons", "xor", "circles", "sine", "chars", "digits")
DEFAULT_EPOCHS = {"spirals": 100, "moons": 100, "xor": 100, "circles": 100, "digits": 30,
                  "sine": 20, "chars": 40}
MODELS = ("mlp", "rnn", "lstm", "gru")

POINTS = 400           # samples drawn for each of the generated data sets (train, and again test)
SINE_LENGTH = 20       # values per sine window
CHAR_WINDOW = 32       # characters per training window of the recurrent language model
CHAR_STRIDE = 4        # characters between the starts of two windows
CHAR_CONTEXT = 8       # characters the MLP language model reads
EMBEDDING = 16         # dimensions of a character's embedding

_POINT_MAKERS = {"spirals": make_spirals, "moons": make_moons, "xor": make_xor,
                 "circles": make_circles}


@dataclass
class Task:
    """A data set prepared for one kind of model.

    ``train`` and ``test`` are ``(inputs, targets)`` tensor pairs (the metric is
    measured on ``test``); ``outputs`` is the model's output size; ``metric_name``
    is ``"accuracy"`` or ``"r2"``; ``test_is_train`` says that no data was held out.
    """

    name: str
    train: tuple
    test: tuple
    input_size: int
    outputs: int
    vocab_size: int
    metric_name: str
    loss: Callable
    test_is_train: bool = False

    def metric(self, outputs, targets):
        """Accuracy (a fraction) or R² of ``outputs`` against ``targets``, a Python float."""
        with no_grad():
            if self.metric_name == "accuracy":
                predicted = outputs.argmax(dim=-1)
                return float((predicted == targets).detach().numpy().mean())
            residual = ((targets - outputs) ** 2).sum().item()
            spread = ((targets - targets.mean()) ** 2).sum().item()
            return 1.0 - residual / spread


def _classification_loss(outputs, targets):
    """Cross-entropy over the last dimension, for (N, C) or (N, T, C) outputs."""
    return F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), targets.reshape(-1))


def build_task(data, sequential, seed, device):
    """The data set ``data`` laid out for a recurrent model (``sequential``) or an MLP."""
    if data not in DATASETS:
        raise UsageError(f"unknown data set {data!r}; choose one of: {', '.join(DATASETS)}")
    if data in _POINT_MAKERS:
        make = _POINT_MAKERS[data]
        train = make(n_samples=POINTS, seed=seed, device=device)
        test = make(n_samples=POINTS, seed=seed + 1, device=device)
        if sequential:  # a point (x, y) is read as the sequence x, y
            train, test = [(inputs.reshape(-1, 2, 1), targets) for inputs, targets in (train, test)]
        return Task(data, train, test, input_size=1 if sequential else 2, outputs=2,
                    vocab_size=0, metric_name="accuracy", loss=_classification_loss)
    if data == "digits":
        try:
            images, labels = load_digits(device=device)
        except ImportError as error:
            raise UsageError(f"--data digits: {error}") from None
        order = np.random.default_rng(seed).permutation(len(labels))
        cut = int(0.8 * len(order))
        train_index, test_index = (make_tensor(part, device=device)
                                   for part in (order[:cut], order[cut:]))
        if sequential:  # 8 rows of 8 pixels
            images = images.reshape(-1, 8, 8)
        return Task(data, (images[train_index], labels[train_index]),
                    (images[test_index], labels[test_index]), input_size=8 if sequential else 64,
                    outputs=10, vocab_size=0, metric_name="accuracy", loss=_classification_loss)
    if data == "sine":
        train = make_sine_sequences(n_samples=POINTS, seq_len=SINE_LENGTH, seed=seed, device=device)
        test = make_sine_sequences(n_samples=POINTS, seq_len=SINE_LENGTH, seed=seed + 1,
                                   device=device)
        if not sequential:
            train, test = [(inputs.reshape(-1, SINE_LENGTH), targets)
                           for inputs, targets in (train, test)]
        return Task(data, train, test, input_size=1 if sequential else SINE_LENGTH, outputs=1,
                    vocab_size=0, metric_name="r2", loss=F.mse_loss)
    corpus = load_char_corpus(device=device)
    if sequential:
        train = corpus.windows(CHAR_WINDOW, step=CHAR_STRIDE)
    else:  # the CHAR_CONTEXT characters before each position, and the character there
        inputs, targets = corpus.windows(CHAR_CONTEXT, step=1)
        train = (inputs, targets[:, -1])
    return Task(data, train, train, input_size=EMBEDDING, outputs=len(corpus.vocab),
                vocab_size=len(corpus.vocab), metric_name="accuracy", loss=_classification_loss,
                test_is_train=True)


class MLP(nn.Module):
    """Linear → ReLU → Linear → ReLU → Linear; characters are embedded and the
    context's embeddings concatenated first."""

    def __init__(self, input_size, hidden_size, outputs, vocab_size=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size else None
        width = input_size * CHAR_CONTEXT if vocab_size else input_size
        self.layers = nn.Sequential(nn.Linear(width, hidden_size), nn.ReLU(),
                                    nn.Linear(hidden_size, hidden_size), nn.ReLU(),
                                    nn.Linear(hidden_size, outputs))

    def forward(self, inputs):
        if self.embedding is not None:
            inputs = self.embedding(inputs).flatten(1)
        return self.layers(inputs)


class RecurrentModel(nn.Module):
    """One recurrent layer (``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``) and a Linear
    head: on the last step's output (one answer per sequence), or on every
    step's output (``every_step``: a language model's next-character guesses)."""

    LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

    def __init__(self, kind, input_size, hidden_size, outputs, vocab_size=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size else None
        self.recurrent = self.LAYERS[kind](input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, outputs)
        self.every_step = bool(vocab_size)

    def forward(self, inputs):
        if self.embedding is not None:
            inputs = self.embedding(inputs)
        outputs, _ = self.recurrent(inputs)
        return self.head(outputs if self.every_step else outputs[:, -1])


def build_model(model, task, hidden_size):
    """The ``--model`` network for ``task``, freshly initialised (seed first for the same
    weights every time)."""
    if model not in MODELS:
        raise UsageError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
    if model == "mlp":
        return MLP(task.input_size, hidden_size, task.outputs, task.vocab_size)
    return RecurrentModel(model, task.input_size, hidden_size, task.outputs, task.vocab_size)
