"""Recurrent layers (RNN, LSTM, GRU and their cells) against PyTorch.

Each comparison builds the PyTorch module, loads its state_dict (as NumPy
arrays) into the minigrad module, runs both in float64 on the same input and
initial state, and checks the outputs, the final states and the gradients of
the input, the initial state and every parameter to rtol 1e-6. Then: gradcheck
and gradgradcheck of the cells and of the fused ops, Hessian-vector products of
a sequence loss, dropout between layers, PyTorch's error messages, a
1000-step sequence, and truncated back-propagation through time with a graph
that does not grow from window to window.
"""
import functools
import gc
import warnings
import weakref

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.ops.recurrent import gru_cell_update, lstm_cell_update, unbind

close = functools.partial(mg.testing.assert_close, rtol=1e-6, atol=1e-10)

INPUT, HIDDEN = 3, 4


def twins(name, *args, **kwargs):
    """(minigrad module, PyTorch module) of class ``name`` with the same float64 weights."""
    reference = getattr(torch.nn, name)(*args, dtype=torch.float64, **kwargs)
    mine = getattr(mg.nn, name)(*args, dtype=mg.float64, **kwargs)
    mine.load_state_dict({key: value.detach().numpy() for key, value in reference.state_dict().items()})
    return mine, reference


def flat(result):
    """(output, h_n) or (output, (h_n, c_n)) or a cell's h or (h, c), as a flat list."""
    if not isinstance(result, tuple):
        return [result]
    return [part for item in result for part in flat(item)]


def backward_both(results, expected, rng, device="cpu"):
    """Check the forward values, then back-propagate the same random upstream gradients."""
    assert len(results) == len(expected)
    for mine, reference in zip(results, expected):
        close(mine, reference.detach().numpy())
    upstream = [rng.standard_normal(tuple(reference.shape)) for reference in expected]
    sum((mine * mg.tensor(u, device=device)).sum() for mine, u in zip(results, upstream)).backward()
    sum((reference * torch.tensor(u)).sum() for reference, u in zip(expected, upstream)).backward()


