"""A two-spirals MLP made of plain leaf tensors (no mg.nn), for the optimizers'
learning tests: W1, b1, W2, b2, ... with tanh hidden layers."""
import math

import numpy as np

import minigrad as mg


def init_mlp(sizes, seed):
    """Weights ~ U(-1/√fan_in, 1/√fan_in), as PyTorch's Linear layers start."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        params.append(mg.tensor(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                                requires_grad=True))
        params.append(mg.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                                requires_grad=True))
    return params


def forward(params, x):
    """Logits of the MLP: tanh hidden layers, linear output."""
    h = x
    for i in range(0, len(params) - 2, 2):
        h = (h @ params[i] + params[i + 1]).tanh()
    return h @ params[-2] + params[-1]


def cross_entropy(logits, labels):
    """L = −mean_i log softmax(logits_i)[label_i]"""
    log_probs = logits.log_softmax(dim=1)
    return -log_probs[mg.arange(len(labels)), labels].mean()
