"""What ``minigrad`` used to get wrong with some optimizers and without matplotlib.

- ``train --optimizer lbfgs`` diverged at its defaults (no line search, batches of 32)
  and then advised a smaller --lr or clipping; it now runs L-BFGS with the strong-Wolfe
  line search on the full batch, and a diverging L-BFGS run names what it lacks.
- ``--optimizer muon`` failed on the biases; it now uses Muon on the 2-D weights and
  AdamW on the rest (as PyTorch's documentation recommends) and says so.
- ``landscape`` and ``lr-find`` refused to run without matplotlib although no figure
  was asked for; the default figure is now skipped with a note, and a figure asked for
  names the extra to install.
"""
import re
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.cli.options import build_optimizer, describe_optimizer

from cli_helpers import run_main


def test_lbfgs_trains_at_the_defaults(capsys):
    code, out, err = run_main(capsys, "train", "--optimizer", "lbfgs")
    assert code == 0, err
    header = out.splitlines()[0]
    assert "(one batch of 400)" in header
    assert "LBFGS(lr=1, line_search_fn='strong_wolfe')" in header
    accuracy = float(re.search(r"accuracy (\d+\.\d)%", out.splitlines()[-1]).group(1))
    assert accuracy > 90


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_lbfgs_run_names_what_it_lacks(capsys):
    code, out, err = run_main(capsys, "train", "--optimizer", "lbfgs", "--opt",
                              "line_search_fn=None", "--batch-size", "32", "--stop-after", "10",
                              "--quiet")
    assert code == 1 and out.startswith("final loss nan")
    assert re.fullmatch(r"the loss diverged at epoch \d+: L-BFGS needs --opt "
                        r"line_search_fn=strong_wolfe and --batch-size full \(the defaults of "
                        r"minigrad train\)\n", err), err


def test_muon_optimizes_the_matrices_and_adamw_the_rest(capsys):
    code, out, err = run_main(capsys, "train", "--optimizer", "muon", "--epochs", "3")
    assert code == 0, err
    assert "Muon(lr=0.02) on the 2-D weights, AdamW(lr=0.01) on the rest" in out.splitlines()[0]
    model = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.ReLU(), mg.nn.Linear(4, 2))
    optimizer = build_optimizer("muon", model.parameters())
    assert [p.ndim for p in optimizer.muon.param_groups[0]["params"]] == [2, 2]
    assert [p.ndim for p in optimizer.adamw.param_groups[0]["params"]] == [1, 1]
    assert describe_optimizer(optimizer) == ("Muon(lr=0.02) on the 2-D weights, AdamW(lr=0.01) "
                                             "on the rest")
    model(mg.randn(5, 3)).sum().backward()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    optimizer.step()
    assert all(not np.array_equal(b, p.detach().numpy())
               for b, p in zip(before, model.parameters()))


def test_muon_runs_resume_and_schedule_like_any_optimizer(capsys, tmp_path):
    options = ["train", "--optimizer", "muon", "--epochs", "4", "--scheduler", "onecycle"]
    code, whole, err = run_main(capsys, *options)
    assert code == 0, err
    checkpoint = tmp_path / "run.ckpt"
    assert run_main(capsys, *options, "--stop-after", "2", "--save", checkpoint)[0] == 0
    code, resumed, err = run_main(capsys, "train", "--resume", checkpoint)
    assert code == 0, err
    summary = lambda text: text.splitlines()[-1].split("| time")[0]  # noqa: E731
    assert summary(resumed) == summary(whole)


def test_describe_optimizer_shows_what_differs_from_the_defaults():
    params = [mg.nn.Parameter(mg.zeros(2))]
    assert describe_optimizer(build_optimizer("adamw", params)) == "AdamW(lr=0.01)"
    assert describe_optimizer(build_optimizer("sgd", params, 0.1, {"momentum": 0.9})) == (
        "SGD(lr=0.1, momentum=0.9)")


@pytest.fixture
def no_matplotlib(monkeypatch):
    """matplotlib cannot be imported, as after ``pip install -e .``."""
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


@pytest.mark.parametrize("command", [["landscape", "--steps", "3", "--optimizers", "sgd"],
                                     ["lr-find", "--num-iter", "20"],
                                     ["compare", "--epochs", "1", "--optimizers", "sgd"]])
def test_without_matplotlib_the_default_figure_is_skipped_with_a_note(
        capsys, no_matplotlib, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, *command)
    assert code in (0, 1), err  # lr-find may find too few points to suggest a rate
    assert err.splitlines()[0] == ('no figure: the figure is drawn with matplotlib, which is not '
                                   'installed: pip install "minigrad[plot]"')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["landscape", "--steps", "3"], ["lr-find"],
                                     ["train", "--epochs", "1"], ["compare", "--epochs", "1"]])
def test_without_matplotlib_a_figure_asked_for_names_the_extra(capsys, no_matplotlib, tmp_path,
                                                               command):
    code, out, err = run_main(capsys, *command, "--plot", tmp_path / "figure.png")
    assert (code, out) == (2, "")
    assert err == (f"minigrad {command[0]}: error: --plot draws a figure with matplotlib, which "
                   'is not installed: pip install "minigrad[plot]"\n')