def assert_same_gradients(mine, reference, inputs, reference_inputs):
    for x, x_ref in zip(inputs, reference_inputs):
        close(x.grad, x_ref.grad.detach().numpy())
    for (name, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        close(param.grad, param_ref.grad.detach().numpy(), msg=name)


def compare_sequence(name, kwargs, input_shape, with_state, rng, device="cpu"):
    """Run ``name(INPUT, HIDDEN, **kwargs)`` on both sides; compare values and gradients."""
    mine, reference = twins(name, INPUT, HIDDEN, **kwargs)
    mine.to(device)
    directions = 2 if kwargs.get("bidirectional") else 1
    batched = len(input_shape) == 3
    batch = (input_shape[0 if kwargs.get("batch_first") else 1],) if batched else ()
    state_shape = (directions * kwargs.get("num_layers", 1),) + batch + (HIDDEN,)
    arrays = [rng.standard_normal(input_shape)]
    if with_state:
        arrays += [rng.standard_normal(state_shape) for _ in range(2 if name == "LSTM" else 1)]
    inputs = [mg.tensor(a, device=device, requires_grad=True) for a in arrays]
    reference_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def call(module, tensors):
        state = None
        if with_state:
            state = tuple(tensors[1:]) if name == "LSTM" else tensors[1]
        return flat(module(tensors[0], state))

    backward_both(call(mine, inputs), call(reference, reference_inputs), rng, device)
    assert_same_gradients(mine, reference, inputs, reference_inputs)


SEQUENCE_CASES = {
    "rnn-tanh-2-layers": ("RNN", dict(num_layers=2), (5, 2, 3), True),
    "rnn-tanh-zero-state": ("RNN", dict(num_layers=2), (5, 2, 3), False),
    "rnn-relu-2-layers": ("RNN", dict(num_layers=2, nonlinearity="relu"), (5, 2, 3), True),
    "rnn-bidirectional-batch-first": ("RNN", dict(bidirectional=True, batch_first=True),
                                      (2, 5, 3), True),
    "lstm-2-layers-bidirectional-batch-first": (
        "LSTM", dict(num_layers=2, bidirectional=True, batch_first=True), (2, 5, 3), True),
    "lstm-2-layers-bidirectional-batch-first-zero-state": (
        "LSTM", dict(num_layers=2, bidirectional=True, batch_first=True), (2, 5, 3), False),
    "lstm-3-layers": ("LSTM", dict(num_layers=3), (4, 3, 3), True),
    "gru-2-layers-bidirectional-batch-first": (
        "GRU", dict(num_layers=2, bidirectional=True, batch_first=True), (2, 5, 3), True),
    "gru-2-layers-bidirectional-batch-first-zero-state": (
        "GRU", dict(num_layers=2, bidirectional=True, batch_first=True), (2, 5, 3), False),
    "rnn-no-bias": ("RNN", dict(bias=False, num_layers=2), (5, 2, 3), True),
    "lstm-no-bias": ("LSTM", dict(bias=False, bidirectional=True), (5, 2, 3), True),
    "gru-no-bias": ("GRU", dict(bias=False, num_layers=2), (5, 2, 3), True),
    "rnn-unbatched": ("RNN", dict(num_layers=2), (5, 3), True),
    "lstm-unbatched": ("LSTM", dict(bidirectional=True), (5, 3), True),
    "lstm-unbatched-zero-state": ("LSTM", dict(num_layers=2), (5, 3), False),
    "gru-unbatched-batch-first": ("GRU", dict(batch_first=True, bidirectional=True), (5, 3), True),
    "gru-one-step": ("GRU", dict(num_layers=2), (1, 2, 3), True),
}


@pytest.mark.parametrize("name, kwargs, input_shape, with_state", SEQUENCE_CASES.values(),
                         ids=SEQUENCE_CASES.keys())
def test_sequence_layers_match_torch(name, kwargs, input_shape, with_state, rng):
    compare_sequence(name, kwargs, input_shape, with_state, rng)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_sequence_layers_on_every_device(name, device, rng):
    compare_sequence(name, dict(num_layers=2, bidirectional=True), (4, 2, 3), True, rng, device)


CELL_CASES = {
    "rnn-cell-tanh": ("RNNCell", {}),
    "rnn-cell-relu": ("RNNCell", dict(nonlinearity="relu")),
    "rnn-cell-no-bias": ("RNNCell", dict(bias=False)),
    "lstm-cell": ("LSTMCell", {}),
    "lstm-cell-no-bias": ("LSTMCell", dict(bias=False)),
    "gru-cell": ("GRUCell", {}),
    "gru-cell-no-bias": ("GRUCell", dict(bias=False)),
}


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_state", [True, False], ids=["state", "zero-state"])
@pytest.mark.parametrize("name, kwargs", CELL_CASES.values(), ids=CELL_CASES.keys())
def test_cells_match_torch(name, kwargs, with_state, batched, rng):
    mine, reference = twins(name, INPUT, HIDDEN, **kwargs)
    batch = (2,) if batched else ()
    arrays = [rng.standard_normal(batch + (INPUT,))]
    if with_state:
        arrays += [rng.standard_normal(batch + (HIDDEN,))
                   for _ in range(2 if name == "LSTMCell" else 1)]
    inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
    reference_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def call(module, tensors):
        state = None
        if with_state:
            state = tuple(tensors[1:]) if name == "LSTMCell" else tensors[1]
        return flat(module(tensors[0], state))

    backward_both(call(mine, inputs), call(reference, reference_inputs), rng)
    assert_same_gradients(mine, reference, inputs, reference_inputs)


# ---------------------------------------------------------------- parameters
PARAMETER_CASES = [
    ("RNN", dict(num_layers=3, bidirectional=True)),
    ("LSTM", dict(num_layers=2, bidirectional=True, bias=False)),
    ("GRU", dict(num_layers=2)),
    ("RNNCell", dict(bias=False)),
    ("LSTMCell", {}),
    ("GRUCell", {}),
]


@pytest.mark.parametrize("name, kwargs", PARAMETER_CASES)
def test_parameter_names_shapes_and_order_match_torch(name, kwargs):
    mine = getattr(mg.nn, name)(INPUT, HIDDEN, **kwargs)
    reference = getattr(torch.nn, name)(INPUT, HIDDEN, **kwargs)
    assert ([(key, tuple(p.shape)) for key, p in mine.named_parameters()]
            == [(key, tuple(p.shape)) for key, p in reference.named_parameters()])
    reference.load_state_dict({key: torch.tensor(value.detach().numpy())
                               for key, value in mine.state_dict().items()})


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_default_initialisation_is_uniform_within_one_over_root_hidden(name):
    hidden = 16
    mg.manual_seed(0)
    first = getattr(mg.nn, name)(5, hidden)
    mg.manual_seed(0)
    second = getattr(mg.nn, name)(5, hidden)
    bound = 1 / np.sqrt(hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in first.parameters()])
    assert values.dtype == np.float32
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert abs(values.mean()) < 0.1 * bound
    for p, q in zip(first.parameters(), second.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_device_and_dtype_arguments_place_the_parameters():
    module = mg.nn.GRU(3, 4, num_layers=2, device="strict", dtype=mg.float64)
    for param in module.parameters():
        assert param.device == "strict" and param.dtype == np.float64 and param.requires_grad


@pytest.mark.parametrize("name, kwargs", [
    ("RNN", {}), ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False)),
    ("LSTM", dict(num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)),
    ("GRU", dict(bidirectional=True)), ("RNNCell", dict(nonlinearity="relu", bias=False)),
    ("LSTMCell", {}), ("GRUCell", dict(bias=False)),
])
def test_repr_matches_torch(name, kwargs):
    assert repr(getattr(mg.nn, name)(INPUT, HIDDEN, **kwargs)) == \
        repr(getattr(torch.nn, name)(INPUT, HIDDEN, **kwargs))


