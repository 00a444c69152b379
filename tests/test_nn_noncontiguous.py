"""Every loss and every layer of ``mg.nn`` on non-contiguous inputs, against PyTorch.

A view is not a copy: ``z.T`` is column-major, ``z[..., ::2]`` skips every other
element, ``z.expand(...)`` repeats one row without copying it. An op that
flattens its input with ``reshape`` and then writes into the result, or that
assumes row-major strides, gives wrong numbers only on such views; the
ordinary tests, whose inputs are fresh contiguous tensors, cannot see it.

Here each loss (``F.*`` and the ``nn.*Loss`` modules) and each layer gets its
input (and, where it has one, its floating target) as such a view of a leaf
tensor, in minigrad and in PyTorch alike; the value, the leaf's gradient and
every parameter's gradient must equal PyTorch's in float64. The functional
forms also get their weights as views, the recurrent layers their initial states. A final check makes sure that no loss
or layer of ``mg.nn`` is missing from these tables.
"""
import functools
import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
import minigrad.nn.functional as F
import minigrad.nn.functional.loss as functional_loss
from minigrad import nn

close = functools.partial(mg.testing.assert_close, rtol=1e-10, atol=1e-12, equal_nan=True)


# ---------------------------------------------------------------- making views
def _reverse_dims(t):
    return t.permute(*reversed(range(t.ndim)))


# layout: (shape of the leaf for a view of shape s, the view of a leaf); both libraries
LAYOUTS = {
    "transposed": (lambda s: tuple(reversed(s)), lambda t, s: _reverse_dims(t)),
    "strided": (lambda s: s[:-1] + (2 * s[-1],), lambda t, s: t[..., ::2]),
    "expanded": (lambda s: (1,) + s[1:], lambda t, s: t.expand(*s)),
}


def viewed(array_of_leaf_shape, layout, shape, device, requires_grad=True):
    """(minigrad leaf, its view, torch leaf, its view) of the given layout and view shape."""
    _, view = LAYOUTS[layout]
    requires_grad = requires_grad and array_of_leaf_shape.dtype.kind == "f"
    ours = mg.tensor(array_of_leaf_shape, device=device, requires_grad=requires_grad)
    theirs = torch.tensor(array_of_leaf_shape, requires_grad=requires_grad)
    our_view, their_view = view(ours, shape), view(theirs, shape)
    assert tuple(our_view.shape) == tuple(their_view.shape) == shape
    if device == "cpu" and our_view.numel() > 1:  # the case under test is really a view
        assert not our_view._array.flags.c_contiguous, layout
    return ours, our_view, theirs, their_view


def leaf_data(layout, shape, sample):
    """Data of the leaf shape for a view of ``shape``: ``sample(leaf_shape)``."""
    leaf_shape, _ = LAYOUTS[layout]
    return sample(leaf_shape(shape))


def layouts_for(shape):
    return [name for name in LAYOUTS if name != "transposed" or len(shape) >= 2]


def backward_both(result, expected, rng, device):
    close(result, expected.detach().numpy())
    upstream = rng.standard_normal(tuple(expected.shape))
    result.backward(mg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))


def assert_same_leaf_gradients(pairs):
    for index, (ours, theirs) in enumerate(pairs):
        if theirs.requires_grad:
            close(ours.grad, theirs.grad.numpy(), msg=f"gradient of leaf {index}")


# ---------------------------------------------------------------- losses
def normal(rng):
    return lambda shape: rng.standard_normal(shape)


def probability(rng):
    return lambda shape: rng.uniform(0.05, 0.95, shape)


def classes(rng, count):
    return lambda shape: rng.integers(0, count, shape)


def distribution(rng):  # rows that sum to one along dim 1
    def sample(shape):
        values = rng.uniform(0.1, 1.0, shape)
        return values / values.sum(axis=1, keepdims=True)
    return sample


_W3 = np.array([0.5, 2.0, 1.0])
_W5 = np.array([0.5, 2.0, 1.0, 0.0, 3.0])

