"""repeat, tile, repeat_interleave, flip, index_select, masked_select, nonzero,
argwhere, where(condition), unique, view_as/reshape_as, unflatten, movedim,
swapaxes and sum_to_size beyond the op table: the non-differentiable ones
(nonzero, argwhere, one-argument where, unique) against PyTorch, PyTorch's
exception types for bad input, and which results are views.
(Values, gradients, gradcheck and gradgradcheck of the rest are op-table rows.)
"""
import numpy as np
import pytest
import torch

import minigrad as mg


def same(ours, theirs):
    """Equal shapes, dtypes and values (NaNs equal), one tensor or a tuple of them."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
        return
    assert isinstance(ours, mg.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


NONZERO_INPUTS = [
    np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),
    np.array([np.nan, 0.0, -0.0, np.inf]),         # NaN counts as non-zero, -0.0 as zero
    np.array([[True, False], [False, True]]),
    np.array([[3, 0], [0, 0]], dtype=np.int32),
    np.array(2.5), np.array(0.0),                  # 0-d: (1, 0) and (0, 0)
    np.zeros((0, 3)), np.zeros((2, 0, 4)),
    np.ones((2, 2, 2)),
]


@pytest.mark.parametrize("values", NONZERO_INPUTS, ids=lambda v: f"{v.dtype}{v.shape}")
def test_nonzero_argwhere_and_one_argument_where_match_torch(values, device):
    x, t = mg.tensor(values, device=device), torch.tensor(values)
    same(mg.nonzero(x), torch.nonzero(t))
    same(x.nonzero(), t.nonzero())
    same(mg.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True))
    same(x.nonzero(as_tuple=True), t.nonzero(as_tuple=True))
    same(mg.argwhere(x), torch.argwhere(t))
    same(x.argwhere(), t.argwhere())
    same(mg.where(x), torch.where(t))
    assert mg.nonzero(x).device == device


def test_nonzero_as_tuple_indexes_the_tensor_it_came_from():
    values = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    x = mg.tensor(values)
    np.testing.assert_array_equal(x[x.nonzero(as_tuple=True)].numpy(), [1.5, 2.0, -1.0])


def test_where_with_three_arguments_is_still_differentiable():
    a = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    mg.where(a > 0, a, a * 2).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 2.0, 1.0])
    b = mg.tensor([1.0, -2.0, 3.0])
    same(b.where(b > 0, mg.tensor(-9.0)), torch.tensor([1.0, -2.0, 3.0]).where(
        torch.tensor([1.0, -2.0, 3.0]) > 0, torch.tensor(-9.0)))


UNIQUE_INPUTS = [
    np.array([[3, 1, 3], [2, 1, 5]]),
    np.array([3.0, np.nan, 1.0, np.nan, 3.0, -0.0, 0.0]),   # NaNs stay distinct
    np.array([True, False, True]),
    np.array(2.0), np.zeros((0, 3)), np.array([7, 7, 7], dtype=np.uint8),
]


@pytest.mark.parametrize("values", UNIQUE_INPUTS, ids=lambda v: f"{v.dtype}{v.shape}")
@pytest.mark.parametrize("inverse, counts", [(False, False), (True, False), (False, True),
                                             (True, True)])
def test_unique_matches_torch(values, inverse, counts, device):
    x, t = mg.tensor(values, device=device), torch.tensor(values)
    ours = mg.unique(x, return_inverse=inverse, return_counts=counts)
    theirs = torch.unique(t, return_inverse=inverse, return_counts=counts)
    same(ours, theirs)
    same(x.unique(True, inverse, counts), t.unique(True, inverse, counts))
    same(mg.unique(x, sorted=False), torch.unique(t, sorted=False))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_along_a_dim_matches_torch(dim, device):
    values = np.array([[3, 1, 3, 1], [2, 1, 2, 1], [3, 1, 3, 1]])
    x, t = mg.tensor(values, device=device), torch.tensor(values)
    same(mg.unique(x, return_inverse=True, return_counts=True, dim=dim),
         torch.unique(t, return_inverse=True, return_counts=True, dim=dim))


def test_unique_gives_no_gradient():
    x = mg.tensor([1.0, 2.0, 1.0], requires_grad=True)
    assert not mg.unique(x).requires_grad


def test_repeat_interleave_of_counts_alone_matches_torch(device):
    counts = np.array([2, 0, 3])
    same(mg.repeat_interleave(mg.tensor(counts, device=device)),
         torch.repeat_interleave(torch.tensor(counts)))


def test_repeated_indices_accumulate_their_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (mg.index_select(x, 0, mg.tensor([2, 0, 2, 2])) * mg.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [10.0, 0.0, 1101.0])
    x.grad = None
    mg.repeat_interleave(x, mg.tensor([0, 1, 3])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 3.0])
    x.grad = None
    x.repeat(2, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])


# ---------------------------------------------------------------- views and copies
VIEWS = {
    "view_as": lambda lib, x: x.view_as(lib.zeros(6, 4)),
    "reshape_as": lambda lib, x: x.reshape_as(lib.zeros(4, 6)),
    "unflatten": lambda lib, x: x.unflatten(2, (2, 2)),
    "movedim": lambda lib, x: lib.movedim(x, 0, 2),
    "moveaxis": lambda lib, x: x.moveaxis((0, 1), (1, 0)),
    "swapaxes": lambda lib, x: lib.swapaxes(x, 0, 2),
    "swapdims": lambda lib, x: x.swapdims(1, 2),
}
COPIES = {
    "repeat": lambda lib, x: x.repeat(1, 1, 1),
    "tile": lambda lib, x: lib.tile(x, (1,)),
    "repeat_interleave": lambda lib, x: lib.repeat_interleave(x, 2, dim=0),
    "flip": lambda lib, x: lib.flip(x, (0,)),
    "fliplr": lambda lib, x: lib.fliplr(x),
    "index_select": lambda lib, x: lib.index_select(x, 0, lib.tensor([0, 1])),
    "masked_select": lambda lib, x: lib.masked_select(x, x > -1),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_the_version_counter(name):
    x = mg.arange(24.0).reshape(2, 3, 4)
    t = torch.arange(24.0).reshape(2, 3, 4)
    y, u = VIEWS[name](mg, x), VIEWS[name](torch, t)
    assert u._is_view() and u.data_ptr() == t.data_ptr()   # PyTorch returns a view here too
    assert np.shares_memory(y._array, x._array)
    w = mg.tensor(np.ones(tuple(y.shape)), requires_grad=True)
    product = w * y       # saves y
    x.add_(1.0)           # changes y through its base
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        product.sum().backward()


@pytest.mark.parametrize("name", COPIES)
def test_copies_do_not_share_memory(name):
    x = mg.arange(24.0).reshape(2, 3, 4)
    t = torch.arange(24.0).reshape(2, 3, 4)
    y, u = COPIES[name](mg, x), COPIES[name](torch, t)
    assert u.untyped_storage().data_ptr() != t.untyped_storage().data_ptr()   # PyTorch copies
    assert not np.shares_memory(y._array, x._array)
    y.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_sum_to_size_of_the_same_size_is_the_tensor_itself():
    x = mg.ones(2, 3)
    assert x.sum_to_size(2, 3) is x


def test_expand_keeps_a_dim_given_as_minus_one():
    for sizes in [(-1, 4), (2, -1, 4), (2, 3, -1), (0, -1, 0)]:
        same(mg.zeros(3, 1).expand(*sizes), torch.zeros(3, 1).expand(*sizes))


# ---------------------------------------------------------------- bad input: PyTorch's exceptions
X = np.arange(6.0).reshape(2, 3)
BAD = {  # name: call on a library (mg or torch), with X as the tensor
    "repeat, fewer sizes than dims": lambda lib, x: x.repeat(2),
    "repeat, negative size": lambda lib, x: x.repeat(-1, 2),
    "repeat, no sizes": lambda lib, x: x.repeat(),
    "tile, an int": lambda lib, x: lib.tile(x, 2),
    "tile, negative size": lambda lib, x: x.tile(-1),
    "repeat_interleave, negative": lambda lib, x: lib.repeat_interleave(x, -1),
    "repeat_interleave, negative count": lambda lib, x: lib.repeat_interleave(
        x, lib.tensor([1, -2]), dim=0),
    "repeat_interleave, wrong count": lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2])),
    "repeat_interleave, 2-d counts": lambda lib, x: lib.repeat_interleave(
        x, lib.tensor([[1, 2]]), dim=0),
    "repeat_interleave, float counts": lambda lib, x: lib.repeat_interleave(
        x, lib.tensor([1.0, 2.0]), dim=0),
    "repeat_interleave, dim": lambda lib, x: lib.repeat_interleave(x, 2, dim=2),
    "repeat_interleave, output_size": lambda lib, x: lib.repeat_interleave(
        x, 2, dim=0, output_size=5),
    "repeat_interleave, 2-d counts alone": lambda lib, x: lib.repeat_interleave(
        lib.tensor([[1, 2]])),
    "repeat_interleave, dim of a 0-d tensor": lambda lib, x: lib.repeat_interleave(x.sum(), 2, dim=0),
    "where, two arguments": lambda lib, x: lib.where(x > 1, x),
    "flip, an int": lambda lib, x: lib.flip(x, 0),
    "flip, dim": lambda lib, x: x.flip(2),
    "flip, repeated dim": lambda lib, x: x.flip(0, -2),
    "fliplr, 1-d": lambda lib, x: lib.fliplr(x[0]),
    "flipud, 0-d": lambda lib, x: lib.flipud(x.sum()),
    "index_select, dim": lambda lib, x: x.index_select(2, lib.tensor([0])),
    "index_select, 2-d index": lambda lib, x: x.index_select(0, lib.tensor([[0]])),
    "index_select, float index": lambda lib, x: x.index_select(0, lib.tensor([0.0])),
    "index_select, out of range": lambda lib, x: x.index_select(0, lib.tensor([2])),
    "index_select, negative": lambda lib, x: x.index_select(0, lib.tensor([-1])),
    "index_select, a list": lambda lib, x: x.index_select(0, [0]),
    "index_select, 0-d with 2": lambda lib, x: x.sum().index_select(0, lib.tensor([0, 0])),
    "index_select, empty dim": lambda lib, x: lib.zeros(0, 3).index_select(0, lib.tensor([0])),
    "masked_select, int mask": lambda lib, x: x.masked_select(lib.tensor([1, 0, 1])),
    "masked_select, shape": lambda lib, x: x.masked_select(lib.tensor([True, False])),
    "unique, dim": lambda lib, x: lib.unique(x, dim=2),
    "view_as, a list": lambda lib, x: x.view_as([3, 2]),
    "view_as, size": lambda lib, x: x.view_as(lib.zeros(4, 2)),
    "reshape_as, size": lambda lib, x: x.reshape_as(lib.zeros(5)),
    "unflatten, product": lambda lib, x: x.unflatten(1, (2, 2)),
    "unflatten, two -1": lambda lib, x: x.unflatten(1, (-1, -1)),
    "unflatten, -2": lambda lib, x: x.unflatten(1, (-2, 3)),
    "unflatten, empty": lambda lib, x: x.unflatten(1, ()),
    "unflatten, dim": lambda lib, x: x.unflatten(2, (3, 1)),
    "unflatten, 0-d": lambda lib, x: x.sum().unflatten(0, (1,)),
    "unflatten, ambiguous": lambda lib, x: lib.zeros(0, 3).unflatten(0, (0, -1)),
    "movedim, dim": lambda lib, x: x.movedim(0, 2),
    "movedim, repeated source": lambda lib, x: x.movedim((0, 0), (0, 1)),
    "movedim, repeated destination": lambda lib, x: x.movedim((0, 1), (1, 1)),
    "movedim, lengths": lambda lib, x: x.movedim((0, 1), (1,)),
    "swapaxes, dim": lambda lib, x: x.swapaxes(0, 2),
    "sum_to_size, not expandable": lambda lib, x: x.sum_to_size(2, 2),
    "sum_to_size, longer": lambda lib, x: x.sum_to_size(1, 2, 3),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_raises_what_torch_raises(name):
    try:
        BAD[name](torch, torch.tensor(X))
    except Exception as error:  # noqa: BLE001  (we compare the type with ours)
        expected = type(error)
    else:
        pytest.fail("PyTorch accepts this: the case is wrong")
    with pytest.raises(expected):
        BAD[name](mg, mg.tensor(X))
