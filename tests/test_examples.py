"""Every script in examples/ runs in smoke mode, writes its figure, and shows its claim.

Each example's ``main(argv)`` is imported and called in-process with
``--smoke`` (a budget of a second or two) from an empty temporary folder, where
it must write its figure and nothing else: the repository, its tracked figures
included, is left as it was. It returns the numbers it printed. Where the claim's direction already shows
on the smoke budget, the test asserts it (momentum needs fewer steps than
gradient descent in the ravine; AdaGrad recovers from a shift more slowly
than RMSprop; Adam+L2 and AdamW shrink weights as the tutorials measured;
AMSGrad moves towards -1 while Adam stays near +1; clipping keeps the
exploding RNN finite; ...). Where it does not (the large-batch and Adam → SGD
claims need the full budget and are weak even then), the test checks that
the run produced sane numbers. One example also runs as a script through a
subprocess, with ``--help`` and a refused ``--device cuda``.
"""
import copy
import importlib
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

pytest.importorskip("matplotlib", reason="the examples draw their figures with matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCRIPTS = sorted(path.stem for path in EXAMPLES.glob("*.py") if not path.stem.startswith("_"))


def git_status():
    """``git status --porcelain`` of the repository (None outside a git checkout)."""
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=EXAMPLES.parent, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


# (example, options) -> the numbers of a run of it that passed run_example's checks
_RESULTS = {}


@pytest.fixture
def run_example(tmp_path, monkeypatch):
    """``run_example(name, *options)``: the example's main() in smoke mode, run from an empty
    current directory as a user would; checks the PNG it writes there, and that the run
    changed nothing in the repository (its tracked figures included). A test that uses it
    runs an example and ``git status``: it is marked slow.

    ``reuse=True``: the numbers of a run of the same example with the same options that an
    earlier test of this session made and checked, if there was one (a copy), instead of
    running it again; an example's numbers depend on its options alone."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.chdir(tmp_path)
    threads = mg.get_num_threads()

    def run(name, *options, reuse=False):
        if reuse and (name, options) in _RESULTS:
            return copy.deepcopy(_RESULTS[name, options])
        module = importlib.import_module(name)
        before = git_status()
        try:
            results = module.main(["--smoke", *options])
            assert mg.get_num_threads() == 1  # the examples' default: the same numbers everywhere
        finally:
            mg.set_num_threads(threads)
        assert git_status() == before, f"{name} changed files in the repository"
        assert [path.name for path in tmp_path.iterdir()] == [f"{name}.png"]
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data[:8] == PNG_SIGNATURE, f"{name} did not write a PNG"
        assert len(data) > 10_000, f"{name}'s figure is suspiciously small ({len(data)} bytes)"
        _RESULTS[name, options] = copy.deepcopy(results)
        return results

    return run


def test_every_example_has_a_test_and_a_line_in_the_readme():
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    assert set(SCRIPTS) <= tested, f"examples without a test: {set(SCRIPTS) - tested}"
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    missing = [name for name in SCRIPTS if f"{name}.py" not in readme]
    assert not missing, f"examples missing from examples/README.md: {missing}"


def test_every_committed_figure_belongs_to_an_example():
    figures = {path.stem for path in (EXAMPLES / "figures").glob("*.png")}
    assert figures == set(SCRIPTS)
    for name in figures:
        assert (EXAMPLES / "figures" / f"{name}.png").read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.slow
def test_momentum_ravine(run_example):
    results = run_example("momentum_ravine")
    gd, heavy_ball, nesterov = (results[name] for name in results)
    assert heavy_ball["steps"] < gd["steps"] / 2
    assert nesterov["steps"] < gd["steps"] / 2
    assert gd["flips"] == gd["steps"]            # plain GD zig-zags across the valley on every step
    assert heavy_ball["flips"] < heavy_ball["steps"]


@pytest.mark.slow
def test_adagrad_vs_rmsprop(run_example):
    results = run_example("adagrad_vs_rmsprop")
    adagrad, rmsprop = results["Adagrad (lr 0.1)"], results["RMSprop (lr 0.01)"]
    assert adagrad[-1] > adagrad[0]              # the longer AdaGrad ran, the slower it recovers
    assert adagrad[-1] > 2 * rmsprop[-1]
    assert rmsprop[-1] < 1.5 * rmsprop[0]        # RMSprop's recovery does not grow


@pytest.mark.slow
def test_adam_l2_vs_adamw(run_example):
    results = run_example("adam_l2_vs_adamw")
    start = np.array([1.0, 10.0, 100.0])
    for decay in (0.1, 0.001):                   # the tutorials' numbers, for both λ
        np.testing.assert_allclose(results["adam_l2"][decay], [0.224, 9.017, 99.002], atol=1e-3)
        np.testing.assert_allclose(results["adamw"][decay], start * (1 - 0.01 * decay) ** 100,
                                   rtol=1e-9)
    adam_l2, adamw = results["shrinkage"]["Adam+L2"], results["shrinkage"]["AdamW"]
    assert adam_l2[0] == pytest.approx(0.9536, abs=2e-3)   # ridge regression's shrinkage
    assert adamw[0] > adam_l2[0] + 0.01                    # decoupled decay shrinks differently


@pytest.mark.slow
def test_amsgrad_reddi(run_example):
    results = run_example("amsgrad_reddi")
    adam, amsgrad = results["final"]["Adam"], results["final"]["AMSGrad"]
    assert adam > 0.9                            # Adam sits at the worst point
    assert amsgrad < adam - 0.05
    history = results["history"]["AMSGrad"]
    assert history[-1] < history[len(history) // 2]   # and AMSGrad keeps moving towards -1


@pytest.mark.slow
def test_gradient_clipping(run_example):
    results = run_example("gradient_clipping")
    for task in ("chain", "rnn"):
        assert not math.isfinite(results[f"{task}/no clipping"]["losses"][-1])
        assert np.all(np.isfinite(results[f"{task}/clip_grad_norm_ 1.0"]["losses"]))
    assert results["chain/clip_grad_norm_ 1.0"]["w"] == pytest.approx(1.0007, abs=1e-3)
    rnn_losses = results["rnn/clip_grad_norm_ 1.0"]["losses"]
    assert rnn_losses[-1] < rnn_losses[0] / 10


@pytest.mark.slow
def test_lr_schedules(run_example):
    results = run_example("lr_schedules")
    constant = results["constant"]["final"]
    assert results["warm-up + cosine"]["final"] < constant / 2
    assert results["one-cycle"]["final"] < constant / 2
    momenta = results["one-cycle"]["momenta"]   # one-cycle cycles momentum against the lr
    assert momenta[0] == pytest.approx(0.95) and min(momenta) == pytest.approx(0.85, abs=1e-3)


@pytest.mark.slow
def test_adam_to_sgd(run_example):
    results = run_example("adam_to_sgd")
    for result in results.values():
        assert np.all((0 <= result["accuracies"]) & (result["accuracies"] <= 1))
    # The step-matched lr makes SGD diverge right after the switch (the honest finding);
    # switching at SGD's own lr keeps the loss near where Adam left it.
    assert results["Adam → SGD, matched lr"]["losses"][-1] > 10 * results["Adam"]["losses"][-1]
    assert results["Adam → SGD, SGD's lr"]["losses"][-1] < 1.2 * results["Adam"]["losses"][-1]


@pytest.mark.slow
def test_sharpness(run_example):
    results = run_example("sharpness")
    assert results["Adam"]["sharpness"] > results["SGD"]["sharpness"] > 0


def test_sharpness_power_iteration_finds_the_top_eigenvalue(monkeypatch):
    """On a quadratic ½ θᵀAθ the Hessian is A: power iteration on HVPs finds its λ_max."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    sharpness = importlib.import_module("sharpness")
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    matrix = basis @ np.diag([9.0, 4.0, 2.0, 1.0, 0.5, -3.0]) @ basis.T
    theta = mg.tensor(rng.standard_normal(6), requires_grad=True)
    loss = 0.5 * (theta * (mg.tensor(matrix) @ theta)).sum()
    estimates = sharpness.largest_hessian_eigenvalue(loss, [theta], iterations=60, seed=0)
    assert estimates[-1] == pytest.approx(9.0, rel=1e-6)


@pytest.mark.slow
def test_large_batch(run_example):
    results = run_example("large_batch")
    assert set(results) == {"SGD", "LARS", "Adam", "LAMB"}
    for cells in results.values():
        for mean, std in cells:
            assert 0 <= mean <= 1 and std >= 0


@pytest.mark.slow
def test_large_batch_rejects_an_unknown_optimizer(run_example):
    with pytest.raises(SystemExit, match="--base-lr takes NAME=VALUE"):
        run_example("large_batch", "--base-lr", "Adagrad=0.1")


@pytest.mark.slow
def test_landscape_tour(run_example):
    from minigrad import viz
    results = run_example("landscape_tour")
    for (name, optimizer), result in results.items():
        function = viz.get_function(name)
        assert not result["diverged"], (name, optimizer)
        assert result["value"] < function.value(function.start), (name, optimizer)


@pytest.mark.slow
def test_optimizer_zoo(run_example):
    results = run_example("optimizer_zoo")
    # At the defaults Adam is ahead of SGD (the tutorials' claim); tuned, SGD closes the gap.
    assert results["Adam"]["default_curve"][-1] < results["SGD"]["default_curve"][-1] - 0.1
    assert results["SGD"]["best_curve"][-1] < results["SGD"]["default_curve"][-1]


@pytest.mark.slow
def test_mlp_classifier(run_example):
    histories = run_example("mlp_classifier")
    mlp = histories["MLP 2-64-64-2"]
    assert mlp["loss"][-1] < mlp["loss"][0]
    assert all(0 <= value <= 1 for value in mlp["train"] + mlp["test"])


@pytest.mark.slow
def test_sine_forecasting(run_example):
    results = run_example("sine_forecasting")
    assert results["train_losses"][-1] < results["train_losses"][0]
    assert math.isfinite(results["test_mse"]) and math.isfinite(results["free_run_mse"])


@pytest.mark.slow
def test_char_language_model(run_example):
    results = run_example("char_language_model")
    assert results["losses"][0] == pytest.approx(results["uniform"], rel=0.1)  # starts as a guess
    assert results["losses"][-1] < 0.8 * results["losses"][0]
    assert results["after"].startswith("Beautiful ")
    assert len(results["after"]) == len("Beautiful ") + 80


@pytest.mark.slow
def test_char_gpt(run_example):
    results = run_example("char_gpt")
    history = results["history"]
    assert history["step"] == [0, 6]
    assert history["val"][0] == pytest.approx(np.log(65), rel=0.02)  # starts as a uniform guess
    assert history["train"][-1] < history["train"][0]
    assert results["sample"].startswith("ROMEO:") and len(results["sample"]) == len("ROMEO:") + 40
    attention = results["attention"]                                 # rows sum to 1, no future
    np.testing.assert_allclose(attention.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(np.triu(attention, 1) == 0)


@pytest.mark.slow
def test_digits_cnn(run_example):
    results = run_example("digits_cnn", "--epochs", "3")
    assert len(results["accuracies"]) == 4 and results["parameters"] == 6090
    assert results["accuracies"][-1] > 0.85                          # 97 % takes a few more epochs
    assert results["filters"].shape == (16, 3, 3)


@pytest.mark.slow
def test_an_example_runs_as_a_script(tmp_path):
    script = EXAMPLES / "adam_l2_vs_adamw.py"
    environment = dict(os.environ, MPLBACKEND="Agg")
    helped = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                            env=environment, timeout=120)
    assert helped.returncode == 0 and "L2 inside Adam is not weight decay" in helped.stdout
    ran = subprocess.run([sys.executable, str(script), "--smoke", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=environment, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "the claim held" in ran.stdout
    assert (tmp_path / "adam_l2_vs_adamw.png").read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.slow
def test_without_matplotlib_an_example_says_what_to_install(tmp_path):
    """After ``pip install -e .`` (no matplotlib) an example explains itself in one line."""
    script = EXAMPLES / "landscape_tour.py"
    blocked = ("import runpy, sys; sys.modules['matplotlib'] = None; "
               f"sys.argv = [{str(script)!r}, '--smoke']; sys.path.insert(0, {str(EXAMPLES)!r}); "
               f"runpy.run_path({str(script)!r}, run_name='__main__')")
    ran = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert ran.returncode == 1 and ran.stdout == ""
    assert ran.stderr == ("landscape_tour.py: the examples draw their figures with matplotlib, "
                          'which is not installed: pip install "minigrad[plot]"\n')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(mg.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_device_cuda_without_a_gpu_is_refused(run_example, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_example("amsgrad_reddi", "--device", "cuda")
    assert exit_info.value.code == 2
    assert "no CUDA device is available" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not mg.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", SCRIPTS)
def test_every_example_runs_on_cuda(run_example, name):
    run_example(name, "--device", "cuda")


@pytest.mark.parametrize("name, option, value", [
    ("amsgrad_reddi", "--seed", "-1"), ("amsgrad_reddi", "--threads", "0"),
    ("amsgrad_reddi", "--steps", "0"), ("large_batch", "--runs", "0"),
    ("large_batch", "--runs", "-2"), ("mlp_classifier", "--lr", "inf"),
    ("char_language_model", "--temperature", "-1"), ("sharpness", "--runs", "abc"),
])
def test_a_bad_option_of_an_example_is_one_line(monkeypatch, capsys, name, option, value):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    with pytest.raises(SystemExit) as exit_info:
        importlib.import_module(name).main(["--smoke", option, value])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"{name}.py: error: argument {option}: expected a "), error


def assert_same_numbers(compiled, eager, where="the results"):
    """``compiled`` equals ``eager`` exactly: the same keys, the same floats and arrays bit for bit
    (a NaN equals a NaN at the same place)."""
    assert type(compiled) is type(eager), where
    if isinstance(eager, dict):
        assert compiled.keys() == eager.keys(), where
        for key in eager:
            assert_same_numbers(compiled[key], eager[key], f"{where}[{key!r}]")
    elif isinstance(eager, (list, tuple)):
        assert len(compiled) == len(eager), where
        for index, (a, b) in enumerate(zip(compiled, eager)):
            assert_same_numbers(a, b, f"{where}[{index}]")
    elif isinstance(eager, np.ndarray):
        assert compiled.dtype == eager.dtype, where
        np.testing.assert_array_equal(compiled, eager, err_msg=where, strict=True)
    elif isinstance(eager, float) and math.isnan(eager):
        assert math.isnan(compiled), where
    else:
        assert compiled == eager, where


# The examples with --compile, and the options of the runs compared: test_<name>'s own options
# (its eager run is then reused), or those of a shorter run where that costs less than reusing.
COMPILED_RUNS = {
    "mlp_classifier": (), "optimizer_zoo": (), "lr_schedules": (),
    "adam_to_sgd": ("--runs", "1", "--steps", "40"), "large_batch": (), "adam_l2_vs_adamw": (),
    "sine_forecasting": (), "digits_cnn": ("--epochs", "3"), "momentum_ravine": (),
    "sharpness": (), "gradient_clipping": (), "char_language_model": (), "char_gpt": ("--dropout", "0.1"),
}
WALL_TIMES = {"char_gpt": "seconds"}  # results that are a wall time, not numbers of the run


@pytest.mark.slow
@pytest.mark.parametrize("name", COMPILED_RUNS)
def test_compiled_training_gives_the_eager_numbers(run_example, monkeypatch, name):
    """``--compile`` wraps the example's training step in ``mg.compile``: the run's numbers are
    the eager run's, bit for bit."""
    eager = run_example(name, *COMPILED_RUNS[name], reuse=True)  # test_<name>'s run, if the same
    for path in Path.cwd().iterdir():
        path.unlink()  # run_example expects its own figure alone in the directory
    compiled_steps = []
    compile_function = mg.compile
    monkeypatch.setattr(mg, "compile", lambda step: compiled_steps.append(step) or
                        compile_function(step))
    compiled = run_example(name, *COMPILED_RUNS[name], "--compile")
    if name in WALL_TIMES:
        del compiled[WALL_TIMES[name]], eager[WALL_TIMES[name]]
    assert_same_numbers(compiled, eager)
    assert compiled_steps, f"{name} --compile did not call mg.compile"
