"""mg.nn layers and their F.* mirrors against torch.nn with the same weights.

Each comparison builds the PyTorch layer, loads its state_dict (as NumPy arrays)
into the minigrad layer, runs both in float64 on the same input and upstream
gradient, and checks the output, the input's gradient and every parameter's
gradient to rtol 1e-6. The fused ops behind the layers (linear, normalization,
dropout, embedding) also pass gradcheck and gradgradcheck.
"""
import functools
import math
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.backend.strict_backend import forbid_host_reads

close = functools.partial(mg.testing.assert_close, rtol=1e-6, atol=1e-10)


def copy_weights(mine, reference):
    """Load the PyTorch layer's state into the minigrad layer, both in float64."""
    reference.double()
    mine.double().load_state_dict({key: value.detach().numpy() for key, value in reference.state_dict().items()})
    return mine


def run_both(mine, reference, input_array, device, rng, input_requires_grad=True):
    """Forward and backward through both layers; return (my input, torch's input)."""
    x = mg.tensor(input_array, device=device, requires_grad=input_requires_grad)
    x_ref = torch.tensor(input_array, requires_grad=input_requires_grad)
    y, y_ref = mine(x), reference(x_ref)
    close(y, y_ref.detach().numpy())
    upstream = rng.standard_normal(tuple(y_ref.shape))
    y.backward(mg.tensor(upstream, device=device))
    y_ref.backward(torch.tensor(upstream))
    return x, x_ref


def assert_same_gradients(mine, reference, x, x_ref):
    if x_ref.requires_grad:
        close(x.grad, x_ref.grad.detach().numpy())
    names = [name for name, _ in mine.named_parameters()]
    assert names == [name for name, _ in reference.named_parameters()]
    for (name, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        if param_ref.grad is None:
            assert param.grad is None, name
        else:
            close(param.grad, param_ref.grad.detach().numpy(), msg=name)


def check_layer(mine, reference, input_array, device, rng, **options):
    """Same weights, then the same output and gradients."""
    copy_weights(mine, reference).to(device)
    x, x_ref = run_both(mine, reference, input_array, device, rng, **options)
    assert_same_gradients(mine, reference, x, x_ref)


# ---------------------------------------------------------------- Linear, Identity, Flatten
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)], ids=["batch", "extra-dims", "vector"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias, device, rng):
    check_layer(nn.Linear(3, 4, bias=bias), torch.nn.Linear(3, 4, bias=bias),
                rng.standard_normal(shape), device, rng)


def test_linear_input_that_needs_no_gradient_still_trains_the_weights(device, rng):
    check_layer(nn.Linear(3, 2), torch.nn.Linear(3, 2), rng.standard_normal((4, 3)), device, rng,
                input_requires_grad=False)


def test_linear_records_one_node_per_layer(rng):
    layer = nn.Linear(3, 2, dtype=mg.float64)
    y = layer(mg.tensor(rng.standard_normal((4, 3)), requires_grad=True))
    assert type(y.grad_fn).__name__ == "Linear"
    assert len(y.grad_fn.next_edges) == 3


@pytest.mark.parametrize("shape", [(4, 3), (2, 2, 3), (3,)])
def test_linear_op_passes_gradcheck_and_gradgradcheck(shape, device, rng):
    inputs = tuple(mg.tensor(rng.standard_normal(s), device=device, requires_grad=True)
                   for s in (shape, (2, 3), (2,)))
    assert mg.gradcheck(F.linear, inputs)
    assert mg.gradgradcheck(F.linear, inputs)
    assert mg.gradgradcheck(lambda x, w: F.linear(x, w), inputs[:2])


