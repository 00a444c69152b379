"""minigrad.utils.data against torch.utils.data: the same names (the objects of mg.data),
batches of the same structure, types, shapes and order wherever the order is
deterministic, torch's argument checks with torch's exception types, samplers,
Subset / ConcatDataset / random_split, and default_collate's rules.
"""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minigrad as mg
import minigrad.utils.data as mud


def as_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.numpy()
    return value.detach().cpu().numpy()


def assert_same_batch(ours, theirs):
    """The same nesting, container types, dtypes, shapes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor), f"expected a tensor, got {type(ours).__name__}"
        assert str(theirs.dtype) == f"torch.{ours.dtype.name}"
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(as_numpy(ours), as_numpy(theirs))
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for key in theirs:
            assert_same_batch(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            assert_same_batch(mine, reference)
    else:
        assert ours == theirs and type(ours) is type(theirs)


def assert_same_epochs(ours, theirs):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert_same_batch(mine, reference)


def tensor_data(n=10):
    x = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 3
    return (mud.TensorDataset(mg.tensor(x), mg.tensor(y)),
            tud.TensorDataset(torch.tensor(x), torch.tensor(y)))


class Records:
    """A generic data set of nested samples (dict, tuple, NumPy, numbers, strings)."""

    Point = collections.namedtuple("Point", "x y")

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"features": np.full((2,), i, dtype=np.float32), "label": i, "weight": i / 4,
                "name": f"s{i}", "flag": i % 2 == 0,
                "pair": (np.int64(i), np.float32(i + 0.5)), "point": self.Point(i, float(i))}


# ---------------------------------------------------------------- one implementation
def test_the_namespace_is_torchs_and_its_objects_are_mg_datas():
    for name in mud.__all__:
        assert hasattr(tud, name), f"torch.utils.data has no {name}"
        assert getattr(mud, name) is getattr(mg.data, name)
    assert mg.utils.data is mud


# ---------------------------------------------------------------- batches against torch
@pytest.mark.parametrize("kwargs", [
    {}, {"batch_size": 4}, {"batch_size": 4, "drop_last": True}, {"batch_size": 20},
    {"batch_size": None}, {"batch_size": 3, "sampler": [7, 1, 1, 4]},
    {"batch_size": 3, "num_workers": 2}, {"batch_size": 3, "pin_memory": True}])
def test_tensor_dataset_batches_match_torch(kwargs):
    ours, theirs = tensor_data()
    mine_kwargs = dict(kwargs)
    reference_kwargs = dict(kwargs)
    if kwargs.get("num_workers"):
        reference_kwargs["num_workers"] = 0  # torch's workers give its num_workers=0 batches
    if kwargs.get("pin_memory"):
        reference_kwargs.pop("pin_memory")
    loader, reference = mud.DataLoader(ours, **mine_kwargs), tud.DataLoader(theirs, **reference_kwargs)
    assert len(loader) == len(reference)
    assert_same_epochs(loader, reference)


def test_samplers_and_batch_samplers_as_arguments_match_torch():
    ours, theirs = tensor_data(7)
    loader = mud.DataLoader(ours, batch_sampler=mud.BatchSampler(mud.SequentialSampler(ours), 3,
                                                                  False))
    reference = tud.DataLoader(theirs, batch_sampler=tud.BatchSampler(tud.SequentialSampler(theirs),
                                                                      3, False))
    assert len(loader) == len(reference) == 3
    assert_same_epochs(loader, reference)
    custom = [[6, 0], [2], [5, 5, 1]]
    assert_same_epochs(mud.DataLoader(ours, batch_sampler=custom),
                       tud.DataLoader(theirs, batch_sampler=custom))
    assert_same_epochs(mud.DataLoader(ours, sampler=mud.SequentialSampler(ours), batch_size=2),
                       tud.DataLoader(theirs, sampler=tud.SequentialSampler(theirs), batch_size=2))


@pytest.mark.parametrize("batch_size", [None, 1, 3])
def test_generic_samples_collate_as_torch(batch_size):
    assert_same_epochs(mud.DataLoader(Records(5), batch_size=batch_size),
                       tud.DataLoader(Records(5), batch_size=batch_size))


def test_a_collate_fn_sees_the_samples_torch_gives_it():
    seen = {"ours": [], "theirs": []}

    def collate(key):
        return lambda samples: seen[key].append([s["label"] for s in samples]) or len(samples)

    assert list(mud.DataLoader(Records(5), batch_size=2, collate_fn=collate("ours"))) == \
        list(tud.DataLoader(Records(5), batch_size=2, collate_fn=collate("theirs")))
    assert seen["ours"] == seen["theirs"] == [[0, 1], [2, 3], [4]]


def test_default_collate_and_convert_follow_torchs_rules():
    samples = [Records(4)[i] for i in range(4)]
    assert_same_batch(mud.default_collate(samples), tud.default_collate(samples))
    for sample in samples[:2]:
        assert_same_batch(mud.default_convert(sample), tud.default_convert(sample))
    tensors = [mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])]
    assert_same_batch(mud.default_collate(tensors),
                      tud.default_collate([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]))


@pytest.mark.parametrize("samples", [
    [b"a", b"b"], [np.str_("a"), np.str_("b")], [(1, (2.0, "x")), (3, (4.0, "y"))],
    [collections.OrderedDict(a=1, b=2.0)] * 2, [np.int32(1), np.int32(2)], [np.array(1.5)] * 2,
    [[1, 2], [3, 4]], [{"a": (np.zeros(2, np.float16), True)}] * 3])
def test_default_collate_keeps_torchs_containers(samples):
    assert_same_batch(mud.default_collate(samples), tud.default_collate(samples))


@pytest.mark.parametrize("samples", [[np.array(["a"]), np.array(["b"])], [np.array([object()])] * 2,
                                     [None, None], [1j, 2j]])
def test_default_collate_refuses_what_torch_refuses(samples):
    with pytest.raises(TypeError) as reference:
        tud.default_collate(samples)
    with pytest.raises(TypeError) as ours:
        mud.default_collate(samples)
    assert str(ours.value).split(";")[0] == str(reference.value).split(";")[0]


# ---------------------------------------------------------------- argument checks
@pytest.mark.parametrize("kwargs", [
    {"sampler": [0, 1], "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2}, {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]}, {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True}, {"batch_size": 0}, {"batch_size": -1},
    {"drop_last": 1}, {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2},
    {"num_workers": 2, "prefetch_factor": -1}, {"persistent_workers": True}])
def test_conflicting_arguments_raise_as_in_torch(kwargs):
    ours, theirs = tensor_data(4)
    with pytest.raises(Exception) as reference:
        tud.DataLoader(theirs, **kwargs)
    with pytest.raises(type(reference.value)) as mine:
        mud.DataLoader(ours, **kwargs)
    first_words = " ".join(str(reference.value).split()[:3])
    assert first_words in str(mine.value)


def test_a_generator_must_be_minigrads():
    ours, _ = tensor_data(4)
    with pytest.raises(TypeError, match="mg.Generator"):
        mud.DataLoader(ours, shuffle=True, generator=torch.Generator())


# ---------------------------------------------------------------- samplers
def test_random_sampler_epochs_are_permutations_drawn_from_the_generator():
    data = range(12)
    sampler = mud.RandomSampler(data, generator=mg.Generator().manual_seed(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(12)) and first != second
    again = mud.RandomSampler(data, generator=mg.Generator().manual_seed(0))
    assert list(again) == first and list(again) == second
    assert len(sampler) == len(tud.RandomSampler(data)) == 12


def test_random_sampler_num_samples_and_replacement_as_torch():
    data = range(5)
    for kwargs in ({"num_samples": 12}, {"num_samples": 3}, {"replacement": True, "num_samples": 40}):
        ours = list(mud.RandomSampler(data, generator=mg.Generator().manual_seed(1), **kwargs))
        theirs = list(tud.RandomSampler(data, **kwargs))
        assert len(ours) == len(theirs) and set(ours) <= set(range(5))
        assert all(isinstance(index, int) for index in ours)
    chained = list(mud.RandomSampler(data, num_samples=12, generator=mg.Generator()))
    assert sorted(chained[:5]) == sorted(chained[5:10]) == list(range(5))  # whole permutations first


def test_an_unseeded_random_sampler_follows_manual_seed():
    sampler = mud.RandomSampler(range(30))
    mg.manual_seed(4)
    first = list(sampler)
    mg.manual_seed(4)
    assert list(sampler) == first


@pytest.mark.parametrize("kwargs", [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5},
                                    {"data": []}])
def test_random_sampler_errors_as_torch(kwargs):
    kwargs = dict(kwargs)
    data = kwargs.pop("data", range(3))
    with pytest.raises(Exception) as reference:
        tud.RandomSampler(data, **kwargs)
    with pytest.raises(type(reference.value), match=str(reference.value).split(",")[0]):
        mud.RandomSampler(data, **kwargs)


@pytest.mark.parametrize("size, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                        (2, 5, False), (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(size, batch_size, drop_last):
    ours = mud.BatchSampler(range(size), batch_size, drop_last)
    theirs = tud.BatchSampler(range(size), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("batch_size, drop_last", [(0, False), (True, False), (2.0, False), (2, 1)])
def test_batch_sampler_errors_as_torch(batch_size, drop_last):
    with pytest.raises(ValueError) as reference:
        tud.BatchSampler(range(4), batch_size, drop_last)
    with pytest.raises(ValueError, match=str(reference.value).split(",")[0]):
        mud.BatchSampler(range(4), batch_size, drop_last)


def test_subset_random_sampler_and_weighted_sampler():
    indices = [3, 8, 11, 20]
    ours = list(mud.SubsetRandomSampler(indices, generator=mg.Generator().manual_seed(2)))
    assert sorted(ours) == indices and len(mud.SubsetRandomSampler(indices)) == 4
    weights = [0.0, 1.0, 3.0]
    drawn = list(mud.WeightedRandomSampler(weights, 4000, generator=mg.Generator().manual_seed(3)))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and 0.70 < counts[2] / 4000 < 0.80  # 3/4, ±5 standard deviations
    unique = list(mud.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(unique) == [0, 1, 2]
    for bad in ({"weights": [[1.0]], "num_samples": 1}, {"weights": [1.0], "num_samples": 0},
                {"weights": [1.0], "num_samples": 1, "replacement": 1}):
        with pytest.raises(ValueError) as reference:
            tud.WeightedRandomSampler(**bad)
        with pytest.raises(ValueError, match=str(reference.value).split(" ")[0]):
            mud.WeightedRandomSampler(**bad)


def test_shuffled_loaders_with_equal_generators_agree_and_cover_every_sample():
    ours, _ = tensor_data(11)
    make = lambda: mud.DataLoader(ours, batch_size=4, shuffle=True,  # noqa: E731
                                  generator=mg.Generator().manual_seed(8))
    first = [labels for _, labels in make()]
    again = [labels for _, labels in make()]
    assert all(np.array_equal(as_numpy(a), as_numpy(b)) for a, b in zip(first, again))
    features = np.concatenate([as_numpy(x) for x, _ in make()])
    assert sorted(features[:, 0].tolist()) == [3.0 * i for i in range(11)]


# ---------------------------------------------------------------- Subset, ConcatDataset, random_split
def test_subset_and_concat_dataset_index_as_torch():
    ours, theirs = tensor_data(6)
    assert_same_batch(list(mud.Subset(ours, [4, 0])[1]), list(tud.Subset(theirs, [4, 0])[1]))
    assert len(mud.Subset(ours, [4, 0])) == 2
    both, reference = mud.ConcatDataset([ours, mud.Subset(ours, [5])]), tud.ConcatDataset(
        [theirs, tud.Subset(theirs, [5])])
    assert len(both) == len(reference) == 7
    for index in (0, 5, 6, -1, -7):
        assert_same_batch(list(both[index]), list(reference[index]))
    assert len(ours + ours) == 12
    with pytest.raises(IndexError, match="out of range"):
        both[7]
    with pytest.raises(ValueError, match="absolute value"):
        both[-8]


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33],
                                     [1.0], [10, 0]])
def test_random_split_sizes_match_torch_and_the_splits_partition_the_data(lengths):
    ours = mud.random_split(range(10), lengths, generator=mg.Generator().manual_seed(0))
    theirs = tud.random_split(range(10), lengths)
    assert [len(split) for split in ours] == [len(split) for split in theirs]
    assert all(isinstance(split, mud.Subset) for split in ours)
    assert sorted(i for split in ours for i in split) == list(range(10))
    again = mud.random_split(range(10), lengths, generator=mg.Generator().manual_seed(0))
    assert [list(split) for split in again] == [list(split) for split in ours]


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [1.2, -0.2], [11]])
def test_random_split_errors_as_torch(lengths):
    with pytest.raises(ValueError) as reference:
        tud.random_split(range(10), lengths)
    with pytest.raises(ValueError, match=str(reference.value)[:30]):
        mud.random_split(range(10), lengths)


def test_random_split_warns_about_an_empty_split_as_torch():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mud.random_split(range(2), [0.9, 0.1])
    assert any("Length of split at index 1 is 0" in str(w.message) for w in caught)


# ---------------------------------------------------------------- iterable-style data sets
def stream_classes(base):
    class Stream(base):
        def __iter__(self):
            worker = (tud if base is tud.IterableDataset else mud).get_worker_info()
            assert worker is None  # one process reads the whole stream
            return iter([(i, float(i) / 2) for i in range(7)])

    class SizedStream(Stream):
        def __len__(self):
            return 7

    return Stream, SizedStream


@pytest.mark.parametrize("kwargs", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True},
                                    {"batch_size": None}, {"batch_size": 20}, {"shuffle": False}])
def test_iterable_datasets_batch_as_torch(kwargs):
    (ours, ours_sized), (theirs, theirs_sized) = stream_classes(mud.IterableDataset), stream_classes(
        tud.IterableDataset)
    assert_same_epochs(mud.DataLoader(ours(), **kwargs), tud.DataLoader(theirs(), **kwargs))
    assert len(mud.DataLoader(ours_sized(), **kwargs)) == len(tud.DataLoader(theirs_sized(), **kwargs))
    with pytest.raises(TypeError):
        len(mud.DataLoader(ours(), **kwargs))
    chained, reference = ours_sized() + ours_sized(), theirs_sized() + theirs_sized()
    assert isinstance(chained, mud.ChainDataset) and len(chained) == len(reference) == 14
    assert_same_epochs(mud.DataLoader(chained, **kwargs), tud.DataLoader(reference, **kwargs))


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0]]}])
def test_an_iterable_dataset_takes_no_order_as_in_torch(kwargs):
    (ours, _), (theirs, _) = stream_classes(mud.IterableDataset), stream_classes(tud.IterableDataset)
    with pytest.raises(ValueError) as reference:
        tud.DataLoader(theirs(), **kwargs)
    with pytest.raises(ValueError, match=str(reference.value).split(",")[0]):
        mud.DataLoader(ours(), **kwargs)
    with pytest.raises(AssertionError, match="IterableDataset"):
        mud.ConcatDataset([ours()])
