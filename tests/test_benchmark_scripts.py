"""The benchmark scripts run (not timed: a smoke run at tiny sizes on the CPU and on
the strict stand-in device, so the GPU benchmark's code paths are exercised
without a GPU; the distributed benchmark starts its own MPI ranks)."""
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_gpu_benchmark_smoke_run(device, capsys, monkeypatch):
    import torch
    for flags in (torch.backends.cuda.matmul, torch.backends.cudnn):  # restored afterwards
        monkeypatch.setattr(flags, "allow_tf32", True)
    monkeypatch.setattr(sys, "argv", ["bench_gpu.py", "--device", device, "--scale", "0.005",
                                      "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_gpu.py"), run_name="__main__")
    output = capsys.readouterr().out
    for line in ("MLP", "LSTM", "Adam step", "Adam floor"):
        assert line in output
    # PyTorch measured at float32 precision, as CuPy computes, not TF32.
    assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32


@pytest.mark.slow
def test_the_gpu_session_script_logs_each_step_and_its_exit_status(tmp_path):
    """The prepared GPU run (benchmarks/gpu_session.sh), one cheap step without a GPU:
    the step fails (no CUDA here) and the script still writes its log and the summary."""
    script = BENCHMARKS / "gpu_session.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    environment = dict(os.environ, OUT=str(tmp_path),
                       PYTHONPATH=str(BENCHMARKS.parent))
    subprocess.run(["bash", str(script), "cli"], env=environment, check=True, timeout=120)
    summary = (tmp_path / "summary.txt").read_text()
    assert "cli: exit " in summary and (tmp_path / "cli.log").exists()
    assert (tmp_path / "machine.log").exists()


@pytest.mark.slow
def test_distributed_benchmark_smoke_run():
    environ = {**os.environ, "PYTHONPATH": str(BENCHMARKS.parent)}
    result = subprocess.run([sys.executable, str(BENCHMARKS / "bench_distributed.py"),
                             "--sizes", "4096", "65536", "--repeats", "2", "--steps", "2"],
                            capture_output=True, text=True, timeout=300, env=environ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^ +4 KiB +[0-9.]+ µs", result.stdout, re.M), result.stdout
    rows = re.findall(r"^ +([12]) +(default|0\.25) +\d+ +[0-9.]+ ms +\d+ +[0-9.]+ ms +\d+%$",
                      result.stdout, re.M)
    assert sorted(rows) == [("1", "0.25"), ("1", "default"), ("2", "0.25"), ("2", "default")], (
        result.stdout)


@pytest.mark.slow
def test_compile_benchmark_smoke_run(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setattr(sys, "argv", ["bench_compile.py", "--only", "chain", "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_compile.py"), run_name="__main__")
    output = capsys.readouterr().out
    assert "chain" in output and "c/PyTorch" in output


def test_models_benchmark_smoke_run(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["bench_models.py", "--tiny", "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_models.py"), run_name="__main__")
    output = capsys.readouterr().out
    for line in ("cnn", "gpt", "mg/PyTorch", "BLAS threads"):
        assert line in output
