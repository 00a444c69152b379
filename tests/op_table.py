"""The op table: one row per differentiable function, driving tests/test_ops.py.

In the spirit of PyTorch's OpInfo and tinygrad's ``helper_test_op``, a row says

- ``name``: unique, used in test ids;
- ``op``: the minigrad call, taking minigrad tensors (and plain values);
- ``ref``: the PyTorch call, taking torch tensors in the same positions;
- ``samples``: a function of a ``Draw`` returning a list of ``Sample``s (several
  per op: broadcasting shapes, scalars with tensors, 0-d tensors, dims,
  tuple dims, negative dims and keepdim for reductions);
- ``domain``: where the float inputs are drawn from (positive for log and
  sqrt, away from kinks for abs/relu/clamp, well separated values for
  max/min), so that finite differences are valid and no ties occur;
- ``contiguous_only``: empty, or why the row cannot run on non-contiguous inputs.

A sample's arguments are converted the same way on both sides: a float NumPy
array becomes a float64 (or, in the float32 test, float32) tensor that requires
grad: the inputs whose gradients are checked; a boolean or integer array (masks, indices, conditions) becomes
a constant tensor on the same device, also inside tuples (indexing keys);
anything else (Python numbers, lists, tuples of ints) is passed as it is.

Every row also runs on non-contiguous inputs: tests/test_noncontiguous.py gives each
float input of one or more dims transposed, stepped (``x[::2]``) and, where the row's
values allow, expanded (stride 0), as a view of a leaf and as a leaf of its own, and compares forward and gradients with
PyTorch in float64. A row with such inputs that is left out there without a reason in
``contiguous_only`` fails a test of its own (in the same file).

Adding an op is adding a row.
"""
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as TF

import minigrad as mg


# ---------------------------------------------------------------- rows and samples
@dataclass
class Sample:
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        def show(value):
            if isinstance(value, np.ndarray):
                kind = "" if value.dtype.kind == "f" else value.dtype.name
                return kind + "x".join(map(str, value.shape)) if value.ndim else kind + "0d"
            if isinstance(value, tuple):
                return "(" + ",".join(show(v) for v in value) + ")"
            return repr(value)
        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return "-".join(parts).replace(" ", "").replace("'", "")


@dataclass
class OpInfo:
    name: str
    op: Callable                    # minigrad
    ref: Callable                   # PyTorch, same arguments
    samples: Callable               # Draw -> list[Sample]
    domain: Callable = None         # (rng, shape) -> float64 array; None: standard normal
    differentiable: bool = True     # False: forward comparison only
    gradcheck_eps: float = 1e-6
    float32_tolerance: tuple = (None, None)   # (rtol, atol); None: assert_close's defaults
    contiguous_only: str = ""       # why test_noncontiguous cannot run the row; "": it runs

    def sample_inputs(self):
        """The row's samples, the same on every call (seeded by the row's name)."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        return self.samples(Draw(rng, self.domain or real))


class Draw:
    """Sample data for one row: ``draw(3, 4)`` is a (3, 4) float64 array from the
    row's domain; ``draw()`` is a 0-d array."""

    def __init__(self, rng, domain):
        self.rng, self.domain = rng, domain

    def __call__(self, *shape):
        return np.asarray(self.domain(self.rng, shape), dtype=np.float64)

    def mask(self, *shape):
        return np.asarray(self.rng.random(shape) > 0.5)

    def separated(self, shape_a, shape_b, gap=0.05):
        """Two arrays whose broadcast elements differ by at least ``gap`` (no ties)."""
        while True:
            a, b = self(*shape_a), self(*shape_b)
            if np.abs(a - b).min() >= gap:
                return a, b


# ---------------------------------------------------------------- domains
def real(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from(*kinks, gap=0.1):
    """Normal values, none within ``gap`` of a kink (where the derivative jumps)."""
    def draw(rng, shape):
        x = np.asarray(rng.standard_normal(shape))
        while True:
            near = np.zeros(x.shape, dtype=bool)
            for kink in kinks:
                near |= np.abs(x - kink) < gap
            if not near.any():
                return x
            x = np.where(near, rng.standard_normal(shape), x)
    draw.__name__ = f"away_from{kinks}"
    return draw


def distinct(rng, shape):
    """A shuffled grid with step 0.1: no two elements within 0.1 (for max/min)."""
    size = int(np.prod(shape, dtype=np.int64))
    return ((rng.permutation(size) - size // 2) * 0.1 + 0.03).reshape(shape)


def exact_in_float32(rng, shape):
    """Multiples of 1/64 in [-2, 2]: exact in float32, and so is x ± 2**-10
    (for checking casts to float32 with finite differences that lose nothing)."""
    return rng.integers(-128, 129, shape) / 64


# ---------------------------------------------------------------- sample sets
BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)),
                   ((4,), ()), ((), (2, 3)), ((), ())]


def unary(draw):
    return [Sample((draw(3, 4),)), Sample((draw(5),)), Sample((draw(),)), Sample((draw(2, 1, 3),))]


def binary(draw):
    return [Sample((draw(*a), draw(*b))) for a, b in BROADCAST_PAIRS]


def separated_binary(draw):
    """Broadcasting pairs with no ties between them (maximum, minimum)."""
    return [Sample(draw.separated(a, b)) for a, b in BROADCAST_PAIRS]


def with_scalar(scalar):
    """A tensor and a Python number (the row decides on which side it goes)."""
    return lambda draw: [Sample((draw(3, 4), scalar)), Sample((draw(5), scalar)),
                         Sample((draw(), scalar))]


REDUCTION_DIMS = [None, 0, 1, -1, (0, 2), (-1, -3), (2, 0, 1), [1, -1]]


def reduction(draw):
    """Full reductions, single dims (also negative), tuple dims, with and without
    keepdim; a vector; a 0-d tensor; dim=() (all dims, as in PyTorch)."""
    return spread(draw) + [Sample((draw(),), {"dim": None, "keepdim": False}),
                           Sample((draw(),), {"dim": -1, "keepdim": True}),
                           Sample((draw(2, 3),), {"dim": (), "keepdim": False}),
                           Sample((draw(2, 3),), {"dim": (), "keepdim": True})]


def spread(draw):
    """``reduction`` without the 0-d tensor, whose variance (n - 1 = 0) is undefined,
    and without dim=(), where PyTorch's var/std backward reduce nothing (inf gradients)."""
    x = draw(2, 3, 4)
    samples = [Sample((x,), {"dim": dim, "keepdim": keepdim})
               for dim in REDUCTION_DIMS for keepdim in (False, True)]
    return samples + [Sample((draw(5),), {"dim": -1, "keepdim": True})]


def reduction_with_dim(draw):
    """Reductions that require a dim (logsumexp): single, negative and tuple dims."""
    x = draw(2, 3, 4)
    return [Sample((x,), {"dim": dim, "keepdim": keepdim})
            for dim in (0, -1, (0, 2), (-1, -2, -3)) for keepdim in (False, True)] + [
        Sample((draw(5),), {"dim": 0, "keepdim": False})]


def along_one_dim(draw):
    """softmax-like ops: one dim, negative too; a vector and a 0-d tensor."""
    return [Sample((draw(3, 4),), {"dim": dim}) for dim in (0, 1, -1)] + [
        Sample((draw(2, 3, 4),), {"dim": 1}), Sample((draw(5),), {"dim": 0}),
        Sample((draw(),), {"dim": 0})]


def max_with_dim(draw):
    x = draw(3, 4)
    return [Sample((x,), {"dim": dim, "keepdim": keepdim})
            for dim in (0, 1, -1) for keepdim in (False, True)] + [
        Sample((draw(2, 3, 4),), {"dim": -2, "keepdim": False})]


def matmul_samples(draw):
    shapes = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
              ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)), ((2, 1, 3, 4), (5, 4, 2)),
              ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]
    return [Sample((draw(*a), draw(*b))) for a, b in shapes]


def pad_samples(draw):
    """Every mode padding the last 1, 2 and 3 dims (PyTorch pads the last k dims of
    non-constant modes only for (k+1)- or (k+2)-D inputs), and a padding value."""
    x, x4 = draw(2, 3, 4), draw(1, 2, 3, 3)
    samples = [Sample((x if len(pad) < 6 else x4,), {"pad": pad, "mode": mode})
               for mode in ("constant", "reflect", "replicate", "circular")
               for pad in ((1, 2), (2, 0, 0, 1), (1, 1, 2, 1, 0, 1))]
    return samples + [Sample((x,), {"pad": (1, 1), "mode": "constant", "value": 2.5}),
                      Sample((x,), {"pad": (0, 0, 1, 0), "mode": "replicate"}),
                      Sample((draw(5),), {"pad": (2, 1), "mode": "constant"}),
                      Sample((draw(3, 5),), {"pad": (2, 3), "mode": "reflect"})]


def index_samples(draw):
    """Keys of every kind; integer arrays with repeated indices; boolean masks."""
    x = draw(4, 5)
    keys = [
        1, -1, slice(1, 3), (slice(None), 2), (-2, slice(0, 5, 2)), (Ellipsis, 1),
        slice(-10, 10, 3), (slice(3, 1), slice(None)),                # out of range; empty
        (Ellipsis, None, slice(0, 5, 2)), None, (slice(None), None, -1),
        np.array([0, 2, 2, 3, 0]),                                  # repeated rows
        np.array([[1, 1], [3, -4]]),                                # a 2-D index, repeated
        (np.array([1, 1, 3]), np.array([0, 4, 0])),                 # repeated (row, col) pairs
        (slice(None), np.array([4, -1, 1])),                        # columns 4 and -1 repeat
        (slice(1, 3), [0, 0, 2]),                                   # a Python list
        draw.mask(4, 5),                                            # a full mask
        draw.mask(4),                                               # a mask of rows
        (slice(None), np.array([True, False, True, True, False])),  # a mask of columns
    ]
    x3 = draw(2, 3, 4)
    keys3 = [  # an int (or a 0-d index) and an array apart: PyTorch indexes with the int first
        (1, Ellipsis, np.array([0, 3, 3])), (-1, slice(None), np.array([[2], [0]])),
        (np.array(1), slice(None), np.array([0, 3, 3])), (np.array([1, 0]), 2, np.array([3, 3])),
        (None, 0, np.array([2, 2]), None)]
    return [Sample((x, key)) for key in keys] + [Sample((x3, key)) for key in keys3]


def negative_step_samples(draw):
    """Negative steps (PyTorch has none: the reference flips instead)."""
    return [Sample((draw(4, 5),))]


