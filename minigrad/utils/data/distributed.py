"""``torch.utils.data.distributed``'s spelling: ``DistributedSampler``, the object of
``mg.data``."""
from ...data import DistributedSampler

__all__ = ["DistributedSampler"]
