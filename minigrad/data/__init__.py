"""Data for training: data sets, the DataLoader that batches them, and built-in data sets.

    import minigrad as mg
    X, y = mg.data.make_moons(n_samples=500, seed=0)
    loader = mg.data.DataLoader(mg.data.TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    for features, labels in loader:   # one epoch
        ...

Mirrors ``torch.utils.data`` (``Dataset``, ``TensorDataset``, ``DataLoader``,
``default_collate``); the data set generators are minigrad's own.
"""
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import Dataset, TensorDataset
from .datasets import (CharCorpus, load_char_corpus, load_digits, make_circles, make_moons,
                       make_sine_sequences, make_spirals, make_xor)