# ---------------------------------------------------------------- PyTorch spellings
def torch_reduce(function):
    """A reduction on torch that also takes dim=None with keepdim (as minigrad does)."""
    def ref(x, dim, keepdim):
        return function(x, dim=dim, keepdim=keepdim)
    return ref


def mg_reduce(function):
    def op(x, dim, keepdim):
        return function(x, dim, keepdim=keepdim)
    return op


OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
             "/": lambda a, b: a / b, "**": lambda a, b: a ** b}


EMPTY = {   # lib: minigrad or torch; x: (0, 3), y: (3,)
    "add": lambda lib, x, y: x + y,
    "sum": lambda lib, x, y: lib.sum(x, 0) * y,
    "matmul": lambda lib, x, y: lib.matmul(x.T, x) + y,
    "cat": lambda lib, x, y: lib.cat([x, y.reshape(1, 3)]),
    "amax": lambda lib, x, y: lib.amax(x, 1),
}


# ---------------------------------------------------------------- the table
OPS = [
    # ---- operators
    OpInfo("add", lambda a, b: a + b, lambda a, b: a + b, binary),
    OpInfo("sub", lambda a, b: a - b, lambda a, b: a - b, binary),
    OpInfo("mul", lambda a, b: a * b, lambda a, b: a * b, binary),
    OpInfo("div", lambda a, b: a / b, lambda a, b: a / b, binary, away_from(0.0, gap=0.3)),
    OpInfo("neg", lambda a: -a, lambda a: -a, unary),
    OpInfo("pos", lambda a: +a, lambda a: +a, unary),
    OpInfo("pow_tensor_tensor", lambda a, b: a ** b, lambda a, b: a ** b, binary, positive),
    OpInfo("add_scalar", lambda a, s: a + s, lambda a, s: a + s, with_scalar(2.5)),
    OpInfo("radd_scalar", lambda a, s: s + a, lambda a, s: s + a, with_scalar(2.5)),
    OpInfo("sub_scalar", lambda a, s: a - s, lambda a, s: a - s, with_scalar(2.5)),
    OpInfo("rsub_scalar", lambda a, s: s - a, lambda a, s: s - a, with_scalar(2.5)),
    OpInfo("rsub_int", lambda a, s: s - a, lambda a, s: s - a, with_scalar(3)),
    OpInfo("mul_scalar", lambda a, s: a * s, lambda a, s: a * s, with_scalar(-1.5)),
    OpInfo("rmul_scalar", lambda a, s: s * a, lambda a, s: s * a, with_scalar(-1.5)),
    OpInfo("div_scalar", lambda a, s: a / s, lambda a, s: a / s, with_scalar(4.0)),
    OpInfo("rdiv_scalar", lambda a, s: s / a, lambda a, s: s / a, with_scalar(2.0), positive),
    OpInfo("pow_scalar_2", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(2)),
    OpInfo("pow_scalar_3", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(3.0)),
    OpInfo("pow_scalar_0", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(0)),
    OpInfo("pow_scalar_half", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(0.5), positive),
    OpInfo("pow_scalar_negative", lambda a, s: a ** s, lambda a, s: a ** s, with_scalar(-1.5),
           positive),
    OpInfo("rpow_scalar", lambda a, s: s ** a, lambda a, s: s ** a, with_scalar(2.0)),
    OpInfo("rpow_scalar_below_one", lambda a, s: s ** a, lambda a, s: s ** a, with_scalar(0.5)),
    OpInfo("mg_pow", mg.pow, torch.pow, binary, positive),
    # ---- math functions
    OpInfo("exp", mg.exp, torch.exp, unary),
    OpInfo("log", mg.log, torch.log, unary, positive),
    OpInfo("sqrt", mg.sqrt, torch.sqrt, unary, positive),
    OpInfo("abs", mg.abs, torch.abs, unary, away_from(0.0)),
    OpInfo("abs_builtin", lambda x: abs(x), lambda x: abs(x), unary, away_from(0.0)),
    OpInfo("sin", mg.sin, torch.sin, unary),
    OpInfo("cos", mg.cos, torch.cos, unary),
    OpInfo("tanh", mg.tanh, torch.tanh, unary),
    OpInfo("erf", mg.erf, torch.erf, unary),
    # log10 ... expm1: functions and methods
    OpInfo("log10", mg.log10, torch.log10, unary, positive),
    OpInfo("log2", lambda x: x.log2(), lambda x: x.log2(), unary, positive),
    OpInfo("log1p", mg.log1p, torch.log1p, unary, positive),
    OpInfo("log1p_method_near_zero", lambda x: (x * 1e-3).log1p(), lambda x: (x * 1e-3).log1p(), unary),
    OpInfo("expm1", mg.expm1, torch.expm1, unary),
    OpInfo("expm1_method", lambda x: x.expm1(), lambda x: x.expm1(), unary),
    # ---- activations
    OpInfo("sigmoid", mg.sigmoid, torch.sigmoid, unary),
    OpInfo("relu", mg.relu, torch.relu, unary, away_from(0.0)),
    OpInfo("leaky_relu", mg.leaky_relu, TF.leaky_relu, unary, away_from(0.0)),
    OpInfo("leaky_relu_slope", lambda x: mg.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2),
           unary, away_from(0.0)),
    OpInfo("gelu", mg.gelu, TF.gelu, unary),
    OpInfo("gelu_tanh", lambda x: mg.gelu(x, approximate="tanh"),
           lambda x: TF.gelu(x, approximate="tanh"), unary),
    OpInfo("softplus", mg.softplus, TF.softplus, unary),
    OpInfo("softplus_beta_threshold", lambda x: mg.softplus(x, beta=2.0, threshold=3.0),
           lambda x: TF.softplus(x, beta=2.0, threshold=3.0), unary, away_from(1.5)),
    # ---- selection
    OpInfo("clamp", lambda x: mg.clamp(x, -0.5, 0.7), lambda x: torch.clamp(x, -0.5, 0.7), unary,
           away_from(-0.5, 0.7)),
    OpInfo("clamp_min", lambda x: x.clamp(min=0.1), lambda x: x.clamp(min=0.1), unary,
           away_from(0.1)),
    OpInfo("clamp_max", lambda x: x.clamp(max=-0.2), lambda x: x.clamp(max=-0.2), unary,
           away_from(-0.2)),
    OpInfo("clip", lambda x: mg.clip(x, -1.0, 1.0), lambda x: torch.clip(x, -1.0, 1.0), unary,
           away_from(-1.0, 1.0)),
    OpInfo("clamp_tensor_min", lambda x, lo: mg.clamp(x, min=lo), lambda x, lo: torch.clamp(x, min=lo),
           lambda draw: [Sample(draw.separated((3, 4), (4,))),
                         Sample(draw.separated((2, 3), (2, 3)))]),
    OpInfo("clamp_tensor_bounds", lambda x, lo, hi: x.clamp(lo, hi),
           lambda x, lo, hi: x.clamp(lo, hi),
           lambda draw: [Sample((draw(3, 4), draw(4) - 2.5, draw(3, 1) + 2.5))], away_from(0.0)),
    OpInfo("maximum", mg.maximum, torch.maximum, separated_binary),
    OpInfo("minimum", mg.minimum, torch.minimum, separated_binary),
    OpInfo("max_binary", lambda a, b: mg.max(a, b), lambda a, b: torch.max(a, b),
           lambda draw: [Sample(draw.separated((3, 4), (4,)))]),
    OpInfo("min_binary", lambda a, b: a.min(b), lambda a, b: a.min(b),
           lambda draw: [Sample(draw.separated((3, 1), (1, 4)))]),
    OpInfo("where", mg.where, torch.where, lambda draw: [
        Sample((draw.mask(3, 4), draw(3, 4), draw(3, 4))),
        Sample((draw.mask(3, 4), draw(4), draw(3, 1))),
        Sample((draw.mask(3, 1), draw(1, 4), 0.5)),
        Sample((draw.mask(4), -1.0, draw(2, 4))),
        Sample((draw.mask(), draw(2), draw()))]),
    # ---- reductions
    OpInfo("sum", mg_reduce(mg.sum), torch_reduce(torch.sum), reduction),
    OpInfo("mean", mg_reduce(mg.mean), torch_reduce(torch.mean), reduction),
    OpInfo("var", mg_reduce(mg.var), torch_reduce(torch.var), spread),
    OpInfo("std", mg_reduce(mg.std), torch_reduce(torch.std), spread),
    OpInfo("var_correction_0", lambda x, dim, keepdim: x.var(dim, correction=0, keepdim=keepdim),
           lambda x, dim, keepdim: x.var(dim, correction=0, keepdim=keepdim), spread),
    OpInfo("std_unbiased_false", lambda x, dim, keepdim: x.std(dim, unbiased=False, keepdim=keepdim),
           lambda x, dim, keepdim: x.std(dim, unbiased=False, keepdim=keepdim), spread),
    OpInfo("var_std_all_dims_as_empty_tuple",      # torch's own backward mishandles dim=() here
           lambda x, name, keepdim: getattr(mg, name)(x, (), keepdim=keepdim),
           lambda x, name, keepdim: getattr(torch, name)(x, None, keepdim=keepdim),
           lambda draw: [Sample((draw(2, 3), name, keepdim))
                         for name in ("var", "std") for keepdim in (False, True)]),
    OpInfo("amax", mg_reduce(mg.amax), torch_reduce(torch.amax), reduction, distinct),
    OpInfo("amin", mg_reduce(mg.amin), torch_reduce(torch.amin), reduction, distinct),
    OpInfo("max", lambda x: mg.max(x), torch.max, unary, distinct),
    OpInfo("min", lambda x: x.min(), lambda x: x.min(), unary, distinct),
    OpInfo("max_dim", mg_reduce(mg.max), torch_reduce(torch.max), max_with_dim, distinct),
    OpInfo("min_dim", lambda x, dim, keepdim: x.min(dim=dim, keepdim=keepdim),
           lambda x, dim, keepdim: x.min(dim=dim, keepdim=keepdim), max_with_dim, distinct),
    OpInfo("logsumexp", mg_reduce(mg.logsumexp), torch_reduce(torch.logsumexp),
           reduction_with_dim),
    OpInfo("softmax", mg.softmax, torch.softmax, along_one_dim),
    OpInfo("log_softmax", mg.log_softmax, torch.log_softmax, along_one_dim),
    # ---- linear algebra
    OpInfo("matmul", mg.matmul, torch.matmul, matmul_samples),
    OpInfo("matmul_operator", lambda a, b: a @ b, lambda a, b: a @ b,
           lambda draw: [Sample((draw(2, 3), draw(3, 3))), Sample((draw(3), draw(2, 3, 2)))]),
    # mm, bmm, einsum
    OpInfo("mm", mg.mm, torch.mm, lambda draw: [Sample((draw(3, 4), draw(4, 2))),
                                                 Sample((draw(1, 3), draw(3, 1)))]),
    OpInfo("mm_method", lambda a, b: a.mm(b), lambda a, b: a.mm(b),
           lambda draw: [Sample((draw(2, 5), draw(5, 3)))]),
    OpInfo("bmm", mg.bmm, torch.bmm, lambda draw: [Sample((draw(2, 3, 4), draw(2, 4, 2))),
                                                   Sample((draw(1, 2, 2), draw(1, 2, 3)))]),
    OpInfo("bmm_method", lambda a, b: a.bmm(b), lambda a, b: a.bmm(b),
           lambda draw: [Sample((draw(3, 2, 4), draw(3, 4, 1)))]),
    OpInfo("einsum", lambda *xs, equation: mg.einsum(equation, *xs),
           lambda *xs, equation: torch.einsum(equation, *xs), lambda draw: [
               Sample((draw(2, 3), draw(3, 4)), {"equation": "ij,jk->ik"}),
               Sample((draw(2, 3), draw(3, 4)), {"equation": "ij,jk"}),            # implicit output
               Sample((draw(2, 2, 3), draw(2, 3, 4)), {"equation": "bij,bjk->bik"}),
               Sample((draw(3, 3),), {"equation": "ii->i"}),                        # a diagonal
               Sample((draw(3, 3),), {"equation": "ii"}),                           # the trace
               Sample((draw(2, 3),), {"equation": "ij->"}),
               Sample((draw(2, 3),), {"equation": "ji"}),                           # a transpose
               Sample((draw(3), draw(4)), {"equation": "i,j->ij"}),
               Sample((draw(3, 3, 2), draw(2, 4)), {"equation": "iij,jk->ik"}),
               Sample((draw(2, 3), draw(3, 4), draw(4, 2)), {"equation": "ij,jk,kl->il"}),
               Sample((draw(5, 2, 3), draw(1, 3, 4)), {"equation": "...ij,...jk->...ik"}),
               Sample((draw(2, 3, 4), draw(4)), {"equation": "...i,i"}),
               Sample((draw(2, 1), draw(3, 4)), {"equation": "ij,jk->ik"}),         # j broadcasts
               Sample((draw(2, 3), draw(4, 3, 5), draw(2, 5)), {"equation": "bn,anm,bm->ba"}),
               Sample((draw(2, 3), draw(3, 2)), {"equation": "Ab,bA->A"})]),
    OpInfo("einsum_operand_list", lambda a, b: mg.einsum("i,i->", [a, b]),
           lambda a, b: torch.einsum("i,i->", [a, b]), lambda draw: [Sample((draw(4), draw(4)))]),
    # ---- shape
    OpInfo("reshape", lambda x, shape: x.reshape(*shape), lambda x, shape: x.reshape(*shape),
           lambda draw: [Sample((draw(2, 3, 4),), {"shape": (4, -1)}),
                         Sample((draw(6),), {"shape": (3, 1, 2)}),
                         Sample((draw(),), {"shape": (1, 1)})]),
    OpInfo("mg_reshape_tuple", mg.reshape, torch.reshape,
           lambda draw: [Sample((draw(2, 3), (3, 2))), Sample((draw(1, 1), ())),
                         Sample((draw(2, 3), (-1,)))]),
    OpInfo("view", lambda x, shape: x.view(*shape), lambda x, shape: x.view(*shape),
           lambda draw: [Sample((draw(2, 3, 4),), {"shape": (-1,)}),
                         Sample((draw(2, 3, 4),), {"shape": (6, 4)})]),
    OpInfo("flatten", lambda x, dims: x.flatten(*dims), lambda x, dims: x.flatten(*dims),
           lambda draw: [Sample((draw(2, 3, 4),), {"dims": dims})
                         for dims in ((), (1,), (0, 1), (-2, -1))] + [
               Sample((draw(),), {"dims": ()})]),
    OpInfo("mg_flatten", mg.flatten, torch.flatten, lambda draw: [Sample((draw(2, 3, 4),))]),
    OpInfo("transpose", lambda x, d0, d1: x.transpose(d0, d1), lambda x, d0, d1: x.transpose(d0, d1),
           lambda draw: [Sample((draw(2, 3, 4), 0, -1)), Sample((draw(2, 3, 4), 1, 2)),
                         Sample((draw(3, 4), 1, 0))]),
    OpInfo("mg_transpose", mg.transpose, torch.transpose, lambda draw: [Sample((draw(3, 4), 0, 1))]),
    OpInfo("T", lambda x: x.T, lambda x: x.T, lambda draw: [Sample((draw(3, 4),)), Sample((draw(1, 5),))]),
    OpInfo("mT", lambda x: x.mT, lambda x: x.mT, lambda draw: [Sample((draw(2, 3, 4),))]),
    OpInfo("permute", lambda x, dims: x.permute(*dims), lambda x, dims: x.permute(*dims),
           lambda draw: [Sample((draw(2, 3, 4),), {"dims": (2, 0, 1)}),
                         Sample((draw(2, 3, 4),), {"dims": (-1, 0, -2)})]),
    OpInfo("mg_permute", lambda x: mg.permute(x, (1, 0)), lambda x: torch.permute(x, (1, 0)),
           lambda draw: [Sample((draw(3, 4),))]),
    OpInfo("squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(),
           lambda draw: [Sample((draw(1, 3, 1),)), Sample((draw(1, 1),))]),
    OpInfo("squeeze_dim", lambda x, dim: x.squeeze(dim), lambda x, dim: x.squeeze(dim),
           lambda draw: [Sample((draw(1, 3, 1), dim)) for dim in (0, -1, 1, (0, 2))]),
    OpInfo("unsqueeze", lambda x, dim: x.unsqueeze(dim), lambda x, dim: x.unsqueeze(dim),
           lambda draw: [Sample((draw(3, 4), dim)) for dim in (0, 1, 2, -1, -3)] + [
               Sample((draw(), 0))]),
    OpInfo("expand", lambda x, sizes: x.expand(*sizes), lambda x, sizes: x.expand(*sizes),
           lambda draw: [Sample((draw(3, 1),), {"sizes": (2, -1, 4)}),
                         Sample((draw(3),), {"sizes": (2, 3)}),
                         Sample((draw(),), {"sizes": (2, 2)})]),
    OpInfo("expand_as", lambda x, y: x.expand_as(y), lambda x, y: x.expand_as(y),
           lambda draw: [Sample((draw(3, 1), draw(2, 3, 4)))]),
    OpInfo("broadcast_to", lambda x, shape: mg.broadcast_to(x, shape),
           lambda x, shape: torch.broadcast_to(x, shape),
           lambda draw: [Sample((draw(3, 1),), {"shape": (2, 3, 4)}),
                         Sample((draw(),), {"shape": (2, 2)})]),
    OpInfo("cat", lambda *xs, dim: mg.cat(xs, dim=dim), lambda *xs, dim: torch.cat(xs, dim=dim),
           lambda draw: [Sample((draw(2, 3), draw(2, 1), draw(2, 2)), {"dim": 1}),
                         Sample((draw(2, 3), draw(1, 3)), {"dim": 0}),
                         Sample((draw(2, 3, 2), draw(2, 3, 1)), {"dim": -1}),
                         Sample((draw(3),), {"dim": 0})]),
    OpInfo("cat_same_tensor", lambda a: mg.cat([a, a], 0), lambda a: torch.cat([a, a], 0),
           lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("stack", lambda *xs, dim: mg.stack(xs, dim=dim), lambda *xs, dim: torch.stack(xs, dim=dim),
           lambda draw: [Sample((draw(2, 3), draw(2, 3)), {"dim": dim}) for dim in (0, 1, -1)] + [
               Sample((draw(), draw(), draw()), {"dim": 0})]),
    OpInfo("split", lambda x, size, dim: mg.split(x, size, dim), torch.split,
           lambda draw: [Sample((draw(3, 5), 2, 1)), Sample((draw(4, 2), [1, 3], 0)),
                         Sample((draw(2, 6), 3, -1)), Sample((draw(2, 3), 5, 1))]),
    OpInfo("split_method", lambda x, size, dim: x.split(size, dim), lambda x, size, dim: x.split(size, dim),
           lambda draw: [Sample((draw(5, 2), [2, 0, 3], 0))]),
    OpInfo("chunk", lambda x, chunks, dim: mg.chunk(x, chunks, dim), torch.chunk,
           lambda draw: [Sample((draw(2, 7), 3, -1)), Sample((draw(2, 6), 3, 1)),
                         Sample((draw(5, 2), 2, 0)), Sample((draw(2, 2), 4, 1))]),
    OpInfo("narrow", mg.narrow, torch.narrow,
           lambda draw: [Sample((draw(3, 4), 1, 1, 2)), Sample((draw(3, 4), -2, 0, 1)),
                         Sample((draw(2, 3, 4), 2, 3, 1)), Sample((draw(2, 3, 4), -1, -3, 2))]),
    OpInfo("pad", lambda x, **options: mg.pad(x, **options), lambda x, **options: TF.pad(x, **options),
           pad_samples),
    OpInfo("getitem", lambda x, key: x[key], lambda x, key: x[key], index_samples),
    OpInfo("getitem_negative_step", lambda x: x[::-1, 4:0:-2], lambda x: x.flip(0).flip(1)[:, 0:4:2],
           negative_step_samples),
    # ---- tensors with no elements
    OpInfo("empty_tensors", lambda x, y, name: EMPTY[name](mg, x, y),
           lambda x, y, name: EMPTY[name](torch, x, y),
           lambda draw: [Sample((draw(0, 3), draw(3), name)) for name in EMPTY]),
    # ---- dtype and copies
    OpInfo("clone", lambda x: x.clone(), lambda x: x.clone(), unary),
    OpInfo("to_float32", lambda x: x.to(mg.float32), lambda x: x.to(torch.float32), unary,
           exact_in_float32, gradcheck_eps=2 ** -10),
    OpInfo("to_dtype_keyword", lambda x: x.float().to(dtype=mg.float64),
           lambda x: x.float().to(dtype=torch.float64), unary, exact_in_float32,
           gradcheck_eps=2 ** -10),
    OpInfo("to_int64", lambda x: x.to(mg.int64), lambda x: x.to(torch.int64), unary,
           differentiable=False),
    OpInfo("int_to_float", lambda i, dtype: i.to(getattr(mg, dtype)), lambda i, dtype: i.to(getattr(torch, dtype)),
           lambda draw: [Sample((np.array([[1, -2], [3, 0]]), dtype)) for dtype in ("float64", "float32")]
           + [Sample((np.array([True, False]), "float64"))], differentiable=False),
    OpInfo("int_double", lambda i: i.double(), lambda i: i.double(),
           lambda draw: [Sample((np.arange(4),))], differentiable=False),
    # ---- type promotion (the float32 forward test mixes dtypes here)
    OpInfo("promote_int_tensor", lambda a, i: a * i, lambda a, i: a * i,
           lambda draw: [Sample((draw(3, 4), np.array([1, -2, 3, 0]))),
                         Sample((draw(), np.array([2, 3]))), Sample((draw(3, 1), np.array(2)))]),
    OpInfo("promote_int_tensor_reflected", lambda a, i: i - a, lambda a, i: i - a,
           lambda draw: [Sample((draw(3, 4), np.array([1, -2, 3, 0])))]),
    OpInfo("promote_bool_tensor", lambda a, m: mg.maximum(a, m), lambda a, m: torch.maximum(a, m),
           lambda draw: [Sample((draw(3, 4), draw.mask(4)))], away_from(0.0, 1.0)),
    OpInfo("promote_0d_double", lambda a, b: a * b.double(), lambda a, b: a * b.double(),
           lambda draw: [Sample((draw(3, 4), draw())), Sample((draw(), draw(2)))]),
    OpInfo("int_functions", lambda i, name: getattr(mg, name)(i), lambda i, name: getattr(torch, name)(i),
           lambda draw: [Sample((np.array([[0, 1], [-2, 3]]), name))
                         for name in ("exp", "sin", "tanh", "sigmoid", "abs", "relu", "erf",
                                      "expm1")],
           differentiable=False),
    OpInfo("int_arithmetic", lambda i, j, name: OPERATORS[name](i, j),
           lambda i, j, name: OPERATORS[name](i, j),
           lambda draw: [Sample((np.array([[1, 5], [3, 4]]), j, name))
                         for name in ("+", "-", "*", "/", "**")
                         for j in (np.array([2, 1]), 2, 0.5)],
           differentiable=False),
    # ---- selecting, ordering and index-driven ops (narrow, roll, tril/triu,
    #      masked_fill, sort/argsort/topk, gather/scatter/scatter_add, one_hot)
    OpInfo("narrow_method", lambda x, *args: x.narrow(*args), lambda x, *args: x.narrow(*args),
           lambda draw: [Sample((draw(3, 4), 1, 1, 2)), Sample((draw(3, 4), 0, -3, 3)),
                         Sample((draw(3, 4), -1, 4, 0))]),
    OpInfo("roll", mg.roll, torch.roll,
           lambda draw: [Sample((draw(3, 4), 1)), Sample((draw(3, 4), -5)),
                         Sample((draw(3, 4), (1, -2), (0, 1))), Sample((draw(2, 3, 4), 5, -1)),
                         Sample((draw(3, 4), [2], [0])), Sample((draw(), 3)),
                         Sample((draw(2, 3), 1, 0))]),
    OpInfo("roll_method", lambda x, s, d: x.roll(s, d), lambda x, s, d: x.roll(s, d),
           lambda draw: [Sample((draw(2, 3, 4), (-1, 2, 7), (2, 0, 1)))]),
    OpInfo("tril", mg.tril, torch.tril,
           lambda draw: [Sample((draw(3, 4),))] + [
               Sample((draw(3, 4), k)) for k in (1, -1, 5, -5)] + [
               Sample((draw(2, 4, 3), -1)), Sample((draw(1, 1),))]),
    OpInfo("triu", mg.triu, torch.triu,
           lambda draw: [Sample((draw(3, 4),))] + [
               Sample((draw(3, 4), k)) for k in (1, -2, 4, -3)] + [
               Sample((draw(2, 4, 3), 1))]),
    OpInfo("tril_triu_methods", lambda x, k: x.tril(k) + 2 * x.triu(-k),
           lambda x, k: x.tril(k) + 2 * x.triu(-k), lambda draw: [Sample((draw(4, 4), 1))]),
    OpInfo("masked_fill", mg.masked_fill, torch.masked_fill,
           lambda draw: [Sample((draw(3, 4), draw.mask(3, 4), 2.5)),
                         Sample((draw(3, 4), draw.mask(4), -1.0)),
                         Sample((draw(3, 4), draw.mask(3, 1), 0)),
                         Sample((draw(4), draw.mask(3, 4), 0.5)),     # x broadcast to the mask
                         Sample((draw(3, 4), draw.mask(3, 4), draw())),   # a 0-d tensor value
                         Sample((draw(), np.array(True), 1.5))]),
    OpInfo("masked_fill_method", lambda x, m, v: x.masked_fill(m, v),
           lambda x, m, v: x.masked_fill(m, v),
           lambda draw: [Sample((draw(2, 3), draw.mask(2, 3), draw()))]),
    OpInfo("sort", lambda x, **kw: mg.sort(x, **kw), lambda x, **kw: torch.sort(x, **kw),
           lambda draw: [Sample((draw(3, 5),)), Sample((draw(3, 5),), {"dim": 0}),
                         Sample((draw(3, 5),), {"dim": -1, "descending": True}),
                         Sample((draw(2, 3, 4),), {"dim": 1, "descending": True}),
                         Sample((draw(5),), {"descending": False}), Sample((draw(),))],
           distinct),
    OpInfo("sort_method", lambda x: x.sort(0, True), lambda x: x.sort(0, True),
           lambda draw: [Sample((draw(4, 3),))], distinct),
    OpInfo("argsort", lambda x, **kw: mg.argsort(x, **kw), lambda x, **kw: torch.argsort(x, **kw),
           lambda draw: [Sample((draw(3, 5),)), Sample((draw(3, 5),), {"dim": 0, "descending": True}),
                         Sample((np.array([[2, 1, 2, 0, 1], [1, 1, 1, 0, 0]]),),
                                {"dim": 1, "descending": True, "stable": True}),
                         Sample((np.array([3, 1, 3, 1, 2]),), {"stable": True}),
                         Sample((np.array([1.0, np.nan, -np.inf, 2.0]),), {"descending": True})],
           distinct, differentiable=False),
    OpInfo("topk", lambda x, k, **kw: mg.topk(x, k, **kw), lambda x, k, **kw: torch.topk(x, k, **kw),
           lambda draw: [Sample((draw(3, 5), 2)), Sample((draw(3, 5), 3), {"dim": 0}),
                         Sample((draw(3, 5), 1), {"largest": False}),
                         Sample((draw(2, 3, 4), 4), {"dim": -1, "largest": True, "sorted": True}),
                         Sample((draw(3, 5), 0)), Sample((draw(6), 6), {"largest": False})],
           distinct),
    OpInfo("topk_method", lambda x: x.topk(2, 0).values, lambda x: x.topk(2, 0).values,
           lambda draw: [Sample((draw(4, 3),))], distinct),
    OpInfo("gather", mg.gather, torch.gather,
           lambda draw: [Sample((draw(3, 4), 1, np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]]))),
                         Sample((draw(3, 4), 0, np.array([[2, 0, 1, 2], [0, 0, 0, 1]]))),
                         Sample((draw(3, 4), -1, np.array([[1], [0]]))),     # smaller than x
                         Sample((draw(2, 3, 4), 2, np.array([[[3, 0]], [[1, 1]]]))),
                         Sample((draw(3, 4), 1, np.zeros((3, 0), dtype=np.int64))),
                         Sample((draw(), 0, np.array(0)))]),
    OpInfo("gather_method", lambda x, i: x.gather(0, i), lambda x, i: x.gather(0, i),
           lambda draw: [Sample((draw(3, 2), np.array([[2, 1], [2, 2], [0, 1], [1, 0]])))]),
    OpInfo("scatter", mg.scatter, torch.scatter,
           lambda draw: [Sample((draw(3, 4), 1, np.array([[0, 3], [2, 1], [1, 0]]), draw(3, 2))),
                         Sample((draw(3, 4), 0, np.array([[2, 0, 1, 1]]), draw(1, 4))),
                         Sample((draw(3, 4), -1, np.array([[3], [0]]), 7.5)),             # a value
                         Sample((draw(2, 3, 4), 2, np.array([[[3, 0]], [[1, 2]]]), draw(2, 1, 2)))]),
    OpInfo("scatter_method", lambda x, i, v: x.scatter(1, i, value=v),
           lambda x, i, v: x.scatter(1, i, value=v),
           lambda draw: [Sample((draw(2, 3), np.array([[2, 0], [1, 2]]), -1.5))]),
    OpInfo("scatter_add", mg.scatter_add, torch.scatter_add,
           lambda draw: [Sample((draw(3, 4), 1, np.array([[0, 0, 3], [2, 2, 2], [1, 0, 1]]),
                                 draw(3, 3))),                                    # repeated
                         Sample((draw(3, 4), 0, np.array([[2, 2, 2, 0], [2, 1, 0, 0]]), draw(2, 4))),
                         Sample((draw(), 0, np.array([0, 0]), draw(2)))]),
    OpInfo("scatter_add_method", lambda x, i, s: x.scatter_add(0, i, s),
           lambda x, i, s: x.scatter_add(0, i, s),
           lambda draw: [Sample((draw(3, 2), np.array([[1, 1], [1, 0]]), draw(2, 2)))]),
    OpInfo("one_hot", mg.nn.functional.one_hot, TF.one_hot,
           lambda draw: [Sample((np.array([0, 2, 1, 2]),)), Sample((np.array([[0, 2], [1, 4]]), 6)),
                         Sample((np.array(3), 5)), Sample((np.zeros((0, 2), dtype=np.int64), 3)),
                         Sample((np.array([1, 0]), -1))],
           differentiable=False),
    # ---- repeating, rearranging and selecting (repeat, tile, repeat_interleave, flip,
    #      index_select, masked_select, view_as/reshape_as, unflatten, movedim, swapaxes,
    #      sum_to_size); nonzero, argwhere, unique: tests/test_selection_functions.py
    OpInfo("repeat", lambda x, reps: x.repeat(*reps), lambda x, reps: x.repeat(*reps),
           lambda draw: [Sample((draw(2, 3), (2, 1))), Sample((draw(2, 3), (3, 1, 2))),
                         Sample((draw(2, 3), (1, 1))), Sample((draw(3), (0, 2))),
                         Sample((draw(), (2, 3))), Sample((draw(), ((),))),
                         Sample((draw(0, 2), (2, 2)))]),
    OpInfo("repeat_tuple", lambda x: x.repeat((2, 2)), lambda x: x.repeat((2, 2)),
           lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("tile", mg.tile, torch.tile,
           lambda draw: [Sample((draw(2, 3), (2,))), Sample((draw(2, 3), (2, 1, 2))),
                         Sample((draw(2, 3), ())), Sample((draw(), (3,)))]),
    OpInfo("tile_method", lambda x: x.tile(2, 1), lambda x: x.tile(2, 1),
           lambda draw: [Sample((draw(3),)), Sample((draw(2, 3),))]),
    OpInfo("repeat_interleave", lambda x, r, **kw: mg.repeat_interleave(x, r, **kw),
           lambda x, r, **kw: torch.repeat_interleave(x, r, **kw),
           lambda draw: [Sample((draw(2, 3), 2)), Sample((draw(2, 3), 3), {"dim": 1}),
                         Sample((draw(2, 3), np.array([1, 0, 3])), {"dim": -1}),   # 0 and 3 copies
                         Sample((draw(2, 3), np.array([2])), {"dim": 0}),
                         Sample((draw(2, 3), np.array(2)), {"dim": 0, "output_size": 4}),
                         Sample((draw(4), np.array([0, 2, 1, 1]))),
                         Sample((draw(), 3)), Sample((draw(0, 2), 2), {"dim": 1})]),
    OpInfo("repeat_interleave_method", lambda x: x.repeat_interleave(2, 0),
           lambda x: x.repeat_interleave(2, 0), lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("flip", mg.flip, torch.flip,
           lambda draw: [Sample((draw(2, 3, 4), (0,))), Sample((draw(2, 3, 4), [-1, 0])),
                         Sample((draw(2, 3, 4), ())), Sample((draw(), (0,))),
                         Sample((draw(0, 3), (0, 1)))]),
    OpInfo("flip_method", lambda x: x.flip(1, 2) + x.flip((0,)), lambda x: x.flip(1, 2) + x.flip((0,)),
           lambda draw: [Sample((draw(2, 3, 4),))]),
    OpInfo("fliplr", mg.fliplr, torch.fliplr,
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(2, 3, 4),))]),
    OpInfo("flipud", lambda x: x.flipud(), lambda x: x.flipud(),
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(5),))]),
    OpInfo("index_select", mg.index_select, torch.index_select,
           lambda draw: [Sample((draw(3, 4), 1, np.array([3, 0, 3, 3]))),             # repeated
                         Sample((draw(3, 4), -2, np.array([2]))),
                         Sample((draw(2, 3, 4), 1, np.array(1))),                     # 0-d index
                         Sample((draw(3, 4), 0, np.zeros(0, dtype=np.int64))),
                         Sample((draw(3, 4), 0, np.array([1, 1], dtype=np.int32))),
                         Sample((draw(), 0, np.array([0])))]),
    OpInfo("index_select_method", lambda x, i: x.index_select(0, i),
           lambda x, i: x.index_select(0, i),
           lambda draw: [Sample((draw(3, 2), np.array([2, 2, 0])))]),
    OpInfo("masked_select", mg.masked_select, torch.masked_select,
           lambda draw: [Sample((draw(3, 4), draw.mask(3, 4))),
                         Sample((draw(3, 4), draw.mask(4))),             # the mask broadcast
                         Sample((draw(4), draw.mask(3, 4))),             # the input broadcast
                         Sample((draw(3, 4), np.zeros((3, 4), dtype=bool))),
                         Sample((draw(), np.array(True)))]),
    OpInfo("masked_select_method", lambda x, m: x.masked_select(m),
           lambda x, m: x.masked_select(m), lambda draw: [Sample((draw(2, 3), draw.mask(2, 1)))]),
    OpInfo("view_as", lambda x, y: x.view_as(y), lambda x, y: x.view_as(y),
           lambda draw: [Sample((draw(2, 6), draw(3, 4))), Sample((draw(1, 1), draw()))]),
    OpInfo("reshape_as", lambda x, y: x.reshape_as(y), lambda x, y: x.reshape_as(y),
           lambda draw: [Sample((draw(2, 6), draw(4, 3)))]),
    OpInfo("unflatten", mg.unflatten, torch.unflatten,
           lambda draw: [Sample((draw(2, 12), 1, (3, 4))), Sample((draw(2, 12), -1, (2, -1, 3))),
                         Sample((draw(6, 2), 0, [6])), Sample((draw(0, 4), 1, (2, 2)))]),
    OpInfo("unflatten_method", lambda x: x.unflatten(0, (-1, 2)), lambda x: x.unflatten(0, (-1, 2)),
           lambda draw: [Sample((draw(4, 3),))]),
    OpInfo("movedim", mg.movedim, torch.movedim,
           lambda draw: [Sample((draw(2, 3, 4), 0, 2)), Sample((draw(2, 3, 4), -1, 0)),
                         Sample((draw(2, 3, 4), (0, 1), (2, 0))), Sample((draw(2, 3, 4), [2], [1])),
                         Sample((draw(), 0, -1))]),
    OpInfo("moveaxis", lambda x: mg.moveaxis(x, 1, 0) + x.moveaxis(0, 1),
           lambda x: torch.moveaxis(x, 1, 0) + x.moveaxis(0, 1), lambda draw: [Sample((draw(3, 3),))]),
    OpInfo("swapaxes", mg.swapaxes, torch.swapaxes,
           lambda draw: [Sample((draw(2, 3, 4), 0, 2)), Sample((draw(2, 3, 4), -1, 1))]),
    OpInfo("swapdims_method", lambda x: x.swapdims(0, 1) * x.swapaxes(1, 0),
           lambda x: x.swapdims(0, 1) * x.swapaxes(1, 0), lambda draw: [Sample((draw(3, 3),))]),
    OpInfo("sum_to_size", lambda x, size: x.sum_to_size(*size), lambda x, size: x.sum_to_size(*size),
           lambda draw: [Sample((draw(2, 3, 4), (3, 1))), Sample((draw(2, 3, 4), (1, 3, 4))),
                         Sample((draw(2, 3, 4), (4,))), Sample((draw(2, 3, 4), (2, 3, 4))),
                         Sample((draw(2, 3), (1, 1)))]),
    OpInfo("sum_to_size_tuple", lambda x: x.sum_to_size((1, 3)), lambda x: x.sum_to_size((1, 3)),
           lambda draw: [Sample((draw(2, 3),))]),
    # ---- more reductions (prod, cumsum, cumprod, nansum, nanmean, aminmax, std_mean,
    #      var_mean, median, quantile); all/any/count_nonzero: tests/test_reduction_functions.py
    OpInfo("prod", mg.prod, torch.prod,
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(3, 4), 1)), Sample((draw(3, 4), -2, True)),
                         Sample((draw(2, 3, 4), 1), {"keepdim": False}), Sample((draw(),)),
                         Sample((draw(), 0, True)), Sample((draw(5),), {"dim": 0, "keepdims": True}),
                         Sample((np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 1.25]]), 1)),  # one zero
                         Sample((np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -1.0]]), 1)),  # two zeros
                         Sample((np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 1.25]]),)),   # one, overall
                         Sample((np.array([[0.0, 2.0], [0.0, -1.5]]),)),              # two, overall
                         Sample((draw(2, 0, 3), 1)), Sample((draw(2, 0, 3),))]),
    OpInfo("prod_dtype_method", lambda x: x.prod(0, dtype=mg.float64),
           lambda x: x.prod(0, dtype=torch.float64), lambda draw: [Sample((draw(3, 2),))]),
    OpInfo("cumsum", mg.cumsum, torch.cumsum,
           lambda draw: [Sample((draw(3, 4), 0)), Sample((draw(3, 4), -1)), Sample((draw(2, 3, 4), 1)),
                         Sample((draw(), 0)), Sample((draw(5), -1)), Sample((draw(2, 0), 1))]),
    OpInfo("cumsum_method", lambda x: x.cumsum(1, dtype=mg.float64),
           lambda x: x.cumsum(1, dtype=torch.float64), lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("cumprod", mg.cumprod, torch.cumprod,
           lambda draw: [Sample((draw(3, 4), 0)), Sample((draw(3, 4), -1)), Sample((draw(2, 3, 4), 1)),
                         Sample((draw(), 0)), Sample((draw(2, 0), 1)),
                         Sample((np.array([[1.5, 0.0, -2.0, 0.5], [0.5, 3.0, 1.25, 0.0]]), 1)),
                         Sample((np.array([[0.0, 2.0, 0.0, 1.5], [1.5, 0.0, -1.0, 0.0]]), 1)),
                         Sample((np.array([[0.0, 2.0], [0.0, 0.0], [1.5, -1.0]]), 0))]),
    OpInfo("cumprod_method", lambda x: x.cumprod(-1), lambda x: x.cumprod(-1),
           lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("nansum", mg.nansum, torch.nansum,
           lambda draw: reduction(draw) + [
               Sample((np.array([[1.5, np.nan, -2.0], [np.nan, np.nan, 0.5]]),), {"dim": 1}),
               Sample((np.array([1.5, np.nan, -2.0]),))]),
    OpInfo("nansum_method", lambda x: x.nansum(0, keepdims=True),
           lambda x: x.nansum(0, keepdims=True), lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("nanmean", mg.nanmean, torch.nanmean,
           lambda draw: spread(draw) + [
               Sample((np.array([[1.5, np.nan, -2.0], [np.nan, 3.0, 0.5]]),), {"dim": 1}),
               Sample((np.array([[1.5, np.nan, -2.0], [np.nan, 3.0, 0.5]]),), {"dim": 0})]),
    OpInfo("nanmean_method", lambda x: x.nanmean(-1), lambda x: x.nanmean(-1),
           lambda draw: [Sample((draw(2, 3),))]),
    OpInfo("aminmax", lambda x, **kw: mg.aminmax(x, **kw), lambda x, **kw: torch.aminmax(x, **kw),
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(3, 4),), {"dim": 1}),
                         Sample((draw(2, 3, 4),), {"dim": -1, "keepdim": True}),
                         Sample((draw(3, 4),), {"keepdim": True}), Sample((draw(),), {"dim": 0})],
           distinct),
    OpInfo("aminmax_method", lambda x: x.aminmax(dim=0), lambda x: x.aminmax(dim=0),
           lambda draw: [Sample((draw(3, 2),))], distinct),
    OpInfo("var_mean", lambda x, *a, **kw: mg.var_mean(x, *a, **kw),
           lambda x, *a, **kw: torch.var_mean(x, *a, **kw),
           lambda draw: spread(draw) + [
               Sample((draw(3, 4), 1), {"correction": 0}), Sample((draw(3, 4),), {"correction": 2}),
               Sample((draw(3, 4), 1, False)), Sample((draw(3, 4), True)),
               Sample((draw(3, 4),), {"dim": 0, "unbiased": False, "keepdim": True})]),
    OpInfo("std_mean", lambda x, *a, **kw: mg.std_mean(x, *a, **kw),
           lambda x, *a, **kw: torch.std_mean(x, *a, **kw),
           lambda draw: spread(draw) + [
               Sample((draw(3, 4), 1), {"correction": 0}), Sample((draw(3, 4), False)),
               Sample((draw(3, 4),), {"dim": (0, 1), "unbiased": True})]),
    OpInfo("median", lambda x, *a, **kw: mg.median(x, *a, **kw),
           lambda x, *a, **kw: torch.median(x, *a, **kw),
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(5),)), Sample((draw(),)),
                         Sample((draw(3, 4), 1)), Sample((draw(3, 5), 0, True)),
                         Sample((draw(2, 3, 4),), {"dim": -1, "keepdim": False}),
                         Sample((draw(), 0)), Sample((draw(2, 0, 3), 0))],
           distinct),
    OpInfo("median_method", lambda x: x.median(0).values * x.median(),
           lambda x: x.median(0).values * x.median(), lambda draw: [Sample((draw(4, 3),))], distinct),
    OpInfo("quantile", lambda x, q, **kw: mg.quantile(x, q, **kw),
           lambda x, q, **kw: torch.quantile(x, q, **kw),
           lambda draw: [Sample((draw(3, 4), q), {"dim": dim, "keepdim": keepdim, "interpolation": how})
                         for q, dim, keepdim, how in [
                             (0.3, None, False, "linear"), (0.0, 1, False, "linear"),
                             (1.0, -1, True, "linear"), (0.4, 0, False, "lower"),
                             (0.4, 0, True, "higher"), (0.6, 1, False, "midpoint"),
                             (0.625, None, True, "nearest"), (0.5, None, False, "midpoint")]] + [
               Sample((draw(2, 3, 4), 0.75), {"dim": 1}), Sample((draw(), 0.25)),
               Sample((draw(), 0.25), {"dim": 0, "keepdim": True})],
           distinct),
    OpInfo("quantile_tensor_q", lambda x, **kw: mg.quantile(
               x, mg.tensor([0.1, 0.5, 0.95], dtype=x.dtype, device=x.device), **kw),
           lambda x, **kw: torch.quantile(x, torch.tensor([0.1, 0.5, 0.95], dtype=x.dtype), **kw),
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(3, 4),), {"dim": 1}),
                         Sample((draw(2, 3, 4),), {"dim": 0, "keepdim": True}),
                         Sample((draw(3, 4),), {"keepdim": True, "interpolation": "nearest"})],
           distinct),
    OpInfo("quantile_method", lambda x: x.quantile(0.3, 0, interpolation="midpoint"),
           lambda x: x.quantile(0.3, 0, interpolation="midpoint"), lambda draw: [Sample((draw(4, 3),))],
           distinct),
    # ---- norms (mg.norm, mg.linalg.vector_norm / matrix_norm / norm); the 2-norm's gradient
    #      at the origin and ord=0: tests/test_reduction_functions.py
    OpInfo("vector_norm", lambda x, *a, **kw: mg.linalg.vector_norm(x, *a, **kw),
           lambda x, *a, **kw: torch.linalg.vector_norm(x, *a, **kw),
           lambda draw: [Sample((draw(2, 3, 4), ord), {"dim": dim, "keepdim": keepdim})
                         for ord in (2, 1, float("inf"), -float("inf"), 3, 0.5, 1.5, -1)
                         for dim, keepdim in ((None, False), (1, False), ((0, 2), True))] + [
               Sample((draw(5),)), Sample((draw(),), {"dim": 0}), Sample((draw(3, 4),), {"keepdims": True}),
               Sample((draw(2, 0),), {"dim": 1}), Sample((draw(2, 0), 1))]),
    OpInfo("matrix_norm", lambda x, *a, **kw: mg.linalg.matrix_norm(x, *a, **kw),
           lambda x, *a, **kw: torch.linalg.matrix_norm(x, *a, **kw),
           lambda draw: [Sample((draw(2, 3, 4), ord), {"dim": dim, "keepdim": keepdim})
                         for ord in ("fro", 1, -1, float("inf"), -float("inf"))
                         for dim, keepdim in (((-2, -1), False), ((2, 0), True))] + [
               Sample((draw(3, 4),)), Sample((draw(0, 3),))]),
    OpInfo("linalg_norm", lambda x, *a, **kw: mg.linalg.norm(x, *a, **kw),
           lambda x, *a, **kw: torch.linalg.norm(x, *a, **kw),
           lambda draw: [Sample((draw(2, 3, 4),)), Sample((draw(3, 4), 1)), Sample((draw(4), 3)),
                         Sample((draw(3, 4), float("inf"))), Sample((draw(2, 3, 4), None, 1)),
                         Sample((draw(2, 3, 4), -1, (0, 1), True)), Sample((draw(2, 3, 4), 0.5, (-1,)))]),
    OpInfo("norm", lambda x, *a, **kw: mg.norm(x, *a, **kw), lambda x, *a, **kw: torch.norm(x, *a, **kw),
           lambda draw: [Sample((draw(2, 3, 4),)), Sample((draw(3, 4), 1)), Sample((draw(3, 4), 3, 1)),
                         Sample((draw(2, 3, 4), "fro", (0, 2), True)), Sample((draw(3, 4), 2, -1)),
                         Sample((draw(2, 3, 4), float("inf"), (0, 1, 2))),
                         Sample((draw(2, 3, 4),), {"p": 1.5, "dim": (0, 1), "keepdim": False}),
                         Sample((draw(),), {"p": 2})]),
    OpInfo("norm_method", lambda x: x.norm() + x.norm(1, 0).sum(), lambda x: x.norm() + x.norm(1, 0).sum(),
           lambda draw: [Sample((draw(3, 4),))]),
    # ---- products and diagonals (dot, outer/ger, cross, addmm, baddbmm, cdist, trace, diag,
    #      diagonal); cdist at zero distance: tests/test_reduction_functions.py
    OpInfo("dot", mg.dot, torch.dot, lambda draw: [Sample((draw(4), draw(4))), Sample((draw(0), draw(0)))]),
    OpInfo("outer", mg.outer, torch.outer,
           lambda draw: [Sample((draw(3), draw(4))), Sample((draw(1), draw(2))), Sample((draw(0), draw(2)))]),
    OpInfo("ger_and_dot_methods", lambda a, b: a.ger(b).sum(1) * a.dot(a) + b.outer(a).sum(0),
           lambda a, b: a.ger(b).sum(1) * a.dot(a) + b.outer(a).sum(0), lambda draw: [Sample((draw(3), draw(3)))]),
    OpInfo("cross", lambda a, b, **kw: mg.cross(a, b, **kw), lambda a, b, **kw: torch.cross(a, b, **kw),
           lambda draw: [Sample((draw(4, 3), draw(4, 3)), {"dim": 1}), Sample((draw(3, 2), draw(3, 2)), {"dim": 0}),
                         Sample((draw(2, 1, 3), draw(1, 4, 3)), {"dim": -1}), Sample((draw(3), draw(3)), {"dim": 0})]),
    OpInfo("linalg_cross", mg.linalg.cross, torch.linalg.cross,
           lambda draw: [Sample((draw(4, 3), draw(4, 3))), Sample((draw(1, 3), draw(5, 3))),
                         Sample((draw(3, 2), draw(3, 2)), {"dim": 0})]),
    OpInfo("cross_method", lambda a, b: a.cross(b, dim=-1), lambda a, b: a.cross(b, dim=-1),
           lambda draw: [Sample((draw(2, 3), draw(2, 3)))]),
    OpInfo("addmm", lambda c, a, b, **kw: mg.addmm(c, a, b, **kw), lambda c, a, b, **kw: torch.addmm(c, a, b, **kw),
           lambda draw: [Sample((draw(2, 3), draw(2, 4), draw(4, 3))),
                         Sample((draw(3), draw(2, 4), draw(4, 3)), {"beta": 0.5, "alpha": 2.0}),
                         Sample((draw(2, 1), draw(2, 4), draw(4, 3)), {"alpha": -1.5}),
                         Sample((draw(), draw(2, 4), draw(4, 3)), {"beta": 0})]),
    OpInfo("addmm_method", lambda c, a, b: c.addmm(a, b, beta=2), lambda c, a, b: c.addmm(a, b, beta=2),
           lambda draw: [Sample((draw(2, 3), draw(2, 4), draw(4, 3)))]),
    OpInfo("baddbmm", lambda c, a, b, **kw: mg.baddbmm(c, a, b, **kw),
           lambda c, a, b, **kw: torch.baddbmm(c, a, b, **kw),
           lambda draw: [Sample((draw(2, 3, 4), draw(2, 3, 5), draw(2, 5, 4))),
                         Sample((draw(4), draw(2, 3, 5), draw(2, 5, 4)), {"beta": -0.5, "alpha": 3.0}),
                         Sample((draw(3, 1), draw(2, 3, 5), draw(2, 5, 4)), {"beta": 0, "alpha": 0.5})]),
    OpInfo("baddbmm_method", lambda c, a, b: c.baddbmm(a, b, alpha=2), lambda c, a, b: c.baddbmm(a, b, alpha=2),
           lambda draw: [Sample((draw(2, 3, 4), draw(2, 3, 5), draw(2, 5, 4)))]),
    OpInfo("cdist", lambda a, b, **kw: mg.cdist(a, b, **kw), lambda a, b, **kw: torch.cdist(a, b, **kw),
           lambda draw: [Sample((draw(4, 3), draw(5, 3)))] + [
               Sample((draw(4, 3), draw(5, 3)), {"p": p}) for p in (1.0, 3.0, 0.5, float("inf"))] + [
               Sample((draw(2, 4, 3), draw(2, 5, 3))), Sample((draw(2, 1, 4, 3), draw(3, 5, 3)), {"p": 1.5}),
               Sample((draw(0, 3), draw(2, 3)))]),
    OpInfo("trace", mg.trace, torch.trace,
           lambda draw: [Sample((draw(3, 3),)), Sample((draw(2, 4),)), Sample((draw(4, 2),)), Sample((draw(0, 3),))]),
    OpInfo("diag", mg.diag, torch.diag,
           lambda draw: [Sample((draw(3),)), Sample((draw(3), 1)), Sample((draw(2), -2)), Sample((draw(3, 4),)),
                         Sample((draw(3, 4), 2)), Sample((draw(3, 4), -1)), Sample((draw(3, 4), 5)),
                         Sample((draw(0),))]),
    OpInfo("diagonal", mg.diagonal, torch.diagonal,
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(3, 4), 1)), Sample((draw(3, 4), -2)),
                         Sample((draw(2, 3, 4), 0, 0, 2)), Sample((draw(2, 3, 4), 1, -1, 0)),
                         Sample((draw(2, 3, 4, 5), -1, 1, 3)), Sample((draw(2, 3, 4), 0, 2, 1)),
                         Sample((draw(3, 4), 9))]),
    OpInfo("diagonal_diag_trace_methods", lambda x: x.diagonal(1, -1, -2).sum() * x.diag() + x.trace(),
           lambda x: x.diagonal(1, -1, -2).sum() * x.diag() + x.trace(), lambda draw: [Sample((draw(3, 3),))]),
    # ---- more elementwise math, as PyTorch spells it (minigrad/ops/arithmetic.py,
    #      trigonometric.py, exponential.py): function and method forms
    OpInfo("clone_function", mg.clone, torch.clone, unary),
    OpInfo("square", mg.square, torch.square, unary),
    OpInfo("square_method", lambda x: x.square(), lambda x: x.square(), unary),
    OpInfo("negative", mg.negative, torch.negative, unary),
    OpInfo("neg_negative_positive_methods", lambda x: x.neg() + 2 * x.negative() + 3 * x.positive(),
           lambda x: x.neg() + 2 * x.negative() + 3 * x.positive(), unary),
    OpInfo("positive", mg.positive, torch.positive, unary),
    OpInfo("clamp_min_function", mg.clamp_min, torch.clamp_min,
           lambda draw: [Sample((draw(3, 4), 0.1)), Sample((draw(), -0.3))], away_from(0.1, -0.3)),
    OpInfo("clamp_max_function", mg.clamp_max, torch.clamp_max,
           lambda draw: [Sample((draw(3, 4), -0.2)), Sample(draw.separated((3, 4), (4,)))],
           away_from(-0.2)),
    OpInfo("clamp_min_max_methods", lambda x, lo, hi: x.clamp_min(lo).clamp_max(hi),
           lambda x, lo, hi: x.clamp_min(lo).clamp_max(hi),
           lambda draw: [Sample((draw(3, 4), -0.5, 0.6))], away_from(-0.5, 0.6)),
    OpInfo("reciprocal", mg.reciprocal, torch.reciprocal, unary, away_from(0.0, gap=0.3)),
    OpInfo("reciprocal_method", lambda x: x.reciprocal(), lambda x: x.reciprocal(), unary,
           away_from(0.0, gap=0.3)),
    OpInfo("rsqrt", mg.rsqrt, torch.rsqrt, unary, positive),
    OpInfo("rsqrt_method", lambda x: x.rsqrt(), lambda x: x.rsqrt(), unary, positive),
    OpInfo("exp2", mg.exp2, torch.exp2, unary),
    OpInfo("exp2_method", lambda x: x.exp2(), lambda x: x.exp2(), unary),
    OpInfo("sinh", mg.sinh, torch.sinh, unary),
    OpInfo("cosh", mg.cosh, torch.cosh, unary),
    OpInfo("sinh_cosh_methods", lambda x: x.sinh() * x.cosh(), lambda x: x.sinh() * x.cosh(), unary),
    OpInfo("tan", mg.tan, torch.tan, unary, lambda rng, shape: rng.uniform(-1.2, 1.2, shape)),
    OpInfo("tan_method", lambda x: x.tan(), lambda x: x.tan(), unary,
           lambda rng, shape: rng.uniform(-1.2, 1.2, shape)),
    OpInfo("asin", mg.asin, torch.asin, unary, lambda rng, shape: rng.uniform(-0.9, 0.9, shape)),
    OpInfo("acos", mg.acos, torch.acos, unary, lambda rng, shape: rng.uniform(-0.9, 0.9, shape)),
    OpInfo("asin_acos_methods", lambda x: x.asin() + x.acos() * x, lambda x: x.asin() + x.acos() * x,
           unary, lambda rng, shape: rng.uniform(-0.9, 0.9, shape)),
    OpInfo("atan", mg.atan, torch.atan, unary),
    OpInfo("atan_method", lambda x: x.atan(), lambda x: x.atan(), unary),
    OpInfo("atan2", mg.atan2, torch.atan2, binary, away_from(0.0, gap=0.2)),
    OpInfo("atan2_method", lambda a, b: a.atan2(b), lambda a, b: a.atan2(b),
           lambda draw: [Sample((draw(3, 4), draw(4)))], away_from(0.0, gap=0.2)),
    OpInfo("hypot", mg.hypot, torch.hypot, binary, away_from(0.0, gap=0.2)),
    OpInfo("hypot_method", lambda a, b: a.hypot(b), lambda a, b: a.hypot(b),
           lambda draw: [Sample((draw(2, 3), draw(2, 1)))], away_from(0.0, gap=0.2)),
    OpInfo("logaddexp", mg.logaddexp, torch.logaddexp, binary),
    OpInfo("logaddexp_far_apart", lambda a, b: a.logaddexp(b * 50), lambda a, b: a.logaddexp(b * 50),
           lambda draw: [Sample((draw(3, 4), draw(3, 4)))]),
    OpInfo("xlogy", mg.xlogy, torch.xlogy,
           lambda draw: binary(draw) + [Sample((draw(3, 4), 2.5)), Sample((1.5, draw(3, 4)))], positive),
    OpInfo("xlogy_method_zero_input", lambda x, z: (x * 0).xlogy(z) + x.xlogy(z),
           lambda x, z: (x * 0).xlogy(z) + x.xlogy(z), lambda draw: [Sample((draw(3, 4), draw(4)))],
           positive),
    OpInfo("lerp", mg.lerp, torch.lerp,
           lambda draw: [Sample((draw(3, 4), draw(3, 4), 0.3)), Sample((draw(3, 4), draw(4), 0.8)),
                         Sample((draw(3, 1), draw(4), draw(2, 1, 1))),
                         Sample((draw(5), draw(5), draw(5))), Sample((draw(), draw(), draw())),
                         Sample((draw(2, 3), draw(2, 3), -1.5)),
                         Sample((draw(2, 3), draw(2, 3), 1))]),
    OpInfo("lerp_method", lambda a, b, w: a.lerp(b, w), lambda a, b, w: a.lerp(b, w),
           lambda draw: [Sample((draw(2, 3), draw(2, 3), draw()))]),
    OpInfo("float_power", mg.float_power, torch.float_power,
           lambda draw: [Sample((draw(3, 4), 2)), Sample((draw(3, 4), -1.5)),
                         Sample((draw(3, 4), draw(4))), Sample((2.5, draw(2, 3))),
                         Sample((draw(), draw(2)))], positive),
    OpInfo("float_power_method", lambda x, e: x.float_power(e), lambda x, e: x.float_power(e),
           lambda draw: [Sample((draw(3, 4), 3))]),
    OpInfo("float_power_int_input", lambda i, e: mg.float_power(i, e), torch.float_power,
           lambda draw: [Sample((np.array([[1, 2], [3, 4]]), draw(2)))], positive),
    OpInfo("true_divide", mg.true_divide, torch.true_divide, binary, away_from(0.0, gap=0.3)),
    OpInfo("true_divide_method", lambda a, b: a.true_divide(b), lambda a, b: a.true_divide(b),
           with_scalar(4.0)),
    OpInfo("sgn", mg.sgn, torch.sgn, unary, away_from(0.0), differentiable=False),
    OpInfo("sgn_method", lambda x: x.sgn(), lambda x: x.sgn(), unary, differentiable=False),
    # ---- rounding and remainders (minigrad/ops/rounding.py): steps have gradient 0
    OpInfo("floor", mg.floor, torch.floor, unary, lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("ceil", mg.ceil, torch.ceil, unary, lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("trunc", mg.trunc, torch.trunc, unary, lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("round", mg.round, torch.round, unary, lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("round_decimals", lambda x, **kw: mg.round(x, **kw), lambda x, **kw: torch.round(x, **kw),
           lambda draw: [Sample((draw(3, 4),), {"decimals": d}) for d in (0, 1, 2, -1, -2)],
           lambda rng, shape: rng.uniform(-400, 400, shape)),
    OpInfo("rounding_methods", lambda x: x.floor() + x.ceil() * x + x.round(decimals=1) - x.trunc(),
           lambda x: x.floor() + x.ceil() * x + x.round(decimals=1) - x.trunc(), unary,
           lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("frac", mg.frac, torch.frac, unary, lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("frac_method", lambda x: x.frac() * x, lambda x: x.frac() * x, unary,
           lambda rng, shape: rng.uniform(-4, 4, shape)),
    OpInfo("fmod", mg.fmod, torch.fmod,
           lambda draw: binary(draw) + [Sample((draw(3, 4), 1.5)), Sample((draw(3, 4), -0.7))],
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape)),
    OpInfo("remainder", mg.remainder, torch.remainder,
           lambda draw: binary(draw) + [Sample((draw(3, 4), 1.5)), Sample((draw(3, 4), -0.7))],
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape)),
    OpInfo("fmod_remainder_methods_and_percent", lambda a, b: a.fmod(b) + a.remainder(b) * (a % b),
           lambda a, b: a.fmod(b) + a.remainder(b) * (a % b),
           lambda draw: [Sample((draw(3, 4), draw(4)))],
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape)),
    # a number % a tensor: PyTorch has no derivative for it (minigrad's is gradchecked in
    # tests/test_math_functions.py), so these rows compare values only
    OpInfo("rmod_scalar", lambda a, s: s % a, lambda a, s: s % a, with_scalar(-3.5),
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape),
           differentiable=False),
    OpInfo("remainder_of_a_number", lambda s, a: mg.remainder(s, a), torch.remainder,
           lambda draw: [Sample((2.5, draw(3, 4))), Sample((-3, draw(5)))],
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape),
           differentiable=False),
    OpInfo("floor_divide", lambda a, b: mg.floor_divide(a, b) + a // b + a.floor_divide(b),
           lambda a, b: torch.floor_divide(a, b) + a // b + a.floor_divide(b),
           lambda draw: binary(draw) + [Sample((draw(3, 4), -1.5))],
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape),
           differentiable=False),
    OpInfo("floor_divide_number_by_tensor", lambda s, a: mg.floor_divide(s, a) + s // a,
           lambda s, a: torch.floor_divide(s, a) + s // a,
           lambda draw: [Sample((4.5, draw(3, 4))), Sample((-7, draw(5)))],
           lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.5, 5, shape),
           differentiable=False),
    OpInfo("integer_divisions", lambda i, j, name: getattr(mg, name)(i, j),
           lambda i, j, name: getattr(torch, name)(i, j),
           lambda draw: [Sample((np.array([[7, -7], [7, -7], [0, 5]]), j, name))
                         for name in ("fmod", "remainder", "floor_divide")
                         for j in (np.array([2, -2]), np.array([[3], [-3], [4]]), -3, 2)],
           differentiable=False),
    OpInfo("integer_rounding", lambda i, name: getattr(mg, name)(i), lambda i, name: getattr(torch, name)(i),
           lambda draw: [Sample((np.array([[7, -7], [0, 5]]), name))
                         for name in ("floor", "ceil", "round", "trunc")], differentiable=False),
    # ---- special floating values and logic (minigrad/ops/nonfinite.py, logical.py)
    OpInfo("nan_to_num", lambda x, **kw: mg.nan_to_num(x, **kw), lambda x, **kw: torch.nan_to_num(x, **kw),
           lambda draw: [Sample((draw(3, 4),)), Sample((draw(5),), {"nan": 1.5}),
                         Sample((draw(3, 4),), {"nan": -2.0, "posinf": 10.0, "neginf": -1e300}),
                         Sample((draw(),), {"posinf": 3})],
           lambda rng, shape: np.where(rng.random(shape) < 0.4,
                                       rng.choice([np.nan, np.inf, -np.inf], shape),
                                       rng.standard_normal(shape))),
    OpInfo("nan_to_num_method", lambda x: x.nan_to_num(0.5, 2.0, -3.0) * 3 + x.nan_to_num(),
           lambda x: x.nan_to_num(0.5, 2.0, -3.0) * 3 + x.nan_to_num(), unary,
           lambda rng, shape: np.where(rng.random(shape) < 0.4,
                                       rng.choice([np.nan, np.inf, -np.inf], shape),
                                       rng.standard_normal(shape))),
    OpInfo("special_value_tests", lambda x, name: getattr(mg, name)(x),
           lambda x, name: getattr(torch, name)(x),
           lambda draw: [Sample((np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, -1.5, 2.0]), name))
                         for name in ("isnan", "isinf", "isfinite", "signbit")] + [
               Sample((np.array([[-3, 0], [2, 7]]), name)) for name in ("isnan", "isinf", "isfinite",
                                                                       "signbit")],
           differentiable=False),
    OpInfo("special_value_methods", lambda x: (x.isnan(), x.isinf(), x.isfinite(), x.signbit()),
           lambda x: (x.isnan(), x.isinf(), x.isfinite(), x.signbit()),
           lambda draw: [Sample((np.array([np.nan, np.inf, -np.inf, -0.0, 1.0]),))],
           differentiable=False),
    OpInfo("logical", lambda a, b, name: getattr(mg, name)(a, b),
           lambda a, b, name: getattr(torch, name)(a, b),
           lambda draw: [Sample((np.array([[0.0, np.nan, -2.0], [1.0, 0.0, -0.0]]), b, name))
                         for name in ("logical_and", "logical_or", "logical_xor")
                         for b in (np.array([1, 0, 3]), np.array([[True], [False]]))],
           differentiable=False),
    OpInfo("logical_methods", lambda a, b: (a.logical_and(b), a.logical_or(b), a.logical_xor(b),
                                            a.logical_not(), mg.logical_not(b)),
           lambda a, b: (a.logical_and(b), a.logical_or(b), a.logical_xor(b), a.logical_not(),
                         torch.logical_not(b)),
           lambda draw: [Sample((np.array([0, 2, -1, 0], dtype=np.int8), np.array([0.0, 0.0, np.nan, 1.0])))],
           differentiable=False),
    # ---- attention (minigrad/nn/functional/attention.py) ------------------------------
    OpInfo("scaled_dot_product_attention",   # attn_mask is the 4th argument
           lambda q, k, v, *mask, **kw: mg.nn.functional.scaled_dot_product_attention(q, k, v, *mask,
                                                                                        **kw),
           lambda q, k, v, *mask, **kw: TF.scaled_dot_product_attention(q, k, v, *mask, **kw),
           lambda draw: [
               Sample((draw(2, 3, 4, 5), draw(2, 3, 6, 5), draw(2, 3, 6, 2))),
               Sample((draw(4, 3), draw(6, 3), draw(6, 2))),                    # no batch dims
               Sample((draw(2, 4, 3), draw(2, 6, 3), draw(2, 6, 3)), {"scale": 0.3}),
               Sample((draw(2, 4, 3), draw(2, 6, 3), draw(2, 6, 3)), {"is_causal": True}),
               Sample((draw(2, 6, 3), draw(2, 4, 3), draw(2, 4, 3)), {"is_causal": True}),
               Sample((draw(2, 4, 3), draw(2, 6, 3), draw(2, 6, 2),            # True = takes part
                       draw.mask(4, 6) | np.eye(4, 6, dtype=bool))),
               Sample((draw(2, 3, 4, 3), draw(2, 3, 6, 3), draw(2, 3, 6, 2),   # row 1 fully masked
                       np.array([[True] * 6, [False] * 6, [True, False] * 3, [False, True] * 3]))),
               Sample((draw(2, 4, 3), draw(2, 6, 3), draw(2, 6, 2), draw(2, 4, 6))),  # added
               Sample((draw(2, 4, 4, 3), draw(2, 2, 6, 3), draw(2, 2, 6, 2)), {"enable_gqa": True}),
           ]),
    # ---- end of attention --------------------------------------------------------------
]

