"""Turn one rank's crash into the whole job's error, instead of a hang.

If rank 1 raises while rank 0 waits in an all-reduce for rank 1's data, rank 0
would wait forever. ``init_process_group`` installs ``sys.excepthook`` so
that an uncaught exception on any rank prints ``rank R failed: ...`` with its
traceback and calls ``MPI.COMM_WORLD.Abort``, which makes ``mpiexec`` end every
rank and exit with an error.
"""
import sys
import traceback

_previous_hook = None


def install(rank, comm):
    global _previous_hook

    def abort_on_uncaught_exception(kind, error, trace):
        message = "".join(traceback.format_exception(kind, error, trace))
        sys.stderr.write(f"rank {rank} failed: {kind.__name__}: {error}\n{message}")
        sys.stderr.flush()
        sys.stdout.flush()
        comm.Abort(1)
    if _previous_hook is None:
        _previous_hook = sys.excepthook
    sys.excepthook = abort_on_uncaught_exception


def uninstall():
    global _previous_hook
    if _previous_hook is not None:
        sys.excepthook = _previous_hook
        _previous_hook = None
