"""``DataLoader``: a data set, served in (shuffled) batches.

One pass over the loader is one epoch. Each epoch takes the sample indices
``0 .. N-1`` (shuffled when ``shuffle=True``), cuts them into consecutive
groups of ``batch_size`` and turns each group into a batch. The batch size is
the choice between the three textbook flavours of gradient descent:

- ``batch_size=len(dataset)``: full-batch (plain) gradient descent, one step per epoch;
- ``batch_size=1``: per-sample stochastic gradient descent, N steps per epoch;
- anything between: mini-batch SGD, ``ceil(N / batch_size)`` steps per epoch
  (``N // batch_size`` with ``drop_last=True``, which skips a short last batch).

A ``TensorDataset`` batch is gathered with one integer-array index per tensor
(``X[indices]``); other data sets are read sample by sample and the samples
stacked by ``default_collate``.
"""
import numbers
from collections.abc import Mapping

import numpy as np

from ..backend import Device, get_backend
from ..creation import tensor as make_tensor
from ..ops.shape import stack
from ..tensor import Tensor
from .dataset import TensorDataset


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader`` does.

    ``for features, labels in DataLoader(TensorDataset(X, y), batch_size=32)``
    gets each batch as a list ``[X[indices], y[indices]]`` (a list, as in PyTorch).

    Arguments:
        dataset: anything with ``len()`` and ``[index]``, e.g. a ``TensorDataset``.
        batch_size: samples per batch (a positive int). ``None`` turns batching
            off: each sample comes as it is, without a batch dimension (PyTorch's
            rule). A batch size larger than the data set gives one batch holding
            everything (none with ``drop_last=True``).
        shuffle: draw a new random order of the samples every epoch.
        drop_last: skip the last batch when it has fewer than ``batch_size`` samples.
        seed: makes shuffling reproducible: two loaders with the same seed give
            the same order in epoch 1, the same (different) order in epoch 2, and so on.
        generator: a ``numpy.random.Generator`` to draw the orders from instead
            of ``seed``. With neither, each epoch's order is drawn from the CPU
            generator that ``mg.manual_seed`` seeds.
        device: where batches are put (``"cpu"``, ``"cuda"``, ``"strict"``);
            ``None`` leaves them on the device the data set's tensors are on.
        collate_fn: turns a list of samples into a batch; ``default_collate``
            (stacking) when None.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 generator=None, device=None, collate_fn=None):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if seed is not None and generator is not None:
            raise ValueError("give DataLoader either seed= or generator=, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError("generator must be a numpy.random.Generator (e.g. "
                            f"np.random.default_rng(0)), got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        self.device = None if device is None else Device(device)
        self.collate_fn = collate_fn

    def __len__(self):
        """The number of batches in one epoch."""
        samples = len(self.dataset)
        if self.batch_size is None:
            return samples
        if self.drop_last:
            return samples // self.batch_size
        return -(-samples // self.batch_size)

    def __iter__(self):
        order = self._epoch_order()
        if self.batch_size is None:
            for index in order:
                sample = self.dataset[int(index)]
                yield self._to_device(self.collate_fn(sample) if self.collate_fn
                                      else default_convert(sample))
            return
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.drop_last and len(indices) < self.batch_size:
                return
            yield self._to_device(self._fetch(indices))

    def _epoch_order(self):
        """The sample indices of one epoch, as a NumPy int64 array."""
        samples = len(self.dataset)
        if not self.shuffle:
            return np.arange(samples)
        generator = self.generator
        if generator is None:  # a fresh order from the global generator (mg.manual_seed)
            seed = int(get_backend("cpu").generator.integers(0, 2 ** 62))
            generator = np.random.default_rng(seed)
        return generator.permutation(samples)

    def _fetch(self, indices):
        if self.collate_fn is None and _gathers_batches(self.dataset):
            return self.dataset.get_batch(indices)
        samples = [self.dataset[int(index)] for index in indices]
        return (self.collate_fn or default_collate)(samples)

    def _to_device(self, batch):
        if self.device is None:
            return batch
        return _move(batch, self.device)


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
    - NumPy arrays and scalars likewise, into a tensor of their dtype;
    - Python ints become an int64 tensor, floats a float64 tensor, bools a bool tensor;
    - strings stay a list of strings;
    - tuples, lists and dicts are collated field by field: samples ``(x, y)``
      give the batch ``[stacked xs, stacked ys]`` (a list, as in PyTorch; a
      namedtuple keeps its type).
    """
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (np.ndarray, np.generic)):
        return make_tensor(np.stack(samples))
    if isinstance(first, bool):
        return make_tensor(samples)
    if isinstance(first, numbers.Integral):
        return make_tensor(samples, dtype=np.int64)
    if isinstance(first, numbers.Real):
        return make_tensor(samples, dtype=np.float64)
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in samples):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        if hasattr(first, "_fields"):  # a namedtuple keeps its type
            return type(first)(*fields)
        return fields
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(first).__name__}")


def default_convert(sample):
    """A sample as it is when batching is off (``batch_size=None``), with NumPy
    arrays turned into tensors, looking into tuples (which become lists, as in
    PyTorch), lists and dicts."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return make_tensor(sample)
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(item) for item in sample))
    if isinstance(sample, (tuple, list)):
        return [default_convert(item) for item in sample]
    return sample
