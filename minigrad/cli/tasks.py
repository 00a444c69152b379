"""The learning problems of the command line: a data set, the model that reads it,
its loss and its metric.

Every data set pairs with ``mlp``, ``rnn``, ``lstm`` and ``gru``; recurrent
models read each sample as a sequence. ``cnn`` reads images (``digits``) and
``gpt`` reads characters (``shakespeare``, ``chars``). Per ``--data``: the
samples; what ``mlp`` reads; what ``rnn``, ``lstm``, ``gru`` (and ``gpt``,
``cnn``) read; the loss and the metric.

- ``spirals``, ``moons``, ``xor``, ``circles``: 400 points (x, y) in 2 classes;
  mlp: the point; recurrent: the sequence x, y (two steps of one feature);
  cross-entropy, accuracy.
- ``digits``: 1,797 8×8 images of digits in 10 classes (scikit-learn's);
  mlp: the 64 pixels; recurrent: 8 rows of 8 pixels, top to bottom;
  cnn: the 8×8 image, one channel; cross-entropy, accuracy.
- ``sine``: 400 windows of 20 values of a noisy sine wave, to forecast the
  next value; mlp: the 20 values at once; recurrent: one value per step;
  mean squared error, R².
- ``chars``: the Zen of Python, a character-level language model; mlp: the 8
  previous characters (embedded and concatenated) → the next one; recurrent:
  windows of 32 characters, each character → the one after it; cross-entropy,
  accuracy of the next character.
- ``shakespeare``: tiny Shakespeare (1.1 M characters, 65 distinct), built in;
  the first 90 % to train on, the last 10 % held out. mlp: the 8 previous
  characters → the next one; recurrent and gpt: windows of 64 characters
  tiling the text, each character → the one after it; cross-entropy, accuracy
  of the next character on the held-out windows.

``minigrad train`` runs ``DEFAULT_EPOCHS[data]`` epochs unless ``--epochs``
says otherwise: 100 for the 2-D point sets, 30 for the digits, 20 for the sine
forecast, 40 for the characters (a few seconds to a minute on a laptop's CPU),
and 1 for Shakespeare (its 15,685 windows once: a few minutes).

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
output for ``chars`` and ``shakespeare``. Characters enter these models
through an ``nn.Embedding`` of 16 dimensions. ``cnn`` is ``mg.models.DigitsCNN``
(conv → pool → conv → pool → linear); ``gpt`` is ``mg.models.CharGPT`` with 4
layers of 4 heads, H-wide embeddings (128 by default for it; H must be a
multiple of 4) and a context of the window's length.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..creation import tensor as make_tensor
from ..data import (load_char_corpus, load_digits, load_shakespeare, make_circles, make_moons,
                    make_sine_sequences, make_spirals, make_xor)
from ..models import CharGPT, DigitsCNN
from ..nn import functional as F
from .errors import UsageError

DATASETS = ("spirals", "moons", "xor", "circles", "sine", "chars", "digits", "shakespeare")
DEFAULT_EPOCHS = {"spirals": 100, "moons": 100, "xor": 100, "circles": 100, "digits": 30,
                  "sine": 20, "chars": 40, "shakespeare": 1}
MODELS = ("mlp", "rnn", "lstm", "gru", "cnn", "gpt")
DEFAULT_HIDDEN = 64    # --hidden's default, except for the models below
MODEL_HIDDEN = {"gpt": 128}
CHARACTER_DATA = ("chars", "shakespeare")

POINTS = 400           # samples drawn for each of the generated data sets (train, and again test)
SINE_LENGTH = 20       # values per sine window
CHAR_WINDOW = 32       # characters per training window of the recurrent language model
CHAR_STRIDE = 4        # characters between the starts of two windows
CHAR_CONTEXT = 8       # characters the MLP language model reads
SHAKESPEARE_WINDOW = 64    # characters per window of tiny Shakespeare (sequence models)
GPT_LAYERS = GPT_HEADS = 4
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


def layout(model):
    """How ``model`` reads a sample: ``"flat"`` (mlp), ``"image"`` (cnn) or ``"sequence"``."""
    return {"mlp": "flat", "cnn": "image"}.get(model, "sequence")


def check_pairing(model, data):
    """Refuse a model that cannot read the data set, naming the ones it can."""
    if model == "cnn" and data != "digits":
        raise UsageError(f"--model cnn reads images: use --data digits (not {data})")
    if model == "gpt" and data not in CHARACTER_DATA:
        raise UsageError(f"--model gpt reads characters: use --data shakespeare or --data chars "
                         f"(not {data})")


def build_task(data, reads, seed, device):
    """The data set ``data`` laid out for a model that ``reads`` ``"flat"`` vectors,
    ``"sequence"``s or ``"image"``s (see ``layout``)."""
    if data not in DATASETS:
        raise UsageError(f"unknown data set {data!r}; choose one of: {', '.join(DATASETS)}")
    sequential = reads == "sequence"
    if data in _POINT_MAKERS:
        make = _POINT_MAKERS[data]
        train = make(n_samples=POINTS, seed=seed, device=device)
        test = make(n_samples=POINTS, seed=seed + 1, device=device)
        if sequential:  # a point (x, y) is read as the sequence x, y
            train, test = [(inputs.reshape(-1, 2, 1), targets) for inputs, targets in (train, test)]
        return Task(data, train, test, input_size=1 if sequential else 2, outputs=2,
                    vocab_size=0, metric_name="accuracy", loss=_classification_loss)
    if data == "digits":
        images, labels = load_digits(device=device)
        order = np.random.default_rng(seed).permutation(len(labels))
        cut = int(0.8 * len(order))
        train_index, test_index = (make_tensor(part, device=device)
                                   for part in (order[:cut], order[cut:]))
        shape = {"sequence": (-1, 8, 8), "image": (-1, 1, 8, 8), "flat": (-1, 64)}[reads]
        images = images.reshape(*shape)    # sequence: 8 rows of 8 pixels
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
    if data == "shakespeare":
        corpus = load_shakespeare(device=device)
        train, test = (_next_character_pairs(corpus, sequential, SHAKESPEARE_WINDOW, part)
                       for part in ("train", "val"))
        return Task(data, train, test, input_size=EMBEDDING, outputs=corpus.vocab_size,
                    vocab_size=corpus.vocab_size, metric_name="accuracy",
                    loss=_classification_loss)
    corpus = load_char_corpus(device=device)
    train = _next_character_pairs(corpus, sequential, CHAR_WINDOW)
    return Task(data, train, train, input_size=EMBEDDING, outputs=len(corpus.vocab),
                vocab_size=len(corpus.vocab), metric_name="accuracy", loss=_classification_loss,
                test_is_train=True)


def _next_character_pairs(corpus, sequential, window, split=None):
    """(inputs, targets) of next-character prediction: windows of ``window`` characters
    (every ``CHAR_STRIDE``-th for the Zen, tiling the text for the splits of a large
    corpus) for a sequence model; for the MLP, the ``CHAR_CONTEXT`` characters before
    each position and the character there."""
    if sequential:
        return corpus.windows(window, step=CHAR_STRIDE if split is None else None, split=split)
    inputs, targets = corpus.windows(CHAR_CONTEXT, step=1, split=split)
    return inputs, targets[:, -1]


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
    if model == "cnn":
        return DigitsCNN(classes=task.outputs)
    if model == "gpt":
        if hidden_size % GPT_HEADS:
            raise UsageError(f"--model gpt: --hidden {hidden_size} is not a multiple of its "
                             f"{GPT_HEADS} heads")
        return CharGPT(task.vocab_size, context=task.train[0].shape[-1], width=hidden_size,
                       layers=GPT_LAYERS, heads=GPT_HEADS)
    return RecurrentModel(model, task.input_size, hidden_size, task.outputs, task.vocab_size)
