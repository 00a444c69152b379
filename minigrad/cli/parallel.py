"""Data-parallel ``minigrad train``: under ``mpiexec -n N``, or launched through it by
``--nproc N``.

``mpiexec -n 2 minigrad train ...`` starts the command twice. Each process
finds its rank and the number of processes in the variables MPI's launcher
sets (``PMI_RANK``/``PMI_SIZE`` for MPICH's Hydra, ``OMPI_COMM_WORLD_RANK``/
``OMPI_COMM_WORLD_SIZE`` for Open MPI, ...), joins the process group
(``minigrad.distributed.init_process_group("mpi")``), wraps the model in
``DistributedDataParallel`` and reads its own share of every epoch through a
``DistributedSampler``: ``--batch-size`` is per process, so a step trains on
N × batch-size samples. Only rank 0 prints, saves checkpoints and draws.

``minigrad train --nproc N`` runs exactly that command for the user: it
starts ``mpiexec -n N python -m minigrad train ...`` (the ``mpiexec`` next to
this Python, else the one on PATH) and returns its exit code.
"""
import importlib.util
import os
import shutil
import subprocess
import sys

from .errors import UsageError

INSTALL_HINT = 'pip install "minigrad[distributed]"'

# Set by ``--nproc`` for its ranks when its own stderr is a terminal: mpiexec hands the
# ranks pipes, so without it they could not tell that a progress bar would be seen.
TERMINAL_VARIABLE = "MINIGRAD_STDERR_IS_TERMINAL"

# (rank variable, size variable) of the launchers that start MPI programs.
LAUNCHER_VARIABLES = (("PMI_RANK", "PMI_SIZE"),                            # MPICH, Intel MPI
                      ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),    # Open MPI
                      ("MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE"),      # MVAPICH2
                      ("PMIX_RANK", "PMIX_SIZE"))


def launched_world_size(environ=None):
    """The number of processes an MPI launcher started this one among, from the
    environment (1 when it was not started by one)."""
    environ = os.environ if environ is None else environ
    for rank_variable, size_variable in LAUNCHER_VARIABLES:
        if rank_variable in environ and size_variable in environ:
            return int(environ[size_variable])
    return 1


def check_mpi4py():
    """Refuse, with the command that installs it, a parallel run without mpi4py."""
    if importlib.util.find_spec("mpi4py") is None:
        raise UsageError(f"data-parallel training runs on MPI through mpi4py, which is not "
                         f"installed: {INSTALL_HINT}")


def find_mpiexec():
    """The ``mpiexec`` installed next to this Python (a virtual environment's, as the
    ``mpich`` wheel puts it there), else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec")
    if found is None:
        raise UsageError(f"--nproc starts the processes with mpiexec, which was found neither "
                         f"next to {sys.executable} nor on PATH: {INSTALL_HINT}")
    return found


def without_nproc(argv):
    """``argv`` with its ``--nproc N`` (or ``--nproc=N``) taken out."""
    kept, skip = [], False
    for argument in argv:
        if skip:
            skip = False
        elif argument == "--nproc":
            skip = True
        elif not argument.startswith("--nproc="):
            kept.append(argument)
    return kept


def relaunch(nproc, argv):
    """Run this ``minigrad`` command (``argv``, without ``--nproc``) on ``nproc`` processes
    through ``mpiexec``; return its exit code."""
    check_mpi4py()
    if launched_world_size() > 1:
        raise UsageError("--nproc launches the processes itself; under mpiexec leave it out")
    command = [find_mpiexec(), "-n", str(nproc), sys.executable, "-m", "minigrad",
               *without_nproc(argv)]
    environ = dict(os.environ)
    if sys.stderr.isatty():
        environ[TERMINAL_VARIABLE] = "1"
    try:
        return subprocess.call(command, env=environ)
    except KeyboardInterrupt:
        return 130


def stderr_is_terminal():
    """Whether stderr reaches a terminal, directly or through ``--nproc``'s mpiexec."""
    return sys.stderr.isatty() or os.environ.get(TERMINAL_VARIABLE) == "1"


def join_process_group():
    """Join the MPI process group this process was launched into; return (rank, world size)."""
    check_mpi4py()
    from .. import distributed
    if not distributed.is_initialized():
        distributed.init_process_group(backend="mpi")
    return distributed.get_rank(), distributed.get_world_size()


def mean_over_ranks(value):
    """The mean of a float over all ranks (every rank gets it)."""
    from .. import distributed
    from ..creation import tensor
    from ..dtypes import float64
    total = tensor([float(value)], dtype=float64)
    distributed.all_reduce(total)
    return total.item() / distributed.get_world_size()