# ---------------------------------------------------------------- dropout between layers
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_is_the_identity_in_eval_mode(name, rng):
    mine, reference = twins(name, INPUT, HIDDEN, num_layers=3, dropout=0.5)
    mine.eval()
    reference.eval()
    x = rng.standard_normal((5, 2, INPUT))
    for ours, theirs in zip(flat(mine(mg.tensor(x))), flat(reference(torch.tensor(x)))):
        close(ours, theirs.detach().numpy())


def test_dropout_zero_in_train_mode_matches_torch(rng):
    mine, reference = twins("LSTM", INPUT, HIDDEN, num_layers=2, dropout=0.0)
    x = rng.standard_normal((5, 2, INPUT))
    for ours, theirs in zip(flat(mine(mg.tensor(x))), flat(reference(torch.tensor(x)))):
        close(ours, theirs.detach().numpy())


def test_dropout_drops_between_layers_only_and_is_reproducible_with_a_seed(rng):
    gru = mg.nn.GRU(INPUT, HIDDEN, num_layers=2, dropout=0.5, dtype=mg.float64)
    x = mg.tensor(rng.standard_normal((6, 3, INPUT)))
    mg.manual_seed(7)
    output, h_n = gru(x)
    mg.manual_seed(7)
    again, h_n_again = gru(x)
    mg.manual_seed(8)
    other, _ = gru(x)
    gru.eval()
    plain, plain_h_n = gru(x)
    np.testing.assert_array_equal(output.detach().numpy(), again.detach().numpy())
    np.testing.assert_array_equal(h_n.detach().numpy(), h_n_again.detach().numpy())
    assert not np.allclose(output.detach().numpy(), other.detach().numpy())
    assert not np.allclose(output.detach().numpy(), plain.detach().numpy())
    close(h_n[0], plain_h_n[0].detach().numpy())  # the first layer's input is never dropped


def test_dropout_one_cuts_the_input_off_from_the_top_layer(rng):
    rnn = mg.nn.RNN(INPUT, HIDDEN, num_layers=2, dropout=1.0, dtype=mg.float64)
    outputs = [rnn(mg.tensor(rng.standard_normal((4, 2, INPUT))))[0] for _ in range(2)]
    close(outputs[0], outputs[1].detach().numpy())


def test_dropout_with_one_layer_warns_as_torch_does():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        mg.nn.LSTM(INPUT, HIDDEN, dropout=0.3)