def test_linear_rejects_inputs_that_do_not_fit(rng):
    layer = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x5 and 3x2\)"):
        layer(mg.randn(4, 5))
    with pytest.raises(RuntimeError, match="same dtype"):
        layer(mg.randn(4, 3, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="weight must be a matrix"):
        F.linear(mg.randn(4, 3), mg.randn(3))


def test_linear_constructor_takes_dtype_and_device(device):
    layer = nn.Linear(3, 2, device=device, dtype=mg.float64)
    for param in layer.parameters():
        assert param.device == device and param.dtype == mg.float64
        assert param.requires_grad and param.is_leaf
    assert nn.Linear(3, 2).weight.dtype == mg.get_default_dtype()
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_default_init_is_seeded_and_within_pytorch_bounds():
    mg.manual_seed(7)
    first = nn.Linear(16, 8)
    mg.manual_seed(7)
    second = nn.Linear(16, 8)
    close(first.weight, second.weight.detach().numpy(), rtol=0, atol=0)
    close(first.bias, second.bias.detach().numpy(), rtol=0, atol=0)
    bound = 1 / math.sqrt(16)
    for param in (first.weight, first.bias):
        assert np.abs(param.detach().numpy()).max() <= bound
    assert not np.allclose(first.weight.detach().numpy(), nn.Linear(16, 8).weight.detach().numpy())


def test_identity_and_flatten(device, rng):
    check_layer(nn.Flatten(), torch.nn.Flatten(), rng.standard_normal((2, 3, 4)), device, rng)
    check_layer(nn.Flatten(0, 1), torch.nn.Flatten(0, 1), rng.standard_normal((2, 3, 4)), device, rng)
    x = mg.randn(2, 3)
    assert nn.Identity(54, unused="argument")(x) is x


# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    ("ReLU", nn.ReLU, torch.nn.ReLU, {}),
    ("LeakyReLU", nn.LeakyReLU, torch.nn.LeakyReLU, {}),
    ("LeakyReLU-0.2", nn.LeakyReLU, torch.nn.LeakyReLU, {"negative_slope": 0.2}),
    ("Tanh", nn.Tanh, torch.nn.Tanh, {}),
    ("Sigmoid", nn.Sigmoid, torch.nn.Sigmoid, {}),
    ("GELU", nn.GELU, torch.nn.GELU, {}),
    ("GELU-tanh", nn.GELU, torch.nn.GELU, {"approximate": "tanh"}),
    ("Softmax-0", nn.Softmax, torch.nn.Softmax, {"dim": 0}),
    ("Softmax-1", nn.Softmax, torch.nn.Softmax, {"dim": 1}),
    ("Softmax-last", nn.Softmax, torch.nn.Softmax, {"dim": -1}),
    ("LogSoftmax-0", nn.LogSoftmax, torch.nn.LogSoftmax, {"dim": 0}),
    ("LogSoftmax-1", nn.LogSoftmax, torch.nn.LogSoftmax, {"dim": 1}),
    ("LogSoftmax-last", nn.LogSoftmax, torch.nn.LogSoftmax, {"dim": -1}),
]


@pytest.mark.parametrize("name, layer, reference, options", ACTIVATIONS,
                         ids=[row[0] for row in ACTIVATIONS])
def test_activation_matches_torch(name, layer, reference, options, device, rng):
    check_layer(layer(**options), reference(**options), 3 * rng.standard_normal((4, 3, 5)),
                device, rng)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softplus"])
def test_functional_activations_match_torch(name, device, rng):
    values = 3 * rng.standard_normal((4, 5))
    x = mg.tensor(values, device=device, requires_grad=True)
    x_ref = torch.tensor(values, requires_grad=True)
    y, y_ref = getattr(F, name)(x), getattr(torch.nn.functional, name)(x_ref)
    close(y, y_ref.detach().numpy())
    y.sum().backward()
    y_ref.sum().backward()
    close(x.grad, x_ref.grad.detach().numpy())


def test_functional_activation_options(rng):
    values = 3 * rng.standard_normal((4, 5))
    x, x_ref = mg.tensor(values), torch.tensor(values)
    tf = torch.nn.functional
    close(F.leaky_relu(x, 0.3), tf.leaky_relu(x_ref, 0.3).detach().numpy())
    close(F.gelu(x, approximate="tanh"), tf.gelu(x_ref, approximate="tanh").detach().numpy())
    close(F.softplus(x, beta=2.0, threshold=3.0), tf.softplus(x_ref, beta=2.0, threshold=3.0).detach().numpy())
    result = F.softmax(mg.tensor(values, dtype=mg.float32), dim=1, dtype=mg.float64)
    assert result.dtype == mg.float64
    close(result, tf.softmax(x_ref, dim=1).detach().numpy())
    assert F.relu(x, inplace=True) is not x  # accepted for compatibility; minigrad does not mutate


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 2)])
@pytest.mark.parametrize("layer, reference", [(nn.Softmax, torch.nn.Softmax),
                                              (nn.LogSoftmax, torch.nn.LogSoftmax)])
