"""``view()`` never copies: it shares memory (and the version counter) with its
input, or refuses with PyTorch's RuntimeError where the layout would need a copy."""
import itertools

import numpy as np
import pytest
import torch

import minigrad as mg

LAYOUTS = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.transpose(0, -1),
    "permuted": lambda t: t.permute(2, 0, 1),
    "strided-slice": lambda t: t[:, ::2],
    "last-dim-slice": lambda t: t[..., 1:3],
    "expanded": lambda t: t[:, :1].expand(2, 3, 4),
    "size-1-slice": lambda t: t[:1],
}


def new_shapes(shape):
    numel = int(np.prod(shape))
    merged = [shape[:k] + (shape[k] * shape[k + 1],) + shape[k + 2:] for k in range(len(shape) - 1)]
    split = [shape[:k] + (1, shape[k]) + shape[k + 1:] for k in range(len(shape))]
    return [(numel,), (-1, 1), (1, numel)] + merged + split + list(itertools.permutations(shape))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_view_shares_memory_or_refuses_like_torch(layout, device):
    base = np.arange(24.0).reshape(2, 3, 4)
    theirs_base = torch.tensor(base)
    ours_base = mg.tensor(base, device=device)
    theirs_input, ours_input = LAYOUTS[layout](theirs_base), LAYOUTS[layout](ours_base)
    for shape in new_shapes(tuple(theirs_input.shape)):
        try:
            expected = theirs_input.view(shape)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="view size is not compatible.*reshape"):
                ours_input.view(shape)
            continue
        got = ours_input.view(shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
        with mg.no_grad():
            ours_base.add_(1.0)                     # seen through the view: shared memory
        theirs_base.add_(1.0)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
        assert got._version is ours_base._version, f"{layout} as {shape}: versions not shared"


def test_the_refusal_names_the_shape_and_points_to_reshape():
    with pytest.raises(RuntimeError, match=r"shape \(3, 2\) and strides \(1, 3\).*\(6,\).*reshape"):
        mg.arange(6.0).reshape(2, 3).T.view(6)
