"""Infinite and NaN incoming gradients through every op-table row and every loss:
``backward(gradient=g)`` with g holding inf, -inf, NaN and 0 gives PyTorch's gradients,
NaN where PyTorch has NaN, the same infinities, and the same finite values.

This is where an op that multiplies the incoming gradient by a 0/1 mask (0 · inf = NaN)
instead of selecting it (PyTorch's ``where``) shows, and an op that computes
``g · 0`` for an input the output does not depend on.

Patterns for g (same shape as the output, float64):

- ``inf``: +inf everywhere;
- ``-inf``: -inf everywhere;
- ``nan``: NaN everywhere;
- ``mixed``: inf, -inf, NaN, 0, 1.5, -2 repeating;
- ``zero-and-inf``: 0 and inf alternating (a 0 must stay 0: it must not meet an inf).
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from differential_helpers import LOSSES, as_tuple, assert_same, floating, grads
from op_table import OPS
from test_ops import mg_value, torch_value

PATTERNS = {
    "inf": [np.inf], "-inf": [-np.inf], "nan": [np.nan],
    "mixed": [np.inf, -np.inf, np.nan, 0.0, 1.5, -2.0], "zero-and-inf": [0.0, np.inf],
}


def incoming(shape, pattern, offset):
    """A gradient of ``shape`` filled with the pattern's values, starting at ``offset``."""
    values = PATTERNS[pattern]
    size = int(np.prod(shape, dtype=np.int64))
    return np.array([values[(i + offset) % len(values)] for i in range(size)],
                    dtype=np.float64).reshape(shape)


def cases():
    """(row, its samples) for every differentiable row."""
    return [pytest.param(row, row.sample_inputs(), id=row.name)
            for row in OPS + LOSSES if row.differentiable]


CASES = cases()


# PyTorch's side, computed once for all test devices: (id(sample), pattern) ->
# (sample, incoming gradients, PyTorch's gradients); the sample is kept so that its id stays its own.
_TORCH_SIDE = {}


def torch_side(row, sample, pattern):
    """The incoming gradients for the pattern (one per float output) and PyTorch's
    gradients of the inputs that require grad."""
    key = (id(sample), pattern)
    if key not in _TORCH_SIDE:
        theirs_in = [torch_value(a, torch.float64) for a in sample.args]
        theirs = floating(as_tuple(row.ref(*theirs_in, **sample.kwargs)))
        theirs_leaves = [x for x in theirs_in if isinstance(x, torch.Tensor) and x.requires_grad]
        gs = [incoming(tuple(o.shape), pattern, k) for k, o in enumerate(theirs)]
        expected = grads(torch, theirs, theirs_leaves, [torch.from_numpy(g) for g in gs])
        _TORCH_SIDE[key] = sample, gs, expected
    return _TORCH_SIDE[key][1:]


def check_pattern(row, sample, pattern, device):
    """None if the gradients for this pattern equal torch's, else what differs."""
    ours_in = [mg_value(a, device, "float64") for a in sample.args]
    ours = floating(as_tuple(row.op(*ours_in, **sample.kwargs)))
    ours_leaves = [x for x in ours_in if isinstance(x, mg.Tensor) and x.requires_grad]
    gs, expected = torch_side(row, sample, pattern)
    try:
        with np.errstate(all="ignore"):
            got = grads(mg, ours, ours_leaves, [mg.tensor(g, device=device) for g in gs])
        for k, (a, e) in enumerate(zip(got, expected)):
            if e is None:
                assert a is None or not np.any(a.detach().numpy() != 0), (
                    f"input {k}: torch has no gradient, minigrad {a}")
                continue
            assert a is not None, f"input {k}: no gradient"
            assert a.device == device
            assert_same(a, e, rtol=1e-10, atol_scale=1e-12, what=f"gradient of input {k}")
    except Exception as error:  # noqa: BLE001 - reported with the pattern below
        return f"gradient {pattern}: {type(error).__name__}: {error}"
    return None


@pytest.mark.parametrize("row, samples", CASES)
def test_infinite_and_nan_incoming_gradients_match_torch(row, samples, device):
    """Every sample of the row and every pattern (in one test: pytest's own cost per test is
    a good part of one sample's); all failures reported, each with its sample."""
    failures = [f"sample {i} ({sample!r}), {failure}"
                for i, sample in enumerate(samples)
                for failure in (check_pattern(row, sample, p, device) for p in PATTERNS) if failure]
    assert not failures, "\n".join(failures)
