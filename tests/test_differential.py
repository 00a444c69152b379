"""Differential testing against PyTorch: random programs, built once on minigrad and once
on torch from one generated description, must give PyTorch's numbers.

A program is 3 to 12 steps over 1 to 3 inputs whose shapes broadcast against each other
(0-d tensors, size-1 and zero-size dims included). Each step takes earlier values and
applies one op: elementwise math (unary and binary, with Python scalars), reductions
(dims, tuples of dims, negative dims, keepdim), shape ops (reshape, transpose, permute,
squeeze/unsqueeze, expand, flatten, cat/stack, split/chunk, narrow), indexing (ints,
slices with steps, None, Ellipsis, integer arrays, boolean masks, mixed) and matmul
with batch dims. The generator runs each step on torch to learn its shape and keeps
only steps torch accepts, so minigrad must accept every step of every program.

- float64: the values, the first derivatives (the gradient of Σ w·output for a random w)
  and the second derivatives (the gradient of Σ v·grad with create_graph=True, against
  torch's double backward): NaN where torch has NaN, the same infinities, and the finite
  values to rtol 1e-9;
- dtype mixes: short programs over int64, int32, int8, uint8, bool, float16, float32 and
  float64 tensors and Python scalars: the same result dtype and the same values (float32
  tolerances), or the same exception type where torch refuses.

Everything is deterministic (``derandomize=True``): the same programs on every run.
"""
import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import minigrad as mg
from conftest import _devices
from differential_helpers import assert_same, grads, np_dtype, to_numpy

FLOAT64_PROGRAMS = 600     # each on every device
DTYPE_PROGRAMS = 1000
# No shrinking: a failure is reported at once, as the program that failed (the steps its
# result depends on); shrinking a 12-step program can take minutes.
SETTINGS = dict(derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------- the two backends
class Lib:
    """The few calls that are spelled differently in the two frameworks."""

    def __init__(self, module, functional, device="cpu"):
        self.m, self.F, self.device = module, functional, device

    def const(self, array):
        """A constant tensor (no grad) holding ``array``."""
        if self.m is torch:
            return torch.from_numpy(np.array(array))
        return mg.tensor(np.array(array), device=self.device)

    def leaf(self, array):
        """An input of the program: a float64 tensor that requires grad."""
        if self.m is torch:
            return torch.tensor(array, requires_grad=True)
        return mg.tensor(array, device=self.device, requires_grad=True)


MG, TORCH = Lib(mg, mg.nn.functional), Lib(torch, TF)


def constant_key(lib, key):
    """An index key with NumPy arrays made into tensors of ``lib``."""
    return tuple(lib.const(k) if isinstance(k, np.ndarray) else k for k in key)


# ---------------------------------------------------------------- the ops
# name: f(lib, *operands, **params); params hold only plain values and NumPy arrays.
UNARY = {
    "exp": lambda L, x: x.exp(), "log": lambda L, x: x.log(), "sqrt": lambda L, x: x.sqrt(),
    "abs": lambda L, x: x.abs(), "sin": lambda L, x: x.sin(), "cos": lambda L, x: x.cos(),
    "tanh": lambda L, x: x.tanh(), "erf": lambda L, x: x.erf(),
    "sigmoid": lambda L, x: x.sigmoid(), "relu": lambda L, x: x.relu(),
    "neg": lambda L, x: -x, "square": lambda L, x: x.square(),
    "leaky_relu": lambda L, x: L.F.leaky_relu(x, 0.2), "gelu": lambda L, x: L.F.gelu(x),
    "gelu_tanh": lambda L, x: L.F.gelu(x, approximate="tanh"),
    "softplus": lambda L, x: L.F.softplus(x), "softplus_beta": lambda L, x: L.F.softplus(x, beta=2.0),
    "clamp": lambda L, x: x.clamp(-0.5, 0.8), "clamp_min": lambda L, x: x.clamp(min=0.1),
    "clamp_max": lambda L, x: x.clamp(max=-0.3), "pow2": lambda L, x: x ** 2,
    "pow3": lambda L, x: x ** 3.0, "pow_half": lambda L, x: x ** 0.5,
    "pow_minus1": lambda L, x: x ** -1, "rpow": lambda L, x: 2.0 ** x,
    "rdiv": lambda L, x: 1.5 / x, "rsub": lambda L, x: 1 - x, "add_scalar": lambda L, x: x + 0.25,
    "mul_scalar": lambda L, x: x * -1.5, "div_scalar": lambda L, x: x / 3,
}
BINARY = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b,
    # a base kept from 0: at 0 ** 0 torch's own double backward gives NaN (0 · inf inside
    # its masked formula); negative bases are the op table's POW_EDGES
    "pow": lambda L, a, b: (a.abs() + 0.5) ** b,
    "maximum": lambda L, a, b: L.m.maximum(a, b), "minimum": lambda L, a, b: L.m.minimum(a, b),
    "where_gt": lambda L, a, b: L.m.where(a > b, a, b),
    "where_lt_scaled": lambda L, a, b: L.m.where(a < 0, a * b, b),
}