# ---------------------------------------------------------------- errors
ERROR_CASES = {
    "unknown-nonlinearity": lambda nn, T: nn.RNN(3, 4, nonlinearity="sigmoid"),
    "dropout-above-one": lambda nn, T: nn.LSTM(3, 4, num_layers=2, dropout=1.5),
    "dropout-negative": lambda nn, T: nn.GRU(3, 4, num_layers=2, dropout=-0.1),
    "dropout-bool": lambda nn, T: nn.GRU(3, 4, num_layers=2, dropout=True),
    "hidden-size-zero": lambda nn, T: nn.RNN(3, 0),
    "input-size-not-int": lambda nn, T: nn.LSTM(3.0, 4),
    "num-layers-zero": lambda nn, T: nn.GRU(3, 4, num_layers=0),
    "bias-not-bool": lambda nn, T: nn.RNN(3, 4, bias=1),
    "wrong-input-size": lambda nn, T: nn.LSTM(3, 4)(T(5, 2, 6)),
    "wrong-h0-batch": lambda nn, T: nn.GRU(3, 4, num_layers=2)(T(5, 2, 3), T(2, 3, 4)),
    "wrong-h0-layers": lambda nn, T: nn.RNN(3, 4, bidirectional=True)(T(5, 2, 3), T(1, 2, 4)),
    "wrong-c0": lambda nn, T: nn.LSTM(3, 4)(T(5, 2, 3), (T(1, 2, 4), T(1, 2, 5))),
    "lstm-4d-input": lambda nn, T: nn.LSTM(3, 4)(T(1, 5, 2, 3)),
    "rnn-1d-input": lambda nn, T: nn.RNN(3, 4)(T(3)),
    "gru-hx-rank-batched": lambda nn, T: nn.GRU(3, 4)(T(5, 2, 3), T(2, 4)),
    "rnn-hx-rank-unbatched": lambda nn, T: nn.RNN(3, 4)(T(5, 3), T(1, 1, 4)),
    "lstm-hx-rank": lambda nn, T: nn.LSTM(3, 4)(T(5, 2, 3), (T(1, 2, 4), T(2, 4))),
    "cell-input-size": lambda nn, T: nn.RNNCell(3, 4)(T(2, 5)),
    "cell-batch": lambda nn, T: nn.LSTMCell(3, 4)(T(2, 3), (T(3, 4), T(3, 4))),
    "cell-hidden-size": lambda nn, T: nn.GRUCell(3, 4)(T(2, 3), T(2, 5)),
    "cell-input-rank": lambda nn, T: nn.GRUCell(3, 4)(T(1, 2, 3)),
    "cell-hidden-rank": lambda nn, T: nn.RNNCell(3, 4)(T(2, 3), T(1, 2, 4)),
    "lstm-cell-hx-rank": lambda nn, T: nn.LSTMCell(3, 4)(T(2, 3), (T(2, 4), T(1, 2, 4))),
    "cell-unknown-nonlinearity": lambda nn, T: nn.RNNCell(3, 4, nonlinearity="sigmoid")(T(2, 3)),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_errors_match_torch(case):
    with pytest.raises(Exception) as expected:
        case(torch.nn, torch.randn)
    with pytest.raises(expected.type) as raised:
        case(mg.nn, mg.randn)
    assert str(raised.value) == str(expected.value)


def test_input_dtype_must_match_the_weights():
    with pytest.raises(ValueError, match=r"RNN input dtype \(float64\) does not match weight "
                                         r"dtype \(float32\)"):
        mg.nn.GRU(3, 4)(mg.randn(5, 2, 3, dtype=mg.float64))
    with pytest.raises(RuntimeError, match=r"GRUCell: input dtype \(float64\) does not match"):
        mg.nn.GRUCell(3, 4)(mg.randn(2, 3, dtype=mg.float64))


def test_lstm_state_must_be_a_pair():
    with pytest.raises(TypeError, match=r"hx should be a tuple \(h_0, c_0\)"):
        mg.nn.LSTM(3, 4)(mg.randn(5, 2, 3), mg.randn(1, 2, 4))


# ---------------------------------------------------------------- gradcheck, second order
def _float64(rng, *shape):
    return mg.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("name, kwargs", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                          ("LSTMCell", {}), ("GRUCell", {})])