# name: (ours(input, target, reduction), theirs(...), input shape, input sample, target shape,
#        target sample); the samples are functions of rng
LOSSES = {
    "mse_loss": (lambda x, y, r: F.mse_loss(x, y, reduction=r),
                 lambda x, y, r: TF.mse_loss(x, y, reduction=r), (4, 3), normal, (4, 3), normal),
    "MSELoss": (lambda x, y, r: nn.MSELoss(reduction=r)(x, y),
                lambda x, y, r: torch.nn.MSELoss(reduction=r)(x, y), (4, 3), normal, (4, 3), normal),
    "l1_loss": (lambda x, y, r: F.l1_loss(x, y, reduction=r),
                lambda x, y, r: TF.l1_loss(x, y, reduction=r), (4, 3), normal, (4, 3), normal),
    "L1Loss": (lambda x, y, r: nn.L1Loss(reduction=r)(x, y),
               lambda x, y, r: torch.nn.L1Loss(reduction=r)(x, y), (4, 3), normal, (4, 3), normal),
    "huber_loss": (lambda x, y, r: F.huber_loss(x, y, reduction=r, delta=0.5),
                   lambda x, y, r: TF.huber_loss(x, y, reduction=r, delta=0.5),
                   (4, 3), normal, (4, 3), normal),
    "HuberLoss": (lambda x, y, r: nn.HuberLoss(reduction=r, delta=0.5)(x, y),
                  lambda x, y, r: torch.nn.HuberLoss(reduction=r, delta=0.5)(x, y),
                  (4, 3), normal, (4, 3), normal),
    "smooth_l1_loss": (lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.5),
                       lambda x, y, r: TF.smooth_l1_loss(x, y, reduction=r, beta=0.5),
                       (4, 3), normal, (4, 3), normal),
    "SmoothL1Loss": (lambda x, y, r: nn.SmoothL1Loss(reduction=r, beta=0.5)(x, y),
                     lambda x, y, r: torch.nn.SmoothL1Loss(reduction=r, beta=0.5)(x, y),
                     (4, 3), normal, (4, 3), normal),
    "binary_cross_entropy": (
        lambda x, y, r: F.binary_cross_entropy(x, y, mg.tensor(_W3, device=x.device), reduction=r),
        lambda x, y, r: TF.binary_cross_entropy(x, y, torch.tensor(_W3), reduction=r),
        (4, 3), probability, (4, 3), probability),
    "BCELoss": (lambda x, y, r: nn.BCELoss(reduction=r)(x, y),
                lambda x, y, r: torch.nn.BCELoss(reduction=r)(x, y),
                (4, 3), probability, (4, 3), probability),
    "binary_cross_entropy_with_logits": (
        lambda x, y, r: F.binary_cross_entropy_with_logits(
            x, y, reduction=r, pos_weight=mg.tensor(_W3, device=x.device)),
        lambda x, y, r: TF.binary_cross_entropy_with_logits(
            x, y, reduction=r, pos_weight=torch.tensor(_W3)),
        (4, 3), normal, (4, 3), probability),
    "BCEWithLogitsLoss": (
        lambda x, y, r: nn.BCEWithLogitsLoss(mg.tensor(_W3, device=x.device), reduction=r)(x, y),
        lambda x, y, r: torch.nn.BCEWithLogitsLoss(torch.tensor(_W3), reduction=r)(x, y),
        (4, 3), normal, (4, 3), probability),
    "cross_entropy": (lambda x, y, r: F.cross_entropy(x, y, reduction=r),
                      lambda x, y, r: TF.cross_entropy(x, y, reduction=r),
                      (4, 5), normal, (4,), lambda rng: classes(rng, 5)),
    "cross_entropy-spatial": (lambda x, y, r: F.cross_entropy(x, y, reduction=r),
                              lambda x, y, r: TF.cross_entropy(x, y, reduction=r),
                              (3, 5, 2), normal, (3, 2), lambda rng: classes(rng, 5)),
    "cross_entropy-weight-smoothing": (
        lambda x, y, r: F.cross_entropy(x, y, mg.tensor(_W5, device=x.device), reduction=r,
                                        label_smoothing=0.2, ignore_index=1),
        lambda x, y, r: TF.cross_entropy(x, y, torch.tensor(_W5), reduction=r,
                                         label_smoothing=0.2, ignore_index=1),
        (4, 5), normal, (4,), lambda rng: classes(rng, 5)),
    "cross_entropy-probabilities": (
        lambda x, y, r: F.cross_entropy(x, y, reduction=r, label_smoothing=0.1),
        lambda x, y, r: TF.cross_entropy(x, y, reduction=r, label_smoothing=0.1),
        (4, 5), normal, (4, 5), distribution),
    "CrossEntropyLoss": (
        lambda x, y, r: nn.CrossEntropyLoss(mg.tensor(_W5, device=x.device), reduction=r)(x, y),
        lambda x, y, r: torch.nn.CrossEntropyLoss(torch.tensor(_W5), reduction=r)(x, y),
        (4, 5), normal, (4,), lambda rng: classes(rng, 5)),
    "nll_loss": (lambda x, y, r: F.nll_loss(x, y, reduction=r, ignore_index=2),
                 lambda x, y, r: TF.nll_loss(x, y, reduction=r, ignore_index=2),
                 (4, 5), normal, (4,), lambda rng: classes(rng, 5)),
    "nll_loss-spatial": (lambda x, y, r: F.nll_loss(x, y, reduction=r),
                         lambda x, y, r: TF.nll_loss(x, y, reduction=r),
                         (3, 5, 2), normal, (3, 2), lambda rng: classes(rng, 5)),
    "NLLLoss": (lambda x, y, r: nn.NLLLoss(mg.tensor(_W5, device=x.device), reduction=r)(x, y),
                lambda x, y, r: torch.nn.NLLLoss(torch.tensor(_W5), reduction=r)(x, y),
                (4, 5), normal, (4,), lambda rng: classes(rng, 5)),
}