def _reduce(name):
    """``x.<name>(dim, keepdim=...)``; for max/min with a dim see ``_torch_extreme``."""
    def op(L, x, dim, keepdim):
        if name in ("max", "min"):
            if L.m is torch:
                return _torch_extreme(x, name, dim, keepdim)
            return getattr(x, name)(dim=dim, keepdim=keepdim).values
        return getattr(x, name)(dim, keepdim=keepdim)
    return op


def _torch_extreme(x, name, dim, keepdim):
    """torch's max/min along ``dim`` with minigrad's gradient convention: tied extremes
    share the gradient evenly (as torch's amax and its CPU ``max()`` do; torch's
    ``max(dim)`` gives it all to one index, tests/test_ops.py), and the other elements
    get exactly 0, selected (as torch's ``max(dim)`` and ``max()`` do; torch's amax
    multiplies by a 0/1 mask, so a NaN or infinite incoming gradient would make them
    NaN), with a NaN extreme counted as the NaN elements' (as in torch's ``max``)."""
    extreme = getattr(x, "a" + name)(dim=dim, keepdim=True).detach()
    chosen = (x == extreme) | (x.isnan() & extreme.isnan())
    count = chosen.sum(dim=dim, keepdim=keepdim)
    return torch.where(chosen, x, 0).sum(dim=dim, keepdim=keepdim) / count


REDUCTIONS = {name: _reduce(name) for name in ("sum", "mean", "var", "std", "amax", "amin",
                                               "logsumexp", "max", "min")}
REDUCTIONS["var_correction0"] = lambda L, x, dim, keepdim: x.var(dim, correction=0, keepdim=keepdim)
REDUCTIONS["sum_all"] = lambda L, x, dim, keepdim: x.sum()
REDUCTIONS["max_all"] = lambda L, x, dim, keepdim: x.max()
REDUCTIONS["mean_all"] = lambda L, x, dim, keepdim: x.mean()
ALONG_DIM = {"softmax": lambda L, x, dim: x.softmax(dim),
             "log_softmax": lambda L, x, dim: x.log_softmax(dim)}

SHAPE = {
    "reshape": lambda L, x, shape: x.reshape(*shape),
    "view_tuple": lambda L, x, shape: x.reshape(shape),
    "transpose": lambda L, x, d0, d1: x.transpose(d0, d1),
    "permute": lambda L, x, dims: x.permute(*dims),
    "T": lambda L, x: x.T, "mT": lambda L, x: x.mT,
    "squeeze_all": lambda L, x: x.squeeze(), "squeeze": lambda L, x, dim: x.squeeze(dim),
    "unsqueeze": lambda L, x, dim: x.unsqueeze(dim),
    "expand": lambda L, x, sizes: x.expand(*sizes),
    "flatten": lambda L, x, start, end: x.flatten(start, end),
    "cat": lambda L, a, b, dim: L.m.cat([a, b], dim=dim),
    "stack": lambda L, a, b, dim: L.m.stack([a, b], dim=dim),
    "split": lambda L, x, size, dim, k: x.split(size, dim)[k],
    "chunk": lambda L, x, chunks, dim, k: x.chunk(chunks, dim)[k],
    "narrow": lambda L, x, dim, start, length: L.m.narrow(x, dim, start, length),
    "index": lambda L, x, key: x[constant_key(L, key)],
    "matmul_const": lambda L, x, w: x @ L.const(w),
    "matmul_const_left": lambda L, x, w: L.m.matmul(L.const(w), x),
    "matmul_self": lambda L, x: x @ x.mT,
    "matmul": lambda L, a, b: a @ b,
}
OPS = {**UNARY, **BINARY, **REDUCTIONS, **ALONG_DIM, **SHAPE}


