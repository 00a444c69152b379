"""Bad input, table-driven: every op-table row and every layer of ``mg.nn`` given
out-of-range dims, wrong shapes, wrong dtypes, wrong devices and things that are not
tensors. Each case runs on torch and on minigrad:

- torch raises: minigrad raises the same exception type (IndexError, RuntimeError,
  ValueError, TypeError; torch's NotImplementedError "not implemented for 'Long'" is a
  RuntimeError) with a message that names the problem (the case lists what it must
  contain: the dim, the shapes, the dtype, ...);
- torch succeeds: minigrad succeeds with torch's dtype, shape and numbers;
- wrong devices (cpu with 'strict', the CuPy-like device torch does not have): minigrad
  raises RuntimeError naming both devices.

Cases come from the op table (every row with a dim, every row with one or two float
inputs, every row that is a function) and from hand-written lists for the shape ops,
indexing and the layers.
"""
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from differential_helpers import LOSSES, as_tuple, assert_same
from op_table import OPS, distinct


# ---------------------------------------------------------------- the two sides
class Lib:
    """What a case may use: ``m`` (minigrad or torch), ``F``, ``nn``, ``t`` (a tensor),
    ``layer`` (a layer with torch's initial weights on both sides)."""

    def __init__(self, module, functional, nn, device="cpu"):
        self.m, self.F, self.nn, self.device = module, functional, nn, device

    @property
    def is_torch(self):
        return self.m is torch

    @property
    def pad(self):
        return TF.pad if self.is_torch else mg.pad

    def t(self, data, dtype=None, requires_grad=False, device=None):
        array = np.array(data) if dtype is None else np.array(data, dtype=dtype)
        if self.is_torch:
            return torch.tensor(array, requires_grad=requires_grad)
        return mg.tensor(array, device=device or self.device, requires_grad=requires_grad)

    def layer(self, name, *args, **kwargs):
        """``nn.<name>(*args, **kwargs)``; on minigrad with the parameters of a torch layer
        made with the same arguments (seeded), so that outputs can be compared."""
        if self.is_torch:
            torch.manual_seed(0)
            return getattr(torch.nn, name)(*args, **kwargs)
        ours = getattr(mg.nn, name)(*args, **kwargs)
        try:
            torch.manual_seed(0)
            theirs = getattr(torch.nn, name)(*args, **kwargs)
        except Exception:  # noqa: BLE001 - minigrad built what torch refuses; the case says
            return ours
        parameters = dict(ours.named_parameters())
        with mg.no_grad():
            for name_, p in theirs.named_parameters():
                if name_ in parameters:
                    parameters[name_].copy_(mg.tensor(p.detach().numpy(), device=self.device))
        return ours.to(self.device)


TORCH, MG = Lib(torch, TF, torch.nn), Lib(mg, mg.nn.functional, mg.nn)


@dataclass
class Case:
    name: str
    call: Callable                   # Lib -> result
    names: tuple = ()                # regexes minigrad's message must contain (any case)


def shape_pattern(shape):
    """A shape as a message may write it: (3, 4) or [3, 4]; (5,) or [5]."""
    inner = ", ".join(map(str, shape))
    return r"[\(\[]" + re.escape(inner) + r",?[\)\]]"


DTYPE_WORDS = r"(int|long|bool|byte|float|dtype|integer|floating)"
DIM_WORDS = r"(dim|range|axis)"


