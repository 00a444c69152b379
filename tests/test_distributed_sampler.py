"""DistributedSampler: every rank's index list equals PyTorch's, for shuffled and ordered
epochs, padding and drop_last; it feeds a DataLoader; the shuffle is torch.randperm's."""
import pytest
import torch
import torch.utils.data as torch_data
from hypothesis import given, settings, strategies as st

import minigrad as mg
from minigrad.data.torch_permutation import torch_randperm
from minigrad.utils.data.distributed import DistributedSampler

SETTINGS = dict(derandomize=True, deadline=None, database=None, max_examples=150)


def torch_shares(n, world, **options):
    epoch = options.pop("epoch", 0)
    shares = []
    for rank in range(world):
        sampler = torch_data.DistributedSampler(range(n), world, rank, **options)
        sampler.set_epoch(epoch)
        shares.append((list(sampler), len(sampler)))
    return shares


def minigrad_shares(n, world, **options):
    epoch = options.pop("epoch", 0)
    shares = []
    for rank in range(world):
        sampler = DistributedSampler(range(n), world, rank, **options)
        sampler.set_epoch(epoch)
        shares.append((list(sampler), len(sampler)))
    return shares


@settings(**SETTINGS)
@given(n=st.integers(0, 300), world=st.integers(1, 9), seed=st.integers(-2 ** 40, 2 ** 40),
       epoch=st.integers(0, 50), shuffle=st.booleans(), drop_last=st.booleans())
def test_every_rank_gets_pytorchs_indices(n, world, seed, epoch, shuffle, drop_last):
    options = dict(seed=seed, epoch=epoch, shuffle=shuffle, drop_last=drop_last)
    assert minigrad_shares(n, world, **options) == torch_shares(n, world, **options)


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000, 4099, 65536, 100000])
@pytest.mark.parametrize("seed", [0, 1, 12345, -7, 2 ** 32 + 3, 2 ** 64 - 1])
def test_shuffle_is_torch_randperm(n, seed):
    expected = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    assert torch_randperm(n, seed) == expected


@pytest.mark.parametrize("n, world, drop_last", [(100000, 4, False), (99999, 7, True),
                                                 (99999, 7, False), (5, 8, False)])
def test_large_and_padded_cases_equal_pytorch(n, world, drop_last):
    options = dict(seed=3, epoch=2, drop_last=drop_last)
    assert minigrad_shares(n, world, **options) == torch_shares(n, world, **options)


def test_set_epoch_changes_the_order_and_the_shares_cover_the_data():
    sampler = DistributedSampler(range(10), num_replicas=2, rank=0)
    first = list(sampler)
    sampler.set_epoch(1)
    assert list(sampler) != first
    other = DistributedSampler(range(10), num_replicas=2, rank=1)
    other.set_epoch(1)
    assert sorted(list(sampler) + list(other)) == list(range(10))


def test_dataloader_reads_its_share():
    X = mg.arange(22, dtype=mg.float64).reshape(11, 2)
    dataset = mg.data.TensorDataset(X)
    sampler = mg.data.DistributedSampler(dataset, num_replicas=3, rank=2, seed=5)
    sampler.set_epoch(4)
    loader = mg.data.DataLoader(dataset, batch_size=2, sampler=sampler)
    torch_sampler = torch_data.DistributedSampler(torch.arange(11), 3, 2, seed=5)
    torch_sampler.set_epoch(4)
    torch_loader = torch_data.DataLoader(torch_data.TensorDataset(
        torch.arange(22, dtype=torch.float64).reshape(11, 2)), batch_size=2,
        sampler=torch_sampler)
    ours = [batch.numpy().tolist() for (batch,) in loader]
    theirs = [batch.numpy().tolist() for (batch,) in torch_loader]
    assert ours == theirs and len(loader) == len(torch_loader) == 2


@pytest.mark.parametrize("rank", [-1, 3])
def test_invalid_rank_is_refused_as_pytorch_does(rank):
    with pytest.raises(ValueError) as torch_error:
        torch_data.DistributedSampler(range(5), num_replicas=3, rank=rank)
    with pytest.raises(ValueError) as ours:
        DistributedSampler(range(5), num_replicas=3, rank=rank)
    assert str(ours.value) == str(torch_error.value)


def test_default_world_needs_an_initialised_process_group():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(5))


def test_lengths_beyond_pytorchs_first_shuffle_are_refused():
    with pytest.raises(NotImplementedError, match="another algorithm"):
        torch_randperm(2 ** 31, 0)
