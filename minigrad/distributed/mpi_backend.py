"""The MPI backend: collectives on CPU tensors through ``mpi4py``.

Every rank is an MPI process started by ``mpiexec``; ``MPI.COMM_WORLD`` knows
each one's rank and the world size. The collectives work in place on the
NumPy array inside each tensor (MPI's buffer interface reads and writes it
directly, no copy): ``Allreduce(IN_PLACE, a)`` leaves Σ_r a_r in every rank's
``a``. With ``async_op=True`` the non-blocking forms (``Iallreduce``, ...) start
the transfer and return a request, wrapped in a ``Work``.

MPI has no average: AVG is a SUM followed by a division by the world size.
"""
import numpy as np

from .reduce_op import ReduceOp
from .work import Work, completed_work


class MpiBackend:
    name = "mpi"

    def __init__(self, comm):
        from mpi4py import MPI
        self._MPI = MPI
        self.comm = comm
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                     ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN}

    def _after_reduction(self, buffer, write_back, op):
        """What completes a reduction once MPI has summed: AVG divides the sum by the world
        size (MPI has no average), then the result goes back into a non-contiguous input."""
        world = self.comm.Get_size()

        def finish():
            if op is ReduceOp.AVG:
                _divide(buffer, world)
            write_back()
        return finish

    # -- the collectives, on arrays ------------------------------------------
    def all_reduce(self, array, op, async_op, xp=np):
        buffer, write_back = _contiguous(array)
        finish = self._after_reduction(buffer, write_back, op)
        if async_op:
            request = self.comm.Iallreduce(self._MPI.IN_PLACE, buffer, self._ops[op])
            return self._work(request, finish)
        self.comm.Allreduce(self._MPI.IN_PLACE, buffer, self._ops[op])
        return completed_work(finish)

    def broadcast(self, array, src, async_op, xp=np):
        buffer, write_back = _contiguous(array)
        if async_op:
            return self._work(self.comm.Ibcast(buffer, root=src), write_back)
        self.comm.Bcast(buffer, root=src)
        return completed_work(write_back)

    def all_gather(self, arrays, array, async_op, xp=np):
        gathered = np.empty((len(arrays),) + array.shape, array.dtype)
        send = np.ascontiguousarray(array)

        def finish():
            for out, part in zip(arrays, gathered):
                out[...] = part
        if async_op:
            return self._work(self.comm.Iallgather(send, gathered), finish)
        self.comm.Allgather(send, gathered)
        return completed_work(finish)

    def reduce_scatter(self, array, arrays, op, async_op, xp=np):
        send = np.ascontiguousarray(np.stack(arrays))
        buffer, write_back = _contiguous(array)
        finish = self._after_reduction(buffer, write_back, op)
        if async_op:
            request = self.comm.Ireduce_scatter_block(send, buffer, self._ops[op])
            return self._work(request, finish)
        self.comm.Reduce_scatter_block(send, buffer, self._ops[op])
        return completed_work(finish)

    def barrier(self):
        self.comm.Barrier()

    def check_tensor(self, tensor):
        if tensor.device.type != "cpu":
            raise RuntimeError(
                f"the 'mpi' backend works on CPU tensors, got a tensor on '{tensor.device}': "
                "move it with .cpu(), or use backend='nccl' for CUDA tensors")

    @staticmethod
    def _work(request, finish):
        # mpi4py's request keeps its buffers alive until the transfer is done.
        return Work(request.Test, request.Wait, finish)


def _contiguous(array):
    """A C-contiguous buffer for ``array`` and the function that copies results back into it."""
    if array.flags.c_contiguous:
        return array, lambda: None
    buffer = np.ascontiguousarray(array)

    def write_back():
        array[...] = buffer
    return buffer, write_back


def _divide(buffer, world):
    if np.issubdtype(buffer.dtype, np.integer):
        np.floor_divide(buffer, world, out=buffer)
    else:
        buffer /= world
