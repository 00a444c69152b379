"""End to end: the two-spirals MLP trained under autocast (float16 linear layers,
float32 loss) with a GradScaler learns as well as in float32, and its parameters
(the master weights) stay float32."""
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn


@pytest.mark.slow  # about 3 s alone, more on a loaded machine
def test_mlp_learns_two_spirals_under_autocast_and_grad_scaler():
    features, labels = mg.data.make_spirals(n_samples=400, noise=0.05, seed=0)
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                          nn.Linear(64, 2))
    optimizer = mg.optim.Adam(model.parameters(), lr=0.02)
    scaler = mg.amp.GradScaler("cpu", growth_interval=20)
    skipped = 0
    for _ in range(400):
        with mg.autocast("cpu"):
            logits = model(features)
            loss = F.cross_entropy(logits, labels)
        assert logits.dtype == mg.float16 and loss.dtype == mg.float32
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scale = scaler.get_scale()
        scaler.step(optimizer)
        scaler.update()
        skipped += scaler.get_scale() < scale
    assert all(p.dtype == mg.float32 and p.grad.dtype == mg.float32 for p in model.parameters())
    with mg.no_grad(), mg.autocast("cpu"):
        accuracy = (model(features).argmax(dim=1) == labels).float().mean().item()
    assert loss.item() < 0.1
    assert accuracy >= 0.98, f"train accuracy {accuracy:.4f} after 400 steps under autocast"
    assert skipped >= 1, scaler.get_scale()  # growing every 20 steps, it overflowed float16 and backed off
