"""Data sets: a numbered collection of samples, as in ``torch.utils.data``.

A data set is anything with ``len(dataset)`` and ``dataset[i]`` for
``0 <= i < len(dataset)``; the ``DataLoader`` groups its samples into batches.
``TensorDataset`` is the common case: the samples are the rows of tensors that
share their first dimension (features ``X`` and labels ``y``). ``Subset``,
``ConcatDataset`` and ``random_split`` pick and join samples of other data sets.
"""
import bisect
import itertools
import math
import warnings

from ..creation import randperm
from ..tensor import Tensor


class Dataset:
    """The base of map-style data sets: subclasses define ``__getitem__`` and ``__len__``.

    ::

        class Squares(mg.data.Dataset):
            def __len__(self):
                return 10
            def __getitem__(self, index):
                return mg.tensor([float(index)]), mg.tensor(float(index) ** 2)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other):
        """``a + b``: the samples of ``a`` followed by those of ``b`` (a ``ConcatDataset``)."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """The base of iterable-style data sets: a stream of samples that subclasses
    produce in ``__iter__`` (lines of a file, samples generated on the fly).

    The ``DataLoader`` reads it in order (no ``shuffle``, ``sampler`` or
    ``batch_sampler``) and groups consecutive samples into batches. It is read
    once per epoch in the calling process, as by a single worker:
    ``get_worker_info()`` is None there, so code that splits the stream
    between PyTorch's workers takes the whole stream.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it; it has "
                        "no samples by index")

    def __len__(self):
        raise TypeError(f"object of type '{type(self).__name__}' has no len(): a stream knows its "
                        "length only if its class defines __len__")

    def __add__(self, other):
        """``a + b``: the stream of ``a``, then that of ``b`` (a ``ChainDataset``)."""
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable data sets, one stream after another."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            _check_iterable(dataset)
            yield from dataset

    def __len__(self):
        return sum(len(_check_iterable(dataset)) for dataset in self.datasets)


def _check_iterable(dataset):
    if not isinstance(dataset, IterableDataset):
        raise AssertionError("ChainDataset only supports IterableDataset")
    return dataset


def get_worker_info():
    """Information about the worker process this runs in: always None, since
    minigrad's ``DataLoader`` loads in the calling process (PyTorch returns None
    there too)."""
    return None


class TensorDataset(Dataset):
    """Samples are the rows of tensors: ``dataset[i] == (tensors[0][i], tensors[1][i], ...)``.

    Every tensor must have the same size along its first dimension, the number
    of samples. ``TensorDataset(X, y)`` pairs features with labels.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"TensorDataset takes tensors, but argument {position} is a "
                                f"{type(tensor).__name__}; convert it with mg.tensor(...)")
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: argument {position} is a 0-d tensor; every "
                                 "tensor needs a first dimension that counts the samples")
        sizes = [tensor.shape[0] for tensor in tensors]
        if len(set(sizes)) > 1:
            raise ValueError("Size mismatch between tensors: TensorDataset needs the same first "
                             f"dimension (the number of samples) in every tensor, got {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def get_batch(self, indices):
        """The samples at ``indices`` (an integer array), already batched.

        One indexing per tensor (``tensor[indices]``) gathers a whole batch at
        array speed, instead of taking samples one by one and stacking them.
        Returns a list ``[tensors[0][indices], tensors[1][indices], ...]``: the
        batch PyTorch's DataLoader makes of a TensorDataset.
        """
        return [tensor[indices] for tensor in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``Subset(d, [4, 7])[1] is d[7]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several data sets one after another: sample i of the first, then of the second, ..."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(dataset, IterableDataset) for dataset in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        if index >= len(self):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of {len(self)} "
                             "samples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``\\ s of the given lengths.

    ``lengths`` are sample counts that add up to ``len(dataset)``, or fractions
    that add up to 1: each split then gets ⌊fraction · N⌋ samples and the
    samples left over go one each to the first splits in turn (PyTorch's rule).
    The indices are one random permutation (``mg.randperm``) from ``generator``
    (a ``mg.Generator``) or, without one, from the CPU's default generator.
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for position, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {position} is not between 0 and 1")
            counts.append(math.floor(len(dataset) * fraction))
        for extra in range(len(dataset) - sum(counts)):
            counts[extra % len(counts)] += 1
        lengths = counts
        for position, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {position} is 0. This might result in "
                              "an empty dataset.", stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths {list(lengths)} add up to {sum(lengths)}, the data set has "
                         f"{len(dataset)} samples)")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]
