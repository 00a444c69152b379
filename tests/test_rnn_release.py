"""After ``loss.backward()`` a recurrent layer's graph holds no data.

The engine releases what each node kept for its backward (``save_for_backward``,
``save_intermediates``) once that backward has run, unless ``retain_graph=True``.
A node that kept arrays any other way (a plain attribute of ``ctx``) would keep
them as long as the loss is alive: an LSTM its gates, tanh(c), h and c at every
step. So: walk every node reachable from ``loss.grad_fn`` through
``next_functions`` and look, inside each node's attributes (and the tuples, lists
and dicts in them), for an array or a Tensor. Only the engine's own fields may
refer to tensors: the edges (a leaf is the end of an edge), the hooks, the
outputs' shapes and dtypes, and the backend.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import get_backend

ENGINE_FIELDS = {"next_edges", "_hooks", "_output_meta", "_backend"}

# (module, its arguments, input shape, whether it takes an initial state, the fused node
# its graph must contain)
CASES = {
    "lstm": ("LSTM", dict(), (5, 2, 3), False, "LSTMSequence"),
    "lstm-2-layers-with-state": ("LSTM", dict(num_layers=2), (5, 2, 3), True, "LSTMSequence"),
    "lstm-bidirectional": ("LSTM", dict(bidirectional=True), (5, 2, 3), True, "LSTMSequence"),
    "lstm-batch-first": ("LSTM", dict(batch_first=True), (2, 5, 3), False, "LSTMSequence"),
    "gru-2-layers-bidirectional": ("GRU", dict(num_layers=2, bidirectional=True), (5, 2, 3),
                                   True, "GRUCellUpdate"),
    "rnn-tanh": ("RNN", dict(num_layers=2), (5, 2, 3), True, "Tanh"),
    "rnn-relu": ("RNN", dict(nonlinearity="relu"), (5, 2, 3), True, "Relu"),
    "lstm-cell": ("LSTMCell", dict(), (2, 3), True, "LSTMCellUpdate"),
    "gru-cell": ("GRUCell", dict(), (2, 3), True, "GRUCellUpdate"),
    "rnn-cell": ("RNNCell", dict(), (2, 3), True, "Tanh"),
}


def graph_nodes(loss):
    """Every node reachable from ``loss.grad_fn`` through ``next_functions``."""
    nodes, pending = [], [loss.grad_fn]
    while pending:
        node = pending.pop()
        if node is None or any(node is seen for seen in nodes):
            continue
        nodes.append(node)
        pending.extend(child for child, _ in node.next_functions)
    return nodes


def data_inside(value, backend, path):
    """The paths of the arrays and Tensors in ``value`` (through tuples, lists, dicts)."""
    if isinstance(value, mg.Tensor):
        return [f"{path}: a Tensor of shape {tuple(value.shape)}"]
    if isinstance(value, np.ndarray) or backend.is_array(value):
        return [f"{path}: an array of shape {tuple(value.shape)}"]
    if isinstance(value, (tuple, list)):
        return [found for index, item in enumerate(value)
                for found in data_inside(item, backend, f"{path}[{index}]")]
    if isinstance(value, dict):
        return [found for key, item in value.items()
                for found in data_inside(item, backend, f"{path}[{key!r}]")]
    return []


def kept_data(node, backend):
    """What ``node`` refers to, outside the engine's own fields, that holds data."""
    return [f"{type(node).__name__}.{found}"
            for field, value in vars(node).items() if field not in ENGINE_FIELDS
            for found in data_inside(value, backend, field)]


def run_backward(case, device):
    name, kwargs, input_shape, with_state, _ = CASES[case]
    module = getattr(mg.nn, name)(3, 4, dtype=mg.float64, device=device, **kwargs)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal(input_shape), device=device, requires_grad=True)
    state = None
    if with_state:
        batch = input_shape[0 if kwargs.get("batch_first") or "Cell" in name else 1]
        layers = (2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1)
        shape = (batch, 4) if "Cell" in name else (layers, batch, 4)
        states = [mg.tensor(rng.standard_normal(shape), device=device, requires_grad=True)
                  for _ in range(2 if name.startswith("LSTM") else 1)]
        state = tuple(states) if name.startswith("LSTM") else states[0]
    result = module(x, state)
    pieces = [result] if isinstance(result, mg.Tensor) else list(result)
    pieces = [p for piece in pieces for p in (piece if isinstance(piece, tuple) else (piece,))]
    loss = sum((piece ** 2).sum() for piece in pieces)
    loss.backward()
    return module, x, loss


@pytest.mark.parametrize("case", list(CASES))
def test_no_node_keeps_arrays_or_tensors_after_backward(case, device):
    module, x, loss = run_backward(case, device)
    assert x.grad is not None and all(p.grad is not None for p in module.parameters())
    backend = get_backend(device)
    nodes = graph_nodes(loss)
    assert CASES[case][4] in {type(node).__name__ for node in nodes}
    assert [found for node in nodes for found in kept_data(node, backend)] == []


def test_retain_graph_keeps_what_a_second_backward_needs():
    """The walk above sees the kept data when the graph is retained: it would catch a leak."""
    lstm = mg.nn.LSTM(3, 4, dtype=mg.float64)
    loss = (lstm(mg.randn(5, 2, 3, dtype=mg.float64))[0] ** 2).sum()
    loss.backward(retain_graph=True)
    backend = get_backend("cpu")
    sequence = [node for node in graph_nodes(loss) if type(node).__name__ == "LSTMSequence"]
    assert len(sequence) == 1
    assert kept_data(sequence[0], backend)
    loss.backward()
    assert kept_data(sequence[0], backend) == []
