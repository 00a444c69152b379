"""Run a script under ``mpiexec -n W`` from a test, with a timeout.

The rank scripts live in tests/distributed_scripts/. A test fails with every
rank's output when a rank fails or the job does not finish in time.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "distributed_scripts"
REPOSITORY = Path(__file__).parent.parent


def find_mpiexec():
    """The ``mpiexec`` of this Python's environment (pip's mpich puts one there), else PATH's."""
    beside_python = Path(sys.prefix) / "bin" / "mpiexec"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("mpiexec")


def run_ranks(script, *arguments, nproc=2, timeout=60, expect_failure=False):
    """Run ``mpiexec -n nproc python script arguments...``; return its completed process.

    Fails the test (with the ranks' output) if the job exits non-zero, unless
    ``expect_failure``, or if it runs past ``timeout`` seconds.
    """
    pytest.importorskip("mpi4py")
    mpiexec = find_mpiexec()
    if mpiexec is None:
        pytest.skip("no mpiexec: pip install mpich")
    environment = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                       MKL_NUM_THREADS="1", PYTHONPATH=str(REPOSITORY))
    command = [mpiexec, "-n", str(nproc), sys.executable, str(SCRIPTS / script), *map(str, arguments)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=environment, cwd=REPOSITORY)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{' '.join(command)} did not finish in {timeout} s; its output:\n"
                    f"{_text(error.stdout)}\n{_text(error.stderr)}")
    if not expect_failure and done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited with {done.returncode}; its output:\n"
                    f"{done.stdout}\n{done.stderr}")
    return done


def _text(output):
    return output.decode(errors="replace") if isinstance(output, bytes) else (output or "")
