"""The op table: one row per differentiable function, driving every op test.

A row names the op, gives the minigrad call and the PyTorch call (each taking
its own tensors, in the same order, plus the same options), and a generator of
sample inputs: float64 NumPy arrays (turned into tensors that require grad) and
plain values. Samples cover broadcasting shapes, dims, keepdim, scalars, and
stay inside the op's domain and away from kinks, where finite differences
are meaningless. Adding an op is adding a row.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as TF

import minigrad as mg


@dataclass
class Sample:
    args: tuple                 # numpy float arrays become tensors; anything else passes as is
    kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        shapes = [a.shape if isinstance(a, np.ndarray) else a for a in self.args]
        return f"{shapes}{self.kwargs or ''}"


@dataclass
class OpInfo:
    name: str
    op: Callable                # minigrad
    ref: Callable               # PyTorch
    samples: Callable           # rng -> list[Sample]
    check_gradients: bool = True  # False where float64 finite differences do not apply


def normal(rng, *shape):
    return np.asarray(rng.standard_normal(shape))


def positive(rng, *shape):
    return np.asarray(rng.uniform(0.5, 2.0, shape))


def away_from_zero(rng, *shape):
    """|x| >= 0.2: keeps abs/relu/sign-like kinks out of the finite differences."""
    x = rng.uniform(0.2, 1.5, shape)
    return np.asarray(x * rng.choice([-1.0, 1.0], shape))


def distinct(rng, *shape):
    """Values with no ties and gaps >= 0.05 between any two (for max/min)."""
    size = int(np.prod(shape)) if shape else 1
    return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape)


def unary(make=normal):
    return lambda rng: [Sample((make(rng, 3, 4),)), Sample((make(rng, 5),)), Sample((make(rng),))]


def binary(make_a=normal, make_b=normal):
    shapes = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((4,), ()), ((), (2, 3))]
    return lambda rng: [Sample((make_a(rng, *a), make_b(rng, *b))) for a, b in shapes]


def with_scalar(scalar, make=normal):
    """op(tensor, scalar) and op(scalar, tensor) rows share these samples."""
    return lambda rng: [Sample((make(rng, 3, 4), scalar)), Sample((make(rng, 5), scalar))]


def reductions(make=normal):
    def samples(rng):
        x = make(rng, 2, 3, 4)
        result = [Sample((x,), {"dim": None, "keepdim": False})]
        for dim in (0, -1, (0, 2), (-1, -2)):
            for keepdim in (False, True):
                result.append(Sample((x,), {"dim": dim, "keepdim": keepdim}))
        return result
    return samples


def along_dim(make=normal):
    return lambda rng: [Sample((make(rng, 3, 4),), {"dim": d}) for d in (0, 1, -1)] + [
        Sample((make(rng, 2, 3, 4),), {"dim": 1})]


def torch_dims(kwargs):
    dim = kwargs["dim"]
    return {"dim": list(dim) if isinstance(dim, tuple) else dim, "keepdim": kwargs["keepdim"]}


def _reduce(mg_fn, torch_fn):
    """Reductions with dim=None reduce everything (torch spells that without dim)."""
    def ref(x, dim, keepdim):
        if dim is None:
            return torch_fn(x) if not keepdim else torch_fn(x, dim=list(range(x.ndim)), keepdim=True)
        return torch_fn(x, **torch_dims({"dim": dim, "keepdim": keepdim}))
    return OpInfo(mg_fn.__name__, lambda x, dim, keepdim: mg_fn(x, dim, keepdim=keepdim), ref,
                  reductions(distinct if "max" in mg_fn.__name__ or "min" in mg_fn.__name__ else normal))


def _pad_samples(rng):
    x = normal(rng, 2, 3, 5)
    return [Sample((x,), {"pad": pad, "mode": mode})
            for mode in ("constant", "reflect", "replicate", "circular")
            for pad in ((1, 2), (2, 1, 0, 2))] + [Sample((x,), {"pad": (1, 1), "mode": "constant",
                                                               "value": 2.5})]


def _index_samples(rng):
    x = normal(rng, 4, 5)
    return [Sample((x,), {"key": key}) for key in (
        1, -1, slice(1, 3), (slice(None), 2), (Ellipsis, None, slice(0, 5, 2)),
        np.array([0, 2, 2, 3, 0]), (np.array([1, 1, 3]), np.array([0, 4, 0])),
        (slice(None), np.array([4, 4, 1])), x > 0.3)]


def _torch_key(key):
    if isinstance(key, tuple):
        return tuple(_torch_key(k) for k in key)
    if isinstance(key, np.ndarray):
        return torch.from_numpy(key)
    return key


def _mg_key(key, device):
    if isinstance(key, tuple):
        return tuple(_mg_key(k, device) for k in key)
    if isinstance(key, np.ndarray):
        return mg.tensor(key, device=device)
    return key


OPS = [
    # ---- arithmetic (operators)
    OpInfo("add", lambda a, b: a + b, lambda a, b: a + b, binary()),
    OpInfo("sub", lambda a, b: a - b, lambda a, b: a - b, binary()),
    OpInfo("mul", lambda a, b: a * b, lambda a, b: a * b, binary()),
    OpInfo("div", lambda a, b: a / b, lambda a, b: a / b, binary(normal, positive)),
    OpInfo("neg", lambda a: -a, lambda a: -a, unary()),
    OpInfo("pow_tensor_tensor", lambda a, b: a ** b, lambda a, b: a ** b, binary(positive, normal)),
    OpInfo("add_scalar", lambda a, s: a + s, lambda a, s: a + s, with_scalar(2.5)),
    OpInfo("radd_scalar", lambda a, s: s + a, lambda a, s: s + a, with_scalar(2.5)),
    OpInfo("rsub_scalar", lambda a, s: s - a, lambda a, s: s - a, with_scalar(2.5)),
    OpInfo("rmul_scalar", lambda a, s: s * a, lambda a, s: s * a, with_scalar(-1.5)),
    OpInfo("rdiv_scalar", lambda a, s: s / a, lambda a, s: s / a, with_scalar(2.0, positive)),
    OpInfo("pow_scalar", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(3, normal)),
    OpInfo("pow_fractional", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(1.5, positive)),
    OpInfo("rpow_scalar", lambda a, s: s ** a, lambda a, s: s ** a, with_scalar(2.0)),
    # ---- math functions
    OpInfo("exp", mg.exp, torch.exp, unary()),
    OpInfo("log", mg.log, torch.log, unary(positive)),
    OpInfo("sqrt", mg.sqrt, torch.sqrt, unary(positive)),
    OpInfo("abs", mg.abs, torch.abs, unary(away_from_zero)),
    OpInfo("sin", mg.sin, torch.sin, unary()),
    OpInfo("cos", mg.cos, torch.cos, unary()),
    OpInfo("tanh", mg.tanh, torch.tanh, unary()),
    OpInfo("erf", mg.erf, torch.erf, unary()),
    # ---- activations
    OpInfo("sigmoid", mg.sigmoid, torch.sigmoid, unary()),
    OpInfo("relu", mg.relu, torch.relu, unary(away_from_zero)),
    OpInfo("leaky_relu", lambda x: mg.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2),
           unary(away_from_zero)),
    OpInfo("gelu", mg.gelu, TF.gelu, unary()),
    OpInfo("gelu_tanh", lambda x: mg.gelu(x, approximate="tanh"),
           lambda x: TF.gelu(x, approximate="tanh"), unary()),
    OpInfo("softplus", mg.softplus, TF.softplus, unary()),
    OpInfo("softplus_beta", lambda x: mg.softplus(x, beta=2.0, threshold=3.0),
           lambda x: TF.softplus(x, beta=2.0, threshold=3.0), unary(away_from_zero)),
    # ---- selection
    OpInfo("clamp", lambda x: mg.clamp(x, -0.5, 0.7), lambda x: torch.clamp(x, -0.5, 0.7),
           lambda rng: [Sample((rng.choice([-1.2, -0.9, -0.2, 0.1, 0.3, 1.1], (3, 4))
                                + rng.uniform(-0.05, 0.05, (3, 4)),))]),
    OpInfo("clamp_min_only", lambda x: x.clamp(min=0.1), lambda x: x.clamp(min=0.1),
           unary(away_from_zero)),
    OpInfo("clamp_tensor_bounds", lambda x, lo: mg.clamp(x, min=lo), lambda x, lo: torch.clamp(x, min=lo),
           lambda rng: [Sample((distinct(rng, 3, 4), distinct(rng, 4) + 0.025))]),
    OpInfo("maximum", mg.maximum, torch.maximum,
           lambda rng: [Sample((distinct(rng, 3, 4), distinct(rng, 4) + 0.025)),
                        Sample((distinct(rng, 2, 3), distinct(rng, 2, 3) + 0.025))]),
    OpInfo("minimum", mg.minimum, torch.minimum,
           lambda rng: [Sample((distinct(rng, 3, 4), distinct(rng, 4) + 0.025))]),
    OpInfo("where", lambda c, a, b: mg.where(c, a, b), lambda c, a, b: torch.where(c, a, b),
           lambda rng: [Sample((rng.random((3, 4)) > 0.5, normal(rng, 3, 4), normal(rng, 4))),
                        Sample((rng.random((3, 1)) > 0.5, normal(rng, 1, 4), 0.5))]),
    # ---- reductions
    _reduce(mg.sum, torch.sum),
    _reduce(mg.mean, torch.mean),
    _reduce(mg.amax, torch.amax),
    _reduce(mg.amin, torch.amin),
    OpInfo("var", lambda x, dim, keepdim: mg.var(x, dim, keepdim=keepdim),
           lambda x, dim, keepdim: torch.var(x, **torch_dims({"dim": dim, "keepdim": keepdim}))
           if dim is not None else torch.var(x), reductions()),
    OpInfo("var_biased", lambda x, dim, keepdim: x.var(dim, correction=0, keepdim=keepdim),
           lambda x, dim, keepdim: torch.var(x, correction=0, **torch_dims({"dim": dim, "keepdim": keepdim}))
           if dim is not None else torch.var(x, correction=0), reductions()),
    OpInfo("std", lambda x, dim, keepdim: mg.std(x, dim, keepdim=keepdim),
           lambda x, dim, keepdim: torch.std(x, **torch_dims({"dim": dim, "keepdim": keepdim}))
           if dim is not None else torch.std(x), reductions()),
    OpInfo("max_all", lambda x: mg.max(x), lambda x: torch.max(x), unary(distinct)),
    OpInfo("min_all", lambda x: x.min(), lambda x: x.min(), unary(distinct)),
    OpInfo("max_dim", lambda x, dim, keepdim: tuple(mg.max(x, dim, keepdim)),
           lambda x, dim, keepdim: tuple(torch.max(x, dim, keepdim)),
           lambda rng: [Sample((distinct(rng, 3, 4),), {"dim": d, "keepdim": k})
                        for d in (0, -1) for k in (False, True)]),
    OpInfo("min_dim", lambda x, dim, keepdim: tuple(x.min(dim, keepdim)),
           lambda x, dim, keepdim: tuple(x.min(dim, keepdim)),
           lambda rng: [Sample((distinct(rng, 3, 4),), {"dim": 1, "keepdim": False})]),
    OpInfo("logsumexp", lambda x, dim: mg.logsumexp(x, dim), lambda x, dim: torch.logsumexp(x, dim),
           along_dim()),
    OpInfo("logsumexp_keepdim", lambda x, dim: x.logsumexp(dim, keepdim=True),
           lambda x, dim: torch.logsumexp(x, dim, keepdim=True), along_dim()),
    OpInfo("softmax", lambda x, dim: mg.softmax(x, dim), lambda x, dim: torch.softmax(x, dim),
           along_dim()),
    OpInfo("log_softmax", lambda x, dim: mg.log_softmax(x, dim),
           lambda x, dim: torch.log_softmax(x, dim), along_dim()),
    # ---- linear algebra
    OpInfo("matmul", mg.matmul, torch.matmul, lambda rng: [
        Sample((normal(rng, 3, 4), normal(rng, 4, 2))),
        Sample((normal(rng, 4), normal(rng, 4, 2))),
        Sample((normal(rng, 3, 4), normal(rng, 4))),
        Sample((normal(rng, 4), normal(rng, 4))),
        Sample((normal(rng, 2, 3, 4), normal(rng, 4, 2))),
        Sample((normal(rng, 2, 1, 3, 4), normal(rng, 5, 4, 2))),
    ]),
    OpInfo("matmul_operator", lambda a, b: a @ b, lambda a, b: a @ b,
           lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 3, 3)))]),
    # ---- shape
    OpInfo("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1), unary_shape := (
        lambda rng: [Sample((normal(rng, 2, 3, 4),)), Sample((normal(rng, 8, 3),))])),
    OpInfo("view", lambda x: x.view(-1), lambda x: x.view(-1), unary_shape),
    OpInfo("flatten", lambda x: x.flatten(1), lambda x: x.flatten(1), unary_shape),
    OpInfo("mg_flatten", lambda x: mg.flatten(x), lambda x: torch.flatten(x), unary_shape),
    OpInfo("transpose", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1), unary_shape),
    OpInfo("T", lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))),
           lambda rng: [Sample((normal(rng, 3, 4),))]),
    OpInfo("permute", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1),
           lambda rng: [Sample((normal(rng, 2, 3, 4),))]),
    OpInfo("squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(),
           lambda rng: [Sample((normal(rng, 1, 3, 1),))]),
    OpInfo("squeeze_dim", lambda x: x.squeeze(-1), lambda x: x.squeeze(-1),
           lambda rng: [Sample((normal(rng, 1, 3, 1),)), Sample((normal(rng, 2, 3),))]),
    OpInfo("unsqueeze", lambda x: x.unsqueeze(1), lambda x: x.unsqueeze(1),
           lambda rng: [Sample((normal(rng, 3, 4),)), Sample((normal(rng, 5),))]),
    OpInfo("unsqueeze_negative", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), unary()),
    OpInfo("expand", lambda x: x.expand(2, -1, 4), lambda x: x.expand(2, -1, 4),
           lambda rng: [Sample((normal(rng, 3, 1),))]),
    OpInfo("broadcast_to", lambda x: mg.broadcast_to(x, (2, 3, 4)),
           lambda x: torch.broadcast_to(x, (2, 3, 4)), lambda rng: [Sample((normal(rng, 3, 1),))]),
    OpInfo("cat", lambda a, b: mg.cat([a, b, a], dim=1), lambda a, b: torch.cat([a, b, a], dim=1),
           lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 2, 1)))]),
    OpInfo("cat_dim0", lambda a, b: mg.cat([a, b]), lambda a, b: torch.cat([a, b]),
           lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 1, 3)))]),
    OpInfo("stack", lambda a, b: mg.stack([a, b], dim=-1), lambda a, b: torch.stack([a, b], dim=-1),
           lambda rng: [Sample((normal(rng, 2, 3), normal(rng, 2, 3)))]),
    OpInfo("split", lambda x: mg.split(x, 2, dim=1), lambda x: torch.split(x, 2, dim=1),
           lambda rng: [Sample((normal(rng, 3, 5),))]),
    OpInfo("split_sections", lambda x: x.split([1, 3], 0), lambda x: x.split([1, 3], 0),
           lambda rng: [Sample((normal(rng, 4, 2),))]),
    OpInfo("chunk", lambda x: mg.chunk(x, 3, dim=-1), lambda x: torch.chunk(x, 3, dim=-1),
           lambda rng: [Sample((normal(rng, 2, 7),)), Sample((normal(rng, 2, 6),))]),
    OpInfo("narrow", lambda x: mg.narrow(x, 1, 1, 2), lambda x: torch.narrow(x, 1, 1, 2),
           lambda rng: [Sample((normal(rng, 3, 4),))]),
    OpInfo("pad", lambda x, **kw: mg.pad(x, **kw), lambda x, **kw: TF.pad(x, **kw), _pad_samples),
    OpInfo("getitem", None, None, _index_samples),   # op and ref filled in by the tests (keys)
    # ---- dtype and copies
    OpInfo("clone", lambda x: x.clone(), lambda x: x.clone(), unary()),
    # float32 rounding defeats finite differences: compared with torch, not gradchecked
    OpInfo("to_float32", lambda x: x.to(mg.float32) * 1.0, lambda x: x.to(torch.float32) * 1.0,
           unary(), check_gradients=False),
    OpInfo("to_float64", lambda x: x.to(mg.float32).to(mg.float64),
           lambda x: x.to(torch.float32).to(torch.float64), unary(), check_gradients=False),
]

OPS_BY_NAME = {op.name: op for op in OPS}

# Every differentiable function SPEC.md lists, with the rows that test it.
SPEC_FUNCTIONS = {
    "exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs", "sin": "sin", "cos": "cos",
    "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "leaky_relu": "leaky_relu",
    "gelu": "gelu", "softplus": "softplus", "clamp": "clamp", "maximum": "maximum",
    "minimum": "minimum", "where": "where", "sum": "sum", "mean": "mean", "var": "var",
    "std": "std", "max": "max_dim", "min": "min_dim", "logsumexp": "logsumexp",
    "softmax": "softmax", "log_softmax": "log_softmax", "matmul": "matmul", "reshape": "reshape",
    "view": "view", "flatten": "flatten", "transpose": "transpose", "permute": "permute",
    "squeeze": "squeeze", "unsqueeze": "unsqueeze", "expand": "expand",
    "broadcast_to": "broadcast_to", "cat": "cat", "stack": "stack", "split": "split",
    "chunk": "chunk", "pad": "pad", "+": "add", "-": "sub", "*": "mul", "/": "div",
    "**": "pow_tensor_tensor", "@": "matmul_operator", "unary -": "neg", "[]": "getitem",
}
