"""nn.Conv1d / nn.Conv2d and F.conv1d / F.conv2d against PyTorch.

The layers with PyTorch's weights copied in: output and every gradient in float64;
their initialisation, repr and argument checks; F's argument checks with PyTorch's
messages; and second derivatives through a small CNN. The op itself (forward and
gradients vs torch, gradcheck, gradgradcheck, non-contiguous inputs, cpu and
strict) is covered by the conv1d / conv2d rows of tests/op_table.py.
"""
import math
import re
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from test_nn_layers import check_layer, close

LAYERS = [  # (spatial dims, constructor arguments, input shape)
    (1, dict(in_channels=3, out_channels=4, kernel_size=3), (2, 3, 9)),
    (1, dict(in_channels=4, out_channels=6, kernel_size=2, stride=2, padding=1, dilation=2,
             groups=2, bias=False), (3, 4, 10)),
    (1, dict(in_channels=2, out_channels=2, kernel_size=4, padding="same"), (2, 7)),
    (2, dict(in_channels=1, out_channels=16, kernel_size=3, padding=1), (4, 1, 8, 8)),
    (2, dict(in_channels=4, out_channels=8, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0),
             dilation=(1, 2), groups=4), (2, 4, 7, 6)),
    (2, dict(in_channels=3, out_channels=2, kernel_size=2, padding="same", bias=False),
     (2, 3, 5, 5)),
    (2, dict(in_channels=2, out_channels=3, kernel_size=3, padding="valid"), (2, 6, 5)),
]


@pytest.mark.parametrize("spatial, arguments, shape", LAYERS,
                         ids=[f"conv{s}d-{i}" for i, (s, _, _) in enumerate(LAYERS)])
def test_conv_layer_matches_torch(spatial, arguments, shape, device, rng):
    with warnings.catch_warnings():  # torch warns that 'same' with an even kernel copies
        warnings.simplefilter("ignore", UserWarning)
        check_layer(getattr(nn, f"Conv{spatial}d")(**arguments),
                    getattr(torch.nn, f"Conv{spatial}d")(**arguments),
                    rng.standard_normal(shape), device, rng)


@pytest.mark.parametrize("spatial, arguments, shape", LAYERS,
                         ids=[f"conv{s}d-{i}" for i, (s, _, _) in enumerate(LAYERS)])
def test_conv_layer_repr_and_parameters_are_pytorchs(spatial, arguments, shape):
    mine = getattr(nn, f"Conv{spatial}d")(**arguments)
    reference = getattr(torch.nn, f"Conv{spatial}d")(**arguments)
    assert repr(mine) == repr(reference)
    assert [(name, tuple(p.shape)) for name, p in mine.named_parameters()] == \
        [(name, tuple(p.shape)) for name, p in reference.named_parameters()]
    for attribute in ("kernel_size", "stride", "padding", "dilation", "groups", "padding_mode",
                      "in_channels", "out_channels", "transposed", "output_padding"):
        assert getattr(mine, attribute) == getattr(reference, attribute), attribute


def test_conv_default_init_is_seeded_and_within_pytorch_bounds():
    mg.manual_seed(3)
    first = nn.Conv2d(6, 32, 3, groups=2)
    mg.manual_seed(3)
    second = nn.Conv2d(6, 32, 3, groups=2)
    close(first.weight, second.weight.detach().numpy(), rtol=0, atol=0)
    bound = 1 / math.sqrt(3 * 3 * 3)  # fan_in = in_channels / groups · kernel positions
    for param in (first.weight, first.bias):
        values = np.abs(param.detach().numpy())
        assert values.max() <= bound
    assert np.abs(first.weight.detach().numpy()).max() > 0.95 * bound  # spread over the range


def test_conv_keeps_float32_and_an_unbatched_input(rng):
    layer = nn.Conv2d(2, 3, 3, padding=1)
    y = layer(mg.tensor(rng.standard_normal((2, 5, 5)).astype(np.float32)))
    assert y.shape == (3, 5, 5) and y.dtype == mg.float32