# ---------------------------------------------------------------- convolution (ops/convolution.py)
# F.conv1d / F.conv2d: stride, padding (ints, tuples, 'valid', 'same' with odd and even
# kernels, where PyTorch pads one more zero after than before), dilation, groups (incl.
# depthwise), with and without bias, batched and unbatched inputs.
def conv2d_samples(draw):
    return [
        Sample((draw(2, 3, 6, 5), draw(4, 3, 3, 3), draw(4))),
        Sample((draw(2, 2, 7, 6), draw(3, 2, 3, 2)), {"stride": 2, "padding": 1}),
        Sample((draw(1, 2, 6, 6), draw(2, 2, 3, 3), draw(2)), {"padding": "same", "dilation": 2}),
        Sample((draw(2, 2, 5, 6), draw(3, 2, 2, 4), draw(3)), {"padding": "same"}),
        Sample((draw(2, 4, 6, 7), draw(6, 2, 3, 2), draw(6)),
               {"stride": (1, 2), "padding": (1, 0), "dilation": (2, 1), "groups": 2}),
        Sample((draw(2, 5, 5), draw(3, 2, 2, 2)), {"padding": "valid"}),
        Sample((draw(1, 3, 5, 5), draw(3, 1, 3, 3), draw(3)), {"padding": 1, "groups": 3}),
    ]


