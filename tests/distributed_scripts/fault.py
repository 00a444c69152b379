"""Rank 1 raises while rank 0 waits for it in an all-reduce: the job must end, naming rank 1."""
import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise ValueError("this rank's data loader broke")
dist.all_reduce(mg.ones(3))  # would wait forever for rank 1
print("rank 0 finished an all-reduce without rank 1")