LOSS_CASES = [pytest.param(name, layout, id=f"{name}-{layout}")
              for name, entry in LOSSES.items() for layout in layouts_for(entry[2])]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, layout", LOSS_CASES)
def test_loss_of_non_contiguous_input_and_target_matches_torch(name, layout, reduction, device,
                                                               rng):
    ours_fn, theirs_fn, input_shape, input_sample, target_shape, target_sample = LOSSES[name]
    x_leaf, x, x_leaf_ref, x_ref = viewed(leaf_data(layout, input_shape, input_sample(rng)),
                                          layout, input_shape, device)
    target_layout = layout if layout in layouts_for(target_shape) else "strided"
    y_leaf, y, y_leaf_ref, y_ref = viewed(leaf_data(target_layout, target_shape, target_sample(rng)),
                                          target_layout, target_shape, device)
    backward_both(ours_fn(x, y, reduction), theirs_fn(x_ref, y_ref, reduction), rng, device)
    assert_same_leaf_gradients([(x_leaf, x_leaf_ref), (y_leaf, y_leaf_ref)])


# ---------------------------------------------------------------- layers
def _rnn_pair(name, **options):
    return (lambda: getattr(nn, name)(4, 3, **options),
            lambda: getattr(torch.nn, name)(4, 3, **options))


