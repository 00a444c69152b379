"""A stand-in for NCCL in one process, to test the 'nccl' backend without GPUs.

``LoopbackWorld(W)`` plays W ranks, each driven by its own thread;
``world.communicator(rank)`` has the call signatures of CuPy's
``cupy.cuda.nccl.NcclCommunicator`` (raw addresses, element counts, NCCL
datatype and op constants, a stream) and really reads and writes memory at
those addresses, so a wrong address, count or datatype in the backend shows up
as a wrong result. ``constants`` has the names of ``cupy.cuda.nccl``'s constants.
"""
import ctypes
import threading
import types

import numpy as np

constants = types.SimpleNamespace(
    NCCL_INT8=0, NCCL_UINT8=1, NCCL_INT32=2, NCCL_UINT32=3, NCCL_INT64=4, NCCL_UINT64=5,
    NCCL_FLOAT16=6, NCCL_FLOAT32=7, NCCL_FLOAT64=8,
    NCCL_SUM=0, NCCL_PROD=1, NCCL_MAX=2, NCCL_MIN=3)
_DTYPES = {0: np.int8, 1: np.uint8, 2: np.int32, 3: np.uint32, 4: np.int64, 5: np.uint64,
           6: np.float16, 7: np.float32, 8: np.float64}
_REDUCTIONS = {0: np.sum, 1: np.prod, 2: np.max, 3: np.min}


def _memory(address, count, datatype):
    """The ``count`` elements of ``datatype`` at ``address``, as a writable NumPy view."""
    dtype = np.dtype(_DTYPES[datatype])
    raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(address)
    return np.frombuffer(raw, dtype=dtype)


class LoopbackWorld:
    def __init__(self, world_size):
        self.world_size = world_size
        self._barrier = threading.Barrier(world_size, timeout=20)
        self._slots = [None] * world_size
        self.calls = []  # (rank, call name, count, datatype) as the backend made them

    def communicator(self, rank):
        return _Communicator(self, rank)

    def _exchange(self, rank, value):
        """Every rank's ``value``, once all ranks have handed theirs in."""
        self._slots[rank] = value
        self._barrier.wait()
        everyone = list(self._slots)
        self._barrier.wait()
        return everyone


class _Communicator:
    def __init__(self, world, rank):
        self.world, self.rank = world, rank

    def _log(self, name, count, datatype):
        self.world.calls.append((self.rank, name, count, datatype))

    def allReduce(self, sendbuf, recvbuf, count, datatype, op, stream):
        self._log("allReduce", count, datatype)
        everyone = self.world._exchange(self.rank, _memory(sendbuf, count, datatype).copy())
        _memory(recvbuf, count, datatype)[:] = _REDUCTIONS[op](np.stack(everyone), axis=0)

    def bcast(self, buff, count, datatype, root, stream):
        self._log("bcast", count, datatype)
        everyone = self.world._exchange(self.rank, _memory(buff, count, datatype).copy())
        _memory(buff, count, datatype)[:] = everyone[root]

    def allGather(self, sendbuf, recvbuf, count, datatype, stream):
        self._log("allGather", count, datatype)
        everyone = self.world._exchange(self.rank, _memory(sendbuf, count, datatype).copy())
        _memory(recvbuf, count * self.world.world_size, datatype)[:] = np.concatenate(everyone)

    def reduceScatter(self, sendbuf, recvbuf, recvcount, datatype, op, stream):
        self._log("reduceScatter", recvcount, datatype)
        size = recvcount * self.world.world_size
        everyone = self.world._exchange(self.rank, _memory(sendbuf, size, datatype).copy())
        reduced = _REDUCTIONS[op](np.stack(everyone), axis=0)
        _memory(recvbuf, recvcount, datatype)[:] = reduced[self.rank * recvcount:(self.rank + 1) * recvcount]


def run_ranks_in_threads(world_size, function):
    """``function(rank, communicator)`` on ``world_size`` threads; re-raises the first error."""
    world = LoopbackWorld(world_size)
    errors = [None] * world_size

    def run(rank):
        try:
            function(rank, world.communicator(rank))
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            errors[rank] = error
            world._barrier.abort()
    threads = [threading.Thread(target=run, args=(rank,)) for rank in range(world_size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for error in errors:
        if error is not None and not isinstance(error, threading.BrokenBarrierError):
            raise error
    for error in errors:
        if error is not None:
            raise error
    return world
