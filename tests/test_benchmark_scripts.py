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


def test_models_benchmark_smoke_run(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["bench_models.py", "--tiny", "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_models.py"), run_name="__main__")
    output = capsys.readouterr().out
    for line in ("cnn", "gpt", "mg/PyTorch", "BLAS threads"):
        assert line in output
