"""Data-parallel ``minigrad train``: the launcher's variables, ``--nproc``'s command and its
messages, and real two-process runs under mpiexec (slow: they start MPI).

The two-process run is checked against one process that takes, at every step, the two
ranks' batches together: the same parameters at the end (float32 precision)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.cli import parallel
from minigrad.cli.training import TrainingRun

from cli_helpers import run_main

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 240


@pytest.mark.parametrize("environ, size", [
    ({}, 1), ({"PMI_RANK": "1", "PMI_SIZE": "2"}, 2),
    ({"OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "4"}, 4),
    ({"PMI_RANK": "0"}, 1)])
def test_world_size_comes_from_the_launchers_variables(environ, size):
    assert parallel.launched_world_size(environ) == size


def test_nproc_is_taken_out_of_the_relaunched_command():
    assert parallel.without_nproc(["train", "--nproc", "2", "--epochs", "3", "--nproc=4"]) == [
        "train", "--epochs", "3"]


def test_nproc_runs_the_command_under_mpiexec(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(parallel.subprocess, "call",
                        lambda command, env: calls.append((command, env)) or 0)
    monkeypatch.setattr(parallel.sys.stderr, "isatty", lambda: True)
    code, _, _ = run_main(capsys, "train", "--epochs", "3", "--nproc", "2")
    (command, environ), = calls
    assert code == 0
    assert command == [parallel.find_mpiexec(), "-n", "2", sys.executable, "-m", "minigrad",
                       "train", "--epochs", "3"]
    assert environ[parallel.TERMINAL_VARIABLE] == "1"


def test_without_mpi4py_the_message_names_the_extra(monkeypatch, capsys):
    real_find_spec = parallel.importlib.util.find_spec
    monkeypatch.setattr(parallel.importlib.util, "find_spec",
                        lambda name: None if name == "mpi4py" else real_find_spec(name))
    code, out, err = run_main(capsys, "train", "--nproc", "2")
    assert code == 2 and out == ""
    assert 'pip install "minigrad[distributed]"' in err and "mpi4py" in err


def test_without_mpiexec_the_message_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(parallel.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run_main(capsys, "train", "--nproc", "2")
    assert code == 2 and "mpiexec" in err and 'pip install "minigrad[distributed]"' in err


def test_compile_is_refused_in_a_data_parallel_run(monkeypatch, capsys):
    # DDP's all-reduce runs from gradient hooks, which a recorded step can't replay.
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setenv("PMI_SIZE", "2")
    code, _, err = run_main(capsys, "train", "--data", "moons", "--epochs", "1", "--compile",
                            "--quiet")
    assert code == 2 and "--compile" in err and "without --compile" in err


def run_ranks(*args, cwd):
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    try:
        result = subprocess.run([*args], cwd=cwd, env=environ, capture_output=True, text=True,
                                timeout=TIMEOUT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{args} hung for {TIMEOUT} s; output:\n{error.stdout}\n{error.stderr}")
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


TRAINING = ["train", "--data", "moons", "--hidden", "8", "--epochs", "2", "--batch-size", "16",
            "--optimizer", "SGD", "--lr", "0.1", "--scheduler", "none", "--seed", "3"]


@pytest.mark.slow
def test_two_processes_train_as_one_process_on_both_batches(tmp_path):
    mpiexec = parallel.find_mpiexec()
    result = run_ranks(mpiexec, "-n", "2", sys.executable, "-m", "minigrad", *TRAINING,
                         "--save", "run.mg", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert "per process on 2 processes" in lines[0]
    assert sum(line.startswith("final loss") for line in lines) == 1  # rank 1 is silent
    saved = mg.load(tmp_path / "run.mg")

    # One process, one step per pair of batches: the mean of the two ranks' mean losses.
    config = {"model": "mlp", "data": "moons", "hidden": 8, "epochs": 2, "batch_size": 16,
              "optimizer": "SGD", "lr": 0.1, "scheduler": "none", "seed": 3}
    run = TrainingRun(config)
    samplers = [mg.data.DistributedSampler(run.dataset, 2, rank, seed=3) for rank in (0, 1)]
    for epoch in range(2):
        loaders = []
        for sampler in samplers:
            sampler.set_epoch(epoch)
            loaders.append(mg.data.DataLoader(run.dataset, batch_size=16, sampler=sampler))
        for (x0, y0), (x1, y1) in zip(*loaders):
            run.optimizer.zero_grad()
            loss = (run.task.loss(run.model(x0), y0) + run.task.loss(run.model(x1), y1)) / 2
            loss.backward()
            run.optimizer.step()
    assert saved["epoch"] == 2
    for name, value in run.model.state_dict().items():
        np.testing.assert_allclose(saved["model"][name].numpy(), value.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=name)


@pytest.mark.slow
def test_nproc_launches_the_same_run_and_it_resumes_exactly(tmp_path):
    whole = run_ranks(parallel.find_mpiexec(), "-n", "2", sys.executable, "-m", "minigrad",
                        *TRAINING, "--quiet", cwd=tmp_path)
    launch = [sys.executable, "-m", "minigrad"]
    run_ranks(*launch, *TRAINING, "--stop-after", "1", "--save", "half.mg", "--quiet",
                "--nproc", "2", cwd=tmp_path)
    resumed = run_ranks(*launch, "train", "--resume", "half.mg", "--quiet", "--nproc", "2",
                          cwd=tmp_path)
    summary = [line.split("| time")[0] for line in (whole.stdout, resumed.stdout)]
    assert summary[0] == summary[1] and summary[0].startswith("final loss")