def test_softmax_without_dim_warns_and_picks_pytorchs_dimension(shape, layer, reference, rng):
    values = rng.standard_normal(shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        result = layer()(mg.tensor(values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = reference()(torch.tensor(values))
    close(result, expected.detach().numpy())


def test_gelu_rejects_unknown_approximation():
    # As PyTorch: the layer is built, and calling it raises RuntimeError (torch.nn.GELU("sigmoid")
    # succeeds; its forward raises "approximate argument must be either none or tanh").
    layer = nn.GELU("sigmoid")
    with pytest.raises(RuntimeError, match="approximate argument must be either 'none' or 'tanh'"):
        layer(mg.ones(2))


# ---------------------------------------------------------------- Dropout
def test_dropout_keeps_the_mean_and_drops_a_fraction_p(device):
    p, n = 0.3, 200_000
    mg.manual_seed(0)
    x = mg.ones(n, dtype=mg.float64, device=device, requires_grad=True)
    y = nn.Dropout(p)(x)
    values = y.detach().numpy()
    dropped = values == 0
    assert abs(dropped.mean() - p) < 0.005  # the binomial's std is 0.001
    close(values[~dropped], np.full((~dropped).sum(), 1 / (1 - p)), rtol=1e-12)
    assert abs(values.mean() - 1) < 0.01
    y.sum().backward()
    close(x.grad, values, rtol=1e-12)  # dL/dx = m / (1 - p)


def test_dropout_is_seeded_and_draws_a_new_mask_each_call(device):
    x = mg.ones(1000, device=device)
    mg.manual_seed(3)
    first, second = F.dropout(x).detach().numpy(), F.dropout(x).detach().numpy()
    mg.manual_seed(3)
    again = F.dropout(x).detach().numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero(device):
    x = mg.randn(4, 5, device=device)
    layer = nn.Dropout(0.5)
    assert layer.eval()(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert nn.Dropout(0.0)(x) is x


def test_dropout_with_p_one_gives_zeros_and_zero_gradient(device):
    x = mg.randn(4, 5, dtype=mg.float64, device=device, requires_grad=True)
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.detach().numpy(), np.zeros((4, 5)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), np.zeros((4, 5)))


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_probabilities_outside_0_1(p):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.dropout(mg.randn(3), p)


def test_dropout_keeps_float32_and_float16(device):
    for dtype in (mg.float32, mg.float16):
        assert F.dropout(mg.ones(10, dtype=dtype, device=device)).dtype == dtype


def test_dropout_op_passes_gradcheck_and_gradgradcheck(device, rng):
    def seeded_dropout(x):  # the same mask on every call of the check
        mg.manual_seed(5)
        return F.dropout(x, 0.4)

    x = mg.tensor(rng.standard_normal((3, 4)), device=device, requires_grad=True)
    assert mg.gradcheck(seeded_dropout, (x,))
    assert mg.gradgradcheck(seeded_dropout, (x,))


# ---------------------------------------------------------------- BatchNorm1d
def assert_same_buffers(mine, reference):
    for name, buffer_ref in reference.named_buffers():
        buffer = dict(mine.named_buffers())[name]
        assert buffer.dtype == np.dtype(str(buffer_ref.dtype).replace("torch.", "")), name
        close(buffer, buffer_ref.detach().numpy(), rtol=1e-12, msg=name)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=["2d", "3d"])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_matches_torch_in_training_then_evaluation(shape, momentum, device, rng):
    reference = torch.nn.BatchNorm1d(3, momentum=momentum)
    with torch.no_grad():  # non-trivial γ and β
        reference.weight.uniform_(0.5, 1.5)
        reference.bias.uniform_(-1, 1)
    mine = copy_weights(nn.BatchNorm1d(3, momentum=momentum), reference).to(device)
    for _ in range(3):
        batch = 2 * rng.standard_normal(shape) + 1
        x, x_ref = run_both(mine, reference, batch, device, rng)
        assert_same_gradients(mine, reference, x, x_ref)
        mine.zero_grad()
        reference.zero_grad()
    assert_same_buffers(mine, reference)
    assert int(mine.num_batches_tracked.item()) == 3
    mine.eval(), reference.eval()
    x, x_ref = run_both(mine, reference, rng.standard_normal(shape), device, rng)
    assert_same_gradients(mine, reference, x, x_ref)
    assert_same_buffers(mine, reference)  # evaluation leaves the running statistics alone


@pytest.mark.parametrize("options", [{"affine": False}, {"track_running_stats": False},
                                     {"bias": False}, {"eps": 0.1}],
                         ids=["no-affine", "no-running-stats", "no-bias", "eps"])
def test_batchnorm_options_match_torch(options, device, rng):
    reference = torch.nn.BatchNorm1d(3, **options)
    mine = copy_weights(nn.BatchNorm1d(3, **options), reference).to(device)
    assert sorted(mine.state_dict()) == sorted(reference.state_dict())
    for mode in ("train", "eval"):
        getattr(mine, mode)(), getattr(reference, mode)()
        x, x_ref = run_both(mine, reference, rng.standard_normal((5, 3, 2)), device, rng)
        assert_same_gradients(mine, reference, x, x_ref)
        assert_same_buffers(mine, reference)
        mine.zero_grad()
        reference.zero_grad()


def test_batchnorm_parameters_and_buffers_are_pytorchs():
    layer = nn.BatchNorm1d(4, dtype=mg.float64)
    assert list(layer.state_dict()) == list(torch.nn.BatchNorm1d(4).state_dict())
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(4))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(4))
    np.testing.assert_array_equal(layer.running_var.detach().numpy(), np.ones(4))
    assert layer.num_batches_tracked.dtype == mg.int64 and layer.num_batches_tracked.shape == ()
    assert layer.running_mean.dtype == mg.float64 and not layer.running_mean.requires_grad
    layer.running_var.fill_(3.0)
    layer.reset_running_stats()
    np.testing.assert_array_equal(layer.running_var.detach().numpy(), np.ones(4))


