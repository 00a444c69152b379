"""After ``backward()`` (without ``retain_graph``) the graph holds no forward arrays.

The engine releases what every node kept for backward once its backward has run
(``save_for_backward`` and ``save_intermediates``); an array kept any other way (a
plain ``ctx`` attribute, or inside a helper object) would escape that release and
stay alive as long as the loss tensor does. So, for every op-table row and every
layer and loss of ``mg.nn``: build the graph, call ``backward()``, walk every node
reachable from the output's ``grad_fn`` and look through each node's attributes
(into tuples, lists, dicts and plain objects) for a backend array or a Tensor.
Only the engine's own fields may hold references: ``next_edges`` (the edges,
which point at leaf tensors), the hooks, the outputs' shapes and dtypes, the backend.

The recurrent layers (RNN, LSTM, GRU and their cells) are left to the tests of the
recurrent ops.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import get_backend
from minigrad.autograd.function import AccumulateGrad
from op_table import OPS
from test_ops import as_tuple, floating, mg_value

F = mg.nn.functional

# The engine's fields, which reference what they must: leaf tensors (the edges),
# user hooks, and shapes, dtypes and the backend.
ENGINE_FIELDS = {"next_edges", "_hooks", "_output_meta", "_backend"}


def is_backend_array(value):
    """A NumPy array or a device array (CuPy, or the 'strict' stand-in); not a NumPy scalar."""
    if isinstance(value, np.ndarray):
        return True
    devices = ["strict"] + (["cuda"] if mg.cuda.is_available() else [])
    return any(get_backend(device).is_array(value) for device in devices)


def held_references(value, path, seen):
    """The paths (``ctx.key[1].index``) under ``value`` that reach an array or a Tensor."""
    if isinstance(value, mg.Tensor) or is_backend_array(value):
        return [path]
    if id(value) in seen:
        return []
    seen.add(id(value))
    found = []
    if isinstance(value, (tuple, list, set, frozenset)):
        for index, item in enumerate(value):
            found += held_references(item, f"{path}[{index}]", seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += held_references(item, f"{path}[{key!r}]", seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type) and not callable(value):
        for name, item in vars(value).items():
            found += held_references(item, f"{path}.{name}", seen)
    return found


def graph_nodes(output):
    """Every Function node reachable from ``output.grad_fn`` (leaves' AccumulateGrad left out)."""
    nodes, stack = [], [output.grad_fn]
    seen = {id(output.grad_fn)}
    while stack:
        node = stack.pop()
        nodes.append(node)
        for child, _ in node.next_functions:
            if child is not None and not isinstance(child, AccumulateGrad) \
                    and id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return nodes


def leftovers(output):
    """``NodeName.attribute...`` for every array or Tensor a node of the graph still holds."""
    found = []
    for node in graph_nodes(output):
        for name, value in vars(node).items():
            if name not in ENGINE_FIELDS:
                found += held_references(value, f"{type(node).__name__}.{name}", set())
    return found


def backward_and_check(outputs):
    """Σ w·(every floating output) → backward(); then no node may hold an array."""
    outputs = [o for o in floating(as_tuple(outputs)) if o.requires_grad]
    assert outputs, "nothing to differentiate"
    rng = np.random.default_rng(0)
    loss = sum((o * mg.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype,
                              device=o.device)).sum() for o in outputs)
    loss.backward()
    assert leftovers(loss) == []