def _self_attention(library, *args, **kwargs):
    """library.nn.MultiheadAttention(*args, **kwargs) called with one input (query = key
    = value), as the table calls every layer; library is minigrad or torch."""
    class SelfAttention(library.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = library.nn.MultiheadAttention(*args, **kwargs)

        def forward(self, x):
            return self.attention(x, x, x)
    return SelfAttention()


# name: (our layer factory, torch layer factory, input shape, mode)
LAYERS = {
    "MultiheadAttention": (lambda: _self_attention(mg, 4, 2),
                           lambda: _self_attention(torch, 4, 2), (3, 2, 4), "train"),
    "MultiheadAttention-batch-first": (lambda: _self_attention(mg, 4, 2, batch_first=True),
                                       lambda: _self_attention(torch, 4, 2, batch_first=True),
                                       (2, 3, 4), "train"),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0),
                                lambda: torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0),
                                (3, 2, 4), "train"),
    "TransformerEncoderLayer-norm-first": (
        lambda: nn.TransformerEncoderLayer(4, 2, 6, norm_first=True, batch_first=True),
        lambda: torch.nn.TransformerEncoderLayer(4, 2, 6, norm_first=True, batch_first=True),
        (2, 3, 4), "eval"),
    "Linear": (lambda: nn.Linear(3, 4), lambda: torch.nn.Linear(3, 4), (5, 2, 3), "train"),
    "Identity": (nn.Identity, torch.nn.Identity, (4, 3), "train"),
    "Flatten": (nn.Flatten, torch.nn.Flatten, (2, 3, 4), "train"),
    "ReLU": (nn.ReLU, torch.nn.ReLU, (4, 3), "train"),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), (4, 3), "train"),
    "Tanh": (nn.Tanh, torch.nn.Tanh, (4, 3), "train"),
    "Sigmoid": (nn.Sigmoid, torch.nn.Sigmoid, (4, 3), "train"),
    "GELU": (nn.GELU, torch.nn.GELU, (4, 3), "train"),
    "GELU-tanh": (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), (4, 3), "train"),
    "Softmax": (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1), (4, 3, 2), "train"),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0), (4, 3),
                   "train"),
    "Dropout-eval": (nn.Dropout, torch.nn.Dropout, (4, 3), "eval"),
    "Dropout-p0": (lambda: nn.Dropout(0.0), lambda: torch.nn.Dropout(0.0), (4, 3), "train"),
    "LayerNorm": (lambda: nn.LayerNorm((3, 2)), lambda: torch.nn.LayerNorm((3, 2)), (4, 3, 2),
                  "train"),
    "BatchNorm1d-2d": (lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (4, 3), "train"),
    "BatchNorm1d-3d": (lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (4, 3, 2),
                       "train"),
    "BatchNorm1d-eval": (lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (4, 3, 2),
                         "eval"),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), (2, 3, 4, 3), "train"),
    "BatchNorm2d-eval": (lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), (2, 3, 4, 3),
                         "eval"),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), (3, 4, 5), "train"),
    "RMSNorm": (lambda: nn.RMSNorm((3, 2)), lambda: torch.nn.RMSNorm((3, 2)), (4, 3, 2), "train"),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, 2, 1), lambda: torch.nn.MaxPool1d(3, 2, 1), (2, 3, 7),
                  "train"),
    "MaxPool2d": (lambda: nn.MaxPool2d(2, ceil_mode=True), lambda: torch.nn.MaxPool2d(2, ceil_mode=True),
                  (2, 3, 5, 4), "train"),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), lambda: torch.nn.AvgPool1d(2), (2, 3, 6), "train"),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, 2, 1), lambda: torch.nn.AvgPool2d(3, 2, 1), (2, 3, 5, 4),
                  "train"),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), lambda: torch.nn.AdaptiveAvgPool2d((2, 3)),
                          (2, 3, 5, 4), "train"),
    "RNN": (*_rnn_pair("RNN"), (5, 2, 4), "train"),
    "RNN-relu-batch-first": (*_rnn_pair("RNN", nonlinearity="relu", batch_first=True),
                             (2, 5, 4), "train"),
    "LSTM": (*_rnn_pair("LSTM", num_layers=2, bidirectional=True), (5, 2, 4), "train"),
    "GRU": (*_rnn_pair("GRU", batch_first=True), (2, 5, 4), "train"),
    "RNNCell": (*_rnn_pair("RNNCell"), (2, 4), "train"),
    "LSTMCell": (*_rnn_pair("LSTMCell"), (2, 4), "train"),
    "GRUCell": (*_rnn_pair("GRUCell"), (2, 4), "train"),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 2, stride=2, padding=1),
               lambda: torch.nn.Conv1d(3, 4, 2, stride=2, padding=1), (2, 3, 7), "train"),
    "Conv2d": (lambda: nn.Conv2d(4, 6, 3, padding="same", groups=2),
               lambda: torch.nn.Conv2d(4, 6, 3, padding="same", groups=2), (2, 4, 5, 3), "train"),
}

LAYER_CASES = [pytest.param(name, layout, id=f"{name}-{layout}")
               for name, entry in LAYERS.items() for layout in layouts_for(entry[2])]


def first_tensor(result):
    """The output itself, or the first of a tuple such as (output, h_n) (one backward)."""
    while isinstance(result, tuple):
        result = result[0]
    return result


