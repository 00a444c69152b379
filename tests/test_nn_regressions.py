"""Regressions in ``minigrad.nn`` found by comparing with PyTorch off the usual path.

Each test compares with PyTorch 2.13 in float64 and failed before its fix:
gradients of losses whose input is a non-contiguous view, infinite incoming
gradients that met a 0/1 mask (NaN where PyTorch gives 0), and crashes or raw
Python errors where PyTorch gives a result or a clear error.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
import minigrad.nn.functional as F


def both(array, requires_grad=True, device="cpu"):
    """The same float64 data as a minigrad leaf and a torch leaf."""
    return (mg.tensor(array, device=device, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def assert_same(ours, theirs, **tolerance):
    mg.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-15, equal_nan=True, **tolerance)


# ---------------------------------------------------------------- non-contiguous logits
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_class_losses_of_transposed_logits_match_torch(name, reduction, device, rng):
    """z.T is a column-major view: the target entries must be picked (forward) and the
    gradient's target entries written (backward) in the array itself, not in a copy."""
    z = rng.standard_normal((5, 4))
    target = np.array([0, 2, 1, 4])
    ours, theirs = both(z, device=device)
    loss = getattr(F, name)(ours.T, mg.tensor(target, device=device), reduction=reduction)
    expected = getattr(TF, name)(theirs.T, torch.tensor(target), reduction=reduction)
    assert_same(loss, expected)
    upstream = rng.standard_normal(tuple(expected.shape))
    loss.backward(mg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    assert_same(ours.grad, theirs.grad)


# ---------------------------------------------------------------- infinite incoming gradients
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_embedding_padding_row_gets_zero_even_for_an_infinite_gradient(bad, scale_grad_by_freq,
                                                                       device, rng):
    """The padding row receives no gradient at all (PyTorch: 0), not 0 · inf = nan."""
    weight = rng.standard_normal((5, 3))
    indices = np.array([[0, 1, 2], [1, 1, 4]])
    upstream = rng.standard_normal((2, 3, 3))
    upstream[:, :, 0] = bad  # every position, the padding ones included
    ours, theirs = both(weight, device=device)
    F.embedding(mg.tensor(indices, device=device), ours, padding_idx=1,
                scale_grad_by_freq=scale_grad_by_freq).backward(mg.tensor(upstream, device=device))
    TF.embedding(torch.tensor(indices), theirs, padding_idx=1,
                 scale_grad_by_freq=scale_grad_by_freq).backward(torch.tensor(upstream))
    assert_same(ours.grad, theirs.grad)
    assert (ours.grad.detach().numpy()[1] == 0).all()


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("options", [{}, {"weight": [0.0, 1.0, 2.0, 0.5]},
                                     {"label_smoothing": 0.2},
                                     {"weight": [0.0, 1.0, 2.0, 0.5], "label_smoothing": 0.2}],
                         ids=["plain", "weight", "smoothing", "weight-smoothing"])
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_losses_with_infinite_incoming_gradient_match_torch(name, options, bad, device, rng):
    """reduction="none" with ±inf/nan incoming gradients on some rows, one of them an
    ignored row: the ignored row gets exactly 0 (PyTorch), the others PyTorch's values
    (nan at the target class of an infinite row, from PyTorch's inf − inf)."""
    if name == "nll_loss" and "label_smoothing" in options:
        pytest.skip("nll_loss has no label smoothing")
    logits = rng.standard_normal((5, 4))
    target = np.array([0, -100, 2, 3, 1])
    upstream = rng.standard_normal(5)
    upstream[[0, 1, 3]] = bad
    ours, theirs = both(logits, device=device)
    options_ours = {**options, "weight": mg.tensor(options["weight"], device=device)} \
        if "weight" in options else options
    options_torch = {**options, "weight": torch.tensor(options["weight"], dtype=torch.float64)} \
        if "weight" in options else options
    loss = getattr(F, name)(ours, mg.tensor(target, device=device), reduction="none",
                            **options_ours)
    expected = getattr(TF, name)(theirs, torch.tensor(target), reduction="none", **options_torch)
    loss.backward(mg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    assert_same(ours.grad, theirs.grad)
    assert (ours.grad.detach().numpy()[1] == 0).all()


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_cross_entropy_of_probabilities_with_infinite_incoming_gradient_matches_torch(bad, rng):
    logits, probabilities = rng.standard_normal((3, 4)), rng.dirichlet(np.ones(4), size=3)
    probabilities[2] = [0.0, 1.0, 0.0, 0.0]
    upstream = np.array([bad, 1.5, bad])
    ours, theirs = both(logits)
    F.cross_entropy(ours, mg.tensor(probabilities), reduction="none").backward(mg.tensor(upstream))
    TF.cross_entropy(theirs, torch.tensor(probabilities), reduction="none").backward(
        torch.tensor(upstream))
    assert_same(ours.grad, theirs.grad)


# ---------------------------------------------------------------- a mean over zero weight
@pytest.mark.parametrize("target", [[0, 0, 0], [0, 0, -100]])
def test_smoothed_cross_entropy_mean_over_zero_total_weight_is_nan_as_in_torch(target, device, rng):
    """Every row ignored or of a class of weight 0: "mean" divides by Σ w = 0. PyTorch
    gives nan (its NLL part is 0/0) even though the smoothing part is not 0."""
    logits, weight = rng.standard_normal((3, 4)), np.array([0.0, 1.0, 1.0, 1.0])
    ours, theirs = both(logits, device=device)
    loss = F.cross_entropy(ours, mg.tensor(target, device=device),
                           mg.tensor(weight, device=device), label_smoothing=0.2)
    expected = TF.cross_entropy(theirs, torch.tensor(target), torch.tensor(weight),
                                label_smoothing=0.2)
    assert_same(loss, expected)
    loss.backward()
    expected.backward()
    assert_same(ours.grad, theirs.grad)


def same_weights(mine, reference):
    reference.double()
    mine.double().load_state_dict({key: value.detach().numpy()
                                   for key, value in reference.state_dict().items()})
    return mine


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("name, shape", [("GRUCell", (2, 4)), ("GRU", (3, 2, 4))])
def test_gru_with_infinite_incoming_gradient_matches_torch(name, shape, bad, device, rng):
    """h' = n + z ⊙ (h − n): the gradient at n is ĥ − ĥ ⊙ z in PyTorch, nan for ĥ = inf
    (not ĥ ⊙ (1 − z) = inf)."""
    from minigrad import nn
    reference = getattr(torch.nn, name)(4, 3)
    mine = same_weights(getattr(nn, name)(4, 3), reference).to(device)
    ours, theirs = both(rng.standard_normal(shape), device=device)
    y, expected = mine(ours), reference(theirs)
    if name == "GRU":
        y, expected = y[0], expected[0]
    upstream = rng.standard_normal(tuple(expected.shape))
    upstream.reshape(-1)[[0, 4]] = bad
    y.backward(mg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    mg.testing.assert_close(ours.grad, theirs.grad, rtol=1e-10, atol=1e-12, equal_nan=True)
    for (key, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        mg.testing.assert_close(param.grad, param_ref.grad, rtol=1e-10, atol=1e-12,
                                equal_nan=True, msg=key)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_bce_with_logits_with_infinite_incoming_gradient_matches_torch(with_pos_weight, bad,
                                                                       device, rng):
    """One operation with PyTorch's gradient (σ(x) − y) · g: an infinite g gives ±inf, not
    the nan of inf − inf that composing softplus and products gave."""
    logits, target, upstream = (rng.standard_normal((4, 3)), rng.random((4, 3)),
                                rng.standard_normal((4, 3)))
    upstream[0, :] = bad
    pos_weight = rng.random(3) + 0.5 if with_pos_weight else None
    ours, theirs = both(logits, device=device)
    our_target, their_target = both(target, device=device)
    loss = F.binary_cross_entropy_with_logits(
        ours, our_target, reduction="none",
        pos_weight=None if pos_weight is None else mg.tensor(pos_weight, device=device))
    expected = TF.binary_cross_entropy_with_logits(
        theirs, their_target, reduction="none",
        pos_weight=None if pos_weight is None else torch.tensor(pos_weight))
    assert_same(loss, expected)
    loss.backward(mg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    assert_same(ours.grad, theirs.grad)
    assert_same(our_target.grad, their_target.grad)


@pytest.mark.parametrize("name, argument", [("binary_cross_entropy", "weight"),
                                            ("binary_cross_entropy_with_logits", "weight"),
                                            ("binary_cross_entropy_with_logits", "pos_weight")])
def test_binary_losses_refuse_a_weight_that_requires_grad_as_torch_does(name, argument):
    x, y = mg.rand(2, 3, dtype=mg.float64), mg.rand(2, 3, dtype=mg.float64)
    weight = mg.rand(3, dtype=mg.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        getattr(TF, name)(torch.rand(2, 3), torch.rand(2, 3), **{argument: torch.rand(3, requires_grad=True)})
    with pytest.raises(RuntimeError, match=f"not differentiable with respect to argument '{argument}'"):
        getattr(F, name)(x, y, **{argument: weight})


# ---------------------------------------------------------------- crashes and wrong errors
@pytest.mark.parametrize("shape", [(0,), (2, 0), (3, 1, 0)])
def test_linear_with_no_input_features_gives_the_bias_as_torch(shape, rng):
    """Linear(0, 3): x Wᵀ is an empty sum, so y = b (a 1-D input crashed in reshape)."""
    from minigrad import nn
    reference = torch.nn.Linear(0, 3).double()
    mine = same_weights(nn.Linear(0, 3), reference)
    y, expected = mine(mg.zeros(shape, dtype=mg.float64)), reference(torch.zeros(shape,
                                                                              dtype=torch.float64))
    assert_same(y, expected)
    upstream = rng.standard_normal(tuple(expected.shape))
    y.backward(mg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    assert_same(mine.bias.grad, reference.bias.grad)
    assert tuple(mine.weight.grad.shape) == (3, 0)


def _layer_table():
    from test_nn_noncontiguous import LAYERS
    return LAYERS


def _empty_batch(name, shape):
    """The layer's input shape with a batch of 0 (dimension 1 of a sequence-first input)."""
    if name in ("RNN", "LSTM"):
        return (shape[0], 0) + shape[2:]
    return (0,) + shape[1:]


# LogSoftmax(dim=0) of an empty batch normalises over an empty dimension: that is the
# reduction op's case (log_softmax over an empty dim), tested with the reductions.
@pytest.mark.parametrize("name", [name for name in _layer_table() if name != "LogSoftmax"])
def test_every_layer_takes_an_empty_batch_as_torch(name, device):
    """Output shape and values, gradients (empty or zero) and running buffers equal PyTorch's
    (BatchNorm1d's running statistics stay as they were, not nan)."""
    ours_factory, theirs_factory, shape, mode = _layer_table()[name]
    reference = theirs_factory()
    mine = same_weights(ours_factory(), reference).to(device)
    mine.train(mode == "train")
    reference.train(mode == "train")
    shape = _empty_batch(name, shape)
    ours, theirs = both(np.zeros(shape), device=device)
    y, expected = mine(ours), reference(theirs)
    while isinstance(expected, tuple):
        y, expected = y[0], expected[0]
    assert_same(y, expected)
    y.sum().backward()
    expected.sum().backward()
    assert_same(ours.grad, theirs.grad)
    for (key, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        mg.testing.assert_close(param.grad, param_ref.grad, equal_nan=True, msg=key)
    for (key, buffer), (_, buffer_ref) in zip(mine.named_buffers(), reference.named_buffers()):
        mg.testing.assert_close(buffer, buffer_ref, equal_nan=True, msg=key)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("shape", [(0, 2, 4), (2, 0, 4), (0, 4)])
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_refuse_an_empty_sequence_as_torch(name, shape, batch_first):
    """A sequence of length 0 has no last state: PyTorch raises, minigrad crashed in stack()."""
    from minigrad import nn
    reference = getattr(torch.nn, name)(4, 3, batch_first=batch_first)
    time_dim = 1 if batch_first and len(shape) == 3 else 0
    if shape[time_dim] != 0:  # an empty batch instead: both give empty outputs
        assert reference(torch.zeros(shape))[0].numel() == 0
        assert getattr(nn, name)(4, 3, batch_first=batch_first)(mg.zeros(shape))[0].numel() == 0
        return
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        reference(torch.zeros(shape))
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        getattr(nn, name)(4, 3, batch_first=batch_first)(mg.zeros(shape))


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_dropout_of_an_integer_tensor_behaves_as_torch(dtype, device):
    """Nothing dropped: unchanged; p = 1: zeros of the same dtype; 0 < p < 1: RuntimeError
    (the kept values would need scaling by 1/(1 − p)), not NumPy's UFuncTypeError."""
    values = np.array([1, 0, 3]).astype(dtype)
    x, x_ref = mg.tensor(values, device=device), torch.tensor(values)
    for p, training in ((0.5, False), (0.0, True), (1.0, True)):
        y, expected = F.dropout(x, p, training), TF.dropout(x_ref, p, training)
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(y.numpy(), expected.numpy())
    with pytest.raises(RuntimeError):
        TF.dropout(x_ref, 0.5)
    with pytest.raises(RuntimeError, match=f"output type {dtype}.*x.float"):
        F.dropout(x, 0.5)
    from minigrad import nn
    with pytest.raises(RuntimeError, match=f"output type {dtype}"):
        nn.Dropout(0.3)(x)


def test_leaky_relu_with_a_slope_that_is_not_a_number_raises_typeerror_as_torch():
    from minigrad import nn
    with pytest.raises(TypeError, match="argument 'negative_slope' .* must be Number, not str"):
        torch.nn.LeakyReLU("a")(torch.zeros(2))
    with pytest.raises(TypeError, match=r"leaky_relu\(\): argument 'negative_slope' \(position 2\) "
                                        r"must be Number, not str"):
        nn.LeakyReLU("a")(mg.zeros(2))
    with pytest.raises(TypeError, match="negative_slope"):
        F.leaky_relu(mg.zeros(2), [0.1])


def _calls_with_a_list():
    """(what is called, a call with a list where a Tensor belongs, PyTorch's same call or None)."""
    from minigrad import nn
    row = [[1.0, 2.0]]
    return {
        "Linear": (lambda: nn.Linear(2, 3)(row), lambda: torch.nn.Linear(2, 3)(row)),
        "Sequential": (lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU())(row),
                       lambda: torch.nn.Sequential(torch.nn.Linear(2, 3))(row)),
        "ReLU": (lambda: nn.ReLU()(row), lambda: torch.nn.ReLU()(row)),
        "LeakyReLU": (lambda: nn.LeakyReLU()(row), lambda: torch.nn.LeakyReLU()(row)),
        "Tanh": (lambda: nn.Tanh()(row), lambda: torch.nn.Tanh()(row)),
        "Sigmoid": (lambda: nn.Sigmoid()(np.zeros(2)), lambda: torch.nn.Sigmoid()(np.zeros(2))),
        "GELU": (lambda: nn.GELU()(row), lambda: torch.nn.GELU()(row)),
        "Softmax": (lambda: nn.Softmax(1)(row), lambda: torch.nn.Softmax(1)(row)),
        "LogSoftmax": (lambda: nn.LogSoftmax(1)(row), lambda: torch.nn.LogSoftmax(1)(row)),
        "Dropout": (lambda: nn.Dropout()(row), lambda: torch.nn.Dropout()(row)),
        "Flatten": (lambda: nn.Flatten()(row), lambda: torch.nn.Flatten()(row)),
        "LayerNorm": (lambda: nn.LayerNorm(2)(row), lambda: torch.nn.LayerNorm(2)(row)),
        "BatchNorm1d": (lambda: nn.BatchNorm1d(2)(row), lambda: torch.nn.BatchNorm1d(2)(row)),
        "Embedding": (lambda: nn.Embedding(3, 2)([0, 1]), lambda: torch.nn.Embedding(3, 2)([0, 1])),
        "RNN": (lambda: nn.RNN(2, 3)(row), lambda: torch.nn.RNN(2, 3)(row)),
        "LSTM": (lambda: nn.LSTM(2, 3)(row), lambda: torch.nn.LSTM(2, 3)(row)),
        "GRU": (lambda: nn.GRU(2, 3)(row), lambda: torch.nn.GRU(2, 3)(row)),
        "RNNCell": (lambda: nn.RNNCell(2, 3)(row), lambda: torch.nn.RNNCell(2, 3)(row)),
        "LSTMCell": (lambda: nn.LSTMCell(2, 3)(row), lambda: torch.nn.LSTMCell(2, 3)(row)),
        "GRUCell": (lambda: nn.GRUCell(2, 3)(row), lambda: torch.nn.GRUCell(2, 3)(row)),
        "MSELoss": (lambda: nn.MSELoss()(row, mg.zeros(1, 2)),
                    lambda: torch.nn.MSELoss()(row, torch.zeros(1, 2))),
        "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss()(row, mg.tensor([0])),
                             lambda: torch.nn.CrossEntropyLoss()(row, torch.tensor([0]))),
        "F.linear-weight": (lambda: F.linear(mg.zeros(1, 2), [[1.0, 2.0]]),
                            lambda: TF.linear(torch.zeros(1, 2), [[1.0, 2.0]])),
        "F.relu": (lambda: F.relu(row), lambda: TF.relu(row)),
        "F.softplus": (lambda: F.softplus(row), lambda: TF.softplus(row)),
        "F.dropout": (lambda: F.dropout(row), lambda: TF.dropout(row)),
        "F.embedding-weight": (lambda: F.embedding(mg.tensor([0]), [[1.0]]),
                               lambda: TF.embedding(torch.tensor([0]), [[1.0]])),
        "F.layer_norm-weight": (lambda: F.layer_norm(mg.zeros(1, 2), (2,), [1.0, 1.0]),
                                lambda: TF.layer_norm(torch.zeros(1, 2), (2,), [1.0, 1.0])),
        "F.batch_norm-running_mean": (
            lambda: F.batch_norm(mg.zeros(2, 2), [0.0, 0.0], mg.ones(2)),
            lambda: TF.batch_norm(torch.zeros(2, 2), [0.0, 0.0], torch.ones(2))),
        "F.nll_loss-target": (lambda: F.nll_loss(mg.zeros(1, 2), [0]),
                              lambda: TF.nll_loss(torch.zeros(1, 2), [0])),
    }


@pytest.mark.parametrize("name", list(_calls_with_a_list()))
def test_a_list_where_a_tensor_belongs_raises_a_typeerror_naming_the_argument(name):
    """PyTorch: "linear(): argument 'input' (position 1) must be Tensor, not list" (some of its
    layers give an AttributeError instead); minigrad gave "'list' object has no attribute
    'ndim'" or similar from deep inside, or converted the list silently."""
    ours, theirs = _calls_with_a_list()[name]
    with pytest.raises((TypeError, AttributeError)):
        theirs()
    argument = name.split("-")[1] if "-" in name else ("target" if "loss" in name else "input")
    with pytest.raises(TypeError, match=rf"\w+\(\): argument '{argument}' .*must be Tensor, not "
                                        rf"(list|ndarray)"):
        ours()


@pytest.mark.parametrize("make, expected", [
    (lambda nn: nn.Linear(3, 2), r"in_features = 3"),
    (lambda nn: nn.LayerNorm(3), r"normalized_shape=\[3\].*\[2, 4\]"),
    (lambda nn: nn.BatchNorm1d(3), r"BatchNorm1d\(3\) expects 3 channels .*\(2, 4\)"),
    (lambda nn: nn.RNN(3, 2), r"Expected 3, got 4"),
    (lambda nn: nn.GRUCell(3, 2), r"got 4 expected 3"),
], ids=["Linear", "LayerNorm", "BatchNorm1d", "RNN", "GRUCell"])
def test_a_layer_given_the_wrong_feature_size_names_expected_and_got(make, expected):
    """PyTorch raises RuntimeError; minigrad's message names the expected size and the shape
    it got (BatchNorm1d spoke of its weight's shape), and BatchNorm1d counts no batch."""
    from minigrad import nn
    with pytest.raises(RuntimeError):
        make(torch.nn)(torch.zeros(2, 4))
    layer = make(nn)
    with pytest.raises(RuntimeError, match=expected):
        layer(mg.zeros(2, 4))
    if isinstance(layer, nn.BatchNorm1d):
        assert layer.num_batches_tracked.item() == 0
