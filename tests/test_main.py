"""``python -m minigrad`` really trains: the loss falls and the spirals get separated."""
import re
import subprocess
import sys

from minigrad.__main__ import main, two_spirals


def test_two_spirals_are_balanced_and_seeded():
    x1, y1 = two_spirals(points_per_class=50, seed=3)
    x2, y2 = two_spirals(points_per_class=50, seed=3)
    assert x1.shape == (100, 2) and x1.dtype.name == "float32"
    assert (x1 == x2).all() and (y1 == y2).all()
    assert y1.sum() == 50


def test_main_job_trains_the_mlp(capsys):
    main(["--steps", "1500"])
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", out)]
    accuracy = float(re.search(r"accuracy (\d+\.\d+)%", out).group(1))
    assert losses[-1] < 0.5 * losses[0]
    assert accuracy >= 90.0


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "minigrad", "--steps", "20"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "final loss" in result.stdout