def test_conv_of_an_empty_batch_is_empty_and_its_weight_gradient_zero(device):
    layer = nn.Conv2d(2, 4, 3, padding=1, groups=2).double().to(device)
    x = mg.zeros(0, 2, 5, 5, dtype=mg.float64, device=device, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.shape == (0, 4, 5, 5) and x.grad.shape == (0, 2, 5, 5)
    close(layer.weight.grad, np.zeros((4, 1, 3, 3)))
    close(layer.bias.grad, np.zeros(4))


def test_a_plain_backward_records_nothing_and_create_graph_records_the_faces(rng):
    """The backward of a convolution is made of convolutions (ops/convolution.py): run
    with grad mode off, they leave no graph; under create_graph=True they do."""
    x = mg.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad.grad_fn is None and w.grad.grad_fn is None
    grad_x, grad_w = mg.autograd.grad(F.conv2d(x, w).sum(), (x, w), create_graph=True)
    assert grad_x.grad_fn.name() == "ConvolutionInputGradBackward"
    assert grad_w.grad_fn.name() == "ConvolutionWeightGradBackward"


def test_second_derivatives_through_a_cnn_match_torch(rng):
    """The gradient of ‖∇_W L‖² with respect to the input and both weights: double
    backward through two convolutions (the Hessian-vector products second-order
    optimizers and sharpness measurements take)."""
    arrays = [rng.standard_normal(shape) for shape in ((2, 2, 6, 6), (3, 2, 3, 3), (4, 3, 2, 2))]

    def run(lib, functional, tensors):
        x, w1, w2 = tensors
        hidden = functional.conv2d(x, w1, stride=1, padding=1).tanh()
        loss = (functional.conv2d(hidden, w2, stride=2, dilation=1) ** 2).sum()
        g1, g2 = lib.autograd.grad(loss, (w1, w2), create_graph=True)
        return lib.autograd.grad((g1 ** 2).sum() + (g2 ** 2).sum(), (x, w1, w2))

    mine = run(mg, F, [mg.tensor(a, requires_grad=True) for a in arrays])
    theirs = run(torch, torch.nn.functional, [torch.tensor(a, requires_grad=True) for a in arrays])
    for ours, reference in zip(mine, theirs):
        close(ours, reference.numpy())


def raises_as_torch(theirs, ours, exact=True):
    """``theirs()`` raises; ``ours()`` raises the same type with the same message (or,
    with ``exact=False``, one that starts as torch's does, up to a set's printed order)."""
    with pytest.raises(Exception) as torch_error:
        theirs()
    message = str(torch_error.value)
    if not exact:
        message = message.split("{")[0]
    with pytest.raises(type(torch_error.value), match="^" + re.escape(message)):
        ours()


X2, W2 = np.zeros((2, 3, 8, 8)), np.zeros((16, 3, 3, 3))
FUNCTIONAL_ERRORS = {  # name: (function, input, weight, bias, options)
    "5-d input to conv2d": ("conv2d", np.zeros((2, 3, 4, 5, 6)), W2, None, {}),
    "4-d input to conv1d": ("conv1d", np.zeros((2, 3, 4, 5)), np.zeros((2, 3, 3)), None, {}),
    "channels do not match": ("conv2d", np.zeros((2, 4, 8, 8)), W2, None, {}),
    "out channels not divisible by groups": ("conv2d", np.zeros((2, 4, 8, 8)),
                                             np.zeros((3, 2, 3, 3)), None, {"groups": 2}),
    "kernel larger than the padded input": ("conv2d", np.zeros((2, 3, 2, 2)), W2, None, {}),
    "dilated kernel larger than the input": ("conv1d", np.zeros((1, 1, 5)), np.zeros((1, 1, 3)),
                                             None, {"dilation": 3}),
    "'same' with a stride": ("conv2d", X2, W2, None, {"stride": 2, "padding": "same"}),
    "unknown padding string": ("conv2d", X2, W2, None, {"padding": "full"}),
    "negative padding": ("conv2d", X2, W2, None, {"padding": -1}),
    "zero stride": ("conv2d", X2, W2, None, {"stride": 0}),
    "zero dilation": ("conv2d", X2, W2, None, {"dilation": 0}),
    "zero groups": ("conv2d", X2, W2, None, {"groups": 0}),
    "bias of the wrong size": ("conv2d", X2, W2, np.zeros(5), {}),
    "three strides for conv2d": ("conv2d", X2, W2, None, {"stride": (1, 2, 3)}),
}


@pytest.mark.parametrize("case", FUNCTIONAL_ERRORS)
def test_functional_conv_rejects_bad_arguments_with_pytorchs_message(case):
    name, x, w, b, options = FUNCTIONAL_ERRORS[case]

    def call(lib, functional):
        tensors = [None if a is None else lib.tensor(a) for a in (x, w, b)]
        return getattr(functional, name)(*tensors, **options)

    raises_as_torch(lambda: call(torch, torch.nn.functional), lambda: call(mg, F))


def test_functional_conv_names_a_weight_of_the_wrong_rank_and_a_non_tensor():
    with pytest.raises(RuntimeError, match=r"conv2d: weight must have 4 dimensions .* got weight "
                                           r"of size \[16, 3, 3\]"):
        F.conv2d(mg.zeros(2, 3, 8, 8), mg.zeros(16, 3, 3))
    with pytest.raises(TypeError, match=r"conv1d\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list"):
        F.conv1d([[1.0]], mg.zeros(1, 1, 1))


LAYER_ERRORS = {  # name: (spatial dims, constructor arguments)
    "groups zero": (2, dict(in_channels=4, out_channels=4, kernel_size=3, groups=0)),
    "in_channels not divisible": (2, dict(in_channels=3, out_channels=4, kernel_size=3, groups=2)),
    "out_channels not divisible": (1, dict(in_channels=4, out_channels=3, kernel_size=3, groups=2)),
    "unknown padding string": (2, dict(in_channels=4, out_channels=4, kernel_size=3,
                                       padding="full")),
    "'same' with a stride": (1, dict(in_channels=4, out_channels=4, kernel_size=3,
                                     padding="same", stride=2)),
    "unknown padding_mode": (2, dict(in_channels=4, out_channels=4, kernel_size=3,
                                     padding_mode="mirror")),
}


@pytest.mark.parametrize("case", LAYER_ERRORS)
def test_conv_layer_rejects_bad_arguments_with_pytorchs_message(case):
    spatial, arguments = LAYER_ERRORS[case]
    raises_as_torch(lambda: getattr(torch.nn, f"Conv{spatial}d")(**arguments),
                    lambda: getattr(nn, f"Conv{spatial}d")(**arguments), exact=False)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_layer_refuses_padding_modes_other_than_zeros_by_name(mode):
    with pytest.raises(ValueError, match=f"padding_mode='{mode}' is not supported by minigrad: "
                                         "its convolution pads with zeros only"):
        nn.Conv2d(2, 2, 3, padding=1, padding_mode=mode)