def test_batchnorm_rejects_wrong_dimensions_and_a_single_value_per_channel():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        layer(mg.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 1D input\)"):
        layer(mg.randn(3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        layer(mg.randn(1, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        layer(mg.randn(1, 3, 1))
    layer(mg.randn(1, 3, 2))  # two values per channel are enough
    assert layer.eval()(mg.randn(1, 3)).shape == (1, 3)  # evaluation uses the running statistics
    with pytest.raises(RuntimeError, match=r"weight should have shape \(4,\)"):
        F.batch_norm(mg.randn(5, 4), None, None, weight=mg.ones(3), training=True)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4)])
def test_functional_batch_norm_matches_torch(shape, rng):
    values, weight, bias = rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    running = [rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])]
    mine_running = [mg.tensor(r) for r in running]
    theirs_running = [torch.tensor(r) for r in running]
    for training in (True, False):
        y = F.batch_norm(mg.tensor(values), *mine_running, mg.tensor(weight), mg.tensor(bias),
                         training=training, momentum=0.3, eps=1e-3)
        y_ref = torch.nn.functional.batch_norm(torch.tensor(values), *theirs_running,
                                               torch.tensor(weight), torch.tensor(bias),
                                               training=training, momentum=0.3, eps=1e-3)
        close(y, y_ref.detach().numpy())
        for mine, theirs in zip(mine_running, theirs_running):
            close(mine, theirs.detach().numpy())


@pytest.mark.parametrize("kind, dims, param_shape, weight_shape, shape", [
    ("batch", (0,), (1, 3), (3,), (4, 3)),             # batch norm, (N, C)
    ("batch", (0, 2), (1, 3, 1), (3,), (3, 3, 2)),     # batch norm, (N, C, L)
    ("layer", (1,), (4,), (4,), (3, 4)),               # layer norm, last dimension
    ("layer", (1, 2), (2, 3), (2, 3), (2, 2, 3)),      # layer norm, last two dimensions
])
@pytest.mark.parametrize("affine", [True, False])
def test_normalize_op_passes_gradcheck_and_gradgradcheck(kind, dims, param_shape, weight_shape,
                                                         shape, affine, device, rng):
    from minigrad.ops.normalization import Normalize
    x = mg.tensor(rng.standard_normal(shape), device=device, requires_grad=True)
    weight_and_bias = [mg.tensor(rng.standard_normal(weight_shape), device=device,
                                 requires_grad=True) for _ in range(2 if affine else 0)]

    def normalize(x, weight=None, bias=None):
        return Normalize.apply(x, weight, bias, dims=dims, param_shape=param_shape, eps=1e-3,
                               kind=kind)

    assert mg.gradcheck(normalize, (x, *weight_and_bias))
    assert mg.gradgradcheck(normalize, (x, *weight_and_bias))