# ---------------------------------------------------------------- the op table
DEVICES = ["cpu", "strict"]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", [op for op in OPS if op.differentiable], ids=lambda op: op.name)
def test_no_op_keeps_forward_arrays_after_backward(op, device):
    """Every sample of the row (in one test: each is a few milliseconds, pytest's own cost
    per test about one); every sample that fails is named."""
    failures = []
    for i, sample in enumerate(op.sample_inputs()):
        inputs = [mg_value(a, device, "float64") for a in sample.args]
        try:
            backward_and_check(op.op(*inputs, **sample.kwargs))
        except AssertionError as error:
            failures.append(f"sample {i} ({sample!r}): {error}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- layers and losses
def data(*shape, device="cpu", requires_grad=True, low=None):
    rng = np.random.default_rng(sum(shape) + 1)
    values = rng.random(shape) if low == 0 else rng.standard_normal(shape)
    return mg.tensor(values, dtype=mg.float64, device=device, requires_grad=requires_grad)


def indices(values, device):
    return mg.tensor(np.array(values), device=device)


def layer(module, device):
    return module.double().to(device)


LAYERS = {
    "Linear": lambda d: layer(mg.nn.Linear(4, 3), d)(data(2, 4, device=d)),
    "Linear-no-bias-3d": lambda d: layer(mg.nn.Linear(4, 3, bias=False), d)(data(2, 5, 4, device=d)),
    "Embedding": lambda d: layer(mg.nn.Embedding(6, 3), d)(indices([[1, 2, 1], [0, 5, 1]], d)),
    "Embedding-padding_idx": lambda d: layer(mg.nn.Embedding(6, 3, padding_idx=1), d)(
        indices([[1, 2, 1], [0, 5, 1]], d)),
    "Embedding-scale_grad_by_freq": lambda d: layer(
        mg.nn.Embedding(6, 3, padding_idx=0, scale_grad_by_freq=True), d)(indices([1, 2, 1, 0], d)),
    "Embedding-max_norm": lambda d: layer(mg.nn.Embedding(6, 3, max_norm=1.0), d)(
        indices([1, 2, 1], d)),
    "BatchNorm1d": lambda d: layer(mg.nn.BatchNorm1d(3), d)(data(4, 3, device=d)),
    "BatchNorm1d-3d": lambda d: layer(mg.nn.BatchNorm1d(3), d)(data(4, 3, 5, device=d)),
    "BatchNorm1d-eval": lambda d: layer(mg.nn.BatchNorm1d(3), d).eval()(data(4, 3, device=d)),
    "BatchNorm2d": lambda d: layer(mg.nn.BatchNorm2d(3), d)(data(2, 3, 4, 4, device=d)),
    "GroupNorm": lambda d: layer(mg.nn.GroupNorm(2, 4), d)(data(2, 4, 3, device=d)),
    "RMSNorm": lambda d: layer(mg.nn.RMSNorm(3), d)(data(2, 4, 3, device=d)),
    "MaxPool1d": lambda d: mg.nn.MaxPool1d(3, 2, ceil_mode=True)(data(2, 3, 8, device=d)),
    "AvgPool1d": lambda d: mg.nn.AvgPool1d(2)(data(3, 6, device=d)),
    "MaxPool2d": lambda d: mg.nn.MaxPool2d(2, padding=1)(data(2, 3, 5, 5, device=d)),
    "AvgPool2d": lambda d: mg.nn.AvgPool2d(3, 2, 1, count_include_pad=False)(data(2, 3, 5, 5, device=d)),
    "AdaptiveAvgPool2d": lambda d: mg.nn.AdaptiveAvgPool2d((2, 3))(data(2, 3, 5, 5, device=d)),
    "LayerNorm": lambda d: layer(mg.nn.LayerNorm(3), d)(data(2, 4, 3, device=d)),
    "LayerNorm-no-affine": lambda d: layer(mg.nn.LayerNorm((4, 3), elementwise_affine=False), d)(
        data(2, 4, 3, device=d)),
    "Dropout-training": lambda d: mg.nn.Dropout(0.5).train()(data(4, 5, device=d)),
    "ReLU": lambda d: mg.nn.ReLU()(data(4, 5, device=d)),
    "LeakyReLU": lambda d: mg.nn.LeakyReLU(0.1)(data(4, 5, device=d)),
    "GELU": lambda d: mg.nn.GELU()(data(4, 5, device=d)),
    "GELU-tanh": lambda d: mg.nn.GELU(approximate="tanh")(data(4, 5, device=d)),
    "Sigmoid": lambda d: mg.nn.Sigmoid()(data(4, 5, device=d)),
    "Tanh": lambda d: mg.nn.Tanh()(data(4, 5, device=d)),
    "Softmax": lambda d: mg.nn.Softmax(dim=1)(data(4, 5, device=d)),
    "LogSoftmax": lambda d: mg.nn.LogSoftmax(dim=0)(data(4, 5, device=d)),
    "Flatten": lambda d: mg.nn.Flatten()(data(2, 3, 4, device=d)),
    "Identity": lambda d: mg.nn.Identity()(data(2, 3, device=d)) * 2,
    "Conv1d": lambda d: layer(mg.nn.Conv1d(2, 3, 3, stride=2, padding=1), d)(data(2, 2, 7, device=d)),
    "Conv2d-same-groups": lambda d: layer(mg.nn.Conv2d(4, 6, 2, padding="same", groups=2), d)(
        data(2, 4, 5, 5, device=d)),
    "MultiheadAttention": lambda d: layer(mg.nn.MultiheadAttention(4, 2), d)(  # (output, weights)
        *(data(3, 2, 4, device=d),) * 3),
    "MultiheadAttention-no-weights-padding": lambda d: layer(mg.nn.MultiheadAttention(4, 2), d)(
        *(data(3, 2, 4, device=d),) * 3, need_weights=False,
        key_padding_mask=indices([[False, True, False], [False, False, False]], d))[0],
    "TransformerEncoderLayer": lambda d: layer(
        mg.nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0), d)(data(3, 2, 4, device=d)),
    "TransformerEncoderLayer-norm_first-gelu": lambda d: layer(
        mg.nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.5, norm_first=True,
                                      activation="gelu"), d)(data(3, 2, 4, device=d)),
}


def targets(d):
    return indices([0, 2, 1, 2], d)


def logits(d):
    return data(4, 3, device=d)