# ---------------------------------------------------------------- generating programs
def broadcastable(a, b):
    try:
        torch.broadcast_shapes(a, b)
        return True
    except RuntimeError:
        return False


@st.composite
def input_shapes(draw):
    """1-3 shapes that broadcast together: a base shape (sizes 0-4, mostly not 0),
    and others that drop leading dims or have 1 where the base has any size."""
    ndim = draw(st.integers(0, 4))
    base = [draw(st.sampled_from([1, 2, 3, 4, 2, 3, 0])) for _ in range(ndim)]
    shapes = [tuple(base)]
    for _ in range(draw(st.integers(0, 2))):
        keep = draw(st.integers(0, ndim))
        shapes.append(tuple(1 if draw(st.booleans()) and draw(st.booleans()) else size
                            for size in base[ndim - keep:]))
    return shapes


def _dim(draw, ndim):
    """A valid dim, negative or not (0 or -1 for a 0-d tensor)."""
    return draw(st.integers(-ndim, ndim - 1)) if ndim else draw(st.sampled_from([0, -1]))


def _reduction_dims(draw, ndim):
    """None, one dim, or a tuple of distinct dims (each negative or not)."""
    choice = draw(st.integers(0, 3))
    if choice == 0 or ndim == 0:
        return draw(st.sampled_from([None, 0, -1] if ndim == 0 else [None]))
    if choice == 1:
        return _dim(draw, ndim)
    dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in dims)


def _index_key(draw, shape):
    """A key of random forms for ``shape``: ints, slices (steps 1-3), None, one Ellipsis,
    integer arrays (broadcasting, repeated, negative) and boolean masks."""
    items, dim, used_ellipsis, array_length = [], 0, False, None
    ndim = len(shape)
    while dim < ndim and len(items) < 4:
        form = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "array", "mask",
                                     "full"]))
        size = shape[dim]
        if form == "int" and size > 0:
            items.append(draw(st.integers(-size, size - 1)))
            dim += 1
        elif form == "slice":
            start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            items.append(slice(start, stop, draw(st.sampled_from([None, 1, 2, 3]))))
            dim += 1
        elif form == "none":
            items.append(None)
        elif form == "ellipsis" and not used_ellipsis:   # the items after it index the last dims
            used_ellipsis = True
            items.append(Ellipsis)
            dim = max(dim, ndim - draw(st.integers(0, ndim - dim)))
        elif form == "array" and size > 0:
            if array_length is None:
                array_length = draw(st.integers(1, 4))
            items.append(np.array([draw(st.integers(-size, size - 1)) for _ in range(array_length)],
                                  dtype=np.int64))
            dim += 1
        elif form == "mask" and not items:                 # a mask over the first 1 or 2 dims
            covered = draw(st.integers(1, min(2, ndim - dim)))
            mask_shape = shape[dim:dim + covered]
            size = int(np.prod(mask_shape))
            flags = draw(st.lists(st.booleans(), min_size=size, max_size=size))
            items.append(np.array(flags, dtype=bool).reshape(mask_shape))
            dim += covered
        elif form == "full":
            items.append(slice(None))
            dim += 1
    if not items:
        items.append(slice(None, None, 2))
    return tuple(items)


