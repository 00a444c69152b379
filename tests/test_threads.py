"""The thread policy: ``mg.set_num_threads`` / ``mg.get_num_threads`` (as torch's), and the
``minigrad`` command printing the same numbers whatever the machine's thread settings.

The run below is one where the BLAS thread count changes the numbers: L-BFGS on the
character model (16,061 parameters) takes dot products longer than OpenBLAS's
threading threshold (10,000 elements), which two threads sum in two halves. Before
the command fixed its thread count, epoch 5 printed loss 0.0343 with one BLAS thread
and 0.0341 with two."""
import os
import re
import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info

import minigrad as mg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def blas_threads():
    return {library["num_threads"] for library in threadpool_info()
            if library["user_api"] == "blas"}


@pytest.fixture
def restore_threads():
    before = mg.get_num_threads()
    yield
    mg.set_num_threads(before)


def test_set_num_threads_sets_blas_and_get_num_threads_reads_it(restore_threads):
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1 and blas_threads() == {1}
    mg.set_num_threads(2)
    assert mg.get_num_threads() == 2 and blas_threads() == {2}


@pytest.mark.parametrize("value, message", [
    (0, "set_num_threads expects a positive integer"),
    (-1, "set_num_threads expects a positive integer"),
    (1.5, "set_num_threads expects an int, but got float"),
    ("2", "set_num_threads expects an int, but got str"),
    (True, "set_num_threads expects an int, but got bool"),
])
def test_set_num_threads_refuses_what_torch_refuses(value, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=re.escape(message)):
        torch.set_num_threads(value)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        mg.set_num_threads(value)


def run_with_blas_threads(threads, *args):
    environment = dict(os.environ, OMP_NUM_THREADS=str(threads),
                       OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                       PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True,
                            text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    return re.sub(r"time \d+\.\d s", "time", result.stdout)


@pytest.mark.slow
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 cores for 2 BLAS threads")
def test_the_command_prints_the_same_numbers_whatever_the_blas_threads():
    run = ["train", "--data", "chars", "--optimizer", "lbfgs", "--batch-size", "full",
           "--opt", "line_search_fn=strong_wolfe", "--scheduler", "none", "--epochs", "5"]
    one = run_with_blas_threads(1, *run)
    assert "epoch 5/5" in one
    assert run_with_blas_threads(2, *run) == one


def test_the_command_restores_the_callers_thread_count(restore_threads, capsys):
    from minigrad.cli import main
    mg.set_num_threads(2)
    assert main(["landscape", "--steps", "2", "--plot", "none", "--optimizers", "sgd"]) == 0
    assert mg.get_num_threads() == 2