def same_weights(mine, reference):
    reference.double()
    mine.double().load_state_dict({key: value.detach().numpy()
                                   for key, value in reference.state_dict().items()})
    return mine


@pytest.mark.parametrize("name, layout", LAYER_CASES)
def test_layer_on_a_non_contiguous_input_matches_torch(name, layout, device, rng):
    ours_factory, theirs_factory, shape, mode = LAYERS[name]
    reference = theirs_factory()
    mine = same_weights(ours_factory(), reference).to(device)
    mine.train(mode == "train")
    reference.train(mode == "train")
    x_leaf, x, x_leaf_ref, x_ref = viewed(leaf_data(layout, shape, normal(rng)), layout, shape,
                                          device)
    backward_both(first_tensor(mine(x)), first_tensor(reference(x_ref)), rng, device)
    assert_same_leaf_gradients([(x_leaf, x_leaf_ref)])
    for (key, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        close(param.grad, param_ref.grad.numpy(), msg=key)
    for (key, buffer), (_, buffer_ref) in zip(mine.named_buffers(), reference.named_buffers()):
        close(buffer, buffer_ref.numpy(), msg=key)


def test_embedding_with_non_contiguous_indices_matches_torch(device, rng):
    reference = torch.nn.Embedding(6, 3, padding_idx=2)
    mine = same_weights(nn.Embedding(6, 3, padding_idx=2), reference).to(device)
    indices = rng.integers(0, 6, (4, 6))
    y = mine(mg.tensor(indices, device=device).T[::2])
    expected = reference(torch.tensor(indices).T[::2])
    backward_both(y, expected, rng, device)
    close(mine.weight.grad, reference.weight.grad.numpy())


# ---------------------------------------------------------------- functional forms, weights as views
def _functional_cases():
    """name: (ours(*views), theirs(*views), [(view shape, sample, layout or None
    [, requires_grad])]); layout None: the layout under test."""
    def mean_zero(rng):
        return lambda shape: rng.standard_normal(shape)

    def positive(rng):
        return lambda shape: rng.uniform(0.5, 2.0, shape)

    return {
        "linear": (F.linear, TF.linear,
                   [((5, 3), mean_zero, None), ((4, 3), mean_zero, "transposed"),
                    ((4,), mean_zero, "strided")]),
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (3,), w, b),
                       lambda x, w, b: TF.layer_norm(x, (3,), w, b),
                       [((4, 3), mean_zero, None), ((3,), mean_zero, "strided"),
                        ((3,), mean_zero, "expanded")]),
        "batch_norm-training": (
            lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
            lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
            [((4, 3), mean_zero, None), ((3,), mean_zero, "strided"),
             ((3,), mean_zero, "expanded")]),
        "batch_norm-eval": (
            lambda x, m, v, w: F.batch_norm(x, m, v, w, None, training=False),
            lambda x, m, v, w: TF.batch_norm(x, m, v, w, None, training=False),
            [((4, 3), mean_zero, None), ((3,), mean_zero, "strided", False),
             ((3,), positive, "strided", False), ((3,), mean_zero, "expanded")]),
        "embedding": (lambda w: F.embedding(mg.tensor([[0, 3], [2, 2]], device=w.device), w),
                      lambda w: TF.embedding(torch.tensor([[0, 3], [2, 2]]), w),
                      [((4, 3), mean_zero, "transposed")]),
        "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1),
                       [((4, 3), mean_zero, None)]),
        "softplus": (lambda x: F.softplus(x, beta=2.0), lambda x: TF.softplus(x, beta=2.0),
                     [((4, 3), mean_zero, None)]),
        "log_softmax": (lambda x: F.log_softmax(x, dim=1), lambda x: TF.log_softmax(x, dim=1),
                        [((4, 3), mean_zero, None)]),
        "softmax": (lambda x: F.softmax(x, dim=0), lambda x: TF.softmax(x, dim=0),
                    [((4, 3), mean_zero, None)]),
    }


FUNCTIONAL = _functional_cases()
FUNCTIONAL_CASES = [pytest.param(name, layout, id=f"{name}-{layout}")
                    for name in FUNCTIONAL for layout in LAYOUTS]


