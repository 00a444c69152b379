"""Every op-table row and every loss with non-contiguous inputs: forward and gradients
equal PyTorch's (float64).

Each float input of a sample is replaced, on both sides, by the same values laid out
three ways that are not contiguous in memory:

- ``transposed``: a tensor of the reversed shape, permuted back (strides reversed);
- ``stepped``: every other element of a tensor twice as long in each dim (``x[::2, ::2]``);
- ``expanded``: a size-1 dim broadcast to the sample's size (stride 0), where the
  sample's array is constant along that dim (so the values are the row's own);

and each of these as a view of a leaf that requires grad (the gradient flows back
through the view) and as a leaf of its own that shares the non-contiguous memory
(``view.detach().requires_grad_()``: the op's backward sees non-contiguous arrays).
0-d inputs have one layout only and are left as they are; a sample without any input of
one or more dims is skipped. A row that cannot run here says why in its ``contiguous_only``;
a test below fails for a row with float inputs left out without that reason.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from differential_helpers import LOSSES, as_tuple, assert_same, floating, grads
from op_table import OPS, distinct

LAYOUTS = ("transposed", "stepped", "expanded")


def _leaf(backend, array, device):
    if backend is torch:
        return torch.tensor(array, requires_grad=True)
    return mg.tensor(array, device=device, requires_grad=True)


def lay_out(backend, array, layout, device):
    """(leaf, value): ``value`` holds ``array``'s numbers in a non-contiguous layout and
    is computed from ``leaf`` by a view (its gradient reaches ``leaf``)."""
    if layout == "transposed":
        order = tuple(reversed(range(array.ndim)))
        leaf = _leaf(backend, np.ascontiguousarray(array.transpose(order)), device)
        return leaf, leaf.permute(*order)
    if layout == "stepped":
        bigger = np.zeros(tuple(2 * s for s in array.shape))
        bigger[tuple(slice(None, None, 2) for _ in array.shape)] = array
        leaf = _leaf(backend, bigger, device)
        return leaf, leaf[tuple(slice(None, None, 2) for _ in array.shape)]
    # expanded: the first dim of size > 1, made from one row
    dim = next(d for d, s in enumerate(array.shape) if s > 1)
    leaf = _leaf(backend, np.take(array, [0], axis=dim), device)
    return leaf, leaf.expand(*array.shape)


def expanded_array(array):
    """The sample's array made constant along its first dim of size > 1 (the values
    an expanded input can hold)."""
    dim = next(d for d, s in enumerate(array.shape) if s > 1)
    return np.repeat(np.take(array, [0], axis=dim), array.shape[dim], axis=dim)


class LaidOut:
    """A float array to be given in the test's non-contiguous layout."""

    def __init__(self, array):
        self.array = array


def laid_out(row, sample, layout):
    """The sample's arguments with each laid-out float array as ('layout', array);
    None if no input can take this layout."""
    def convert(value):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim >= 1:
            if layout == "expanded":
                if not any(s > 1 for s in value.shape):
                    return value
                return LaidOut(expanded_array(value))
            if layout == "transposed" and value.ndim < 2:
                return value
            return LaidOut(value)
        return value
    if layout == "expanded" and row.domain is distinct:
        return None      # the row needs distinct values (no ties); expanded values repeat
    args = [convert(a) for a in sample.args]
    if not any(isinstance(a, LaidOut) for a in args):
        return None
    return args


def build(backend, args, layout, mode, device):
    """(arguments, leaves): the call's arguments on ``backend``; ``leaves`` are the
    tensors whose gradients are compared."""
    built, leaves = [], []
    for value in args:
        if isinstance(value, LaidOut):
            leaf, view = lay_out(backend, value.array, layout, device)
            if mode == "leaf":         # a leaf of its own, sharing the non-contiguous memory
                view = view.detach().requires_grad_()
                leaf = view
            built.append(view)
            leaves.append(leaf)
        elif isinstance(value, np.ndarray):
            if value.dtype.kind == "f":
                tensor = _leaf(backend, value, device)
                leaves.append(tensor)
            else:
                tensor = torch.from_numpy(value) if backend is torch else mg.tensor(value, device=device)
            built.append(tensor)
        elif isinstance(value, tuple):
            built.append(tuple(torch.from_numpy(v) if backend is torch and isinstance(v, np.ndarray)
                               else mg.tensor(v, device=device) if isinstance(v, np.ndarray) else v
                               for v in value))
        else:
            built.append(value)
    return built, leaves


