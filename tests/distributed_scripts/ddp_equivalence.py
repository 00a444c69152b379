"""DDP on W ranks, batch B each, against one process on the whole batch W·B.

Usage: ddp_equivalence.py MODEL MODE [BUCKET_CAP_MB]
MODEL: mlp | lstm.  MODE: plain (one backward per step) | no_sync (two
micro-batches per step, the first under no_sync). After 20 SGD-momentum steps
in float64 every rank's parameters must equal the single-process run's to
rtol 1e-10.
"""
import sys

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad.nn.parallel import DistributedDataParallel

model_kind, mode = sys.argv[1], sys.argv[2]
bucket_cap_mb = float(sys.argv[3]) if len(sys.argv) > 3 else None
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
B, STEPS = 4, 20


class LSTMRegressor(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = mg.nn.LSTM(3, 5, batch_first=True, dtype=mg.float64)
        self.head = mg.nn.Linear(5, 2, dtype=mg.float64)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def build(seed):
    mg.manual_seed(seed)
    if model_kind == "mlp":
        return mg.nn.Sequential(mg.nn.Linear(6, 16, dtype=mg.float64), mg.nn.Tanh(),
                                mg.nn.Linear(16, 16, dtype=mg.float64), mg.nn.Tanh(),
                                mg.nn.Linear(16, 2, dtype=mg.float64))
    return LSTMRegressor()


def batch(step):
    """The global batch of this step: W·B examples, the same on every rank."""
    data = np.random.default_rng(1000 + step)
    shape = (world * B, 6) if model_kind == "mlp" else (world * B, 7, 3)
    return data.standard_normal(shape), data.standard_normal((world * B, 2))


def loss_of(model, x, y):
    return ((model(mg.tensor(x)) - mg.tensor(y)) ** 2).mean()


reference = build(0)
reference_optimizer = mg.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
local = build(0 if rank == 0 else 100 + rank)  # DDP must copy rank 0's parameters
ddp = DistributedDataParallel(local, bucket_cap_mb=bucket_cap_mb)
assert ddp.module is local
optimizer = mg.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
mine = slice(rank * B, (rank + 1) * B)

for step in range(STEPS):
    x, y = batch(step)
    reference_optimizer.zero_grad()
    loss_of(reference, x, y).backward()
    reference_optimizer.step()

    optimizer.zero_grad()
    xs, ys = x[mine], y[mine]
    if mode == "plain":
        loss_of(ddp, xs, ys).backward()
    else:  # two micro-batches of B/2; only the second backward communicates
        half = B // 2
        with ddp.no_sync():
            (loss_of(ddp, xs[:half], ys[:half]) / 2).backward()
        (loss_of(ddp, xs[half:], ys[half:]) / 2).backward()
    optimizer.step()

    timeline = ddp.last_backward_timeline
    assert len(timeline) == len(ddp.bucket_indices) >= 1, timeline
    for entry in timeline:
        assert entry["backward_start"] <= entry["launched"] <= entry["completed"], entry
        assert entry["launched"] <= entry["backward_end"], entry
    assert sum(entry["bytes"] for entry in timeline) == 8 * sum(p.numel() for p in ddp.parameters())

for (name, want), got in zip(reference.named_parameters(), ddp.module.parameters()):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-13,
                               err_msg=f"rank {rank}, {name}")
print(f"rank {rank} ok: {len(ddp.bucket_indices)} buckets")
