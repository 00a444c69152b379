"""Every collective on 2+ ranks against NumPy, blocking and async_op=True."""
import numpy as np

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and dist.get_backend() == "mpi"


def rank_data(r, shape=(3, 4), dtype=np.float64):
    return (np.random.default_rng(r).standard_normal(shape) * 10).astype(dtype)


everyone = np.stack([rank_data(r) for r in range(world)])
expected = {dist.ReduceOp.SUM: everyone.sum(0), dist.ReduceOp.AVG: everyone.sum(0) / world,
            dist.ReduceOp.PRODUCT: everyone.prod(0), dist.ReduceOp.MAX: everyone.max(0),
            dist.ReduceOp.MIN: everyone.min(0)}
for op, want in expected.items():
    for async_op in (False, True):
        x = mg.tensor(rank_data(rank))
        work = dist.all_reduce(x, op=op, async_op=async_op)
        if async_op:
            assert isinstance(work, dist.Work)
            assert work.wait() is True and work.is_completed()
        else:
            assert work is None
        np.testing.assert_allclose(x.numpy(), want, rtol=1e-13, err_msg=f"{op} async={async_op}")

# a non-contiguous tensor is reduced in place too
x = mg.tensor(rank_data(rank, (4, 3))).t()
dist.all_reduce(x)
np.testing.assert_allclose(x.numpy(), np.stack([rank_data(r, (4, 3)) for r in range(world)]).sum(0).T)

# integers
n = mg.tensor(np.arange(5) + rank)
dist.all_reduce(n, op=dist.ReduceOp.MAX)
assert n.tolist() == list(np.arange(5) + world - 1)

for src in range(world):
    for async_op in (False, True):
        x = mg.tensor(rank_data(rank, (5,), np.float32))
        work = dist.broadcast(x, src=src, async_op=async_op)
        if async_op:
            work.wait()
        np.testing.assert_array_equal(x.numpy(), rank_data(src, (5,), np.float32))

for async_op in (False, True):
    out = [mg.zeros(2, 3, dtype=mg.float64) for _ in range(world)]
    work = dist.all_gather(out, mg.tensor(rank_data(rank, (2, 3))), async_op=async_op)
    if async_op:
        work.wait()
    for r in range(world):
        np.testing.assert_array_equal(out[r].numpy(), rank_data(r, (2, 3)))

for op in (dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.MAX):
    for async_op in (False, True):
        inputs = [mg.tensor(rank_data(10 * rank + r, (4,))) for r in range(world)]
        out = mg.zeros(4, dtype=mg.float64)
        work = dist.reduce_scatter(out, inputs, op=op, async_op=async_op)
        if async_op:
            work.wait()
        parts = np.stack([rank_data(10 * q + rank, (4,)) for q in range(world)])
        want = {dist.ReduceOp.SUM: parts.sum(0), dist.ReduceOp.AVG: parts.sum(0) / world,
                dist.ReduceOp.MAX: parts.max(0)}[op]
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-13)

objects = [None] * world
dist.all_gather_object(objects, {"rank": rank})
assert objects == [{"rank": r} for r in range(world)]
dist.barrier()

try:
    dist.all_reduce(mg.zeros(2), op="sum")
except ValueError as error:
    assert "ReduceOp" in str(error)
else:
    raise AssertionError("a string op was accepted")
try:
    dist.all_gather([mg.zeros(2)], mg.zeros(2))
except ValueError as error:
    assert "world size" in str(error)
else:
    raise AssertionError("a short list was accepted")

dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank} ok")