def conv1d_samples(draw):
    return [
        Sample((draw(2, 3, 8), draw(4, 3, 3), draw(4))),
        Sample((draw(2, 2, 11), draw(3, 2, 3)), {"stride": 2, "padding": 2, "dilation": 2}),
        Sample((draw(2, 4, 7), draw(4, 2, 4), draw(4)), {"padding": "same", "groups": 2}),
        Sample((draw(3, 6), draw(2, 3, 2)), {"stride": 3}),
    ]


OPS += [
    OpInfo("conv2d", lambda x, w, b=None, **kw: mg.nn.functional.conv2d(x, w, b, **kw),
           lambda x, w, b=None, **kw: TF.conv2d(x, w, b, **kw), conv2d_samples),
    OpInfo("conv1d", lambda x, w, b=None, **kw: mg.nn.functional.conv1d(x, w, b, **kw),
           lambda x, w, b=None, **kw: TF.conv1d(x, w, b, **kw), conv1d_samples),
]
# ---------------------------------------------------------------- end of convolution

# Rows kept in a module of their own (it imports the classes above from this one).
from op_table_pooling_normalization import (POOLING_NORMALIZATION_OPS,  # noqa: E402
                                            REQUIRED_POOLING_NORMALIZATION)

OPS += POOLING_NORMALIZATION_OPS

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"