def _new_shape(draw, shape):
    """A shape with the same number of elements: merge neighbours, split a size, add 1s,
    one size written as -1."""
    sizes = list(shape)
    for _ in range(draw(st.integers(0, 2))):
        move = draw(st.sampled_from(["merge", "split", "one", "drop_one"]))
        if move == "merge" and len(sizes) >= 2:
            i = draw(st.integers(0, len(sizes) - 2))
            sizes[i:i + 2] = [sizes[i] * sizes[i + 1]]
        elif move == "split":
            candidates = [i for i, s in enumerate(sizes) if s in (4, 6, 8, 9, 12)]
            if candidates:
                i = draw(st.sampled_from(candidates))
                first = 2 if sizes[i] % 2 == 0 else 3
                sizes[i:i + 1] = [first, sizes[i] // first]
        elif move == "one":
            sizes.insert(draw(st.integers(0, len(sizes))), 1)
        elif move == "drop_one" and 1 in sizes:
            sizes.remove(1)
    if sizes and 0 not in sizes and draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    return tuple(sizes)


def pick(rng, names):
    return names[rng.integers(len(names))]


def _draw_step(draw, values, rng):
    """One step (name, operand indices, params) over the current ``values`` (torch
    tensors, detached, used only for their shapes); ``rng`` picks the op and makes constants."""
    # op names come from the program's own generator: hypothesis's choices lean to the
    # first entry of a list, which would make one op a sixth of every program
    kind = pick(rng, ["unary", "unary", "binary", "binary", "reduction", "along", "shape", "shape",
                      "index", "matmul"])
    latest = len(values) - 1                # mostly the latest value: long chains
    i = latest if draw(st.booleans()) else draw(st.integers(0, latest))
    x = values[i]
    shape, ndim = tuple(x.shape), x.dim()
    if kind == "unary":
        return pick(rng, sorted(UNARY)), (i,), {}
    if kind == "binary":
        partners = [j for j, v in enumerate(values) if broadcastable(shape, tuple(v.shape))]
        return pick(rng, sorted(BINARY)), (i, draw(st.sampled_from(partners))), {}
    if kind == "reduction":
        name = pick(rng, sorted(REDUCTIONS))
        if name in ("max", "min"):
            dim = _dim(draw, ndim)
        else:
            dim = _reduction_dims(draw, ndim)
        return name, (i,), {"dim": dim, "keepdim": draw(st.booleans())}
    if kind == "along":
        return pick(rng, sorted(ALONG_DIM)), (i,), {"dim": _dim(draw, ndim)}
    if kind == "index":
        return "index", (i,), {"key": _index_key(draw, shape)}
    if kind == "matmul":
        return _draw_matmul(draw, values, i, rng)
    name = pick(rng, ["reshape", "view_tuple", "transpose", "permute", "T", "mT", "squeeze_all",
                      "squeeze", "unsqueeze", "expand", "flatten", "cat", "stack", "split", "chunk",
                      "narrow"])
    if name in ("reshape", "view_tuple"):
        return name, (i,), {"shape": _new_shape(draw, shape)}
    if name == "transpose":
        return name, (i,), {"d0": _dim(draw, ndim), "d1": _dim(draw, ndim)}
    if name == "permute":
        order = draw(st.permutations(range(ndim)))
        return name, (i,), {"dims": tuple(d - ndim if draw(st.booleans()) else d for d in order)}
    if name in ("T", "mT", "squeeze_all"):   # T of other than 2 dims is deprecated in torch
        if (name == "T" and ndim != 2) or (name == "mT" and ndim < 2):
            name = "squeeze_all"
        return name, (i,), {}
    if name == "squeeze":
        ones = [d for d, s in enumerate(shape) if s == 1]
        if ones and draw(st.booleans()):
            return name, (i,), {"dim": tuple(draw(st.lists(st.sampled_from(ones), min_size=1, unique=True)))}
        return name, (i,), {"dim": _dim(draw, ndim)}
    if name == "unsqueeze":
        return name, (i,), {"dim": draw(st.integers(-ndim - 1, ndim))}
    if name == "expand":
        new = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1)))]
        sizes = [draw(st.integers(2, 3)) if s == 1 and draw(st.booleans()) else
                 (-1 if draw(st.booleans()) else s) for s in shape]
        return name, (i,), {"sizes": tuple(new + sizes)}
    if name == "flatten":
        start = _dim(draw, ndim)
        end = draw(st.integers(start % max(ndim, 1), max(ndim - 1, 0)))
        return name, (i,), {"start": start, "end": end - ndim if draw(st.booleans()) else end}
    if name in ("cat", "stack"):
        dim = _dim(draw, ndim) if name == "cat" else draw(st.integers(-ndim - 1, ndim))
        partners = [j for j, v in enumerate(values) if v.dim() == ndim and (
            tuple(v.shape) == shape if name == "stack" else
            all(a == b for d, (a, b) in enumerate(zip(v.shape, shape)) if d != dim % max(ndim, 1)))]
        return name, (i, draw(st.sampled_from(partners))), {"dim": dim}
    if name in ("split", "chunk"):
        dim = _dim(draw, ndim)
        size = shape[dim] if ndim else 0
        if name == "split" and draw(st.booleans()) and size > 0:
            cut = draw(st.integers(0, size))
            sections = [cut, size - cut]
            return name, (i,), {"size": sections, "dim": dim, "k": draw(st.integers(0, 1))}
        pieces = draw(st.integers(1, 3))
        count = -(-size // pieces) if name == "split" else pieces
        return name, (i,), {"size" if name == "split" else "chunks": pieces, "dim": dim,
                            "k": draw(st.integers(0, max(0, min(count, 3) - 1)))}
    # narrow
    dim = _dim(draw, ndim)
    size = shape[dim] if ndim else 0
    start = draw(st.integers(-size, size)) if size else 0
    length = draw(st.integers(0, size - (start % size if size else 0))) if size else 0
    return name, (i,), {"dim": dim, "start": start, "length": length}


def _draw_matmul(draw, values, i, rng):
    x = values[i]
    shape = tuple(x.shape)
    form = draw(st.sampled_from(["const", "const", "const_left", "self", "other"]))
    if form == "self" and x.dim() >= 2:
        return "matmul_self", (i,), {}
    if form == "other":
        return "matmul", (i, draw(st.integers(0, len(values) - 1))), {}
    if not shape:
        shape = (1,)
    batch = [draw(st.sampled_from([1, 2])) for _ in range(draw(st.integers(0, 2)))]
    m = draw(st.integers(1, 3))
    if form == "const":
        w_shape = tuple(batch) + (shape[-1],) + ((m,) if draw(st.integers(0, 3)) else ())
        return "matmul_const", (i,), {"w": rng.uniform(-1, 1, w_shape)}
    rows = shape[-2] if len(shape) >= 2 else shape[-1]
    w_shape = tuple(batch) + ((m,) if draw(st.integers(0, 3)) else ()) + (rows,)
    return "matmul_const_left", (i,), {"w": rng.uniform(-1, 1, w_shape)}


def _apply(lib, name, operands, params):
    return OPS[name](lib, *operands, **params)


@st.composite
def programs(draw):
    """(input arrays, steps, seed): steps are (name, operand indices, params); each was run
    on torch during generation and accepted, and each result holds at most 4096 elements."""
    shapes = draw(input_shapes(), label="input shapes")
    seed = draw(st.integers(0, 2 ** 31 - 1), label="seed")
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(np.round(rng.uniform(-2, 2, shape), 3)) for shape in shapes]
    values = [torch.from_numpy(a) for a in arrays]
    steps = []
    target = draw(st.integers(3, 12), label="steps")
    attempts = 0
    while len(steps) < target and attempts < 4 * target:
        attempts += 1
        name, operands, params = _draw_step(draw, values, rng)
        try:
            with torch.no_grad():
                out = _apply(TORCH, name, [values[j] for j in operands], params)
        except (RuntimeError, IndexError, ValueError, TypeError):
            continue
        if out.numel() > 4096 or out.dim() > 6:
            continue
        values.append(out)
        steps.append((name, operands, params))
    return arrays, steps, seed