@pytest.mark.parametrize("name, layout", FUNCTIONAL_CASES)
def test_functional_with_every_argument_a_view_matches_torch(name, layout, device, rng):
    """The first argument in ``layout``, the others in their own fixed layouts."""
    ours_fn, theirs_fn, arguments = FUNCTIONAL[name]
    leaves, ours, theirs = [], [], []
    for shape, sample, own_layout, *requires_grad in arguments:
        chosen = own_layout or layout
        if chosen not in layouts_for(shape):
            chosen = "strided"
        x_leaf, x, x_leaf_ref, x_ref = viewed(leaf_data(chosen, shape, sample(rng)), chosen,
                                              shape, device, *requires_grad)
        leaves.append((x_leaf, x_leaf_ref))
        ours.append(x)
        theirs.append(x_ref)
    backward_both(ours_fn(*ours), theirs_fn(*theirs), rng, device)
    assert_same_leaf_gradients(leaves)


def test_batch_norm_updates_running_statistics_held_in_strided_views(device, rng):
    """The running buffers may themselves be views: the update lands in their base."""
    x = rng.standard_normal((4, 3))
    bases = [mg.tensor(np.zeros(6), device=device), mg.tensor(np.ones(6), device=device)]
    bases_ref = [torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64)]
    F.batch_norm(mg.tensor(x, device=device), bases[0][::2], bases[1][::2], training=True)
    TF.batch_norm(torch.tensor(x), bases_ref[0][::2], bases_ref[1][::2], training=True)
    for base, base_ref in zip(bases, bases_ref):
        close(base, base_ref.numpy())


# ---------------------------------------------------------------- nothing left out
def test_every_loss_and_layer_of_nn_is_in_these_tables():
    tested = {name.split("-")[0] for name in list(LOSSES) + list(LAYERS)}
    layers = {name for name, value in vars(nn).items()
              if inspect.isclass(value) and issubclass(value, nn.Module)
              and name not in {"Module", "Sequential", "ModuleList", "ModuleDict", "RNNBase",
                               "RNNCellBase", "Embedding"}}
    losses = set(functional_loss.__all__)
    assert layers - tested == set()
    assert losses - tested == set()


# ---------------------------------------------------------------- recurrent states as views
@pytest.mark.parametrize("name, input_shape, state_shape", [
    ("RNN", (5, 2, 4), (2, 2, 3)), ("LSTM", (5, 2, 4), (2, 2, 3)), ("GRU", (5, 2, 4), (2, 2, 3)),
    ("RNNCell", (2, 4), (2, 3)), ("LSTMCell", (2, 4), (2, 3)), ("GRUCell", (2, 4), (2, 3))])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_recurrent_layer_with_its_initial_state_a_view_matches_torch(name, input_shape,
                                                                     state_shape, layout, device,
                                                                     rng):
    """The initial state (h, and c for the LSTM) given as a view, the input as another."""
    options = {"num_layers": 2} if len(input_shape) == 3 else {}
    reference = getattr(torch.nn, name)(4, 3, **options)
    mine = same_weights(getattr(nn, name)(4, 3, **options), reference).to(device)
    x_leaf, x, x_leaf_ref, x_ref = viewed(leaf_data("transposed", input_shape, normal(rng)),
                                          "transposed", input_shape, device)
    states, states_ref, leaves = [], [], [(x_leaf, x_leaf_ref)]
    for _ in range(2 if name.startswith("LSTM") else 1):
        h_leaf, h, h_leaf_ref, h_ref = viewed(leaf_data(layout, state_shape, normal(rng)), layout,
                                              state_shape, device)
        states.append(h)
        states_ref.append(h_ref)
        leaves.append((h_leaf, h_leaf_ref))
    state = tuple(states) if name.startswith("LSTM") else states[0]
    state_ref = tuple(states_ref) if name.startswith("LSTM") else states_ref[0]
    backward_both(first_tensor(mine(x, state)), first_tensor(reference(x_ref, state_ref)), rng,
                  device)
    assert_same_leaf_gradients(leaves)
    for (key, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        close(param.grad, param_ref.grad.numpy(), msg=key)
