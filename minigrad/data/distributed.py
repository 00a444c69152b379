"""``DistributedSampler``: each rank of a data-parallel run reads its own share of a data set,
as ``torch.utils.data.DistributedSampler``.

With R ranks (``num_replicas``) and a data set of N samples, every epoch:

1. all ranks form the same order of 0, …, N − 1: shuffled with a generator
   seeded with ``seed + epoch`` (the very permutation PyTorch draws), or in
   order with ``shuffle=False``;
2. the order is made a multiple of R long: padded by repeating indices from
   its start, or with ``drop_last=True`` cut down to the largest multiple of R;
3. rank r takes every R-th index starting at r: ``order[r::R]``.

So each rank sees ⌈N / R⌉ samples (⌊N / R⌋ with ``drop_last``), the shares
are disjoint apart from the padding, and together they cover the data set.
Call ``set_epoch(epoch)`` before each epoch, or every epoch repeats the
first one's order.
"""
import math

from .sampler import Sampler
from .torch_permutation import torch_randperm


def _from_process_group(name):
    """``minigrad.distributed.get_rank()`` or ``get_world_size()`` of the initialised group
    (imported here, when needed: the sampler works without MPI when given both numbers)."""
    from .. import distributed
    return getattr(distributed, name)()


class DistributedSampler(Sampler):
    """Rank ``rank``'s share of ``dataset`` among ``num_replicas`` ranks (both default to those
    of the initialised process group)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = _from_process_group("get_world_size")
        if rank is None:
            rank = _from_process_group("get_rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / len(indices)))[:padding] if padding else []
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch whose order the next pass yields (shuffled with ``seed + epoch``)."""
        self.epoch = epoch