LOSSES = {
    "MSELoss": lambda d: mg.nn.MSELoss()(data(4, 3, device=d), data(4, 3, device=d)),
    "L1Loss-sum": lambda d: mg.nn.L1Loss(reduction="sum")(data(4, 3, device=d), data(4, 3, device=d)),
    "HuberLoss": lambda d: mg.nn.HuberLoss(delta=0.5)(data(4, 3, device=d), data(4, 3, device=d)),
    "SmoothL1Loss-none": lambda d: mg.nn.SmoothL1Loss(reduction="none")(
        data(4, 3, device=d), data(4, 3, device=d)),
    "BCELoss-weight": lambda d: mg.nn.BCELoss(weight=data(3, device=d, requires_grad=False, low=0))(
        data(4, 3, device=d, low=0), data(4, 3, device=d, low=0)),
    "BCEWithLogitsLoss-pos_weight": lambda d: mg.nn.BCEWithLogitsLoss(
        pos_weight=data(3, device=d, requires_grad=False, low=0))(
        data(4, 3, device=d), data(4, 3, device=d, low=0)),
    "CrossEntropyLoss": lambda d: mg.nn.CrossEntropyLoss()(logits(d), targets(d)),
    "CrossEntropyLoss-weight-ignore_index": lambda d: mg.nn.CrossEntropyLoss(
        weight=data(3, device=d, requires_grad=False, low=0), ignore_index=2)(logits(d), targets(d)),
    "CrossEntropyLoss-label_smoothing": lambda d: mg.nn.CrossEntropyLoss(label_smoothing=0.1)(
        logits(d), targets(d)),
    "CrossEntropyLoss-none": lambda d: mg.nn.CrossEntropyLoss(reduction="none")(logits(d),
                                                                                 targets(d)),
    "CrossEntropyLoss-3d": lambda d: mg.nn.CrossEntropyLoss()(
        data(2, 3, 5, device=d), indices([[0, 1, 2, 1, 0], [2, 2, 1, 0, 1]], d)),
    "CrossEntropyLoss-probabilities": lambda d: mg.nn.CrossEntropyLoss()(
        logits(d), mg.softmax(data(4, 3, device=d), 1)),
    "CrossEntropyLoss-probabilities-weight-smoothing": lambda d: mg.nn.CrossEntropyLoss(
        weight=data(3, device=d, requires_grad=False, low=0), label_smoothing=0.2)(
        logits(d), data(4, 3, device=d, low=0)),
    "NLLLoss": lambda d: mg.nn.NLLLoss()(mg.log_softmax(logits(d), 1), targets(d)),
    "NLLLoss-weight-ignore_index-sum": lambda d: mg.nn.NLLLoss(
        weight=data(3, device=d, requires_grad=False, low=0), ignore_index=0, reduction="sum")(
        logits(d), targets(d)),
}


def test_every_layer_and_loss_of_nn_has_a_case():
    covered = {name.split("-")[0] for name in {**LAYERS, **LOSSES}}
    recurrent = {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNNCellBase"}
    containers = {"Module", "Sequential", "ModuleList", "ModuleDict", "Parameter"}
    layers = {name for name, value in vars(mg.nn).items()
              if isinstance(value, type) and issubclass(value, mg.nn.Module)}
    assert layers - recurrent - containers - covered == set()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted({**LAYERS, **LOSSES}))
def test_no_layer_or_loss_keeps_forward_arrays_after_backward(name, device):
    backward_and_check({**LAYERS, **LOSSES}[name](device))


# ---------------------------------------------------------------- the test itself
class KeepsScratch(mg.autograd.Function):
    """y = 2x, with an array kept as a plain attribute: what the release cannot see."""

    @staticmethod
    def forward(ctx, x):
        ctx.scratch = {"doubled": [x * 2]}
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


class KeepsTargets(mg.autograd.Function):
    """y = x, with a helper object holding an array (as a loss's targets would be)."""

    class Targets:
        def __init__(self, xp):
            self.keep = xp.ones(3, dtype=bool)

    @staticmethod
    def forward(ctx, x):
        ctx.targets = KeepsTargets.Targets(ctx.xp)
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


@pytest.mark.parametrize("device", DEVICES)
def test_the_check_finds_an_array_kept_outside_the_release(device):
    x = data(3, device=device)
    y = (KeepsScratch.apply(x) * 3).sum()
    y.backward()
    assert leftovers(y) == ["KeepsScratch.scratch['doubled'][0]"]
    z = KeepsTargets.apply(x).sum()
    z.backward()
    assert leftovers(z) == ["KeepsTargets.targets.keep"]


def test_the_check_finds_what_retain_graph_keeps():
    x = data(3)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert leftovers(y) == ["Mul._saved[0][1]", "Mul._saved[1][1]"]


class NoGradient(mg.autograd.Function):
    """y = x, whose backward sends no gradient back (None)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return None


def test_a_node_that_receives_no_gradient_is_released_too():
    x = data(3)
    y = (NoGradient.apply(x * x) + x).sum()
    y.backward()
    assert leftovers(y) == []
    mul = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert type(mul).__name__ == "Mul"
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        mul.saved_tensors