# ---------------------------------------------------------------- cases from the op table
def convert(lib, value, device_of=None):
    """A sample argument on ``lib``'s side: float arrays require grad (as in test_ops)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            if lib.is_torch:
                return torch.tensor(value, requires_grad=True)
            return mg.tensor(value, device=device_of or lib.device, requires_grad=True)
        return lib.t(value, device=device_of)
    if isinstance(value, tuple):
        return tuple(convert(lib, v, device_of=device_of) for v in value)
    return value


def row_call(row, args, kwargs, devices=None):
    """A case call running the row with ``args`` (NumPy arrays converted per side);
    ``devices``: one device per argument for minigrad (None: the Lib's)."""
    def call(lib):
        converted = [convert(lib, a, device_of=None if devices is None else devices[k])
                     for k, a in enumerate(args)]
        function = row.ref if lib.is_torch else row.op
        return function(*converted, **kwargs)
    return call


def float_args(sample):
    return [k for k, a in enumerate(sample.args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def dim_cases():
    """Every sample with a ``dim`` keyword, its dim replaced by ndim and by -ndim-1."""
    cases = []
    for row in OPS:
        for i, sample in enumerate(row.sample_inputs()):
            if "dim" not in sample.kwargs or sample.kwargs["dim"] is None:
                continue
            ndim = sample.args[0].ndim
            for bad in (ndim, -ndim - 1, ndim + 3):
                dim = sample.kwargs["dim"]
                new = (bad,) + tuple(dim[1:]) if isinstance(dim, (tuple, list)) and dim else bad
                if isinstance(dim, (tuple, list)) and not dim:
                    continue
                kwargs = {**sample.kwargs, "dim": new}
                cases.append(Case(f"{row.name}-{i}-dim={new}", row_call(row, sample.args, kwargs),
                                  (DIM_WORDS, rf"(?<![\d-]){bad}(?!\d)")))
            break                                         # the first sample with a dim is enough
    return cases


def dtype_cases():
    """Every row whose first sample has one float input: given an int64, int32, uint8 and a
    bool tensor of the same shape instead (torch promotes, or refuses)."""
    cases = []
    for row in OPS + LOSSES:
        sample = row.sample_inputs()[0]
        floats = float_args(sample)
        if len(floats) != 1:
            continue
        k = floats[0]
        for dtype in ("int64", "int32", "uint8", "bool"):
            args = list(sample.args)
            if dtype == "bool":
                args[k] = args[k] > 0
            elif row.domain is distinct:
                # Rows that need distinct values (topk, sort, max(dim), ...) get distinct integers
                # (the values' ranks): truncating |x| * 3 makes ties, and which of tied elements
                # torch's topk returns first is an accident of its selection algorithm.
                args[k] = np.argsort(np.argsort(args[k], axis=None)).reshape(args[k].shape).astype(dtype)
            else:
                args[k] = (np.abs(args[k]) * 3).astype(dtype)
            cases.append(Case(f"{row.name}-{dtype}-input", row_call(row, args, sample.kwargs),
                              (DTYPE_WORDS,)))
    return cases


def shape_cases():
    """Every row whose first sample has two float inputs: shapes (3, 4) and (5,)."""
    cases = []
    for row in OPS + LOSSES:
        sample = row.sample_inputs()[0]
        floats = float_args(sample)
        if len(floats) != 2 or sample.args[floats[0]].ndim == 0:
            continue
        args = list(sample.args)
        args[floats[0]], args[floats[1]] = np.ones((3, 4)), np.ones(5)
        cases.append(Case(f"{row.name}-shapes-(3,4)-(5,)", row_call(row, args, sample.kwargs),
                          (shape_pattern((5,)),)))
    return cases


def device_cases():
    """Every row with two or more tensor inputs: the first on cpu, the others on strict."""
    cases = []
    for row in OPS + LOSSES:
        sample = row.sample_inputs()[0]
        tensors = [k for k, a in enumerate(sample.args) if isinstance(a, np.ndarray)]
        # expand_as, view_as and reshape_as read only the other tensor's shape (torch too)
        if len(tensors) < 2 or row.name in ("expand_as", "view_as", "reshape_as"):
            continue
        devices = ["strict"] * len(sample.args)
        devices[tensors[0]] = "cpu"
        cases.append(Case(f"{row.name}-cpu-and-strict", row_call(row, sample.args, sample.kwargs,
                                                                 devices)))
    return cases


def non_tensor_cases():
    """Every row that is a function on both sides (not a lambda): its first float input
    given as a Python list."""
    cases = []
    for row in OPS + LOSSES:
        if "<lambda>" in (row.op.__name__, row.ref.__name__):
            continue
        sample = row.sample_inputs()[0]
        floats = float_args(sample)
        if not floats:
            continue
        args = list(sample.args)
        args[floats[0]] = args[floats[0]].tolist()
        cases.append(Case(f"{row.name}-list-input", row_call(row, args, sample.kwargs),
                          (r"(tensor|list)",)))
    return cases


# ---------------------------------------------------------------- hand-written cases
def x(L, *shape):
    return L.t(np.arange(float(np.prod(shape))).reshape(shape) / 7 - 0.5)


SHAPE_OPS = [
    Case("squeeze-dim-5", lambda L: x(L, 2, 3).squeeze(5), (DIM_WORDS, "5")),
    Case("squeeze-tuple-dim-out-of-range", lambda L: x(L, 1, 3).squeeze((0, 4)), (DIM_WORDS, "4")),
    Case("unsqueeze-10", lambda L: x(L, 2, 3).unsqueeze(10), (DIM_WORDS, "10")),
    Case("unsqueeze--4", lambda L: x(L, 2, 3).unsqueeze(-4), (DIM_WORDS, "-4")),
    Case("unsqueeze-3-ok", lambda L: x(L, 2, 3).unsqueeze(2)),
    Case("transpose-0-5", lambda L: x(L, 2, 3).transpose(0, 5), (DIM_WORDS, "5")),
    Case("transpose-0d", lambda L: x(L).transpose(0, -1)),
    Case("permute-too-few", lambda L: x(L, 2, 3, 4).permute(1, 0), (r"(dims|number|3|2)",)),
    Case("permute-repeated", lambda L: x(L, 2, 3).permute(0, 0), (r"(repeat|duplicate|0)",)),
    Case("permute-out-of-range", lambda L: x(L, 2, 3).permute(0, 2), (DIM_WORDS, "2")),
    Case("flatten-1-0", lambda L: x(L, 2, 3, 4).flatten(1, 0), (r"(start|end)",)),
    Case("flatten-out-of-range", lambda L: x(L, 2, 3).flatten(0, 4), (DIM_WORDS, "4")),
    Case("flatten-0d", lambda L: x(L).flatten()),
    Case("cat-dim-5", lambda L: L.m.cat([x(L, 2, 3), x(L, 2, 3)], dim=5), (DIM_WORDS, "5")),
    Case("cat-0d", lambda L: L.m.cat([x(L), x(L)]), (r"(zero-dim|0-d|dimension)",)),
    Case("cat-empty-list", lambda L: L.m.cat([]), (r"(empty|non-empty|at least)",)),
    Case("cat-ndim-mismatch", lambda L: L.m.cat([x(L, 2, 3), x(L, 3)]), (r"(dim|shape)",)),
    Case("cat-float32-int64", lambda L: L.m.cat([x(L, 2).float(), L.t([1, 2])])),
    Case("stack-dim-4", lambda L: L.m.stack([x(L, 2, 3), x(L, 2, 3)], dim=4), (DIM_WORDS, "4")),
    Case("stack-shape-mismatch", lambda L: L.m.stack([x(L, 2, 3), x(L, 3, 2)]),
         (shape_pattern((2, 3)), shape_pattern((3, 2)))),
    Case("narrow-start-out-of-range", lambda L: L.m.narrow(x(L, 3, 4), 1, 5, 1), (r"(start|5)",)),
    Case("narrow-negative-length", lambda L: L.m.narrow(x(L, 3, 4), 1, 0, -1), (r"length",)),
    Case("narrow-too-long", lambda L: L.m.narrow(x(L, 3, 4), 1, 2, 3), (r"(start|length)",)),
    Case("narrow-dim-out-of-range", lambda L: L.m.narrow(x(L, 3, 4), 2, 0, 1), (DIM_WORDS, "2")),
    Case("split-negative-section", lambda L: x(L, 3).split([4, -1]), (r"(split|-1|size)",)),
    Case("split-sections-wrong-sum", lambda L: x(L, 5).split([2, 2]), (r"(sum|5|4)",)),
    Case("split-dim-out-of-range", lambda L: x(L, 3, 4).split(2, 2), (DIM_WORDS, "2")),
    Case("split-size-0", lambda L: x(L, 3).split(0), (r"(split|size|0)",)),
    Case("split-empty-dim", lambda L: [t.shape for t in x(L, 0, 3).split(2)]),
    Case("chunk-0", lambda L: x(L, 3).chunk(0), (r"chunk",)),
    Case("chunk-dim-out-of-range", lambda L: x(L, 3).chunk(2, 1), (DIM_WORDS, "1")),
    Case("chunk-empty-dim", lambda L: len(x(L, 0, 3).chunk(2))),
    Case("reshape--2", lambda L: x(L, 6).reshape(-2, 3), (r"(-2|invalid|shape)",)),
    Case("reshape-two-minus-one", lambda L: x(L, 6).reshape(-1, -1), (r"(-1|one|infer)",)),
    Case("reshape-wrong-size", lambda L: x(L, 6).reshape(4, 2), (shape_pattern((4, 2)),)),
    Case("view-non-contiguous", lambda L: x(L, 2, 3).T.view(6), (r"(contiguous|stride|reshape)",)),
    Case("expand-smaller", lambda L: x(L, 3, 4).expand(2, 4), (r"(expand|size|4|3)",)),
    Case("expand-fewer-dims", lambda L: x(L, 3, 4).expand(4), (r"(dims|number|expand)",)),
    Case("expand-non-singleton", lambda L: x(L, 3, 1).expand(2, 2), (r"(3|singleton|size)",)),
    Case("broadcast_to-bad", lambda L: L.m.broadcast_to(x(L, 3), (2, 4)), (r"(3|4|shape|size)",)),
    Case("matmul-0d", lambda L: L.m.matmul(x(L), x(L, 3)), (r"(0|dim|scalar)",)),
    Case("matmul-mismatch", lambda L: x(L, 2, 3) @ x(L, 4, 5), (shape_pattern((2, 3)),)),
    Case("matmul-int-float", lambda L: L.t([[1, 2]]) @ x(L, 2, 2), (DTYPE_WORDS,)),
    Case("pad-too-many", lambda L: L.pad(x(L, 2, 3), (1, 1, 1, 1, 1, 1)), (r"(pad|dim|6)",)),
    Case("pad-odd", lambda L: L.pad(x(L, 2, 3), (1, 1, 1)), (r"(pad|even|length)",)),
    Case("where-cond-float", lambda L: L.m.where(x(L, 3), x(L, 3), x(L, 3)), (r"(bool|condition)",)),
    Case("clamp-no-bounds", lambda L: x(L, 3).clamp(), (r"(min|max)",)),
    Case("sum-dim-repeated", lambda L: x(L, 2, 3).sum((0, 0)), (r"(repeat|0|twice|dim)",)),
    Case("softmax-no-dim", lambda L: L.m.softmax(x(L, 2, 3), dim=5), (DIM_WORDS, "5")),
    Case("max-dim-empty", lambda L: x(L, 0, 3).max(dim=0), (r"(empty|zero|0)",)),
    Case("amax-empty", lambda L: x(L, 0, 3).amax(), (r"(empty|zero|0)",)),
    Case("argmax-dim-out-of-range", lambda L: x(L, 2, 3).argmax(2), (DIM_WORDS, "2")),
    Case("argmin-dim-out-of-range", lambda L: x(L, 2, 3).argmin(-3), (DIM_WORDS, "-3")),
    Case("argmax-empty", lambda L: x(L, 0).argmax(), (r"(empty|0|zero)",)),
    Case("logsumexp-empty", lambda L: x(L, 0, 3).logsumexp(0)),
    Case("softmax-empty", lambda L: L.m.softmax(x(L, 0, 3), 0)),
    Case("log_softmax-empty", lambda L: L.m.log_softmax(x(L, 3, 0), 1)),
    Case("mean-empty", lambda L: x(L, 0).mean()),
    Case("var-one-element", lambda L: x(L, 1).var()),
    Case("sum-uint8-dtype", lambda L: L.t([200, 100], dtype="uint8").sum()),
    Case("item-of-many", lambda L: x(L, 2).item(), (r"(one element|2)",)),
    Case("int-requires-grad", lambda L: L.t([1, 2], requires_grad=True), (r"(float|int64|Long)",)),
]

INDEXING = [
    Case("index-out-of-range", lambda L: x(L, 3)[5], (r"5", r"(range|bounds|size)")),
    Case("index-negative-out-of-range", lambda L: x(L, 3, 2)[:, -3], (r"-3",)),
    Case("index-too-many", lambda L: x(L, 3)[0, 0], (r"(too many|dim|2|1)",)),
    Case("index-float-tensor", lambda L: x(L, 3)[L.t([1.0])], (r"(long|int|byte|bool|float)",)),
    Case("index-float-number", lambda L: x(L, 3)[1.0], (r"(int|float|slice)",)),
    Case("index-array-out-of-range", lambda L: x(L, 3)[L.t([0, 3])], (r"3",)),
    Case("index-mask-wrong-shape", lambda L: x(L, 3, 2)[L.t([True, False])],
         (r"(mask|shape|2|3)",)),
    Case("index-mask-wrong-2d-shape", lambda L: x(L, 3, 2)[L.t([[True, False, True]])],
         (r"(mask|shape|3|2)",)),
    Case("index-arrays-not-broadcastable", lambda L: x(L, 3, 3)[L.t([0, 1]), L.t([0, 1, 2])],
         (r"(broadcast|shape|2|3)",)),
    Case("index-step-zero", lambda L: x(L, 4)[::0], (r"(step|zero|0)",)),
    Case("index-string", lambda L: x(L, 4)["a"], (r"(str|index|int)",)),
    Case("index-bool-number", lambda L: x(L, 2, 3)[True]),
    Case("index-none-and-ellipsis", lambda L: x(L, 2, 3)[None, ..., 1]),
    Case("setitem-shape-mismatch", lambda L: L.t(np.zeros((3, 2))).__setitem__(0, L.t([1.0, 2.0, 3.0])),
         (shape_pattern((3,)),)),
]


def _train_call(name, args, kwargs, input_, dtype=None, target=None):
    def call(L):
        layer = L.layer(name, *args, **kwargs)
        value = L.t(input_, dtype=dtype)
        return layer(value) if target is None else layer(value, L.t(target))
    return call


R = np.random.default_rng(0)
LAYERS = [
    Case("Linear-wrong-features", _train_call("Linear", (3, 4), {}, R.standard_normal((2, 5)), "float32"),
         (r"(3|5)",)),
    Case("Linear-int-input", _train_call("Linear", (3, 4), {}, [[1, 2, 3]]), (DTYPE_WORDS,)),
    Case("Linear-float64-input", _train_call("Linear", (3, 4), {}, R.standard_normal((2, 3))),
         (DTYPE_WORDS,)),
    Case("Linear-negative-size", lambda L: L.layer("Linear", -1, 3), (r"(-1|negative|size)",)),
    Case("Linear-0-features-1d", _train_call("Linear", (0, 3), {}, np.zeros(0), "float32")),
    Case("Linear-0d-input", _train_call("Linear", (1, 3), {}, np.float32(1.0), "float32"),
         (r"(0-d|dim|shape|1)",)),
    Case("Linear-list-input", lambda L: L.layer("Linear", 2, 3)([[1.0, 2.0]]), (r"(Tensor|list)",)),
    Case("Bilinear-like-bad-bias", lambda L: L.layer("Linear", 2, 3, bias="yes")(L.t([[1.0, 2.0]], "float32"))),
    Case("Embedding-float-index", _train_call("Embedding", (5, 3), {}, [1.0, 2.0]), (DTYPE_WORDS,)),
    Case("Embedding-out-of-range", _train_call("Embedding", (5, 3), {}, [1, 7]), (r"7",)),
    Case("Embedding-negative-index", _train_call("Embedding", (5, 3), {}, [-1]), (r"-1",)),
    Case("Embedding-padding-out-of-range", lambda L: L.layer("Embedding", 5, 3, padding_idx=5),
         (r"(padding|5)",)),
    Case("LayerNorm-wrong-shape", _train_call("LayerNorm", (4,), {}, R.standard_normal((2, 3)), "float32"),
         (r"(4|3)",)),
    Case("LayerNorm-int-input", _train_call("LayerNorm", (3,), {}, [[1, 2, 3]]), (DTYPE_WORDS,)),
    Case("BatchNorm1d-wrong-features", _train_call("BatchNorm1d", (3,), {}, R.standard_normal((2, 4)),
                                                   "float32"), (r"(3|4)",)),
    Case("BatchNorm1d-1d-input", _train_call("BatchNorm1d", (3,), {}, R.standard_normal(3), "float32"),
         (r"(2D|3D|dim|1D)",)),
    Case("BatchNorm1d-one-value-per-channel", _train_call("BatchNorm1d", (3,), {},
                                                          R.standard_normal((1, 3)), "float32"),
         (r"(more than 1|value|1)",)),
    Case("BatchNorm1d-int-input", _train_call("BatchNorm1d", (3,), {}, [[1, 2, 3], [4, 5, 6]]),
         (DTYPE_WORDS,)),
    Case("Flatten-0d", _train_call("Flatten", (), {}, np.float32(2.0)), (DIM_WORDS,)),
    Case("Flatten-1d", _train_call("Flatten", (), {}, np.ones(3, np.float32)), (DIM_WORDS, "1")),
    Case("Flatten-bad-end", _train_call("Flatten", (0, 5), {}, np.ones((2, 3), np.float32)),
         (DIM_WORDS, "5")),
    Case("Dropout-p-1.5", lambda L: L.layer("Dropout", 1.5), (r"(probability|1\.5|p)",)),
    Case("Dropout-p-negative", lambda L: L.layer("Dropout", -0.1), (r"(probability|-0\.1|p)",)),
    Case("Dropout-int-input", lambda L: L.layer("Dropout", 0.5)(L.t([1, 2, 3])), (DTYPE_WORDS,)),
    Case("Dropout-eval-int-input", lambda L: L.layer("Dropout", 0.5).eval()(L.t([1, 2, 3]))),
    Case("LeakyReLU-string-slope", lambda L: L.layer("LeakyReLU", "a")(L.t([1.0, -1.0], "float32")),
         (r"(slope|str|number|float)",)),
    Case("GELU-bad-approximate", lambda L: L.layer("GELU", "bad")(L.t([1.0], "float32")),
         (r"(approximate|bad)",)),
    Case("Softmax-dim-out-of-range", lambda L: L.layer("Softmax", 2)(L.t([[1.0, 2.0]], "float32")),
         (DIM_WORDS, "2")),
    Case("LogSoftmax-dim-out-of-range", lambda L: L.layer("LogSoftmax", -3)(L.t([[1.0, 2.0]], "float32")),
         (DIM_WORDS, "-3")),
    Case("ReLU-bool", lambda L: L.layer("ReLU")(L.t([True, False])), (DTYPE_WORDS,)),
    Case("Sigmoid-bool", lambda L: L.layer("Sigmoid")(L.t([True, False]))),
    Case("Tanh-int", lambda L: L.layer("Tanh")(L.t([1, 2]))),
    Case("Identity-anything", lambda L: L.layer("Identity", 3, k=4)(L.t([1.0]))),
    Case("RNN-wrong-input-size", _train_call("RNN", (3, 4), {}, R.standard_normal((5, 2, 7)), "float32"),
         (r"(3|7)",)),
    Case("RNN-4d-input", _train_call("RNN", (3, 4), {}, R.standard_normal((5, 2, 1, 3)), "float32"),
         (r"(2|3|4|dim)",)),
    Case("RNN-bad-nonlinearity", lambda L: L.layer("RNN", 3, 4, nonlinearity="sigmoid"),
         (r"(nonlinearity|sigmoid)",)),
    Case("LSTM-wrong-input-size", _train_call("LSTM", (3, 4), {}, R.standard_normal((5, 2, 2)), "float32"),
         (r"(3|2)",)),
    Case("GRU-wrong-input-size", _train_call("GRU", (3, 4), {"batch_first": True},
                                             R.standard_normal((2, 5, 6)), "float32"), (r"(3|6)",)),
    Case("LSTM-dropout-bad", lambda L: L.layer("LSTM", 3, 4, dropout=2.0), (r"(dropout|2)",)),
    Case("RNNCell-wrong-input-size", _train_call("RNNCell", (3, 4), {}, R.standard_normal((2, 5)), "float32"),
         (r"(3|5)",)),
    Case("GRUCell-wrong-hidden", lambda L: L.layer("GRUCell", 3, 4)(
        L.t(np.ones((2, 3)), "float32"), L.t(np.ones((2, 5)), "float32")), (r"(4|5)",)),
    Case("LSTMCell-3d-input", _train_call("LSTMCell", (3, 4), {}, R.standard_normal((1, 2, 3)), "float32"),
         (r"(1D|2D|dim|3)",)),
    Case("MSELoss-shapes", _train_call("MSELoss", (), {}, np.ones((3, 4)), "float32", np.ones(5)),
         (shape_pattern((5,)),)),
    Case("MSELoss-bad-reduction", lambda L: L.layer("MSELoss", reduction="avg")(
        L.t([1.0], "float32"), L.t([1.0], "float32")), (r"(reduction|avg)",)),
    Case("CrossEntropyLoss-target-out-of-range", _train_call("CrossEntropyLoss", (), {},
                                                             np.ones((2, 3)), "float32", [0, 5]),
         (r"5",)),
    Case("CrossEntropyLoss-float-target-wrong-shape", _train_call("CrossEntropyLoss", (), {},
                                                                  np.ones((2, 3)), "float32",
                                                                  np.ones((2, 4), np.float32)),
         (r"(shape|3|4)",)),
    Case("CrossEntropyLoss-int-logits", _train_call("CrossEntropyLoss", (), {}, [[1, 2, 3]], None, [0]),
         (DTYPE_WORDS,)),
    Case("CrossEntropyLoss-batch-mismatch", _train_call("CrossEntropyLoss", (), {}, np.ones((2, 3)),
                                                        "float32", [0, 1, 2]), (r"(2|3)",)),
    Case("NLLLoss-float-target", _train_call("NLLLoss", (), {}, np.ones((2, 3)), "float32",
                                             np.array([0.0, 1.0])), (DTYPE_WORDS,)),
    Case("BCELoss-outside-0-1", _train_call("BCELoss", (), {}, np.array([1.5, 0.5], np.float32),
                                            "float32", np.array([1.0, 0.0], np.float32)), (r"(0|1|between)",)),
    Case("BCEWithLogitsLoss-shapes", _train_call("BCEWithLogitsLoss", (), {}, np.ones(3), "float32",
                                                 np.ones(4, np.float32)), (r"(3|4|size|shape)",)),
    Case("L1Loss-shapes", _train_call("L1Loss", (), {}, np.ones((3, 4)), "float32", np.ones(5)),
         (shape_pattern((5,)),)),
    Case("SmoothL1Loss-negative-beta", lambda L: L.layer("SmoothL1Loss", beta=-1.0)(
        L.t([1.0], "float32"), L.t([2.0], "float32")), (r"(beta|-1)",)),
    Case("NLLLoss-target-out-of-range", _train_call("NLLLoss", (), {}, np.ones((2, 3)), "float32",
                                                    [0, 3]), (r"3",)),
    Case("Sequential-index-out-of-range", lambda L: L.nn.Sequential(L.nn.ReLU())[3], (r"3",)),
    Case("ModuleList-index-out-of-range", lambda L: L.nn.ModuleList([L.nn.ReLU()])[2], (r"2",)),
    Case("ModuleDict-missing-key", lambda L: L.nn.ModuleDict({"a": L.nn.ReLU()})["b"], (r"b",)),
    Case("HuberLoss-negative-delta", lambda L: L.layer("HuberLoss", delta=-1.0)(
        L.t([1.0], "float32"), L.t([2.0], "float32")), (r"(delta|-1)",)),
]


def layer_device_call(name, args, input_shape):
    def call(lib):
        layer = lib.layer(name, *args)               # on cpu
        return layer(mg.tensor(np.ones(input_shape, np.float32), device="strict"))
    return call


LAYER_DEVICES = [
    Case("Linear-cpu-input-strict", layer_device_call("Linear", (3, 4), (2, 3))),
    Case("LayerNorm-cpu-input-strict", layer_device_call("LayerNorm", (3,), (2, 3))),
    Case("BatchNorm1d-cpu-input-strict", layer_device_call("BatchNorm1d", (3,), (2, 3))),
    Case("Embedding-cpu-index-strict", lambda L: L.layer("Embedding", 5, 3)(
        mg.tensor(np.array([1, 2]), device="strict"))),
    Case("RNN-cpu-input-strict", layer_device_call("RNN", (3, 4), (5, 2, 3))),
    Case("LSTM-cpu-input-strict", layer_device_call("LSTM", (3, 4), (5, 2, 3))),
    Case("GRU-cpu-input-strict", layer_device_call("GRU", (3, 4), (5, 2, 3))),
    Case("RNNCell-cpu-input-strict", layer_device_call("RNNCell", (3, 4), (2, 3))),
    Case("LSTMCell-cpu-input-strict", layer_device_call("LSTMCell", (3, 4), (2, 3))),
    Case("GRUCell-cpu-input-strict", layer_device_call("GRUCell", (3, 4), (2, 3))),
    Case("Sequential-cpu-input-strict", lambda L: L.nn.Sequential(L.layer("Linear", 3, 2), L.nn.ReLU())(
        mg.tensor(np.ones((2, 3), np.float32), device="strict"))),
    Case("cross_entropy-cpu-target-strict", lambda L: mg.nn.functional.cross_entropy(
        mg.ones(2, 3), mg.tensor(np.array([0, 1]), device="strict"))),
]


# ---------------------------------------------------------------- the tests
def torch_outcome(case):
    try:
        return as_tuple(case.call(TORCH)), None
    except Exception as error:  # noqa: BLE001 - whatever torch raises, minigrad must match
        return None, error


def expected_type(error):
    """The exception type minigrad must raise where torch raised ``error``: torch's
    NotImplementedError is a RuntimeError; where torch asserts (Embedding's padding_idx)
    a ValueError is the proper error."""
    if isinstance(error, RuntimeError):
        return RuntimeError
    if isinstance(error, AssertionError):
        return (AssertionError, ValueError)
    if isinstance(error, AttributeError):     # torch's losses given a list: 'list' has no 'size'
        return (AttributeError, TypeError)
    return type(error)


def same_result(ours, theirs, name):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor), f"{name}: minigrad returned {type(ours).__name__}"
        assert_same(ours, theirs, rtol=1e-6 if theirs.dtype != torch.float64 else 1e-12, what=name)
    elif isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs), f"{name}: {len(ours)} results, torch {len(theirs)}"
        for a, e in zip(ours, theirs):
            same_result(a, e, name)
    elif isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs), name
    elif isinstance(theirs, torch.nn.Module):
        assert isinstance(ours, mg.nn.Module), name
    else:
        assert ours == theirs, f"{name}: {ours!r}, torch {theirs!r}"


