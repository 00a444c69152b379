"""The data sets that ship inside the package: tiny Shakespeare (``load_shakespeare``,
the corpus's train/validation split and its random batches) and the 8×8 digits
(``load_digits``), read from files that ``pip install`` copies with the code.
"""
import fnmatch
import hashlib
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

SHAKESPEARE_MD5 = "6fb458f1232090904fb40fe944165e91"  # of the uncompressed text
DIGITS_FILE_MD5 = "9b335364a7bfd63947c7480a5bd51f2d"  # of scikit-learn 1.9.1's digits.csv.gz
SHIPPED_FILES = ("tinyshakespeare.txt.gz", "digits.csv.gz", "README.md")


@pytest.fixture(scope="module")
def shakespeare():
    return mg.data.load_shakespeare()


def distinct_characters(count):
    """A text of ``count`` different characters, so that a window tells where it starts."""
    return "".join(chr(0x100 + i) for i in range(count))


# ---------------------------------------------------------------- the files ship
@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_the_data_files_ship_as_package_data(name):
    assert resources.files("minigrad.data").joinpath("files").joinpath(name).is_file()
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["minigrad.data"]
    assert any(fnmatch.fnmatch(f"files/{name}", pattern) for pattern in patterns)


# ---------------------------------------------------------------- tiny Shakespeare
def test_shakespeare_is_the_tiny_shakespeare_text(shakespeare):
    text = shakespeare.text
    assert len(text) == 1_115_394 and text.count("\n") == 40_000
    assert hashlib.md5(text.encode("utf-8")).hexdigest() == SHAKESPEARE_MD5
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")


def test_shakespeare_vocabulary(shakespeare):
    assert shakespeare.vocab_size == len(shakespeare.vocab) == 65
    assert shakespeare.vocab == sorted(set(shakespeare.text))
    assert "".join(shakespeare.vocab[:13]) == "\n !$&',-.3:;?"
    assert all(shakespeare.vocab[i] == char for char, i in shakespeare.char_to_index.items())


def test_shakespeare_encode_decode_round_trip(shakespeare):
    assert shakespeare.encoded.dtype == mg.int64 and shakespeare.encoded.shape == (1_115_394,)
    assert shakespeare.decode(shakespeare.encoded) == shakespeare.text
    line = "To be, or not to be, that is the question:"
    assert shakespeare.decode(shakespeare.encode(line)) == line
    assert shakespeare.encode("\n ")[:2].tolist() == [0, 1]  # newline and space come first
    with pytest.raises(ValueError, match="outside the vocabulary"):
        shakespeare.encode("Æ")


def test_shakespeare_split_is_nanogpts_ninety_ten(shakespeare):
    train, val = shakespeare.split("train"), shakespeare.split("val")
    assert (len(train), len(val)) == (1_003_854, 111_540)  # the cut at int(0.9 · 1,115,394)
    assert shakespeare.decode(train) == shakespeare.text[:1_003_854]
    assert shakespeare.decode(val) == shakespeare.text[1_003_854:]


def test_a_bad_split_name_is_refused(shakespeare):
    with pytest.raises(ValueError, match="split must be 'train' or 'val', got 'test'"):
        shakespeare.split("test")
    with pytest.raises(ValueError, match="split must be 'train' or 'val', got 'validation'"):
        shakespeare.get_batch("validation", 4, 8)


def test_shakespeare_batches(device):
    corpus = mg.data.load_shakespeare(device=device)
    x, y = corpus.get_batch("train", 12, 32, generator=mg.Generator(device).manual_seed(0))
    assert x.shape == y.shape == (12, 32)
    assert x.dtype == y.dtype == mg.int64 and x.device == y.device == device
    assert np.array_equal(x.cpu().numpy()[:, 1:], y.cpu().numpy()[:, :-1])
    train_text = corpus.text[:1_003_854]
    for inputs, targets in zip(x, y):
        window = corpus.decode(inputs) + corpus.decode(targets)[-1]
        assert window in train_text and corpus.decode(targets) == window[1:]