# ---------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("normalized_shape, shape", [(5, (4, 5)), ((5,), (2, 3, 5)), ((3, 5), (2, 3, 5))],
                         ids=["int", "last-dim", "last-two-dims"])
@pytest.mark.parametrize("options", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 0.1}],
                         ids=["affine", "no-affine", "no-bias", "eps"])
def test_layernorm_matches_torch(normalized_shape, shape, options, device, rng):
    reference = torch.nn.LayerNorm(normalized_shape, **options)
    with torch.no_grad():
        for param in reference.parameters():
            param.uniform_(-1.5, 1.5)
    mine = nn.LayerNorm(normalized_shape, **options)
    assert list(mine.state_dict()) == list(reference.state_dict())
    check_layer(mine, reference, 2 * rng.standard_normal(shape) + 1, device, rng)


def test_layernorm_rejects_inputs_of_the_wrong_shape():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape "
                                           r"\[\*, 4\], but got input of size \[2, 3\]"):
        nn.LayerNorm(4)(mg.randn(2, 3))
    with pytest.raises(RuntimeError, match="Given normalized_shape"):
        F.layer_norm(mg.randn(3), (2, 3))


def test_layernorm_parameters_start_at_one_and_zero(device):
    layer = nn.LayerNorm((2, 3), device=device, dtype=mg.float64)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros((2, 3)))
    assert layer.weight.device == device and layer.weight.dtype == mg.float64
    assert nn.LayerNorm(3, elementwise_affine=False).weight is None


# ---------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch_with_repeated_indices(padding_idx, device, rng):
    indices = np.array([[1, 2, 1], [9, 2, 1], [0, 0, 1]])  # repeats, and the padding rows
    reference = torch.nn.Embedding(10, 4, padding_idx=padding_idx)
    mine = copy_weights(nn.Embedding(10, 4, padding_idx=padding_idx), reference).to(device)
    y = mine(mg.tensor(indices, device=device))
    y_ref = reference(torch.tensor(indices))
    close(y, y_ref.detach().numpy())
    upstream = rng.standard_normal((3, 3, 4))
    y.backward(mg.tensor(upstream, device=device))
    y_ref.backward(torch.tensor(upstream))
    close(mine.weight.grad, reference.weight.grad.detach().numpy())
    assert mine.padding_idx == reference.padding_idx


def test_embedding_padding_row_starts_at_zero_and_the_init_is_standard_normal():
    mg.manual_seed(0)
    layer = nn.Embedding(2000, 50, padding_idx=-3)
    weight = layer.weight.detach().numpy()
    np.testing.assert_array_equal(weight[1997], np.zeros(50))
    others = np.delete(weight, 1997, axis=0)
    assert abs(others.mean()) < 0.01 and abs(others.std() - 1) < 0.01


@pytest.mark.parametrize("options", [{"max_norm": 1.0}, {"max_norm": 1.5, "norm_type": 1.0},
                                     {"scale_grad_by_freq": True},
                                     {"scale_grad_by_freq": True, "padding_idx": 1}],
                         ids=["max-norm", "max-norm-l1", "freq", "freq-padding"])
def test_embedding_options_match_torch(options, device, rng):
    indices = np.array([[1, 2, 1, 1], [5, 2, 1, 0]])
    reference = torch.nn.Embedding(6, 3, **options)
    mine = copy_weights(nn.Embedding(6, 3, **options), reference).to(device)
    y = mine(mg.tensor(indices, device=device))
    y_ref = reference(torch.tensor(indices))
    close(y, y_ref.detach().numpy())
    close(mine.weight.detach(), reference.weight.detach().numpy())  # max_norm renormalises in place
    upstream = rng.standard_normal((2, 4, 3))
    y.backward(mg.tensor(upstream, device=device))
    y_ref.backward(torch.tensor(upstream))
    close(mine.weight.grad, reference.weight.grad.detach().numpy())