def cases():
    """(row, [(index, sample)]) for every row with samples that some layout applies to; a
    row's ``contiguous_only`` reason skips it."""
    params = []
    for row in OPS + LOSSES:
        samples = [(i, sample) for i, sample in enumerate(row.sample_inputs())
                   if any(laid_out(row, sample, layout) is not None for layout in LAYOUTS)]
        if samples:
            params.append(pytest.param(
                row, samples, id=row.name,
                marks=[pytest.mark.skip(reason=row.contiguous_only)] if row.contiguous_only else []))
    return params


CASES = cases()


def _has_float_input(value):
    """Whether a sample argument is, or holds, a float array of one or more dims."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f" and value.ndim >= 1
    if isinstance(value, (list, tuple)):
        return any(map(_has_float_input, value))
    if isinstance(value, dict):
        return any(map(_has_float_input, value.values()))
    return False


def test_every_row_with_float_inputs_runs_here_or_says_why_not():
    """The op table's promise: a row whose samples have float inputs of one or more dims
    (in the arguments, tuples or keyword arguments) runs above, unless it says why not."""
    run = {case.values[0].name for case in CASES if not case.marks}
    left_out = [row.name for row in OPS + LOSSES
                if row.name not in run and not row.contiguous_only
                and any(_has_float_input(sample.args) or _has_float_input(sample.kwargs)
                        for sample in row.sample_inputs())]
    assert not left_out, (
        f"op-table rows with float inputs of one or more dims that no layout here applies to: "
        f"{left_out}; make laid_out() give their inputs a layout, or set the row's "
        f"contiguous_only to the reason it cannot have one")


# PyTorch's side, computed once for all test devices: (id(sample), layout, mode) -> (sample,
# its result); the sample is kept so that its id stays its own.
_TORCH_SIDE = {}


def torch_side(row, sample, args, layout, mode):
    """PyTorch's outputs (detached), the random weights w and the gradients of Σ w·out over
    the float outputs (for a differentiable row); or the RuntimeError torch raised."""
    key = (id(sample), layout, mode)
    if key not in _TORCH_SIDE:
        theirs_args, theirs_leaves = build(torch, args, layout, mode, None)
        try:
            theirs = as_tuple(row.ref(*theirs_args, **sample.kwargs))
        except RuntimeError as error:      # view() of a non-contiguous tensor: torch refuses
            result = error
        else:
            weights = expected = None
            if row.differentiable:
                rng = np.random.default_rng(0)
                weights = [rng.standard_normal(tuple(o.shape)) for o in floating(theirs)]
                expected = grads(torch, floating(theirs), theirs_leaves,
                                 [torch.from_numpy(w) for w in weights])
            result = tuple(o.detach() for o in theirs), weights, expected
        _TORCH_SIDE[key] = sample, result
    return _TORCH_SIDE[key][1]


def check_layout(row, sample, args, layout, mode, device):
    """Forward and gradients with the inputs in ``layout``; raises AssertionError."""
    ours_args, ours_leaves = build(mg, args, layout, mode, device)
    result = torch_side(row, sample, args, layout, mode)
    if isinstance(result, RuntimeError):
        try:
            row.op(*ours_args, **sample.kwargs)
        except RuntimeError:
            return
        raise AssertionError(f"minigrad succeeds where torch raises RuntimeError: {result}")
    theirs, weights, expected = result
    ours = as_tuple(row.op(*ours_args, **sample.kwargs))
    assert len(ours) == len(theirs)
    for k, (a, e) in enumerate(zip(ours, theirs)):
        assert a.device == device
        assert_same(a, e, rtol=1e-12, what=f"output {k}")
    if not row.differentiable:
        return
    got = grads(mg, floating(ours), ours_leaves, [mg.tensor(w, device=device) for w in weights])
    for k, (a, e) in enumerate(zip(got, expected)):
        if e is None:
            assert a is None or not np.any(a.detach().numpy() != 0), f"input {k}: torch has no gradient"
            continue
        assert a is not None, f"input {k}: no gradient"
        assert_same(a, e, rtol=1e-10, atol_scale=1e-12, what=f"gradient of input {k}")


@pytest.mark.parametrize("row, samples", CASES)
def test_noncontiguous_inputs_match_torch(row, samples, device):
    """Every sample of the row in every layout, as a view of a leaf and as a leaf of its own
    (in one test: pytest's own cost per test is a good part of one sample's); all failures
    reported, each with its sample, layout and mode."""
    failures = []
    for i, sample in samples:
        for layout in LAYOUTS:
            args = laid_out(row, sample, layout)
            if args is None:
                continue
            for mode in ("view", "leaf"):
                try:
                    check_layout(row, sample, args, layout, mode, device)
                except Exception as error:  # noqa: BLE001 - reported with the layout below
                    failures.append(f"sample {i} ({sample!r}), {layout} ({mode}): "
                                    f"{type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)
