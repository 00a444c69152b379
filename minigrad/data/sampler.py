"""Samplers: the order in which a ``DataLoader`` visits a data set, as in ``torch.utils.data``.

A sampler is an iterable of sample indices (anything with ``__iter__``, and
``__len__`` for ``len(loader)``). The ``DataLoader`` takes ``SequentialSampler``
(0, 1, ..., N − 1) or, with ``shuffle=True``, ``RandomSampler``, and a
``BatchSampler`` cuts the indices into lists of ``batch_size``. Random samplers
draw from their ``generator`` (a ``mg.Generator``) or, without one, from a
fresh stream seeded by the CPU's default generator (``mg.manual_seed``) at the
start of every epoch. The orders are minigrad's own: deterministic per seed,
but not the ones PyTorch draws.
"""
import itertools
import numbers

import numpy as np

from ..backend import get_backend
from ..creation import as_tensor, randint, randperm
from ..random import Generator, multinomial


def _epoch_generator(generator):
    """``generator``, or without one a new stream seeded from the CPU's default generator
    (PyTorch's rule: each epoch of an unseeded sampler follows ``mg.manual_seed``)."""
    if generator is not None:
        return generator
    return Generator().manual_seed(int(get_backend("cpu").generator.integers(0, 2 ** 62)))


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


class Sampler:
    """The base of samplers: subclasses define ``__iter__`` (the indices) and, usually,
    ``__len__``."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")


class SequentialSampler(Sampler):
    """The indices 0, 1, ..., len(data_source) − 1, in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of ``data_source``.

    Without replacement each epoch is a random permutation of 0..N−1
    (``num_samples`` > N chains several permutations, < N cuts one short);
    with ``replacement=True`` it is ``num_samples`` independent uniform draws.
    ``num_samples`` defaults to N = len(data_source).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not _is_positive_int(self.num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        """The indices one epoch yields (the data set's current length unless set)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = _epoch_generator(self.generator)
        if self.replacement:
            yield from randint(n, (self.num_samples,), generator=generator).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from randperm(n, generator=generator).tolist()
        yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one every epoch)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for position in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[position]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``
    (``mg.multinomial``; with replacement unless ``replacement=False``)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights = as_tensor(weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from multinomial(self.weights, self.num_samples, self.replacement,
                               generator=self.generator).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` consecutive indices of ``sampler``; the last list is
    shorter unless ``drop_last=True`` skips it.

    ``list(BatchSampler(SequentialSampler(range(10)), 3, drop_last=False))`` is
    ``[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]``.
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