def test_embedding_rejects_bad_indices_and_arguments(device):
    layer = nn.Embedding(5, 2, device=device)
    for bad, value in (([0, 5], 5), ([-1, 2], -1)):
        message = rf"index out of range in self: embedding indices must lie in \[0, 5\), got {value}"
        if device == "cpu":
            with pytest.raises(IndexError, match=message):
                layer(mg.tensor(bad, device=device))
            continue
        with forbid_host_reads():  # a device checks without waiting for it ...
            y = layer(mg.tensor(bad, device=device))
        with pytest.raises(IndexError, match=message):  # ... and reports it at the next read
            y.sum().item()
    with pytest.raises(RuntimeError, match="'indices' to have an integer dtype"):
        layer(mg.tensor([1.0], device=device))
    for padding_idx in (5, -6):
        with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
            nn.Embedding(5, 2, padding_idx=padding_idx)
    with pytest.raises(ValueError, match="sparse gradients are not supported"):
        nn.Embedding(5, 2, sparse=True)
    if device != "cpu":
        with pytest.raises(RuntimeError, match="the indices are on cpu but the weight is on"):
            layer(mg.tensor([0, 1]))


def test_embedding_from_pretrained_shares_and_freezes_the_table():
    table = mg.tensor(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    close(frozen(mg.tensor([2, 0])), np.array([[4.0, 5.0], [0.0, 1.0]]))
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(mg.ones(3))


def test_embedding_op_passes_gradcheck_and_gradgradcheck(device, rng):
    weight = mg.tensor(rng.standard_normal((5, 3)), device=device, requires_grad=True)
    indices = mg.tensor([[0, 4, 4], [2, 0, 1]], device=device)
    assert mg.gradcheck(functools.partial(F.embedding, indices), (weight,))
    # padding_idx and scale_grad_by_freq change the gradient on purpose (compared with torch
    # above); the gradient is still linear in the upstream gradient, which gradgradcheck checks
    for options in ({}, {"padding_idx": 4}, {"scale_grad_by_freq": True}):
        assert mg.gradgradcheck(functools.partial(F.embedding, indices, **options), (weight,))


# ---------------------------------------------------------------- no hidden synchronisation
def test_layers_read_nothing_back_from_the_device():
    """On a GPU a host read stalls the device; the 'strict' device raises on one instead.
    (Embedding's index check and BatchNorm1d with momentum=None do read, as PyTorch's do.)"""
    from minigrad.backend.strict_backend import forbid_host_reads
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(8, 6), nn.LayerNorm(6), nn.GELU(), nn.LeakyReLU(),
                          nn.Sigmoid(), nn.Tanh(), nn.Flatten(), nn.LogSoftmax(dim=1)).to("strict")
    x = mg.randn(5, 4, device="strict")
    with forbid_host_reads():
        for mode in ("train", "eval"):
            getattr(model, mode)()
            model(x).sum().backward()
    assert all(param.grad is not None for param in model.parameters())


# ---------------------------------------------------------------- repr and state_dict
def build_model(library):
    layers = library.nn
    return layers.Sequential(
        layers.Linear(2, 16), layers.ReLU(), layers.BatchNorm1d(16, momentum=None),
        layers.Dropout(0.1), layers.Linear(16, 8, bias=False), layers.LeakyReLU(0.2, inplace=True),
        layers.LayerNorm(8, bias=False), layers.GELU("tanh"), layers.Tanh(), layers.Sigmoid(),
        layers.Linear(8, 3), layers.LogSoftmax(dim=1), layers.Softmax(), layers.Flatten(),
        layers.Identity(), layers.Embedding(10, 3, padding_idx=-1, max_norm=1.0,
                                            scale_grad_by_freq=True))


def test_repr_and_state_dict_read_like_pytorchs():
    mine, reference = build_model(mg), build_model(torch)
    assert repr(mine) == repr(reference)
    assert list(mine.state_dict()) == list(reference.state_dict())
    assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in reference.named_parameters()]
