"""minigrad.distributed: collectives, DistributedDataParallel and ZeroRedundancyOptimizer.

The multi-process tests start ``mpiexec -n 2`` on a rank script from
tests/distributed_scripts/ (see mpi_helpers.py); the rest runs in this process.
"""
import time

import pytest

import minigrad as mg
import minigrad.distributed as dist
from mpi_helpers import run_ranks


@pytest.mark.slow
def test_collectives_agree_with_numpy_on_two_ranks():
    done = run_ranks("collectives.py")
    assert "rank 0 ok" in done.stdout and "rank 1 ok" in done.stdout


@pytest.mark.slow
def test_a_failing_rank_ends_the_job_with_an_error_naming_it():
    started = time.perf_counter()
    done = run_ranks("fault.py", timeout=30, expect_failure=True)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "rank 1 failed: ValueError: this rank's data loader broke" in output, output
    assert "without rank 1" not in output
    assert time.perf_counter() - started < 30


def test_init_process_group_names_the_extra_when_mpi4py_is_missing(monkeypatch):
    from minigrad.distributed import process_group
    monkeypatch.setattr(process_group, "is_available", lambda: False)
    with pytest.raises(ImportError, match=r'pip install "minigrad\[distributed\]"'):
        dist.init_process_group("mpi")


def test_collectives_need_an_initialized_process_group():
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="init_process_group"):
        dist.all_reduce(mg.ones(2))
    with pytest.raises(ValueError, match="init_process_group"):
        dist.get_rank()


def test_init_process_group_refuses_an_unknown_backend():
    with pytest.raises(ValueError, match="Invalid backend: 'gloo'"):
        dist.init_process_group("gloo")
