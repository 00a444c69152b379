"""Data sets: a numbered collection of samples, as in ``torch.utils.data``.

A data set is anything with ``len(dataset)`` and ``dataset[i]`` for
``0 <= i < len(dataset)``; the ``DataLoader`` groups its samples into batches.
``TensorDataset`` is the common case: the samples are the rows of tensors that
share their first dimension (features ``X`` and labels ``y``).
"""
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
