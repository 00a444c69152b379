"""Shape ops refuse bad dimensions and sizes as PyTorch does, and agree with it
on the edge cases (empty dims, dtype promotion in cat/stack).

NumPy wraps an out-of-range dim modulo ndim, so ``squeeze(5)`` or
``cat(dim=5)`` used to pick some other dimension silently; a mask shorter than
its dimension, a negative split size or ``reshape(-2, 3)`` were accepted. Each
case runs on both libraries: the exception type must be PyTorch's, and the
message must name the problem.
"""
import numpy as np
import pytest
import torch

import minigrad as mg

from torch_errors import assert_raises_like_torch


def x(lib, *shape):
    return lib.zeros(*shape) if shape else lib.zeros(())


BAD = {  # name: (call on a library, what minigrad's message must contain)
    "squeeze(5)": (lambda lib: x(lib, 2, 3).squeeze(5), r"range of \[-2, 1\], but got 5"),
    "squeeze((0, 5))": (lambda lib: x(lib, 2, 3).squeeze((0, 5)), r"\[-2, 1\], but got 5"),
    "squeeze((0, 0))": (lambda lib: x(lib, 1, 3).squeeze((0, 0)), "dim 0 appears multiple times"),
    "squeeze 0-d (1)": (lambda lib: x(lib).squeeze(1), r"\[-1, 0\], but got 1"),
    "unsqueeze(10)": (lambda lib: x(lib, 2, 3).unsqueeze(10), r"\[-3, 2\], but got 10"),
    "unsqueeze(-4)": (lambda lib: x(lib, 2, 3).unsqueeze(-4), r"\[-3, 2\], but got -4"),
    "cat(dim=5)": (lambda lib: lib.cat([x(lib, 2, 3), x(lib, 2, 3)], dim=5), r"\[-2, 1\], but got 5"),
    "cat(dim=-3)": (lambda lib: lib.cat([x(lib, 2, 3)], dim=-3), r"\[-2, 1\], but got -3"),
    "cat 0-d": (lambda lib: lib.cat([x(lib), x(lib)]), "zero-dimensional"),
    "cat ndim 2 and 1": (lambda lib: lib.cat([x(lib, 2, 3), x(lib, 3)]), "same number of dimensions"),
    "cat ndim 2 and 3": (lambda lib: lib.cat([x(lib, 2, 3), x(lib, 2, 3, 1)]), "got 2 and 3"),
    "cat sizes": (lambda lib: lib.cat([x(lib, 2, 3), x(lib, 2, 4)]), "Expected size 3 but got size 4"),
    "cat []": (lambda lib: lib.cat([]), "non-empty"),
    "stack(dim=3)": (lambda lib: lib.stack([x(lib, 2, 3), x(lib, 2, 3)], 3), r"\[-3, 2\], but got 3"),
    "stack(dim=-4)": (lambda lib: lib.stack([x(lib, 2, 3)], -4), r"\[-3, 2\], but got -4"),
    "stack shapes": (lambda lib: lib.stack([x(lib, 2, 3), x(lib, 3, 2)]), r"\(3, 2\) at entry 1"),
    "stack []": (lambda lib: lib.stack([]), "non-empty"),
    "flatten(1, 0)": (lambda lib: x(lib, 2, 3).flatten(1, 0), "start_dim 1 cannot come after end_dim 0"),
    "flatten(0, 5)": (lambda lib: x(lib, 2, 3).flatten(0, 5), r"\[-2, 1\], but got 5"),
    "flatten 0-d (1)": (lambda lib: x(lib).flatten(1), r"\[-1, 0\], but got 1"),
    "permute too few": (lambda lib: x(lib, 2, 3).permute(0), "has 2 dimensions"),
    "permute too many": (lambda lib: x(lib, 2, 3).permute(0, 1, 2), "lists 3"),
    "permute repeated": (lambda lib: x(lib, 2, 3).permute(0, 0), "duplicate dims"),
    "permute repeated negative": (lambda lib: x(lib, 2, 3).permute(1, -1), "duplicate dims"),
    "permute out of range": (lambda lib: x(lib, 2, 3).permute(0, 5), r"\[-2, 1\], but got 5"),
    "transpose(0, 5)": (lambda lib: x(lib, 2, 3).transpose(0, 5), r"\[-2, 1\], but got 5"),
    "transpose(-3, 0)": (lambda lib: lib.transpose(x(lib, 2, 3), -3, 0), r"\[-2, 1\], but got -3"),
    "narrow dim": (lambda lib: lib.narrow(x(lib, 2, 3), 5, 0, 1), r"\[-2, 1\], but got 5"),
    "narrow start": (lambda lib: lib.narrow(x(lib, 2, 3), 0, 3, 1), r"\[-2, 2\], but got 3"),
    "narrow start negative": (lambda lib: lib.narrow(x(lib, 2, 3), 0, -3, 1), r"but got -3"),
    "narrow negative length": (lambda lib: lib.narrow(x(lib, 2, 3), 0, 0, -1), "non-negative"),
    "narrow too long": (lambda lib: lib.narrow(x(lib, 2, 3), 0, 1, 2), r"exceeds"),
    "narrow 0-d": (lambda lib: lib.narrow(x(lib), 0, 0, 1), "0-dim"),
    "split dim": (lambda lib: lib.split(x(lib, 2, 3), 1, 5), r"\[-2, 1\], but got 5"),
    "chunk dim": (lambda lib: lib.chunk(x(lib, 2, 3), 1, 5), r"\[-2, 1\], but got 5"),
    "split [4, -1]": (lambda lib: lib.split(x(lib, 2, 3), [4, -1], 1), r"non-negative, got \[4, -1\]"),
    "split sum": (lambda lib: lib.split(x(lib, 2, 3), [1, 1], 1), "sum exactly to 3"),
    "split size 0": (lambda lib: lib.split(x(lib, 2, 3), 0, 1), "can only be 0"),
    "split size -1": (lambda lib: lib.split(x(lib, 2, 3), -1, 1), "non-negative, got -1"),
    "split 0-d": (lambda lib: lib.split(x(lib), 1), "1-dimensional"),
    "chunk 0": (lambda lib: lib.chunk(x(lib, 2, 3), 0, 1), "greater than 0"),
    "chunk 0-d": (lambda lib: lib.chunk(x(lib), 1), "1-dimensional"),
    "reshape(-2, 3)": (lambda lib: x(lib, 2, 3).reshape(-2, 3), "invalid shape dimension -2"),
    "reshape(-1, -1)": (lambda lib: x(lib, 2, 3).reshape(-1, -1), "only one dimension can be inferred"),
    "reshape(4, 2)": (lambda lib: x(lib, 2, 3).reshape(4, 2), r"\(4, 2\) is invalid for a tensor of shape \(2, 3\)"),
    "reshape(-1, 4)": (lambda lib: x(lib, 2, 3).reshape(-1, 4), r"\(-1, 4\) is invalid"),
    "reshape(-1, 0)": (lambda lib: x(lib, 0, 3).reshape(-1, 0), "ambiguous"),
    "view(-2, 3)": (lambda lib: x(lib, 2, 3).view(-2, 3), "invalid shape dimension -2"),
    "mask too long": (lambda lib: x(lib, 2, 3)[lib.tensor([True, False, True])], r"mask \(3,\)"),
    "mask too short": (lambda lib: x(lib, 2, 3)[lib.tensor([True])], r"mask \(1,\)"),
    "mask of columns": (lambda lib: x(lib, 2, 3)[:, lib.tensor([True, False])], "at dimension 1"),
    "mask 2-D": (lambda lib: x(lib, 2, 3)[lib.ones(2, 2, dtype=lib.bool)], r"mask \(2, 2\)"),
    "mask after ...": (lambda lib: x(lib, 2, 3, 4)[..., lib.tensor([True, False])], "at dimension 2"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_dimension_or_size_raises_like_torch(name):
    call, message = BAD[name]
    assert_raises_like_torch(lambda: call(torch), lambda: call(mg), message)


def test_a_mask_of_the_right_shape_still_works():
    data = np.arange(24.0).reshape(2, 3, 4)
    for key in ([True, False], (slice(None), [False, True, True]), (Ellipsis, [True, False, False, True])):
        ours = mg.tensor(data)[tuple(mg.tensor(k) if isinstance(k, list) else k for k in
                                     (key if isinstance(key, tuple) else (key,)))]
        theirs = torch.tensor(data)[tuple(torch.tensor(k) if isinstance(k, list) else k for k in
                                          (key if isinstance(key, tuple) else (key,)))]
        mg.testing.assert_close(ours, theirs, rtol=0, atol=0)


EMPTY_PIECES = {
    "split(0) of an empty dim": lambda lib, t: lib.split(t, 0, 1),
    "split(2) of an empty dim": lambda lib, t: lib.split(t, 2, 1),
    "split([0]) of an empty dim": lambda lib, t: lib.split(t, [0], 1),
    "split([]) of an empty dim": lambda lib, t: lib.split(t, [], 1),
    "split([0, 0])": lambda lib, t: t.split([0, 0], 1),
    "chunk(3) of an empty dim": lambda lib, t: lib.chunk(t, 3, 1),
    "chunk(1) of an empty dim": lambda lib, t: t.chunk(1, -1),
}


@pytest.mark.parametrize("name", sorted(EMPTY_PIECES))
def test_split_and_chunk_of_an_empty_dim_like_torch(name):
    ours = EMPTY_PIECES[name](mg, mg.zeros(2, 0))
    theirs = EMPTY_PIECES[name](torch, torch.zeros(2, 0))
    assert isinstance(ours, tuple)
    assert [tuple(p.shape) for p in ours] == [tuple(p.shape) for p in theirs]


PROMOTIONS = [("float32", "int64"), ("int64", "float32"), ("float64", "float32"),
              ("float16", "int32"), ("int32", "bool"), ("uint8", "int8"), ("bool", "bool"),
              ("float16", "float32"), ("int16", "uint8")]


@pytest.mark.parametrize("first, second", PROMOTIONS)
@pytest.mark.parametrize("join", ["cat", "stack"])
def test_cat_and_stack_promote_dtypes_like_torch(first, second, join):
    data = np.array([[1, 0, 2], [3, 1, 0]])
    ours = getattr(mg, join)([mg.tensor(data, dtype=getattr(mg, first)),
                              mg.tensor(data, dtype=getattr(mg, second))])
    theirs = getattr(torch, join)([torch.tensor(data, dtype=getattr(torch, first)),
                                   torch.tensor(data, dtype=getattr(torch, second))])
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    mg.testing.assert_close(ours, theirs, rtol=0, atol=0)


def test_cat_of_float32_and_int64_backward_gives_float32_grad():
    a = mg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = mg.cat([a, mg.tensor(np.arange(6).reshape(2, 3))])
    assert y.dtype == mg.float32
    (y * y).sum().backward()
    assert a.grad.dtype == mg.float32
    np.testing.assert_array_equal(a.grad.numpy(), 2 * np.ones((2, 3)))


def test_cat_skips_a_one_dimensional_empty_tensor_like_torch():
    """The accumulator idiom ``acc = cat([acc, batch])`` starting from ``tensor([])``."""
    data = np.arange(6.0).reshape(2, 3)
    a = mg.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    ours = mg.cat([mg.tensor([]), a, mg.tensor([])])
    theirs = torch.cat([torch.tensor([]), t, torch.tensor([])])
    mg.testing.assert_close(ours, theirs, rtol=0, atol=0)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    mg.testing.assert_close(a.grad, t.grad, rtol=0, atol=0)