def run_program(lib, leaves, steps):
    """Every value of the program: the inputs, then one per step."""
    values = list(leaves)
    for name, operands, params in steps:
        values.append(_apply(lib, name, [values[j] for j in operands], params))
    return values


def describe(arrays, steps, target=None):
    """The program as text, without the steps that value ``target`` (default: the last)
    does not depend on."""
    shapes = ", ".join(str(a.shape) for a in arrays)
    lines = [f"inputs: {shapes}"]
    target = len(arrays) + len(steps) - 1 if target is None else target
    needed = {target}
    for k in range(target, len(arrays) - 1, -1):
        if k in needed:
            needed.update(steps[k - len(arrays)][1])
    for k, (name, operands, params) in enumerate(steps, start=len(arrays)):
        if k not in needed:
            continue
        shown = {p: (f"array{v.shape}{v.dtype}:{v.tolist()}" if isinstance(v, np.ndarray) and v.size < 10
                     else f"array{v.shape}" if isinstance(v, np.ndarray) else v)
                 for p, v in params.items()}
        if "key" in params:
            shown["key"] = tuple(f"array{v.tolist()}" if isinstance(v, np.ndarray) else v
                                 for v in params["key"])
        lines.append(f"v{k} = {name}({', '.join(f'v{j}' for j in operands)}, {shown})")
    return "\n".join(lines)


