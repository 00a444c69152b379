"""mg.data: TensorDataset, DataLoader (batch counts against torch's DataLoader,
seeded shuffling, devices, full-batch and per-sample training, collation) and
the built-in data sets (shapes, dtypes, balance, geometry, determinism).
"""
import hashlib
import math
import sys

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.data import DataLoader, Dataset, TensorDataset


def numbered_dataset(n, device="cpu"):
    """Sample i is (i as a float feature row, i as an int64 label)."""
    features = mg.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2) / 2, device=device)
    return TensorDataset(features, mg.tensor(np.arange(n), device=device))


def labels_seen(loader):
    """The sample numbers one epoch yields, in order."""
    return np.concatenate([labels.detach().numpy().reshape(-1) for _, labels in loader])


class PlainDataset(Dataset):
    """A generic (non-tensor) data set: sample i is (array of i, i, {"half": i / 2})."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.full(3, index, dtype=np.float32), index, {"half": index / 2}


# ---------------------------------------------------------------- TensorDataset
def test_tensor_dataset_samples_are_rows():
    dataset = numbered_dataset(5)
    assert len(dataset) == 5
    features, label = dataset[3]
    assert features.tolist() == [3.0, 3.5] and label.item() == 3 and label.ndim == 0


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"Size mismatch.*\[4, 3\]"):
        TensorDataset(mg.zeros(4, 2), mg.zeros(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(TypeError, match="argument 1 is a ndarray"):
        TensorDataset(mg.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(mg.tensor(1.0))


def test_the_base_dataset_asks_for_its_methods():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# ---------------------------------------------------------------- batching, against torch
@pytest.mark.parametrize("n, batch_size, drop_last", [
    (10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (10, 1, False),
    (10, 10, False), (10, 25, False), (10, 25, True), (0, 4, False)])
def test_batch_counts_and_sizes_match_torch(n, batch_size, drop_last):
    loader = DataLoader(numbered_dataset(n), batch_size=batch_size, drop_last=drop_last)
    reference = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(n)),
                                            batch_size=batch_size, drop_last=drop_last)
    sizes = [len(labels) for _, labels in loader]
    assert sizes == [len(batch) for (batch,) in reference]
    assert len(loader) == len(reference) == len(sizes)


def test_without_shuffling_batches_follow_the_data_set_in_order():
    batches = list(DataLoader(numbered_dataset(7), batch_size=3))
    assert [labels.tolist() for _, labels in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0][0].shape == (3, 2) and batches[0][0].dtype == mg.float32
    assert batches[2][0].tolist() == [[6.0, 6.5]]


def test_batch_size_none_yields_single_samples_as_torch():
    loader = DataLoader(numbered_dataset(4), batch_size=None)
    samples = list(loader)
    assert len(loader) == len(samples) == 4
    assert samples[1][0].shape == (2,) and samples[1][1].item() == 1
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(numbered_dataset(4), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        torch.utils.data.DataLoader([1], batch_size=None, drop_last=True)


@pytest.mark.parametrize("batch_size", [0, -2, 1.5, True, "4"])
def test_bad_batch_sizes(batch_size):
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        DataLoader(numbered_dataset(4), batch_size=batch_size)


def test_full_batch_is_plain_gradient_descent():
    X = mg.tensor(np.random.default_rng(0).normal(size=(12, 3)))
    y = X @ mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64)
    loader = DataLoader(TensorDataset(X, y), batch_size=len(X), shuffle=True, seed=0)
    assert len(loader) == 1
    w_loader, w_direct = mg.zeros(3, dtype=mg.float64, requires_grad=True), mg.zeros(3, dtype=mg.float64, requires_grad=True)
    for features, targets in loader:
        ((features @ w_loader - targets) ** 2).mean().backward()
    ((X @ w_direct - y) ** 2).mean().backward()  # the shuffled full batch gives the same gradient
    np.testing.assert_allclose(w_loader.grad.detach().numpy(), w_direct.grad.detach().numpy(), rtol=1e-12)


def test_batch_size_one_is_per_sample_sgd():
    X, y = mg.tensor([[1.0], [2.0], [3.0]]), mg.tensor([2.0, 4.0, 6.0])
    loader = DataLoader(TensorDataset(X, y), batch_size=1)
    assert len(loader) == 3 and all(features.shape == (1, 1) for features, _ in loader)
    w, lr, expected = mg.zeros(1, requires_grad=True), 0.05, 0.0
    for features, targets in loader:  # one update per sample: w ← w - lr·∂(xw - t)²/∂w
        w.grad = None
        ((features @ w - targets) ** 2).sum().backward()
        with mg.no_grad():
            w.sub_(w.grad * lr)
        x, t = features.item(), targets.item()
        expected -= lr * 2 * x * (x * expected - t)
    assert w.item() == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- shuffling
def epochs(loader, count):
    return [labels_seen(loader) for _ in range(count)]


def test_a_shuffled_epoch_is_a_permutation_of_all_samples():
    loader = DataLoader(numbered_dataset(50), batch_size=8, shuffle=True, seed=3)
    order = labels_seen(loader)
    assert sorted(order) == list(range(50)) and list(order) != list(range(50))


def test_the_same_seed_gives_the_same_epochs_and_epochs_differ():
    first = epochs(DataLoader(numbered_dataset(30), batch_size=4, shuffle=True, seed=7), 3)
    again = epochs(DataLoader(numbered_dataset(30), batch_size=4, shuffle=True, seed=7), 3)
    other = epochs(DataLoader(numbered_dataset(30), batch_size=4, shuffle=True, seed=8), 3)
    for epoch in range(3):
        np.testing.assert_array_equal(first[epoch], again[epoch])
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    assert not np.array_equal(first[0], other[0])


def test_a_generator_drives_the_shuffle():
    make = lambda: DataLoader(numbered_dataset(20), batch_size=5, shuffle=True,  # noqa: E731
                              generator=mg.Generator().manual_seed(11))
    np.testing.assert_array_equal(labels_seen(make()), labels_seen(make()))
    seeded = DataLoader(numbered_dataset(20), batch_size=5, shuffle=True, seed=11)
    np.testing.assert_array_equal(labels_seen(make()), labels_seen(seeded))
    with pytest.raises(ValueError, match="not both"):
        DataLoader(numbered_dataset(2), shuffle=True, seed=1, generator=mg.Generator())
    for foreign in (np.random.default_rng(), torch.Generator()):
        with pytest.raises(TypeError, match="mg.Generator"):
            DataLoader(numbered_dataset(2), shuffle=True, generator=foreign)


def test_without_a_seed_manual_seed_makes_the_shuffle_reproducible():
    loader = DataLoader(numbered_dataset(20), batch_size=5, shuffle=True)
    mg.manual_seed(123)
    first = epochs(loader, 2)
    mg.manual_seed(123)
    again = epochs(loader, 2)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])


# ---------------------------------------------------------------- devices and the fast path
def test_batches_go_to_the_chosen_device(device):
    loader = DataLoader(numbered_dataset(6), batch_size=4, shuffle=True, seed=0, device=device)
    for features, labels in loader:
        assert features.device == device and labels.device == device
        assert features.backend.is_array(features._array)
        np.testing.assert_array_equal(features.detach().numpy()[:, 0], labels.detach().numpy().astype(np.float32))


def test_batches_stay_on_the_data_sets_device_by_default(device):
    loader = DataLoader(numbered_dataset(6, device=device), batch_size=4, shuffle=True, seed=0)
    assert sorted(labels_seen(loader)) == list(range(6))
    assert all(f.device == device and l.device == device for f, l in loader)


def test_a_generic_data_set_on_a_device(device):
    loader = DataLoader(PlainDataset(5), batch_size=2, device=device)
    features, numbers, extra = next(iter(loader))
    assert features.device == numbers.device == extra["half"].device == device
    assert features.tolist() == [[0.0] * 3, [1.0] * 3]


def test_a_tensor_data_set_is_gathered_with_one_index_per_batch(monkeypatch):
    def one_by_one(self, index):
        raise AssertionError("the DataLoader read a TensorDataset sample by sample")

    monkeypatch.setattr(TensorDataset, "__getitem__", one_by_one)
    loader = DataLoader(numbered_dataset(10), batch_size=4, shuffle=True, seed=0)
    assert sorted(labels_seen(loader)) == list(range(10))


def test_a_subclass_that_changes_samples_is_read_sample_by_sample():
    class Shifted(TensorDataset):
        def __getitem__(self, index):
            features, label = super().__getitem__(index)
            return features, label + 100

    features, labels = next(iter(DataLoader(Shifted(*numbered_dataset(3).tensors), batch_size=3)))
    assert labels.tolist() == [100, 101, 102] and features.shape == (3, 2)


def test_batches_are_lists_as_in_torch():
    assert type(next(iter(DataLoader(numbered_dataset(3), batch_size=2)))) is list
    assert type(next(iter(DataLoader(numbered_dataset(3), batch_size=None)))) is list
    assert type(next(iter(DataLoader(PlainDataset(3), batch_size=2)))) is list


# ---------------------------------------------------------------- collation
def test_default_collate_matches_torch():
    samples = [PlainDataset(4)[i] for i in range(3)]
    ours = mg.data.default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) is list  # tuple samples give a list of fields, as in torch
    for mine, reference in zip([ours[0], ours[1], ours[2]["half"]],
                               [theirs[0], theirs[1], theirs[2]["half"]]):
        assert str(reference.dtype) == f"torch.{mine.dtype.name}"
        np.testing.assert_array_equal(mine.detach().numpy(), reference.detach().numpy())


def test_default_collate_of_tensors_strings_and_bools():
    batch = mg.data.default_collate([(mg.tensor([1.0, 2.0]), "a", True),
                                     (mg.tensor([3.0, 4.0]), "b", False)])
    assert batch[0].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert batch[1] == ("a", "b")  # the strings as zip gives them, as in torch
    assert batch[2].dtype == mg.bool and batch[2].tolist() == [True, False]
    with pytest.raises(RuntimeError, match="equal size"):
        mg.data.default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        mg.data.default_collate([object()])


def test_a_custom_collate_fn_receives_the_list_of_samples():
    received = []

    def collate(samples):
        received.append(len(samples))
        return sum(label.item() for _, label in samples)

    assert list(DataLoader(numbered_dataset(5), batch_size=2, collate_fn=collate)) == [1, 5, 4]
    assert received == [2, 2, 1]


# ---------------------------------------------------------------- built-in data sets
CLASSIFIERS = [mg.data.make_spirals, mg.data.make_moons, mg.data.make_xor, mg.data.make_circles]


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n_samples", [101, 200])
def test_two_dimensional_sets_have_shapes_dtypes_and_balanced_classes(make, n_samples):
    X, y = make(n_samples=n_samples, seed=0)
    assert X.shape == (n_samples, 2) and X.dtype == mg.float32
    assert y.shape == (n_samples,) and y.dtype == mg.int64
    counts = np.bincount(y.detach().numpy(), minlength=2)
    assert len(counts) == 2 and abs(counts[0] - counts[1]) <= 1


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_the_seed_decides_the_data(make):
    X1, y1 = make(n_samples=50, seed=4)
    X2, y2 = make(n_samples=50, seed=4)
    X3, _ = make(n_samples=50, seed=5)
    np.testing.assert_array_equal(X1.detach().numpy(), X2.detach().numpy())
    np.testing.assert_array_equal(y1.detach().numpy(), y2.detach().numpy())
    assert not np.array_equal(X1.detach().numpy(), X3.detach().numpy())
    mg.manual_seed(9)
    X4, _ = make(n_samples=50)
    mg.manual_seed(9)
    X5, _ = make(n_samples=50)
    np.testing.assert_array_equal(X4.detach().numpy(), X5.detach().numpy())


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_data_sets_on_a_device_and_in_float64(make, device):
    X, y = make(n_samples=20, seed=0, dtype=mg.float64, device=device)
    assert X.device == y.device == device and X.dtype == mg.float64
    X_cpu, y_cpu = make(n_samples=20, seed=0, dtype=mg.float64)
    np.testing.assert_array_equal(X.detach().numpy(), X_cpu.detach().numpy())


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_bad_arguments(make):
    with pytest.raises(ValueError, match="n_samples must be a positive int"):
        make(n_samples=0)
    with pytest.raises(ValueError, match="cannot be negative"):
        make(n_samples=10, noise=-0.1)


def test_noise_free_shapes_are_what_the_docstrings_say():
    X, y = (t.detach().numpy().astype(np.float64) for t in mg.data.make_circles(200, noise=0, factor=0.3, seed=0))
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 0, 1.0, 0.3), atol=1e-6)
    X, y = (t.detach().numpy().astype(np.float64) for t in mg.data.make_moons(200, noise=0, seed=0))
    center = np.where(y[:, None] == 0, [0.0, 0.0], [1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*(X - center).T), 1.0, atol=1e-6)
    assert np.all(X[y == 0, 1] >= -1e-6) and np.all(X[y == 1, 1] <= 0.5 + 1e-6)  # upper, lower half
    X, y = (t.detach().numpy() for t in mg.data.make_xor(40, noise=0, seed=0))
    assert set(map(tuple, np.abs(X))) == {(1.0, 1.0)}
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    X, y = (t.detach().numpy().astype(np.float64) for t in mg.data.make_spirals(100, noise=0, turns=1.5, seed=0))
    radius, angle = np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * math.pi * 1.5 * radius + math.pi * y  # the angle grows with the radius
    np.testing.assert_allclose(np.cos(angle - expected)[radius > 1e-3], 1.0, atol=1e-5)
    assert radius.max() == pytest.approx(1.0, abs=1e-6)


def test_noise_spreads_the_points():
    clean, _ = mg.data.make_circles(400, noise=0, seed=0)
    noisy, _ = mg.data.make_circles(400, noise=0.1, seed=0)  # the same points, then moved
    assert 0.09 < np.std(noisy.detach().numpy() - clean.detach().numpy()) < 0.11


def test_sine_sequences():
    inputs, targets = mg.data.make_sine_sequences(n_samples=8, seq_len=12, horizon=3, noise=0.0,
                                                  period=10.0, seed=0)
    assert inputs.shape == (8, 12, 1) and targets.shape == (8, 3)
    assert inputs.dtype == targets.dtype == mg.float32
    series = np.concatenate([inputs.detach().numpy()[:, :, 0], targets.detach().numpy()], axis=1).astype(np.float64)
    # A sampled sine obeys v[t+1] = 2 cos(ω) v[t] - v[t-1]: targets continue the inputs' wave.
    omega = 2 * math.pi / 10.0
    np.testing.assert_allclose(series[:, 2:], 2 * math.cos(omega) * series[:, 1:-1] - series[:, :-2],
                               atol=1e-5)
    assert not np.allclose(series[0], series[1])  # each sample has its own phase
    noisy, _ = mg.data.make_sine_sequences(n_samples=8, seq_len=12, horizon=3, noise=0.1,
                                           period=10.0, seed=0)
    assert 0.05 < np.std(noisy.detach().numpy() - inputs.detach().numpy()) < 0.2
    again, _ = mg.data.make_sine_sequences(n_samples=8, seq_len=12, horizon=3, noise=0.1,
                                           period=10.0, seed=0)
    np.testing.assert_array_equal(noisy.detach().numpy(), again.detach().numpy())
    with pytest.raises(ValueError, match="seq_len and horizon"):
        mg.data.make_sine_sequences(seq_len=0)


def test_char_corpus_is_the_same_text_everywhere():
    text, vocab, char_to_index, encoded = mg.data.load_char_corpus()
    assert text.startswith("The Zen of Python, by Tim Peters\n\nBeautiful is better than ugly.")
    assert text.endswith("Namespaces are one honking great idea -- let's do more of those!")
    assert len(text) == 856 and len(vocab) == 45
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "e250f274f33b9b62"


def test_a_char_corpus_of_your_own_text():
    corpus = mg.data.load_char_corpus(text="abracadabra")
    assert corpus.vocab == ["a", "b", "c", "d", "r"] and corpus.char_to_index["r"] == 4
    assert corpus.encoded.tolist() == [0, 1, 4, 0, 2, 0, 3, 0, 1, 4, 0]
    inputs, targets = corpus.windows(4, step=3)
    assert [corpus.decode(row) for row in inputs] == ["abra", "acad", "dabr"]
    assert [corpus.decode(row) for row in targets] == ["brac", "cada", "abra"]
    with pytest.raises(ValueError, match="at least two characters"):
        mg.data.load_char_corpus(text="a")


def test_char_corpus_vocabulary_and_encoding(device):
    corpus = mg.data.load_char_corpus(device=device)
    assert corpus.vocab == sorted(set(corpus.text)) and len(corpus.vocab) == len(set(corpus.vocab))
    assert all(corpus.vocab[i] == char for char, i in corpus.char_to_index.items())
    assert corpus.encoded.dtype == mg.int64 and corpus.encoded.shape == (len(corpus.text),)
    assert corpus.encoded.device == device
    assert corpus.decode(corpus.encoded) == corpus.text
    assert corpus.decode(corpus.encode("Beautiful")) == "Beautiful"
    with pytest.raises(ValueError, match="outside the vocabulary"):
        corpus.encode("ß")


def test_char_corpus_windows(device):
    corpus = mg.data.load_char_corpus(device=device)
    inputs, targets = corpus.windows(16)
    assert inputs.shape == targets.shape == ((len(corpus.text) - 1) // 16, 16)
    assert inputs.dtype == mg.int64 and inputs.device == device
    assert corpus.decode(inputs[1]) == corpus.text[16:32]
    assert corpus.decode(targets[1]) == corpus.text[17:33]  # the next character of each input
    overlapping, _ = corpus.windows(16, step=1)
    assert overlapping.shape == (len(corpus.text) - 16, 16)
    assert corpus.decode(overlapping[-1]) == corpus.text[-17:-1]
    with pytest.raises(ValueError, match="needs seq_len \\+ 1"):
        corpus.windows(len(corpus.text))


def test_loading_the_corpus_prints_nothing(capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "this", raising=False)  # a first import prints the Zen
    mg.data.load_char_corpus()
    assert capsys.readouterr().out == ""
