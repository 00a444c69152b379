"""``minigrad.distributed``: data-parallel training over MPI (CPU) and NCCL (GPU), as ``torch.distributed``.

Start W processes with ``mpiexec -n W python train.py``; each calls
``init_process_group("mpi")`` and is told its rank (0 … W−1). Collectives
(``all_reduce``, ``broadcast``, ``all_gather``, ``reduce_scatter``,
``barrier``) are called by every rank together.
``minigrad.nn.parallel.DistributedDataParallel`` averages gradients with them;
``minigrad.distributed.optim.ZeroRedundancyOptimizer`` shards optimizer state.
"""
from .collectives import (all_gather, all_gather_object, all_reduce, barrier, broadcast,
                          broadcast_object_list, reduce_scatter)
from .process_group import (destroy_process_group, get_backend, get_rank, get_world_size,
                            init_process_group, is_available, is_initialized)
from .reduce_op import ReduceOp
from .work import Work
from . import optim

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "get_rank", "get_world_size", "get_backend", "ReduceOp", "Work", "all_reduce",
           "broadcast", "all_gather", "reduce_scatter", "barrier", "all_gather_object",
           "broadcast_object_list"]
