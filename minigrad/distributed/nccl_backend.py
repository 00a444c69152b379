"""The NCCL backend: collectives on CUDA tensors through CuPy's NCCL bindings.

NCCL runs the collectives on the GPU, reading and writing device memory
directly: no copy to the host. Its calls take raw device addresses, an element
count, a datatype and a CUDA stream, e.g.
``comm.allReduce(sendbuf, recvbuf, count, datatype, op, stream)``; passing the
same address as send and receive buffer reduces in place. The call only
enqueues the work on the stream; a CUDA event recorded after it tells when it
is done (``Work.wait()`` synchronises on that event).

NCCL processes find each other through a unique id that one of them creates:
rank 0 calls ``nccl.get_unique_id()`` and broadcasts it to the others over MPI,
and every rank then builds its ``NcclCommunicator(world_size, id, rank)``.

This path has been tested only on the 'strict' device against a stand-in
communicator with NCCL's call signatures (tests/nccl_loopback.py), not on GPUs.
"""
from .reduce_op import ReduceOp
from .work import Work, completed_work

MISSING_NCCL = ("backend='nccl' needs CuPy with NCCL on a machine with CUDA GPUs: "
                'pip install "minigrad[cuda]"')


def check_available():
    """Raise a clear error unless CuPy, its NCCL library and a CUDA GPU are all there."""
    from .. import cuda
    try:
        from cupy.cuda import nccl
    except ImportError as error:
        raise ImportError(MISSING_NCCL) from error
    if not getattr(nccl, "available", False) or not cuda.is_available():
        raise ImportError(MISSING_NCCL)


class NcclBackend:
    name = "nccl"

    def __init__(self, comm, nccl, world_size, mpi_comm=None, cuda=None):
        """``comm``: an ``NcclCommunicator``; ``nccl``: the module of NCCL's constants
        (``cupy.cuda.nccl``); ``mpi_comm``: for ``barrier``; ``cuda``: ``cupy.cuda``
        (streams and events), or None for a communicator that finishes each call at once."""
        self.comm, self.nccl, self.world_size = comm, nccl, world_size
        self._mpi_comm, self._cuda = mpi_comm, cuda
        self._ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.AVG: nccl.NCCL_SUM,
                     ReduceOp.PRODUCT: nccl.NCCL_PROD, ReduceOp.MAX: nccl.NCCL_MAX,
                     ReduceOp.MIN: nccl.NCCL_MIN}
        self._types = {"float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32,
                       "float64": nccl.NCCL_FLOAT64, "int8": nccl.NCCL_INT8,
                       "uint8": nccl.NCCL_UINT8, "int32": nccl.NCCL_INT32,
                       "int64": nccl.NCCL_INT64}

    @classmethod
    def over_mpi(cls, mpi_comm):
        """Every rank's communicator, set up with a unique id that rank 0 creates and broadcasts."""
        check_available()
        import cupy.cuda
        from cupy.cuda import nccl
        unique_id = nccl.get_unique_id() if mpi_comm.Get_rank() == 0 else None
        unique_id = mpi_comm.bcast(unique_id, root=0)
        comm = nccl.NcclCommunicator(mpi_comm.Get_size(), unique_id, mpi_comm.Get_rank())
        return cls(comm, nccl, mpi_comm.Get_size(), mpi_comm, cupy.cuda)

    # -- the collectives, on device arrays ----------------------------------------------
    def all_reduce(self, array, op, async_op, xp):
        buffer, write_back = _contiguous(array, xp)
        address = buffer.data.ptr
        self.comm.allReduce(address, address, buffer.size, self._type(buffer), self._ops[op],
                            self._stream())
        return self._work(self._finisher(buffer, op, write_back), async_op)

    def broadcast(self, array, src, async_op, xp):
        buffer, write_back = _contiguous(array, xp)
        self.comm.bcast(buffer.data.ptr, buffer.size, self._type(buffer), src, self._stream())
        return self._work(write_back, async_op)

    def all_gather(self, arrays, array, async_op, xp):
        send = xp.ascontiguousarray(array)
        gathered = xp.empty((len(arrays),) + tuple(array.shape), array.dtype)
        self.comm.allGather(send.data.ptr, gathered.data.ptr, send.size, self._type(send),
                            self._stream())

        def finish():
            for index, out in enumerate(arrays):
                out[...] = gathered[index]
        return self._work(finish, async_op)

    def reduce_scatter(self, array, arrays, op, async_op, xp):
        send = xp.ascontiguousarray(xp.stack(arrays))
        buffer, write_back = _contiguous(array, xp)
        self.comm.reduceScatter(send.data.ptr, buffer.data.ptr, buffer.size, self._type(buffer),
                                self._ops[op], self._stream())
        return self._work(self._finisher(buffer, op, write_back), async_op)

    def barrier(self):
        if self._cuda is not None:
            self._cuda.get_current_stream().synchronize()
        if self._mpi_comm is not None:
            self._mpi_comm.Barrier()

    def check_tensor(self, tensor):
        # 'strict' is the CPU stand-in for a GPU that the tests run this backend on.
        if tensor.device.type not in ("cuda", "strict"):
            raise RuntimeError(
                f"the 'nccl' backend works on CUDA tensors, got a tensor on '{tensor.device}': "
                "move it with .cuda(), or use backend='mpi' for CPU tensors")

    # -- helpers ------------------------------------------------------------------------
    def _type(self, array):
        name = str(array.dtype)
        if name not in self._types:
            raise TypeError(f"the 'nccl' backend cannot reduce {name} tensors; supported: "
                            f"{sorted(self._types)}")
        return self._types[name]

    def _stream(self):
        return self._cuda.get_current_stream().ptr if self._cuda is not None else 0

    def _finisher(self, buffer, op, write_back):
        def finish():
            if op is ReduceOp.AVG:
                # NCCL's own AVG needs NCCL >= 2.10: divide on the device instead
                buffer[...] = buffer / self.world_size
            write_back()
        return finish

    def _work(self, finish, async_op):
        """The finishing steps are enqueued on the device after the collective, so they
        can run right away; on a GPU the handle completes when an event after them fires."""
        finish()
        if self._cuda is None:
            return completed_work()
        event = self._cuda.Event()
        event.record(self._cuda.get_current_stream())
        work = Work(lambda: event.done, event.synchronize)
        if not async_op:
            work.wait()
        return work


def _contiguous(array, xp):
    """A C-contiguous buffer for ``array`` and the function that copies results back into it."""
    if array.flags.c_contiguous:
        return array, lambda: None
    buffer = xp.ascontiguousarray(array)

    def write_back():
        array[...] = buffer
    return buffer, write_back
