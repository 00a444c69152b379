"""Every indexing form against PyTorch, forward and backward.

ints (negative too), slices (steps, out of range, empty), None, Ellipsis,
Python lists, integer tensors (int64 and int32, 0-d), boolean masks (of every
number of dimensions, 0-d, all False), Python bools, and their mixtures
(advanced indices next to each other, apart, after an int), on a (4, 5, 3)
tensor and on tensors with no elements. The result must have PyTorch's shape,
dtype and values, and the gradient of Σ w·x[key] must be PyTorch's: indices
that repeat accumulate.
"""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg


class T:
    """An integer index tensor in a key (int64 unless told)."""

    def __init__(self, values, dtype="int64"):
        self.values, self.dtype = np.array(values, dtype=dtype), dtype

    def __repr__(self):
        return f"T{self.values.tolist()}" + ("" if self.dtype == "int64" else self.dtype)


class M:
    """A boolean mask tensor in a key."""

    def __init__(self, values):
        self.values = np.array(values, dtype=bool)

    def __repr__(self):
        return f"M{self.values.astype(int).tolist()}"


ROWS = [True, False, True, True]            # a mask of dim 0 (size 4) with three rows
COLS = [False, True, True, False, True]     # dim 1 (size 5)
DEPTH = [True, False, True]                 # dim 2 (size 3)
TWO_ROWS = [True, False, False, True]
FULL = (np.arange(60).reshape(4, 5, 3) % 7) > 2

KEYS = [
    # ints
    0, -1, 3, (1, 2), (-1, -2, -3), (0, -5, 2),
    # slices
    slice(None), slice(1, 3), slice(None, None, 2), slice(-3, None), slice(1, -1, 2),
    slice(2, 100), slice(-100, 2), slice(3, 1), (slice(None), slice(None, None, 3)),
    (slice(1, 4, 2), slice(None), slice(0, 3, 2)), (2, slice(1, 4)),
    # None and Ellipsis
    None, (None, 0), (slice(None), None, 1), (None, Ellipsis, None), Ellipsis, (Ellipsis, 0),
    (1, Ellipsis), (Ellipsis, None), (0, Ellipsis, slice(1, 3)), (None, None, 2, None),
    # Python lists
    [0, 2, 2], ([0, 1], [2, 2]), [-1, 0], (slice(None), [4, 4, 0]), [[0, 1]] * 40,
    # integer tensors
    T([0, 2, 2]), T([[3, 0], [0, 3]]), T([1, 1], "int32"), T(2), T(-1), (T(1), T(2)),
    (T([0, 3, 3]), T([4, 4, 0])), (Ellipsis, T([2, 0, 2, 2])), (slice(1, 3), T([[1], [4]])),
    # boolean masks
    M(ROWS), M(FULL), M(FULL[..., 0]), (slice(None), M(COLS)), (Ellipsis, M(DEPTH)),
    (1, M(COLS)), (M(ROWS), slice(None), M([True, True, True])), M(True), M(False),
    (M(True), 1), M(np.zeros(4, dtype=bool)), True, (False, 0),
    # mixtures of advanced indices: adjacent, apart (the result's dims move to the front),
    # with an int among them (PyTorch applies it first)
    (slice(None), T([0, 1, 4]), T([2, 2, 0])), (T([0, 3]), slice(None), T([1, 2])),
    (T([[0], [3]]), slice(1, 3), T([2, 0])), (0, slice(None), T([0, 2, 2])),
    (T([1, 0]), 2, T([2, 2])), (M(TWO_ROWS), slice(None), T([0, 2])),
    (None, T([1, 2]), None, T([0, 0])), (Ellipsis, T([1, 1]), T([0, 2])),
    ([2, 2], Ellipsis, [1, 0]), (M(ROWS), [4, 0, 4]),
    # zero-size results
    [], T(np.zeros(0, dtype=np.int64)), (slice(None), []), (slice(2, 2),), (Ellipsis, slice(3, 3)),
    (T(np.zeros((0, 2), dtype=np.int64)), slice(None)),
]

EMPTY_KEYS = [  # on a (0, 3) tensor
    slice(None), (slice(None), 1), [], T(np.zeros(0, dtype=np.int64)), M(np.zeros(0, dtype=bool)),
    (Ellipsis, [2, 0]), (None, slice(None), -1), (slice(None), M(DEPTH)),
]


def ours_key(key, device):
    def convert(item):
        if isinstance(item, (T, M)):
            return mg.tensor(item.values, device=device)
        return item
    return type(key)(convert(k) for k in key) if isinstance(key, (tuple, list)) else convert(key)


def torch_key(key):
    def convert(item):
        if isinstance(item, (T, M)):
            return torch.from_numpy(item.values)
        return item
    return type(key)(convert(k) for k in key) if isinstance(key, (tuple, list)) else convert(key)


def check(data, key, device):
    """x[key] and its gradient in both libraries (PyTorch's own warnings silenced)."""
    x = mg.tensor(data, device=device, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    ours = x[ours_key(key, device)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = t[torch_key(key)]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype == mg.float64
    mg.testing.assert_close(ours, theirs, rtol=0, atol=0)
    weights = np.random.default_rng(0).standard_normal(tuple(theirs.shape))
    (ours * mg.tensor(weights, device=device)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    mg.testing.assert_close(x.grad, t.grad, rtol=1e-15, atol=0)


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_indexing_matches_torch_forward_and_backward(key, device):
    check(np.arange(60.0).reshape(4, 5, 3) / 7, key, device)


@pytest.mark.parametrize("key", EMPTY_KEYS, ids=repr)
def test_indexing_a_tensor_with_no_elements_matches_torch(key, device):
    check(np.zeros((0, 3)), key, device)


@pytest.mark.parametrize("key", [(), Ellipsis, None, M(True), (None, Ellipsis)], ids=repr)
def test_indexing_a_0d_tensor_matches_torch(key, device):
    check(np.array(2.5), key, device)


@pytest.mark.parametrize("key", [[[0, 1], [3, 3]], [[0, 1]], [slice(1, 3), 2], [None, 1],
                                 [T([1, 2]), 1], [Ellipsis, 0]], ids=repr)
def test_a_list_holding_sequences_is_read_as_a_tuple_with_a_warning_like_torch(key, device):
    """PyTorch 2.13 still reads x[[[0, 1], [3, 3]]] as x[[0, 1], [3, 3]] (deprecated)."""
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        check(np.arange(60.0).reshape(4, 5, 3), key, device)


def test_repeated_indices_accumulate_their_gradients(device):
    x = mg.tensor(np.arange(4.0), device=device, requires_grad=True)
    x[mg.tensor([0, 0, 0, 3], device=device)].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("key", [4, -5, (0, 5), [0, 4], T([1, -5]), (slice(None), T([5]))], ids=repr)
def test_out_of_range_indices_raise_index_error_like_torch(key, device):
    with pytest.raises(IndexError):
        torch.zeros(4, 5)[torch_key(key)]
    message = r"index out of range for a tensor of shape \(4, 5\): index -?\d is out of bounds"
    if device == "cpu" or isinstance(key, int) or isinstance(key, tuple) and all(
            isinstance(item, int) for item in key):  # ints are host values: checked at once
        with pytest.raises(IndexError, match=message):
            mg.zeros(4, 5, device=device)[ours_key(key, device)]
        return
    picked = mg.zeros(4, 5, device=device)[ours_key(key, device)]  # no wait on a device:
    with pytest.raises(IndexError, match=message):                 # the next read reports it
        picked.sum().item()
