"""The process group: which process this is (its rank) among how many (the world size).

``init_process_group(backend)`` must be called once by every process before
any collective. The processes are started by ``mpiexec -n W python train.py``
(or ``minigrad train --nproc W``); MPI numbers them 0 … W−1. The backend
decides how tensors travel: ``"mpi"`` for CPU tensors, ``"nccl"`` for CUDA
tensors (NCCL's communicator is set up over MPI: rank 0 creates NCCL's unique
id and broadcasts it).
"""
import importlib.util

_MISSING_MPI = ("minigrad.distributed needs mpi4py and an MPI library: "
                'pip install "minigrad[distributed]"')


class _Group:
    def __init__(self, backend, comm):
        self.backend = backend
        self.comm = comm  # the MPI communicator, also used to exchange Python objects
        self.rank = comm.Get_rank()
        self.world_size = comm.Get_size()


_default_group = None


def is_available():
    """True if the distributed package can be used (mpi4py is installed)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_initialized():
    """True once ``init_process_group`` has been called (and not destroyed since)."""
    return _default_group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the process group of the processes ``mpiexec`` started.

    ``backend`` is ``"mpi"`` (CPU tensors; the default) or ``"nccl"`` (CUDA
    tensors). The rank and world size come from ``MPI.COMM_WORLD``; if
    ``world_size`` or ``rank`` are given they must agree with it. Afterwards
    an uncaught exception on any rank ends every rank (``rank R failed: ...``).
    """
    global _default_group
    if _default_group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = "mpi" if backend is None else str(backend).lower()
    if backend not in ("mpi", "nccl"):
        raise ValueError(f"Invalid backend: '{backend}': minigrad supports 'mpi' (CPU tensors) "
                         "and 'nccl' (CUDA tensors)")
    if init_method is not None or store is not None:
        raise ValueError("init_method and store are not used: the processes find each other "
                         "through MPI (start them with mpiexec)")
    if not is_available():
        raise ImportError(_MISSING_MPI)
    if backend == "nccl":
        from .nccl_backend import check_available
        check_available()
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    if world_size not in (-1, comm.Get_size()):
        raise ValueError(f"world_size={world_size}, but mpiexec started {comm.Get_size()} processes")
    if rank not in (-1, comm.Get_rank()):
        raise ValueError(f"rank={rank}, but MPI gave this process rank {comm.Get_rank()}")
    if backend == "mpi":
        from .mpi_backend import MpiBackend
        transport = MpiBackend(comm)
    else:
        from .nccl_backend import NcclBackend
        transport = NcclBackend.over_mpi(comm)
    from . import fault_handler
    fault_handler.install(comm.Get_rank(), comm)
    _default_group = _Group(transport, comm)


def destroy_process_group(group=None):
    """Leave the process group (collectives are refused afterwards)."""
    global _default_group
    _check_group(group)
    from . import fault_handler
    fault_handler.uninstall()
    _default_group = None


def get_rank(group=None):
    """This process's rank, 0 … world size − 1."""
    return _check_group(group).rank


def get_world_size(group=None):
    """The number of processes in the group."""
    return _check_group(group).world_size


def get_backend(group=None):
    """The backend's name: ``"mpi"`` or ``"nccl"``."""
    return _check_group(group).backend.name


def _check_group(group=None):
    if group is not None and group is not _default_group:
        raise ValueError("only the default process group is supported (group=None)")
    if _default_group is None:
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return _default_group
