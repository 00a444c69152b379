"""The benchmark scripts run (not timed: a smoke run at tiny sizes on the CPU and on
the strict stand-in device, so the GPU benchmark's code paths are exercised
without a GPU)."""
import runpy
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
    import os
    import subprocess
    script = BENCHMARKS / "gpu_session.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    environment = dict(os.environ, OUT=str(tmp_path),
                       PYTHONPATH=str(BENCHMARKS.parent))
    subprocess.run(["bash", str(script), "cli"], env=environment, check=True, timeout=120)
    summary = (tmp_path / "summary.txt").read_text()
    assert "cli: exit " in summary and (tmp_path / "cli.log").exists()
    assert (tmp_path / "machine.log").exists()


@pytest.mark.slow
def test_compile_benchmark_smoke_run(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setattr(sys, "argv", ["bench_compile.py", "--only", "chain", "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_compile.py"), run_name="__main__")
    output = capsys.readouterr().out
    assert "chain" in output and "c/PyTorch" in output
