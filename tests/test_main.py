"""``python -m minigrad`` is the ``minigrad`` command; with no command it trains the default
model, and that model really learns the spirals."""
import re
import subprocess
import sys

import pytest

from minigrad.cli import _with_default_command, main


def test_no_command_means_train():
    assert _with_default_command([]) == ["train"]
    assert _with_default_command(["--epochs", "3"]) == ["train", "--epochs", "3"]
    assert _with_default_command(["compare"]) == ["compare"]
    assert _with_default_command(["--help"]) == ["--help"]


def test_the_default_job_learns_the_spirals(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r"^epoch +\d+/100  loss (\d+\.\d+)", out, re.M)]
    summary = out.strip().splitlines()[-1]
    match = re.fullmatch(r"final loss (\d+\.\d+) \| accuracy (\d+\.\d)% \| time \d+\.\d s \| "
                         r"4,482 parameters", summary)
    assert match, summary
    assert len(losses) == 11  # epoch 1, then every tenth of the run
    assert float(match.group(1)) < 0.2 * losses[0]
    assert float(match.group(2)) >= 95.0  # held-out points


@pytest.mark.slow
def test_module_entry_point_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "minigrad", "--epochs", "2", "--quiet"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("final loss ")
    assert result.stdout.count("\n") == 1
