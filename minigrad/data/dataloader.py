"""``DataLoader``: a data set, served in (shuffled) batches, as ``torch.utils.data.DataLoader``.

One pass over the loader is one epoch. A sampler gives the order of the
sample indices (``SequentialSampler``: 0 .. N-1; ``RandomSampler`` with
``shuffle=True``: a new permutation every epoch), a ``BatchSampler`` cuts them
into consecutive groups of ``batch_size`` and ``collate_fn`` turns each group
of samples into a batch. The batch size is the choice between the three
textbook flavours of gradient descent:

- ``batch_size=len(dataset)``: full-batch (plain) gradient descent, one step per epoch;
- ``batch_size=1``: per-sample stochastic gradient descent, N steps per epoch;
- anything between: mini-batch SGD, ``ceil(N / batch_size)`` steps per epoch
  (``N // batch_size`` with ``drop_last=True``, which skips a short last batch).

A ``TensorDataset`` batch is gathered with one integer-array index per tensor
(``X[indices]``); other data sets are read sample by sample and the samples
stacked by ``default_collate``.

Loading always runs in the calling process: ``num_workers > 0`` is accepted
and gives the same batches in the same order as ``num_workers=0`` (PyTorch's
workers deliver batches in the sampler's order too), so scripts written for
PyTorch run unchanged; no worker process is started, so ``worker_init_fn``,
``prefetch_factor`` and ``persistent_workers`` have nothing to act on.
``pin_memory`` is accepted and does nothing: host memory is not pinned.
"""
import copy
import numbers
from collections.abc import Mapping, MutableMapping

import numpy as np

from ..backend import Device
from ..creation import tensor as make_tensor
from ..ops.shape import stack
from ..random import Generator
from ..tensor import Tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader`` does.

    ``for features, labels in DataLoader(TensorDataset(X, y), batch_size=32)``
    gets each batch as a list ``[X[indices], y[indices]]`` (a list, as in PyTorch).

    Arguments (PyTorch's, in PyTorch's order):
        dataset: anything with ``len()`` and ``[index]``, e.g. a ``TensorDataset``.
        batch_size: samples per batch (a positive int). ``None`` turns batching
            off: each sample comes as it is, without a batch dimension (PyTorch's
            rule). A batch size larger than the data set gives one batch holding
            everything (none with ``drop_last=True``).
        shuffle: draw a new random order of the samples every epoch (a ``RandomSampler``).
        sampler: the order of the indices instead (any iterable of indices, e.g.
            a ``RandomSampler(dataset, replacement=True)``); not with ``shuffle``.
        batch_sampler: yields whole lists of indices, one per batch; not with
            ``batch_size``, ``shuffle``, ``sampler`` or ``drop_last``.
        num_workers: accepted (≥ 0); loading runs in this process whatever the number.
        collate_fn: turns a list of samples into a batch; ``default_collate``
            (stacking), or ``default_convert`` when batching is off.
        pin_memory: accepted; does nothing (host memory is not pinned).
        drop_last: skip the last batch when it has fewer than ``batch_size`` samples.
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
            persistent_workers: accepted and checked as PyTorch checks them;
            without worker processes they have no effect.
        generator: a ``mg.Generator`` the shuffle draws from. Without it (and
            without ``seed``) each epoch's order follows ``mg.manual_seed``.

    minigrad's additions (keyword only):
        seed: shorthand for ``generator=mg.Generator().manual_seed(seed)``: two
            loaders with the same seed give the same order in epoch 1, the same
            (different) order in epoch 2, and so on.
        device: where batches are put (``"cpu"``, ``"cuda"``, ``"strict"``);
            ``None`` leaves them on the device the data set's tensors are on.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, seed=None, device=None):
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if seed is not None and generator is not None:
            raise ValueError("give DataLoader either seed= or generator=, not both")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError("generator must be a mg.Generator (e.g. "
                            f"mg.Generator().manual_seed(0)), got {type(generator).__module__}."
                            f"{type(generator).__qualname__}")
        if seed is not None:
            generator = Generator().manual_seed(seed)
        if isinstance(dataset, IterableDataset):
            _check_stream_options(shuffle, sampler, batch_sampler)
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.device = None if device is None else Device(device)
        self._default_collation = collate_fn is None
        self.collate_fn = collate_fn or (default_convert if batch_sampler is None
                                         else default_collate)

    def __len__(self):
        """The number of batches in one epoch (samples, when batching is off); for an
        ``IterableDataset`` this asks the data set for its length."""
        if isinstance(self.dataset, IterableDataset):
            return len(BatchSampler(range(len(self.dataset)), self.batch_size, self.drop_last)
                       if self.batch_size is not None else self.dataset)
        return len(self.sampler if self.batch_sampler is None else self.batch_sampler)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._iterate_stream()
            return
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self._to_device(self.collate_fn(self.dataset[index]))
            return
        for indices in self.batch_sampler:
            yield self._to_device(self._fetch(indices))

    def _iterate_stream(self):
        """An ``IterableDataset``'s samples in order, batched as they come."""
        samples = iter(self.dataset)
        if self.batch_size is None:
            for sample in samples:
                yield self._to_device(self.collate_fn(sample))
            return
        for batch in BatchSampler(samples, self.batch_size, self.drop_last):
            yield self._to_device(self.collate_fn(batch))

    def _fetch(self, indices):
        if self._default_collation and _gathers_batches(self.dataset):
            return self.dataset.get_batch(np.asarray(indices, dtype=np.int64))
        return self.collate_fn([self.dataset[index] for index in indices])

    def _to_device(self, batch):
        if self.device is None:
            return batch
        return _move(batch, self.device)


