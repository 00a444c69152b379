"""Every row of the op table (tests/optable.py), on every test device:
forward and backward equal PyTorch's, and gradcheck / gradgradcheck pass."""
import numpy as np
import pytest
import torch

import minigrad as mg
from optable import OPS, OPS_BY_NAME, SPEC_FUNCTIONS, _mg_key, _torch_key

CASES = [pytest.param(op, sample, id=f"{op.name}-{i}")
         for op in OPS for i, sample in enumerate(op.samples(np.random.default_rng(0)))]


def mg_inputs(sample, device, dtype=np.float64):
    return [mg.tensor(a.astype(dtype), device=device, requires_grad=True)
            if isinstance(a, np.ndarray) and a.dtype.kind == "f"
            else mg.tensor(a, device=device) if isinstance(a, np.ndarray) else a
            for a in sample.args]


def torch_inputs(sample, dtype=torch.float64):
    return [torch.tensor(a, dtype=dtype, requires_grad=True)
            if isinstance(a, np.ndarray) and a.dtype.kind == "f"
            else torch.from_numpy(a) if isinstance(a, np.ndarray) else a
            for a in sample.args]


def run_mg(op, args, kwargs, device):
    if op.name == "getitem":
        return args[0][_mg_key(kwargs["key"], device)]
    return op.op(*args, **kwargs)


def run_torch(op, args, kwargs):
    if op.name == "getitem":
        return args[0][_torch_key(kwargs["key"])]
    return op.ref(*args, **kwargs)


def as_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def differentiable(inputs):
    return [t for t in inputs if isinstance(t, (mg.Tensor, torch.Tensor)) and t.requires_grad]


@pytest.mark.parametrize("op, sample", CASES)
def test_forward_matches_torch(op, sample, device):
    ours = as_tuple(run_mg(op, mg_inputs(sample, device), sample.kwargs, device))
    theirs = as_tuple(run_torch(op, torch_inputs(sample), sample.kwargs))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.device == device
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype == np.dtype(str(b.dtype).replace("torch.", ""))
        mg.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op, sample", CASES)
def test_float32_forward_matches_torch(op, sample, device):
    ours = as_tuple(run_mg(op, mg_inputs(sample, device, np.float32), sample.kwargs, device))
    theirs = as_tuple(run_torch(op, torch_inputs(sample, torch.float32), sample.kwargs))
    for a, b in zip(ours, theirs):
        assert a.dtype == np.dtype(str(b.dtype).replace("torch.", ""))
        mg.testing.assert_close(a, b, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("op, sample", CASES)
def test_backward_matches_torch(op, sample, device):
    rng = np.random.default_rng(1)
    ours_in, theirs_in = mg_inputs(sample, device), torch_inputs(sample)
    ours = [o for o in as_tuple(run_mg(op, ours_in, sample.kwargs, device)) if o.dtype.kind == "f"]
    theirs = [o for o in as_tuple(run_torch(op, theirs_in, sample.kwargs)) if o.is_floating_point()]
    weights = [rng.standard_normal(tuple(o.shape)) for o in theirs]
    sum(((o * mg.tensor(w, device=device)).sum() for o, w in zip(ours, weights))).backward()
    sum(((o * torch.tensor(w)).sum() for o, w in zip(theirs, weights))).backward()
    for a, b in zip(differentiable(ours_in), differentiable(theirs_in)):
        assert a.grad is not None and a.grad.shape == a.shape and a.grad.device == device
        mg.testing.assert_close(a.grad, b.grad, rtol=1e-10, atol=1e-12)


GRADIENT_CASES = [c for c in CASES if c.values[0].check_gradients]


@pytest.mark.parametrize("op, sample", GRADIENT_CASES)
def test_gradcheck(op, sample, device):
    inputs = mg_inputs(sample, device)
    assert mg.gradcheck(lambda *args: run_mg(op, args, sample.kwargs, device), inputs)


@pytest.mark.parametrize("op, sample", GRADIENT_CASES)
def test_gradgradcheck(op, sample, device):
    inputs = mg_inputs(sample, device)
    assert mg.gradgradcheck(lambda *args: run_mg(op, args, sample.kwargs, device), inputs)


def test_every_spec_function_has_rows():
    spec = ("exp log sqrt abs sin cos tanh sigmoid relu leaky_relu gelu softplus clamp maximum "
            "minimum where sum mean var std max min logsumexp softmax log_softmax matmul reshape "
            "view flatten transpose permute squeeze unsqueeze expand broadcast_to cat stack split "
            "chunk pad").split() + ["+", "-", "*", "/", "**", "@", "unary -", "[]"]
    for name in spec:
        assert SPEC_FUNCTIONS[name] in OPS_BY_NAME, name