def test_cells_pass_gradcheck(name, kwargs, rng):
    cell = getattr(mg.nn, name)(2, 3, dtype=mg.float64, **kwargs)
    x, h, c = _float64(rng, 2, 2), _float64(rng, 2, 3), _float64(rng, 2, 3)
    if name == "LSTMCell":
        assert mg.gradcheck(lambda x, h, c: cell(x, (h, c)), (x, h, c))
    else:
        assert mg.gradcheck(cell, (x, h))


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_pass_gradgradcheck(name, rng):
    cell = getattr(mg.nn, name)(2, 3, dtype=mg.float64)
    x, h, c = _float64(rng, 2, 2), _float64(rng, 2, 3), _float64(rng, 2, 3)
    if name == "LSTMCell":
        assert mg.gradgradcheck(lambda x, h, c: cell(x, (h, c)), (x, h, c))
    else:
        assert mg.gradgradcheck(cell, (x, h))


def test_fused_ops_pass_gradcheck_and_gradgradcheck(rng):
    gates, c = _float64(rng, 2, 12), _float64(rng, 2, 3)
    input_part, hidden_part, h = _float64(rng, 2, 9), _float64(rng, 2, 9), _float64(rng, 2, 3)
    sequence = _float64(rng, 3, 2, 2)
    for function, inputs in [(lstm_cell_update, (gates, c)),
                             (gru_cell_update, (input_part, hidden_part, h)),
                             (lambda x: unbind(x, 0), (sequence,)),
                             (lambda x: unbind(x, 2), (sequence,))]:
        assert mg.gradcheck(function, inputs)
        assert mg.gradgradcheck(function, inputs)


def test_unbind_gives_the_slices_along_a_dimension(rng):
    x = mg.tensor(rng.standard_normal((2, 3, 4)))
    pieces = unbind(x, -2)
    assert len(pieces) == 3
    for index, piece in enumerate(pieces):
        np.testing.assert_array_equal(piece.detach().numpy(), x.detach().numpy()[:, index])


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_hessian_vector_products_of_a_sequence_loss_match_torch(name, rng):
    mine, reference = twins(name, 2, 3, num_layers=2)
    x = rng.standard_normal((4, 2, 2))
    vectors = [rng.standard_normal(tuple(p.shape)) for p in reference.parameters()]

    params = list(mine.parameters())
    loss = (mine(mg.tensor(x))[0] ** 2).sum()
    grads = mg.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * mg.tensor(v)).sum() for g, v in zip(grads, vectors))
    hvp = mg.autograd.grad(dot, params)

    params_ref = list(reference.parameters())
    loss_ref = (reference(torch.tensor(x))[0] ** 2).sum()
    grads_ref = torch.autograd.grad(loss_ref, params_ref, create_graph=True)
    dot_ref = sum((g * torch.tensor(v)).sum() for g, v in zip(grads_ref, vectors))
    hvp_ref = torch.autograd.grad(dot_ref, params_ref)
    for ours, theirs in zip(hvp, hvp_ref):
        close(ours, theirs.detach().numpy())


def test_lstm_output_changed_in_place_after_forward_leaves_the_gradients_as_torch(rng):
    """The LSTM layer op keeps every step's own h and c for its backward, not the
    output it returns: changing the output in place afterwards (allowed, as in
    PyTorch, when no operation saved it) does not alter the gradients."""
    mine, reference = twins("LSTM", INPUT, HIDDEN)
    x = rng.standard_normal((5, 2, INPUT))
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for module, tensor, no_grad in ((mine, ours, mg.no_grad), (reference, theirs, torch.no_grad)):
        output, (h_n, c_n) = module(tensor)
        loss = output.sum() + h_n.sum() + c_n.sum()
        with no_grad():
            output.mul_(3)
        loss.backward()
    assert_same_gradients(mine, reference, [ours], [theirs])


# ---------------------------------------------------------------- long sequences
def test_a_thousand_step_sequence_back_propagates_and_matches_torch(rng):
    mine, reference = twins("LSTM", 2, 4)
    x = rng.standard_normal((1000, 1, 2))
    ours, theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (mine(ours)[0] ** 2).mean().backward()  # a recursive walk would overflow the stack here
    (reference(theirs)[0] ** 2).mean().backward()
    assert_same_gradients(mine, reference, [ours], [theirs])


