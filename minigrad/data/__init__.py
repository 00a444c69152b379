"""Data for training: data sets, the DataLoader that batches them, and built-in data sets.

    import minigrad as mg
    X, y = mg.data.make_moons(n_samples=500, seed=0)
    loader = mg.data.DataLoader(mg.data.TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    for features, labels in loader:   # one epoch
        ...

Mirrors ``torch.utils.data`` (data sets, samplers, ``DataLoader``, ``random_split``,
``default_collate``), which ``minigrad.utils.data`` also names, as PyTorch spells
it: the same objects. The data set generators are minigrad's own; tiny Shakespeare
(``load_shakespeare``) and the 8×8 digits (``load_digits``) ship as files inside the
package, in ``data/files/``, whose README says where they came from.
"""
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,
                      get_worker_info, random_split)
from .distributed import DistributedSampler
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)
from .datasets import (CharCorpus, load_char_corpus, load_digits, load_shakespeare, make_circles,
                       make_moons, make_sine_sequences, make_spirals, make_xor)
