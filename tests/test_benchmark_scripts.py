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
    monkeypatch.setattr(sys, "argv", ["bench_gpu.py", "--device", device, "--scale", "0.005",
                                      "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_gpu.py"), run_name="__main__")
    output = capsys.readouterr().out
    for line in ("MLP", "LSTM", "Adam step", "Adam floor"):
        assert line in output


@pytest.mark.slow
def test_compile_benchmark_smoke_run(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setattr(sys, "argv", ["bench_compile.py", "--only", "chain", "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_compile.py"), run_name="__main__")
    output = capsys.readouterr().out
    assert "chain" in output and "c/PyTorch" in output