# ---------------------------------------------------------------- float64: values, first and second derivatives
# The test devices (conftest's) this machine has: each program runs on every one in turn,
# so that it is generated once (generating takes about half the time of checking it).
DEVICES = _devices()


@settings(max_examples=FLOAT64_PROGRAMS, **SETTINGS)
@given(program=programs())
def test_random_programs_match_torch_in_float64_with_first_and_second_derivatives(program):
    """On every test device (the strict one refuses implicit host conversions, as CuPy)."""
    for device in DEVICES:
        try:
            check_program(program, device)
        except Exception as error:
            raise AssertionError(f"on the {device!r} device: {type(error).__name__}: "
                                 f"{error}") from error


def check_program(program, device):
    """One float64 program on ``device``: values, first and second derivatives."""
    ours_lib = Lib(mg, mg.nn.functional, device)
    arrays, steps, seed = program
    where = describe(arrays, steps)
    theirs_in = [TORCH.leaf(a) for a in arrays]
    theirs_values = run_program(TORCH, theirs_in, steps)
    ours_in = [ours_lib.leaf(a) for a in arrays]
    ours_values = list(ours_in)
    for name, operands, params in steps:
        try:
            ours_values.append(_apply(ours_lib, name, [ours_values[j] for j in operands], params))
        except Exception as error:  # noqa: BLE001 - every step was accepted by torch
            failing = describe(arrays, steps, len(ours_values))
            raise AssertionError(f"minigrad raised {type(error).__name__}: {error}\n{failing}") from error
    for k, (a, e) in enumerate(zip(ours_values, theirs_values)):
        assert_same(a, e, rtol=1e-9, what=f"forward, v{k}\n{describe(arrays, steps, k)}")
    ours, theirs = ours_values[-1], theirs_values[-1]
    if not theirs.requires_grad or theirs.dtype != torch.float64:
        return
    assert ours.requires_grad, f"the output does not require grad\n{where}"
    rng = np.random.default_rng(seed + 1)
    weight = rng.uniform(-1, 1, tuple(theirs.shape))
    g_theirs = grads(torch, [theirs], theirs_in, [torch.from_numpy(weight)], create_graph=True)
    assert ours.device == device
    g_ours = grads(mg, [ours], ours_in, [mg.tensor(weight, device=device)], create_graph=True)
    for k, (a, e) in enumerate(zip(g_ours, g_theirs)):
        compare_gradient(a, e, arrays[k], f"d output/d input {k}\n{where}")
    # second derivatives: d(Σ v·grad)/d(inputs), through the graph create_graph=True built
    directions = [rng.uniform(-1, 1, a.shape) for a in arrays]
    pairs = [(a, e, v) for a, e, v in zip(g_ours, g_theirs, directions) if e is not None]
    if not any(e.requires_grad for _, e, _ in pairs):
        return
    s_theirs = sum((e * torch.from_numpy(v)).sum() for _, e, v in pairs if e.requires_grad)
    second_theirs = torch.autograd.grad(s_theirs, theirs_in, allow_unused=True)
    # a gradient that does not require grad is a constant: its derivatives are 0
    on_graph = [(a, v) for (a, e, v) in pairs if a is not None and a.requires_grad]
    if on_graph:
        s_ours = sum((a * mg.tensor(v, device=device)).sum() for a, v in on_graph)
        second_ours = mg.autograd.grad(s_ours, ours_in, allow_unused=True)
    else:
        second_ours = [None] * len(ours_in)
    for k, (a, e) in enumerate(zip(second_ours, second_theirs)):
        compare_gradient(a, e, arrays[k], f"second derivative, input {k}\n{where}")