# ---------------------------------------------------------------- batches of any corpus
def test_batches_start_anywhere_a_whole_window_fits():
    corpus = mg.data.load_char_corpus(text=distinct_characters(100))  # train: 90, val: 10
    x, y = corpus.get_batch("train", 3000, 4, generator=mg.Generator().manual_seed(1))
    starts = [corpus.text.index(corpus.decode(row)) for row in x]
    assert sorted(set(starts)) == list(range(90 - 4))  # the last one ends on the last character
    assert all(corpus.decode(row) == corpus.text[start + 1:start + 5]
               for row, start in zip(y, starts))


def test_the_longest_block_fits_in_exactly_one_place():
    corpus = mg.data.load_char_corpus(text=distinct_characters(100))
    x, y = corpus.get_batch("val", 2, 9)
    assert [corpus.decode(row) for row in x] == [corpus.text[90:99]] * 2
    assert [corpus.decode(row) for row in y] == [corpus.text[91:100]] * 2


def test_batches_are_deterministic_with_a_seeded_generator(device):
    corpus = mg.data.load_char_corpus(device=device)
    first = corpus.get_batch("train", 5, 10, generator=mg.Generator(device).manual_seed(7))
    again = corpus.get_batch("train", 5, 10, generator=mg.Generator(device).manual_seed(7))
    other = corpus.get_batch("train", 5, 10, generator=mg.Generator(device).manual_seed(8))
    assert all(np.array_equal(a.cpu().numpy(), b.cpu().numpy()) for a, b in zip(first, again))
    assert not np.array_equal(first[0].cpu().numpy(), other[0].cpu().numpy())
    mg.manual_seed(3)
    from_default = corpus.get_batch("val", 5, 10)
    mg.manual_seed(3)
    assert np.array_equal(corpus.get_batch("val", 5, 10)[0].cpu().numpy(),
                          from_default[0].cpu().numpy())


def test_a_block_longer_than_the_split_is_refused(shakespeare):
    shakespeare.get_batch("val", 1, 111_539)  # 111,540 characters: exactly one window
    with pytest.raises(ValueError, match="block_size = 111540 needs block_size \\+ 1 = 111541 "
                                         "characters, but the 'val' split has 111540"):
        shakespeare.get_batch("val", 1, 111_540)


@pytest.mark.parametrize("batch_size, block_size, name", [
    (0, 8, "batch_size"), (True, 8, "batch_size"), (4, 0, "block_size"), (4, 2.5, "block_size")])
def test_batch_and_block_sizes_must_be_positive_ints(batch_size, block_size, name):
    corpus = mg.data.load_char_corpus()
    with pytest.raises(ValueError, match=f"{name} must be a positive int"):
        corpus.get_batch("train", batch_size, block_size)


def test_the_generator_must_live_on_the_corpus_device():
    corpus = mg.data.load_char_corpus(device="strict")
    with pytest.raises(RuntimeError, match="Expected a 'strict' generator"):
        corpus.get_batch("train", 2, 4, generator=mg.Generator("cpu"))


# ---------------------------------------------------------------- digits
def test_the_digits_file_is_scikit_learns():
    packed = resources.files("minigrad.data").joinpath("files").joinpath("digits.csv.gz")
    assert hashlib.md5(packed.read_bytes()).hexdigest() == DIGITS_FILE_MD5


def test_digits_sizes_values_and_labels():
    X, y = mg.data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == mg.float32
    assert y.shape == (1797,) and y.dtype == mg.int64
    counts = X.detach().numpy() * 16
    assert np.array_equal(counts, np.round(counts)) and counts.min() == 0 and counts.max() == 16
    assert counts.sum() == 561_718
    assert np.bincount(y.numpy()).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert y[:10].tolist() == list(range(10))
    zero = [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0],
            [0, 4, 12, 0, 0, 8, 8, 0], [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0],
            [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]]
    assert np.array_equal(counts[0].reshape(8, 8), zero)


def test_digits_dtype_and_device(device):
    X, y = mg.data.load_digits(dtype=mg.float64, device=device)
    assert X.dtype == mg.float64 and X.device == y.device == device


def test_digits_need_no_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert mg.data.load_digits()[0].shape == (1797, 64)


def test_digits_equal_scikit_learns():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is not installed")
    reference = datasets.load_digits()
    X, y = mg.data.load_digits(dtype=mg.float64)
    assert np.array_equal(X.numpy(), reference.data / 16.0)
    assert np.array_equal(y.numpy(), reference.target)
