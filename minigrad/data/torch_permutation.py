"""PyTorch's CPU ``randperm``, reproduced without PyTorch, for ``DistributedSampler``.

A ``DistributedSampler`` must give every rank the same shuffled order, and
minigrad's promises PyTorch's order exactly: the lists of indices that
``torch.utils.data.DistributedSampler`` hands each rank. PyTorch draws that
order with ``torch.randperm(n, generator=torch.Generator().manual_seed(s))``;
this module computes the same permutation.

PyTorch's CPU generator is the 32-bit Mersenne Twister, MT19937, started from
the low 32 bits of the seed by the textbook ``init_genrand``. NumPy's legacy
``RandomState(seed)`` starts the very same generator the same way, and its
``randint(0, 2**32, dtype=uint32)`` returns the raw 32-bit outputs w₀, w₁, …
one per value. ``randperm`` (for n below 2³²/20) is then a Fisher–Yates
shuffle of 0, …, n − 1 that, for i = 0, …, n − 2, swaps position i with
position i + (wᵢ mod (n − i)).
"""
import numpy as np

from ..random import _seed_value

# Above this length PyTorch switches to another shuffle drawn from 64-bit words.
LARGEST_LENGTH = (2 ** 32 - 1) // 20 - 1


def mersenne_twister_words(seed, count):
    """The first ``count`` 32-bit outputs of MT19937 started as ``torch.manual_seed(seed)``
    starts PyTorch's CPU generator (from ``seed``'s low 32 bits)."""
    low_bits = _seed_value(seed) & 0xFFFFFFFF
    return np.random.RandomState(low_bits).randint(0, 2 ** 32, size=count, dtype=np.uint32)


def torch_randperm(n, seed):
    """The list ``torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()``."""
    if n > LARGEST_LENGTH:
        raise NotImplementedError(f"torch_randperm: PyTorch shuffles {n} indices (more than "
                                  f"{LARGEST_LENGTH}) with another algorithm, which minigrad "
                                  "does not reproduce")
    order = list(range(n))
    if n < 2:
        return order
    steps = np.arange(n - 1)
    words = mersenne_twister_words(seed, n - 1).astype(np.int64)
    partners = (steps + words % (n - steps)).tolist()
    for i, j in enumerate(partners):
        order[i], order[j] = order[j], order[i]
    return order