def compare_gradient(ours, theirs, array, what):
    """A gradient equals torch's; where one side has None (unused input) the other must be
    None or all zeros."""
    if theirs is None or ours is None:
        other = ours if theirs is None else theirs
        assert other is None or not np.any(to_numpy(other) != 0), (
            f"{what}: minigrad {'None' if ours is None else 'a gradient'}, "
            f"torch {'None' if theirs is None else 'a gradient'}")
        return
    assert tuple(ours.shape) == array.shape, f"{what}: gradient shape {tuple(ours.shape)}"
    assert_same(ours, theirs, rtol=1e-9, what=what)


# ---------------------------------------------------------------- dtype mixes: result dtypes and float32 values
DTYPES = ["int64", "int32", "int8", "uint8", "bool", "float16", "float32", "float64"]
SCALARS = [2, -3, 0, 1.5, -0.25, True, False]

DTYPE_UNARY = {
    "exp": lambda L, x: L.m.exp(x), "log": lambda L, x: L.m.log(x), "sqrt": lambda L, x: L.m.sqrt(x),
    "sin": lambda L, x: L.m.sin(x), "cos": lambda L, x: L.m.cos(x), "tanh": lambda L, x: L.m.tanh(x),
    "sigmoid": lambda L, x: L.m.sigmoid(x), "erf": lambda L, x: L.m.erf(x),
    "abs": lambda L, x: L.m.abs(x), "neg": lambda L, x: -x, "relu": lambda L, x: L.m.relu(x),
    "sign": lambda L, x: L.m.sign(x), "gelu": lambda L, x: L.F.gelu(x),
    "softplus": lambda L, x: L.F.softplus(x), "leaky_relu": lambda L, x: L.F.leaky_relu(x),
    "square": lambda L, x: x.square(),
    "sum": lambda L, x: x.sum(), "sum_dim": lambda L, x: x.sum(-1), "mean": lambda L, x: x.mean(),
    "amax": lambda L, x: x.amax(-1), "max": lambda L, x: x.max(), "argmax": lambda L, x: x.argmax(),
    "var": lambda L, x: x.var(), "logsumexp": lambda L, x: L.m.logsumexp(x, -1),
    "softmax": lambda L, x: L.m.softmax(x, -1), "log_softmax": lambda L, x: L.m.log_softmax(x, -1),
    "clamp_int": lambda L, x: x.clamp(0, 2), "clamp_float": lambda L, x: x.clamp(-0.5, 1.5),
    "clamp_min_float": lambda L, x: x.clamp(min=0.5),
    "float": lambda L, x: x.float(), "double": lambda L, x: x.double(), "long": lambda L, x: x.long(),
    "invert_eq": lambda L, x: ~(x == 1), "T": lambda L, x: x.T, "flatten": lambda L, x: x.flatten(),
}
DTYPE_BINARY = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b, "pow": lambda L, a, b: a ** b,
    "eq": lambda L, a, b: a == b, "lt": lambda L, a, b: a < b, "ge": lambda L, a, b: a >= b,
    "maximum": lambda L, a, b: L.m.maximum(a, b), "minimum": lambda L, a, b: L.m.minimum(a, b),
    "where": lambda L, a, b: L.m.where(a > 0, a, b),
    "cat": lambda L, a, b: L.m.cat([a, b]), "stack": lambda L, a, b: L.m.stack([a, b]),
    "matmul": lambda L, a, b: L.m.matmul(a, b),
    "clamp_tensor": lambda L, a, b: a.clamp(min=b),
}
TENSOR_ONLY = {"maximum", "minimum", "cat", "stack", "matmul", "clamp_tensor", "where"}


def make_operand(lib, dtype, array):
    if dtype == "scalar":
        return array
    if lib.m is torch:
        return torch.from_numpy(np.array(array, dtype=dtype))
    return mg.tensor(np.array(array, dtype=dtype))