def check_against_torch(case):
    theirs, error = torch_outcome(case)
    if error is None:
        try:
            ours = as_tuple(case.call(MG))
        except Exception as failure:  # noqa: BLE001
            raise AssertionError(f"minigrad raised {type(failure).__name__}: {failure}; torch "
                                 f"succeeds") from failure
        same_result(ours, theirs, case.name)
        return
    expected = expected_type(error)
    try:
        ours = case.call(MG)
    except expected as failure:
        message = str(failure)
        missing = [n for n in case.names if not re.search(n, message, re.IGNORECASE)]
        assert not missing, (f"minigrad's message {message!r} does not contain {missing} "
                             f"(torch: {type(error).__name__}: {error})")
        return
    except Exception as failure:  # noqa: BLE001
        raise AssertionError(f"minigrad raised {type(failure).__name__}: {failure}; torch raised "
                             f"{type(error).__name__}: {error}") from failure
    raise AssertionError(f"minigrad returned {ours!r:.200}; torch raised {type(error).__name__}: "
                         f"{error}")


AGAINST_TORCH = (dim_cases() + dtype_cases() + shape_cases() + non_tensor_cases() + SHAPE_OPS
                 + INDEXING + LAYERS)
assert len({c.name for c in AGAINST_TORCH}) == len(AGAINST_TORCH), "case names must be unique"


# The cases by the function they call (their names' first part), one test per function:
# a case costs about what pytest's own handling of a test does.
AGAINST_TORCH_BY_FUNCTION = {}
for _case in AGAINST_TORCH:
    AGAINST_TORCH_BY_FUNCTION.setdefault(_case.name.split("-")[0], []).append(_case)


@pytest.mark.parametrize("function", AGAINST_TORCH_BY_FUNCTION)
def test_bad_input_raises_like_torch_or_gives_torchs_result(function):
    """Every case of the function; every case that fails is named."""
    failures = []
    for case in AGAINST_TORCH_BY_FUNCTION[function]:
        try:
            check_against_torch(case)
        except AssertionError as error:
            failures.append(f"{case.name}: {error}")
    assert not failures, "\n".join(failures)


DEVICES = device_cases() + LAYER_DEVICES


@pytest.mark.parametrize("case", DEVICES, ids=[c.name for c in DEVICES])
def test_mixed_devices_raise_runtime_error_naming_both(case):
    with pytest.raises(RuntimeError) as raised:
        case.call(MG)
    message = str(raised.value)
    assert "cpu" in message and "strict" in message, message
