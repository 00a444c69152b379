"""A training step never copies device data to the host behind the user's back.

On a GPU every hidden ``.item()``, ``float(x)`` or ``if tensor:`` stalls the
device until all queued work is done. The 'strict' stand-in device raises on
any such read inside ``forbid_host_reads()``, so these tests prove, without a
GPU, that forward, loss, backward, gradient clipping and every optimizer's
step run without one. LBFGS is an exception by design: its line search
branches on loss values (PyTorch's does the same), so it is left out; so are
Prodigy and D-Adaptation, which read their estimate d to the host once per step
(as pytorch-optimizer does). Optimizers that need a closure (SAM) get one.
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backend.strict_backend import forbid_host_reads
from optim_registry import all_infos

# LBFGS branches on the loss value in its line search, like torch's; Prodigy and
# DAdaptAdam decide the growth of d on the host once per step, like pytorch-optimizer's
NEEDS_HOST = {"LBFGS", "Prodigy", "DAdaptAdam"}
INFOS = [info for info in all_infos() if info.name not in NEEDS_HOST]


def mlp(device):
    mg.manual_seed(0)
    return mg.nn.Sequential(mg.nn.Linear(4, 16), mg.nn.ReLU(), mg.nn.Linear(16, 16), mg.nn.Tanh(),
                            mg.nn.Linear(16, 3)).to(device)


def batch(device):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((8, 4)).astype(np.float32), device=device)
    y = mg.tensor(rng.integers(0, 3, 8), device=device)
    return x, y


@pytest.mark.parametrize("info", INFOS, ids=str)
def test_training_step_reads_nothing_back(info):
    model = mlp("strict")
    x, y = batch("strict")
    optimizer = info.build(list(model.parameters()), dict(info.hyper_sets[-1]))
    with forbid_host_reads():
        for _ in range(3):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            loss.backward(create_graph=info.create_graph)  # SophiaH, AdaHessian
            total_norm = mg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            mg.nn.utils.clip_grad_value_(model.parameters(), 0.5)
            if info.closure_loss:  # SAM: the closure evaluates the loss again
                optimizer.step(lambda: F.cross_entropy(model(x), y).backward())
            else:
                optimizer.step()
    assert np.isfinite(total_norm.item())  # reading is fine once the user asks for a number
    assert np.isfinite(loss.item())


def test_losses_and_recurrent_layers_read_nothing_back():
    mg.manual_seed(0)
    rng = np.random.default_rng(1)
    lstm = mg.nn.LSTM(3, 5, num_layers=2, batch_first=True).to("strict")
    gru = mg.nn.GRU(3, 5, bidirectional=True).to("strict")
    x = mg.tensor(rng.standard_normal((2, 6, 3)).astype(np.float32), device="strict")
    target = mg.tensor(rng.standard_normal((2, 5)).astype(np.float32), device="strict")
    labels = mg.tensor(rng.integers(0, 2, (2, 5)).astype(np.float32), device="strict")
    with forbid_host_reads():
        output, (h, c) = lstm(x)
        gru_output, _ = gru(x)
        losses = [F.mse_loss(h[-1], target), F.l1_loss(h[-1], target),
                  F.huber_loss(h[-1], target), F.smooth_l1_loss(h[-1], target),
                  F.binary_cross_entropy_with_logits(h[-1], labels),
                  F.binary_cross_entropy(h[-1].sigmoid(), labels),
                  gru_output.pow(2).mean()]
        total = losses[0]
        for loss in losses[1:]:
            total = total + loss
        total.backward()
    assert all(p.grad is not None for p in lstm.parameters())
