"""ZeroRedundancyOptimizer on 2 ranks (with DDP) against the unsharded optimizer in one process.

For Adam and SGD with momentum, in float64: the same parameters after 20 steps
(rtol 1e-10), each rank holding the state of its shard only, the consolidated
state equal to the unsharded optimizer's, and a run resumed from it still on
the same trajectory.
"""
import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad.distributed.optim import ZeroRedundancyOptimizer
from minigrad.nn.parallel import DistributedDataParallel

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
B = 4


def build():
    mg.manual_seed(0)
    return mg.nn.Sequential(mg.nn.Linear(5, 12, dtype=mg.float64), mg.nn.Tanh(),
                            mg.nn.Linear(12, 7, dtype=mg.float64), mg.nn.Tanh(),
                            mg.nn.Linear(7, 1, dtype=mg.float64))


def batch(step):
    data = np.random.default_rng(step)
    return data.standard_normal((world * B, 5)), data.standard_normal((world * B, 1))


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    ((model(mg.tensor(x)) - mg.tensor(y)) ** 2).mean().backward()
    optimizer.step()


def same_parameters(reference, model, what):
    for (name, want), got in zip(reference.named_parameters(), model.parameters()):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10,
                                   atol=1e-14, err_msg=f"{what}, rank {rank}, {name}")


mine = slice(rank * B, (rank + 1) * B)
for optimizer_class, hyperparameters in [(mg.optim.Adam, dict(lr=0.01, weight_decay=0.01)),
                                         (mg.optim.SGD, dict(lr=0.05, momentum=0.9))]:
    what = optimizer_class.__name__
    reference = build()
    reference_optimizer = optimizer_class(reference.parameters(), **hyperparameters)
    ddp = DistributedDataParallel(build())
    zero = ZeroRedundancyOptimizer(ddp.parameters(), optimizer_class, **hyperparameters)
    for step in range(20):
        x, y = batch(step)
        if step == 10:  # as a scheduler would: ZeRO passes it on to its shard's optimizer
            for optimizer in (reference_optimizer, zero):
                optimizer.param_groups[0]["lr"] /= 2
        train_step(reference, reference_optimizer, x, y)
        train_step(ddp, zero, x[mine], y[mine])
    same_parameters(reference, ddp.module, what)

    # the shard: largest parameters first, each to the rank with fewer elements so far
    params = list(ddp.parameters())
    sizes, owners = [0] * world, {}
    for index in sorted(range(len(params)), key=lambda i: -params[i].numel()):
        owner = sizes.index(min(sizes))
        owners[index] = owner
        sizes[owner] += params[index].numel()
    local = [i for i, p in enumerate(params) if any(p is q for q in zero.optim.param_groups[0]["params"])]
    assert local == sorted(i for i, r in owners.items() if r == rank), (local, owners)
    shard = zero.optim.param_groups[0]["params"]
    assert len(zero.optim.state) == len(local) and all(p in zero.optim.state for p in shard)

    # consolidated state = the unsharded optimizer's
    try:
        zero.state_dict()
    except RuntimeError as error:
        assert "consolidate_state_dict" in str(error)
    else:
        raise AssertionError("state_dict() before consolidate_state_dict() did not raise")
    zero.consolidate_state_dict(to=0)
    full = None
    if rank == 0:
        full = zero.state_dict()
        want = reference_optimizer.state_dict()
        assert sorted(full["state"]) == sorted(want["state"])
        for index, values in want["state"].items():
            for name, value in values.items():
                np.testing.assert_allclose(full["state"][index][name].numpy(), value.numpy(),
                                           rtol=1e-10, atol=1e-14, err_msg=f"{what} state {index} {name}")
        assert [g["params"] for g in full["param_groups"]] == [g["params"] for g in want["param_groups"]]
    else:
        try:
            zero.state_dict()
        except RuntimeError:
            pass
        else:
            raise AssertionError("rank 1 returned a state it does not hold")
    full = [full]
    dist.broadcast_object_list(full, src=0)

    # resume: a fresh ZeRO over the same parameters, loaded from the consolidated state
    resumed = ZeroRedundancyOptimizer(ddp.parameters(), optimizer_class, **hyperparameters)
    resumed.load_state_dict(full[0])
    for step in range(20, 25):
        x, y = batch(step)
        train_step(reference, reference_optimizer, x, y)
        train_step(ddp, resumed, x[mine], y[mine])
    same_parameters(reference, ddp.module, what + " resumed")

print(f"rank {rank} ok")