@st.composite
def dtype_programs(draw):
    """(operands as (dtype or 'scalar', data), steps): 1-4 steps."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31 - 1), label="seed"))
    n = draw(st.integers(1, 3))
    shape = draw(st.sampled_from([(3,), (2, 3), (), (1, 3), (0,)]))
    operands = []
    for _ in range(n):
        dtype = pick(rng, DTYPES + ["scalar"])
        if dtype == "scalar":
            operands.append(("scalar", draw(st.sampled_from(SCALARS))))
            continue
        own_shape = draw(st.sampled_from([shape, shape[-1:] if shape else (), ()]))
        low = 0 if dtype in ("uint8", "bool") else -3
        high = 1 if dtype == "bool" else 4
        data = draw(st.lists(st.integers(low, high), min_size=int(np.prod(own_shape)),
                             max_size=int(np.prod(own_shape))))
        array = np.array(data).reshape(own_shape)
        if dtype.startswith("float"):
            array = array + draw(st.sampled_from([0.0, 0.5, 0.25]))
        operands.append((dtype, array.astype(dtype)))
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        last = n + len(steps) - 1
        if draw(st.booleans()):
            steps.append((pick(rng, sorted(DTYPE_UNARY)), (draw(st.integers(-1, last)),)))
        else:
            steps.append((pick(rng, sorted(DTYPE_BINARY)),
                          (draw(st.integers(-1, last)), draw(st.integers(0, last)))))
    return operands, steps


def run_dtype_program(lib, operands, steps):
    return run_dtype_steps(lib, [make_operand(lib, dtype, data) for dtype, data in operands],
                           steps)


def run_dtype_steps(lib, values, steps):
    """The program's last value, from its operands' ``values`` (tensors and Python scalars)."""
    values = list(values)
    for name, refs in steps:
        args = [values[r] for r in refs]
        op = DTYPE_UNARY.get(name) or DTYPE_BINARY[name]
        if not any(hasattr(a, "dtype") for a in args):
            # only Python scalars (a unary op of one, or False / False): Python's arithmetic,
            # not a tensor operation, so the first becomes a tensor
            args[0] = make_operand(lib, "float32", args[0])
        if name in TENSOR_ONLY:
            args = [a if hasattr(a, "dtype") else lib.const(np.array(a)) for a in args]
        values.append(op(lib, *args))
    return values[-1]


@settings(max_examples=DTYPE_PROGRAMS, **SETTINGS)
@given(program=dtype_programs())
def test_random_dtype_mixes_give_torchs_result_dtype_and_values(program):
    operands, steps = program
    where = f"operands: {[(d, np.asarray(v).tolist()) for d, v in operands]}; steps: {steps}"
    try:
        theirs = run_dtype_program(TORCH, operands, steps)
    except (RuntimeError, IndexError, ValueError, TypeError) as error:
        # torch's NotImplementedError ("not implemented for 'Long'") is a RuntimeError
        expected = RuntimeError if isinstance(error, RuntimeError) else type(error)
        try:
            ours = run_dtype_program(MG, operands, steps)
        except expected:
            return
        except Exception as other:  # noqa: BLE001
            raise AssertionError(f"minigrad raised {type(other).__name__}: {other}; torch raised "
                                 f"{type(error).__name__}: {error}\n{where}") from other
        raise AssertionError(f"minigrad returned {getattr(ours, 'dtype', ours)}; torch raised "
                             f"{type(error).__name__}: {error}\n{where}")
    if not isinstance(theirs, torch.Tensor):
        return                                        # Python scalars only
    try:
        ours = run_dtype_program(MG, operands, steps)
    except Exception as error:  # noqa: BLE001
        raise AssertionError(f"minigrad raised {type(error).__name__}: {error}; "
                             f"torch gave {theirs.dtype}\n{where}") from error
    rtol = {"float16": 1e-3, "float32": 1.3e-6}.get(str(np_dtype(theirs.dtype)), 1e-12)
    assert_same(ours, theirs, rtol=rtol, atol_scale=rtol, what=where)
