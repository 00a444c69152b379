"""DDP's checks on 2 ranks: different models, and parameters that get no gradient."""
import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
rank = dist.get_rank()


def expect_error(function, *fragments):
    try:
        function()
    except RuntimeError as error:
        for fragment in fragments:
            assert fragment in str(error), (fragment, str(error))
    else:
        raise AssertionError(f"no error; expected one mentioning {fragments}")


# 1. rank 1 builds a wider first layer: found at construction, naming the parameter and the shapes
mismatched = mg.nn.Sequential(mg.nn.Linear(4, 5 + rank), mg.nn.Linear(5 + rank, 1))
expect_error(lambda: DDP(mismatched), "'0.weight' has shape (6, 4)", "rank 1", "(5, 4)", "rank 0")
expect_error(lambda: DDP(mg.nn.Linear(2, 2) if rank == 0 else mg.nn.Linear(2, 2, bias=False)),
             "rank 1's model has 1 parameters", "rank 0's has 2")


class TwoBranches(mg.nn.Module):
    """``used`` always; ``sometimes`` only on rank 0; ``never`` on no rank."""

    def __init__(self):
        super().__init__()
        self.used = mg.nn.Linear(3, 2, dtype=mg.float64)
        self.sometimes = mg.nn.Linear(3, 2, dtype=mg.float64)
        self.never = mg.nn.Linear(3, 2, dtype=mg.float64)

    def forward(self, x):
        out = self.used(x)
        return out + self.sometimes(x) if rank == 0 else out


x = mg.tensor(np.random.default_rng(rank).standard_normal((4, 3)))

# 2. without find_unused_parameters: a clear error naming the parameters with no gradient
mg.manual_seed(0)
model = DDP(TwoBranches())
expect_error(lambda: model(x).sum().backward(), "got no gradient", "'never.weight'", "'never.bias'",
             "find_unused_parameters=True")

# 3. with it: averages over ranks, a rank that did not use a parameter contributing zero
mg.manual_seed(0)
model = DDP(TwoBranches(), find_unused_parameters=True)
for _ in range(2):  # a second iteration must work as well
    model.zero_grad()
    model(x).sum().backward()
everyone = [np.random.default_rng(r).standard_normal((4, 3)).sum(0) for r in range(2)]
np.testing.assert_allclose(model.module.used.weight.grad.numpy(), np.tile(np.mean(everyone, 0), (2, 1)))
np.testing.assert_allclose(model.module.sometimes.weight.grad.numpy(), np.tile(everyone[0] / 2, (2, 1)))
assert model.module.never.weight.grad is None and model.module.never.bias.grad is None
# 4. rank 0's parameters and buffers reach every rank at construction, buffers again before forward
mg.manual_seed(rank)
norm = mg.nn.BatchNorm1d(3, dtype=mg.float64)
norm.running_mean.copy_(mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64) * (rank + 1))
model = DDP(norm)
assert norm.running_mean.tolist() == [1.0, 2.0, 3.0], norm.running_mean
norm.running_mean.copy_(norm.running_mean * (rank + 1))  # drift apart
model(x)
np.testing.assert_allclose(norm.running_mean.numpy(), 0.9 * np.array([1.0, 2.0, 3.0])
                           + 0.1 * x.detach().numpy().mean(0), rtol=1e-14,
                           err_msg="buffers not broadcast before forward")
dist.destroy_process_group()
print(f"rank {rank} ok")
