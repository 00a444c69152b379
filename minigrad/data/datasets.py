"""Small built-in data sets that need no download, for experiments and lessons.

Two-dimensional classification (features ``X`` of shape (N, 2), labels ``y`` of
shape (N,) in {0, 1}); none of them can be separated by a straight line, so a
logistic regression fails and a small MLP succeeds:

- ``make_spirals``: two interleaved spiral arms;
- ``make_moons``: two interleaving half circles;
- ``make_xor``: four clusters at the corners of a square, opposite corners alike;
- ``make_circles``: a small circle inside a large one.

Sequences:

- ``make_sine_sequences``: windows of a noisy sine wave, to forecast what follows;
- ``load_char_corpus``: a character-level text corpus (the Zen of Python, or your text);
- ``load_shakespeare``: tiny Shakespeare, the corpus of character-level language models.

Images:

- ``load_digits``: 1,797 8×8 images of handwritten digits.

Every generator takes ``n_samples``, ``noise`` (the standard deviation of the
Gaussian noise added to each value) and ``seed``: the same seed gives the same
data; ``seed=None`` draws from the generator that ``mg.manual_seed`` seeds.
Features are tensors of the default floating dtype (float32 unless changed,
or ``dtype=``), labels int64 tensors, both on ``device`` (the CPU by default).

Two data sets ship as files inside the package, in ``minigrad/data/files/``
(its README says the same):

- ``tinyshakespeare.txt.gz``: "tiny Shakespeare", 1,115,394 characters (40,000
  lines) from Shakespeare's plays, public-domain text, as Andrej Karpathy
  collected it for char-rnn (``data/tinyshakespeare/input.txt``) and as nanoGPT's
  ``shakespeare_char`` uses it; the md5 of the uncompressed text is
  6fb458f1232090904fb40fe944165e91.
- ``digits.csv.gz``: scikit-learn's copy (``sklearn/datasets/data/digits.csv.gz``,
  unchanged; scikit-learn is BSD-3-Clause licensed, © the scikit-learn
  developers) of the test set of the UCI Machine Learning Repository's "Optical
  Recognition of Handwritten Digits" (E. Alpaydin and C. Kaynak, 1998): one image
  a line, 64 pixel counts in 0..16 and then the digit.
"""
import codecs
import contextlib
import gzip
import io
import math
from importlib import resources
from typing import NamedTuple

import numpy as np

from ..backend import get_backend
from ..creation import arange, randint, tensor as make_tensor
from ..dtypes import get_default_dtype
from ..tensor import Tensor


def _generator(seed):
    """A NumPy generator for ``seed``; for ``None``, one seeded from minigrad's CPU generator."""
    if seed is None:
        seed = int(get_backend("cpu").generator.integers(0, 2 ** 62))
    return np.random.default_rng(seed)


def _check(n_samples, noise):
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and cannot be negative, got {noise}")


def _two_dimensional(points, labels, noise, shuffle, generator, dtype, device):
    """Add the noise, optionally shuffle, and return (X, y) as tensors."""
    points = points + noise * generator.standard_normal(points.shape)
    if shuffle:
        order = generator.permutation(len(labels))
        points, labels = points[order], labels[order]
    features = make_tensor(points, dtype=dtype or get_default_dtype(), device=device)
    return features, make_tensor(labels.astype(np.int64), device=device)


def _class_sizes(n_samples):
    """Two class sizes that differ by at most one: (N // 2, N - N // 2), as scikit-learn does."""
    return n_samples // 2, n_samples - n_samples // 2


def make_spirals(n_samples=200, noise=0.05, turns=1.5, seed=None, shuffle=True, dtype=None,
                 device=None):
    """Two interleaved spirals (Lang and Witbrock's benchmark): class 0 and class 1.

    Each arm winds ``turns`` times around the origin while its radius grows
    from 0 to 1; the second arm is the first one rotated by half a turn. For
    ``t`` evenly spaced in [0, 1] the points of class ``c`` are

        r = t,   θ = 2π · turns · t + π · c,   x = (r cos θ, r sin θ) + noise · ε.

    Returns ``X`` (N, 2) and ``y`` (N,).
    """
    _check(n_samples, noise)
    generator = _generator(seed)
    points, labels = [], []
    for label, size in enumerate(_class_sizes(n_samples)):
        t = np.linspace(0.0, 1.0, size)
        angle = 2 * math.pi * turns * t + math.pi * label
        points.append(np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1))
        labels.append(np.full(size, label))
    return _two_dimensional(np.concatenate(points), np.concatenate(labels), noise, shuffle,
                            generator, dtype, device)