# The functions and operators the op table must always cover, each with the row that
# tests it (tests/test_ops.py fails if that row is missing or has no sample).
REQUIRED = {
    "exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs", "sin": "sin", "cos": "cos",
    "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "leaky_relu": "leaky_relu",
    "gelu": "gelu", "gelu(approximate='tanh')": "gelu_tanh", "softplus": "softplus",
    "clamp": "clamp", "maximum": "maximum", "minimum": "minimum", "where": "where", "sum": "sum",
    "mean": "mean", "var": "var", "std": "std", "max": "max", "max(dim)": "max_dim", "min": "min",
    "min(dim)": "min_dim", "logsumexp": "logsumexp", "softmax": "softmax",
    "log_softmax": "log_softmax", "matmul": "matmul", "reshape": "reshape", "view": "view",
    "flatten": "flatten", "transpose": "transpose", "permute": "permute", "squeeze": "squeeze",
    "unsqueeze": "unsqueeze", "expand": "expand", "broadcast_to": "broadcast_to", "cat": "cat",
    "stack": "stack", "split": "split", "chunk": "chunk", "pad": "pad", "erf": "erf",
    "amax": "amax", "amin": "amin", "clone": "clone", "narrow": "narrow", "to(dtype)": "to_float32",
    "+": "add", "-": "sub", "*": "mul", "/": "div", "tensor ** scalar": "pow_scalar_3",
    "scalar ** tensor": "rpow_scalar", "tensor ** tensor": "pow_tensor_tensor",
    "@": "matmul_operator", "log10": "log10", "log2": "log2", "log1p": "log1p", "expm1": "expm1",
    "mm": "mm", "bmm": "bmm", "einsum": "einsum", "unary -": "neg", "scalar + tensor": "radd_scalar",
    "scalar - tensor": "rsub_scalar", "scalar * tensor": "rmul_scalar",
    "scalar / tensor": "rdiv_scalar", "[]": "getitem", "[::-1]": "getitem_negative_step",
}
REQUIRED.update(REQUIRED_POOLING_NORMALIZATION)