def _check_stream_options(shuffle, sampler, batch_sampler):
    """An ``IterableDataset`` is read in its own order: PyTorch's refusals of an order."""
    if shuffle not in (False, None):
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                         f"but got shuffle={shuffle}")
    if sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                         f"but got sampler={sampler}")
    if batch_sampler is not None:
        raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler "
                         f"option, but got batch_sampler={batch_sampler}")


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    """PyTorch's checks of the worker options (which then have nothing to act on here)."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing. "
                         "Let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _gathers_batches(dataset):
    """A TensorDataset whose samples are the plain rows, so ``get_batch`` gives the same batch."""
    return (isinstance(dataset, TensorDataset)
            and type(dataset).__getitem__ is TensorDataset.__getitem__)


def _move(batch, device):
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {key: _move(value, device) for key, value in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(_move(item, device) for item in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_move(item, device) for item in batch)
    return batch


def default_collate(samples):
    """Stack a list of samples into one batch (PyTorch's ``default_collate`` rules).

    - tensors are stacked along a new first dimension: ``k`` tensors of shape
      ``S`` give one of shape ``(k, *S)``;
    - NumPy arrays and scalars likewise, into a tensor of their dtype (arrays of
      strings or objects are refused, as in PyTorch);
    - Python ints become an int64 tensor, floats a float64 tensor, bools a bool tensor;
    - strings and bytes stay as they are: the sequence of them;
    - tuples, lists and dicts are collated field by field: samples ``(x, y)``
      give the batch ``[stacked xs, stacked ys]`` (a list, as in PyTorch; a
      namedtuple keeps its type, and so does a dict type such as OrderedDict).
    """
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (np.ndarray, np.generic)) and not isinstance(first, (str, bytes)):
        if first.dtype.kind not in "biuf":
            raise TypeError(_collate_error(first.dtype))
        return make_tensor(np.stack(samples))
    if isinstance(first, bool):
        return make_tensor(samples)
    if isinstance(first, numbers.Integral):
        return make_tensor(samples, dtype=np.int64)
    if isinstance(first, numbers.Real):
        return make_tensor(samples, dtype=np.float64)
    if isinstance(first, (str, bytes)):
        return samples
    if isinstance(first, Mapping):
        return _same_mapping(first, {key: default_collate([sample[key] for sample in samples])
                                     for key in first})
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in samples):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(field) for field in zip(*samples)]
        if hasattr(first, "_fields"):  # a namedtuple keeps its type
            return type(first)(*fields)
        return fields
    raise TypeError(_collate_error(type(first).__name__))


def _collate_error(found):
    return ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
            f"found {found}")


def _same_mapping(original, values):
    """``values`` in a mapping of ``original``'s type (an OrderedDict stays one), as
    PyTorch does."""
    if isinstance(original, MutableMapping):
        result = copy.copy(original)
        result.update(values)
        return result
    try:
        return type(original)(values)
    except TypeError:  # a mapping type that cannot be built from a dict
        return values


def default_convert(sample):
    """A sample as it is when batching is off (``batch_size=None``), with NumPy
    arrays of numbers turned into tensors, looking into tuples (which become
    lists, as in PyTorch), lists and dicts."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return make_tensor(sample)
    if isinstance(sample, Mapping):
        return _same_mapping(sample, {key: default_convert(value) for key, value in sample.items()})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(item) for item in sample))
    if isinstance(sample, (tuple, list)):
        return [default_convert(item) for item in sample]
    return sample
