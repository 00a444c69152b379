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
    monkeypatch.setattr(sys, "argv", ["bench_gpu.py", "--device", device, "--scale", "0.005",
                                      "--rounds", "1"])
    runpy.run_path(str(BENCHMARKS / "bench_gpu.py"), run_name="__main__")
    output = capsys.readouterr().out
    for line in ("MLP", "LSTM", "Adam step", "Adam floor"):
        assert line in output


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
