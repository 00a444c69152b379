"""``minigrad.utils.data``: ``torch.utils.data``'s names, so that ``from torch.utils.data import
DataLoader`` becomes ``from minigrad.utils.data import DataLoader``.

``minigrad.utils.data.distributed.DistributedSampler`` is there too, as in PyTorch.
These are the very objects of ``mg.data`` (one implementation); ``mg.data``
also holds minigrad's built-in data sets.
"""
from . import distributed
from ...data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                     DistributedSampler, IterableDataset, RandomSampler, Sampler,
                     SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                     WeightedRandomSampler, default_collate, default_convert, get_worker_info,
                     random_split)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "default_collate", "default_convert", "get_worker_info",
           "random_split"]
