"""PyTorch's import paths for the layers, and ``RNNBase.flatten_parameters``.

Real scripts write ``from torch.nn.modules.loss import _Loss`` or
``torch.nn.modules.linear.Linear``; with ``torch`` replaced by ``minigrad`` they
must find the same classes, and the very objects ``mg.nn`` exports (re-exports,
never copies). The list of classes is taken from ``mg.nn`` itself, so a new
layer without its PyTorch path fails here.
"""
import importlib
import inspect

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn

OUR_MODULE_CLASSES = sorted(name for name, value in vars(nn).items()
                            if inspect.isclass(value) and issubclass(value, nn.Module))


def torch_path(name):
    """The module path where PyTorch defines ``torch.nn.<name>``, or None where it has none."""
    value = getattr(torch.nn, name, None)
    return None if value is None else value.__module__


def test_the_tables_cover_the_layers_torch_has():
    with_path = [name for name in OUR_MODULE_CLASSES if torch_path(name)]
    assert {"Module", "Linear", "LSTM", "CrossEntropyLoss", "Sequential", "Embedding",
            "BatchNorm1d", "LayerNorm", "Flatten", "Dropout", "ReLU"} <= set(with_path)


@pytest.mark.parametrize("name", OUR_MODULE_CLASSES)
def test_every_layer_is_at_pytorchs_path_and_is_the_same_class(name):
    path = torch_path(name)
    if path is None:
        pytest.skip(f"torch.nn has no {name}")
    assert path.startswith("torch.nn.modules.")
    module = importlib.import_module("minigrad" + path[len("torch"):])
    assert getattr(module, name) is getattr(nn, name), f"{path}.{name}"
    assert getattr(nn.modules, name) is getattr(nn, name)  # torch.nn.modules.<name> too


def test_the_loss_base_classes_are_at_pytorchs_path():
    from minigrad.nn.modules.loss import _Loss, _WeightedLoss
    from torch.nn.modules.loss import _Loss as TorchLoss, _WeightedLoss as TorchWeightedLoss
    assert issubclass(nn.MSELoss, _Loss) and issubclass(torch.nn.MSELoss, TorchLoss)
    assert issubclass(nn.NLLLoss, _WeightedLoss) and issubclass(torch.nn.NLLLoss,
                                                                TorchWeightedLoss)


def test_the_documented_examples_import():
    from minigrad.nn.modules.activation import ReLU
    from minigrad.nn.modules.batchnorm import BatchNorm1d
    from minigrad.nn.modules.container import Sequential
    from minigrad.nn.modules.dropout import Dropout
    from minigrad.nn.modules.flatten import Flatten
    from minigrad.nn.modules.linear import Linear
    from minigrad.nn.modules.loss import CrossEntropyLoss
    from minigrad.nn.modules.module import Module
    from minigrad.nn.modules.normalization import LayerNorm
    from minigrad.nn.modules.rnn import LSTM
    from minigrad.nn.modules.sparse import Embedding
    assert (ReLU, BatchNorm1d, Sequential, Dropout, Flatten, Linear, CrossEntropyLoss, Module,
            LayerNorm, LSTM, Embedding) == (nn.ReLU, nn.BatchNorm1d, nn.Sequential, nn.Dropout,
                                            nn.Flatten, nn.Linear, nn.CrossEntropyLoss,
                                            nn.Module, nn.LayerNorm, nn.LSTM, nn.Embedding)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_flatten_parameters_is_a_no_op_as_pytorchs_on_the_cpu(name):
    """PyTorch packs the weights for cuDNN; on the CPU (and in minigrad) nothing changes."""
    torch_layer = getattr(torch.nn, name)(3, 4)
    assert torch_layer.flatten_parameters() is None
    layer = getattr(nn, name)(3, 4, num_layers=2)
    x = mg.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)), dtype=mg.float32)
    before = layer(x)[0].detach().numpy()
    parameters = [(key, value, value.detach().numpy().copy())
                  for key, value in layer.named_parameters()]
    assert layer.flatten_parameters() is None
    assert [(key, value) for key, value, _ in parameters] == list(layer.named_parameters())
    for _, value, array in parameters:
        np.testing.assert_array_equal(value.detach().numpy(), array)
    np.testing.assert_array_equal(layer(x)[0].detach().numpy(), before)