def _graph_nodes(tensor):
    """The Function nodes the backward pass from ``tensor`` would visit."""
    nodes, pending = set(), [tensor.grad_fn]
    while pending:
        node = pending.pop()
        if node is None or isinstance(node, mg.Tensor) or node in nodes:
            continue
        nodes.add(node)
        pending.extend(edge[0] for edge in node.next_edges if edge is not None)
    return nodes


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_graph_grows_by_a_few_nodes_per_step(name):
    """One input projection per layer and direction, then a few nodes per time step."""
    module = mg.nn.__dict__[name](2, 3)
    sizes = {length: len(_graph_nodes(module(mg.randn(length, 1, 2))[0]))
             for length in (10, 20)}
    assert (sizes[20] - sizes[10]) / 10 <= 4


def test_truncated_bptt_with_detach_keeps_the_graph_and_memory_flat(rng):
    lstm = mg.nn.LSTM(2, 5, num_layers=2)
    series = rng.standard_normal((12 * 8, 3, 2)).astype(np.float32)
    state, node_counts, finished_windows = None, [], []
    for start in range(0, len(series), 8):
        output, state = lstm(mg.tensor(series[start:start + 8]), state)
        loss = (output ** 2).mean()
        node_counts.append(len(_graph_nodes(loss)))
        finished_windows.append(weakref.ref(loss.grad_fn))
        loss.backward()
        state = tuple(s.detach() for s in state)
        assert all(s.is_leaf and not s.requires_grad for s in state)
    del output, loss
    gc.collect()
    assert len(set(node_counts)) == 1  # the same graph for window 1 and window 12
    assert all(ref() is None for ref in finished_windows)  # every window's graph was freed

    # Without detach() each window's graph would hang on to all the previous ones.
    output, state = lstm(mg.tensor(series[:8]))
    first = len(_graph_nodes(output))
    output, state = lstm(mg.tensor(series[8:16]), state)
    assert len(_graph_nodes(output)) > 1.5 * first


@pytest.mark.parametrize("reverse", [False, True])
def test_whole_sequence_lstm_op_passes_gradcheck_and_gradgradcheck(reverse):
    """LSTMSequence: hand-written BPTT on arrays (gradcheck) and the recomputed
    graph under create_graph (gradgradcheck) give the true derivatives."""
    from minigrad.ops.recurrent import lstm_sequence
    rng = np.random.default_rng(3)
    length, batch, hidden = 3, 2, 2  # a first, a middle and a last step; 72 input elements
    inputs = [mg.tensor(rng.standard_normal(shape) * 0.5, dtype=mg.float64, requires_grad=True)
              for shape in [(length, batch, 4 * hidden), (4 * hidden, hidden),
                            (batch, hidden), (batch, hidden)]]

    def outputs(parts, weight, h0, c0):
        hs, h, c = lstm_sequence(parts, weight, h0, c0, reverse=reverse)
        return hs.sum() * 0.3 + (h * h).sum() + (c * h).sum()

    assert mg.gradcheck(outputs, inputs)
    assert mg.gradgradcheck(outputs, inputs)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_cells_sigmoid_is_pytorchs_to_a_few_ulp_without_warnings(dtype):
    """The recurrent cells' σ on arrays, against torch.sigmoid, over the whole range
    where σ is a normal number of the dtype (small values keep their digits), and
    at ±1000, where e^(−x) overflows silently to σ's limits 0 and 1."""
    from minigrad.ops.formula_math import sigmoid_array
    tiny = np.finfo(dtype).tiny
    low = float(np.log(np.float64(tiny))) + 1  # σ(low) is still a normal number
    x = np.concatenate([np.linspace(low, -low, 20001), [-1000.0, 1000.0]]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = sigmoid_array(np, x)
    expected = torch.sigmoid(torch.tensor(x, dtype=torch.float64)).numpy().astype(dtype)
    assert ours.dtype == dtype
    ulp = np.spacing(np.abs(expected).astype(dtype)).astype(np.float64)
    error_in_ulp = np.abs(ours.astype(np.float64) - expected) / ulp
    assert error_in_ulp.max() <= 4, error_in_ulp.max()
    assert ours[-2] == 0 and ours[-1] == 1