def make_moons(n_samples=200, noise=0.1, seed=None, shuffle=True, dtype=None, device=None):
    """Two interleaving half circles, laid out as scikit-learn's ``make_moons``.

    Class 0 is the upper half of the unit circle, class 1 the lower half moved
    right by 1 and up by 0.5, so that each moon reaches into the other's bowl:
    x spans about [-1, 2], y about [-0.5, 1]. Returns ``X`` (N, 2) and ``y`` (N,).
    """
    _check(n_samples, noise)
    generator = _generator(seed)
    outer, inner = _class_sizes(n_samples)
    outer_angle, inner_angle = np.linspace(0, math.pi, outer), np.linspace(0, math.pi, inner)
    points = np.concatenate([
        np.stack([np.cos(outer_angle), np.sin(outer_angle)], axis=1),
        np.stack([1 - np.cos(inner_angle), 0.5 - np.sin(inner_angle)], axis=1)])
    labels = np.concatenate([np.zeros(outer), np.ones(inner)])
    return _two_dimensional(points, labels, noise, shuffle, generator, dtype, device)


def make_xor(n_samples=200, noise=0.3, seed=None, shuffle=True, dtype=None, device=None):
    """The XOR problem: four clusters around the corners (±1, ±1) of a square.

    The label is the exclusive or of the coordinates' signs: 0 at (1, 1) and
    (-1, -1), 1 at (-1, 1) and (1, -1). No single line splits the classes; one
    hidden layer of two units can. Each corner gets N/4 points (±1).
    Returns ``X`` (N, 2) and ``y`` (N,).
    """
    _check(n_samples, noise)
    generator = _generator(seed)
    corners = [((1.0, 1.0), 0), ((-1.0, 1.0), 1), ((-1.0, -1.0), 0), ((1.0, -1.0), 1)]
    sizes = [n_samples // 4 + (corner < n_samples % 4) for corner in range(4)]
    points = np.concatenate([np.tile(center, (size, 1)) for (center, _), size in zip(corners, sizes)])
    labels = np.concatenate([np.full(size, label) for (_, label), size in zip(corners, sizes)])
    return _two_dimensional(points, labels, noise, shuffle, generator, dtype, device)


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=None, shuffle=True, dtype=None,
                 device=None):
    """Two concentric circles, laid out as scikit-learn's ``make_circles``.

    Class 0 lies on the unit circle, class 1 on a circle of radius ``factor``
    (0 < factor < 1) inside it, each with evenly spaced angles. Separable by
    the distance from the origin, not by a line. Returns ``X`` (N, 2) and ``y`` (N,).
    """
    _check(n_samples, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner circle's radius and must be in (0, 1), got {factor}")
    generator = _generator(seed)
    points, labels = [], []
    for label, (size, radius) in enumerate(zip(_class_sizes(n_samples), (1.0, factor))):
        angle = np.linspace(0, 2 * math.pi, size, endpoint=False)
        points.append(radius * np.stack([np.cos(angle), np.sin(angle)], axis=1))
        labels.append(np.full(size, label))
    return _two_dimensional(np.concatenate(points), np.concatenate(labels), noise, shuffle,
                            generator, dtype, device)


def make_sine_sequences(n_samples=500, seq_len=20, horizon=1, noise=0.05, period=20.0, seed=None,
                        dtype=None, device=None):
    """Windows of a noisy sine wave, for forecasting with a recurrent network.

    Each sample starts at a random phase φ and reads the series

        v_t = sin(2π t / period + φ) + noise · ε_t,   t = 0, 1, ..., seq_len + horizon - 1;

    the first ``seq_len`` values are the input and the ``horizon`` values that
    follow are the target. Returns ``inputs`` of shape (N, seq_len, 1), in the
    ``batch_first=True`` layout with one feature per step, and ``targets`` of
    shape (N, horizon).
    """
    _check(n_samples, noise)
    if seq_len < 1 or horizon < 1:
        raise ValueError(f"seq_len and horizon must be at least 1, got {seq_len} and {horizon}")
    generator = _generator(seed)
    phase = generator.uniform(0, 2 * math.pi, size=(n_samples, 1))
    steps = np.arange(seq_len + horizon)
    series = np.sin(2 * math.pi * steps / period + phase)
    series = series + noise * generator.standard_normal(series.shape)
    dtype = dtype or get_default_dtype()
    inputs = make_tensor(series[:, :seq_len, None], dtype=dtype, device=device)
    return inputs, make_tensor(series[:, seq_len:], dtype=dtype, device=device)


# ---------------------------------------------------------------- text
class CharCorpus(NamedTuple):
    """A text prepared for a character-level language model.

    ``text`` is the corpus, ``vocab`` its distinct characters in sorted order
    (nanoGPT's ``itos``), ``char_to_index`` maps each character to its position
    in ``vocab`` (nanoGPT's ``stoi``), and ``encoded`` is the text as an int64
    tensor of those positions. Unpacks as
    ``text, vocab, char_to_index, encoded = load_char_corpus()``.

    For a language model: ``vocab_size`` is the size of its embedding and of its
    output, ``split("train")`` / ``split("val")`` the two parts of the text, and
    ``get_batch(split, batch_size, block_size)`` a random batch of windows.
    """

    text: str
    vocab: list
    char_to_index: dict
    encoded: Tensor

    @property
    def vocab_size(self):
        """How many distinct characters the corpus has (``len(vocab)``)."""
        return len(self.vocab)

    def split(self, name):
        """The encoded characters of one split, cut as nanoGPT's ``shakespeare_char`` cuts:
        ``"train"`` is the first 90 % of the text, ``"val"`` the last 10 % (the cut is at
        ``int(0.9 · len(text))``). The vocabulary is the whole text's, so both share it."""
        cut = int(0.9 * len(self.text))
        if name == "train":
            return self.encoded[:cut]
        if name == "val":
            return self.encoded[cut:]
        raise ValueError(f"split must be 'train' or 'val', got {name!r}")

    def get_batch(self, split, batch_size, block_size, generator=None):
        """A random batch for next-character prediction: ``(x, y)``, as nanoGPT's ``get_batch``.

        Draws ``batch_size`` start positions ``s`` uniformly from the split (every
        start with ``block_size + 1`` characters from it on, so that ``y`` is
        whole); row ``b`` of ``x`` holds the characters ``s_b, …, s_b + block_size − 1``
        and row ``b`` of ``y`` the same characters one ahead, so ``y[b, t]`` is the
        character that follows ``x[b, t]``. Both are int64 tensors of shape
        (batch_size, block_size) on the corpus's device. The starts come from
        ``generator`` (a ``mg.Generator`` on that device) or, without one, from the
        device's default generator, which ``mg.manual_seed`` seeds.
        """
        for name, value in (("batch_size", batch_size), ("block_size", block_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        data = self.split(split)
        if len(data) < block_size + 1:
            raise ValueError(f"a window of block_size = {block_size} needs block_size + 1 = "
                             f"{block_size + 1} characters, but the {split!r} split has "
                             f"{len(data)}")
        starts = randint(len(data) - block_size, (batch_size, 1), generator=generator,
                         device=data.device)
        positions = starts + arange(block_size, device=data.device)
        return data[positions], data[positions + 1]

    def encode(self, text):
        """A string as an int64 tensor of vocabulary indices (on the corpus's device)."""
        missing = sorted(set(text) - set(self.char_to_index))
        if missing:
            raise ValueError(f"characters outside the vocabulary: {missing}")
        return make_tensor([self.char_to_index[char] for char in text], dtype=np.int64,
                           device=self.encoded.device)

    def decode(self, indices):
        """Vocabulary indices (a tensor or a list of ints) back to a string."""
        if isinstance(indices, Tensor):
            indices = indices.tolist()
        return "".join(self.vocab[index] for index in indices)

    def windows(self, seq_len, step=None, split=None):
        """Training pairs for next-character prediction: ``(inputs, targets)``.

        Window ``i`` starts at ``i * step`` (``step=seq_len`` by default, so the
        windows tile the text without overlap; ``step=1`` gives every window), in
        the whole text, or in one part of it with ``split="train"`` or ``"val"``
        (see ``split``).
        ``inputs[i]`` holds ``seq_len`` characters and ``targets[i]`` the same
        characters shifted one ahead: ``targets[i][t]`` is the character that
        follows ``inputs[i][t]``. Both are int64 tensors of shape (windows, seq_len).
        """
        step = seq_len if step is None else step
        if seq_len < 1 or step < 1:
            raise ValueError(f"seq_len and step must be at least 1, got {seq_len} and {step}")
        encoded = self.encoded if split is None else self.split(split)
        length = len(encoded)
        if length < seq_len + 1:
            part = "corpus" if split is None else f"{split!r} split"
            raise ValueError(f"a window needs seq_len + 1 = {seq_len + 1} characters, but the "
                             f"{part} has {length}")
        starts = np.arange(0, length - seq_len, step)
        window = encoded.detach().numpy()[starts[:, None] + np.arange(seq_len + 1)]
        device = self.encoded.device
        return make_tensor(window[:, :-1], device=device), make_tensor(window[:, 1:], device=device)


def _zen_of_python():
    """The Zen of Python, which the ``this`` module keeps ROT13-encoded (and prints on import)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, "rot13")


def load_char_corpus(text=None, device=None):
    """A text prepared for a character-level language model (a ``CharCorpus``).

    By default the text is the Zen of Python (``import this``): 856 characters
    of English that every Python 3 ships word for word the same, so the corpus,
    and a model trained on it, is the same everywhere. Small enough for a
    recurrent network to learn by heart in a minute on a CPU; pass ``text=``
    (a file you read, say) to train on anything else.
    ``corpus.windows(seq_len)`` cuts it into training pairs.
    """
    text = _zen_of_python() if text is None else text
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError("text must be a string of at least two characters")
    vocab = sorted(set(text))
    char_to_index = {char: index for index, char in enumerate(vocab)}
    encoded = make_tensor([char_to_index[char] for char in text], dtype=np.int64, device=device)
    return CharCorpus(text, vocab, char_to_index, encoded)


def _read_shipped_file(name):
    """The decompressed bytes of ``name``, a gzip'd file in the package's ``data/files/``."""
    with resources.files(__package__).joinpath("files").joinpath(name).open("rb") as packed:
        return gzip.decompress(packed.read())


def load_shakespeare(device=None):
    """Tiny Shakespeare as a ``CharCorpus``: the corpus of character-level language models.

    1,115,394 characters (40,000 lines) of Shakespeare's plays, as char-rnn and
    nanoGPT's ``shakespeare_char`` use them, shipped inside the package (no
    download). The vocabulary is its 65 distinct characters in sorted order
    (newline, space, punctuation, then capital and small letters).
    ``corpus.split("train")`` is the first 90 % (1,003,854 characters),
    ``corpus.split("val")`` the last 10 % (111,540), and
    ``corpus.get_batch("train", batch_size, block_size, generator=g)`` draws a
    random batch ``(x, y)`` with ``y`` one character ahead of ``x``.
    """
    return load_char_corpus(_read_shipped_file("tinyshakespeare.txt.gz").decode("utf-8"),
                            device=device)


# ---------------------------------------------------------------- images
def load_digits(dtype=None, device=None):
    """1,797 handwritten digits, each an 8×8 grey image, flattened: scikit-learn's ``load_digits``.

    Each pixel counts the ink in a 4×4 block of a 32×32 bitmap, 0..16 (the UCI
    "Optical Recognition of Handwritten Digits" test set, Alpaydin and Kaynak,
    1998). Returns ``X`` of shape (1797, 64) with those counts scaled to [0, 1]
    (divided by 16), and the digit ``y`` (1797,) in 0..9 as int64. The file ships
    inside the package (scikit-learn's own copy, BSD-3-Clause), so nothing needs
    to be installed or downloaded. Reshape a row to (8, 8) to look at it.
    """
    rows = np.loadtxt(io.BytesIO(_read_shipped_file("digits.csv.gz")), delimiter=",")
    pixels, digits = rows[:, :-1], rows[:, -1].astype(np.int64)
    features = make_tensor(pixels / 16.0, dtype=dtype or get_default_dtype(), device=device)
    return features, make_tensor(digits, device=device)
