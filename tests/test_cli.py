"""The ``minigrad`` command line: what it prints, the files it writes, its exit codes and
its error messages. The commands run as a user runs them (``python -m minigrad ...`` in a
subprocess); option handling and the pairings of tasks, optimizers and schedulers are also
checked in-process through ``main()`` and the building blocks, which is quicker."""
import io
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.cli import main
from minigrad.cli.compare import steps_to_target
from minigrad.cli.options import (DEFAULT_LRS, build_optimizer, build_scheduler, find_scheduler,
                                  key_value, literal, optimizer_classes, scheduler_classes)
from minigrad.cli.training import TrainingRun, epoch_seed

from cli_helpers import run_main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUMMARY = re.compile(r"final loss (\d+\.\d{4}) \| (accuracy (\d+\.\d)%|r2 (-?\d+\.\d{4})) \| "
                     r"time \d+\.\d s \| ([\d,]+) parameters")


def minigrad(*args, cwd=None):
    result = subprocess.run([sys.executable, "-m", "minigrad", *map(str, args)], cwd=cwd,
                            capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout, result.stderr


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 10_000


# ---------------------------------------------------------------- train
@pytest.mark.slow
def test_train_prints_what_it_does_then_the_summary_line(tmp_path):
    code, out, err = minigrad("train", "--epochs", 3, "--plot", tmp_path / "curves.png")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ("mlp on spirals: 400 training samples (13 batches of 32), accuracy on 400 "
                        "held-out samples; 4,482 parameters; AdamW(lr=0.01) with WarmupCosineLR; "
                        "3 epochs")
    assert [line.split()[1] for line in lines[1:4]] == ["1/3", "2/3", "3/3"]
    assert SUMMARY.fullmatch(lines[-1]).group(5) == "4,482"
    assert err == ""  # stderr is not a terminal: no progress bar
    assert_png(tmp_path / "curves.png")


def test_quiet_prints_only_the_summary(capsys):
    code, out, _ = run_main(capsys, "train", "--epochs", 1, "--quiet", "--data", "sine")
    assert code == 0
    assert len(out.splitlines()) == 1 and SUMMARY.fullmatch(out.strip()).group(4)


def test_the_progress_bar_shows_loss_accuracy_and_lr(capsys, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["train", "--epochs", "2"]) == 0
    bar = terminal.getvalue()
    assert re.search(r"loss \d\.\d{4}, accuracy \d+\.\d%, lr [\d.e-]+", bar), bar
    assert "26/26" in bar or "100%" in bar


def test_same_seed_same_run_other_seed_other_run(capsys):
    first = run_main(capsys, "train", "--epochs", 2, "--seed", 3)[1]
    again = run_main(capsys, "train", "--epochs", 2, "--seed", 3)[1]
    other = run_main(capsys, "train", "--epochs", 2, "--seed", 4)[1]
    strip_time = lambda text: re.sub(r"time \d+\.\d s", "", text)  # noqa: E731
    assert strip_time(first) == strip_time(again) != strip_time(other)


@pytest.mark.slow
def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path):
    options = ["--optimizer", "adam", "--scheduler", "onecycle", "--epochs", 4,
               "--batch-size", 50]
    code, whole, err = minigrad("train", *options, "--save", tmp_path / "whole.ckpt")
    assert code == 0, err
    code, first_half, err = minigrad("train", *options, "--stop-after", 2,
                                     "--save", tmp_path / "half.ckpt")
    assert code == 0, err
    code, second_half, err = minigrad("train", "--resume", tmp_path / "half.ckpt",
                                      "--save", tmp_path / "half.ckpt")
    assert code == 0, err
    epoch_lines = lambda text: [l for l in text.splitlines() if l.startswith("epoch")]  # noqa
    assert epoch_lines(first_half) + epoch_lines(second_half) == epoch_lines(whole)
    assert "resuming after epoch 2" in second_half
    assert whole.splitlines()[-1].split("| time")[0] == second_half.splitlines()[-1].split(
        "| time")[0]
    uninterrupted, resumed = mg.load(tmp_path / "whole.ckpt"), mg.load(tmp_path / "half.ckpt")
    assert resumed["epoch"] == uninterrupted["epoch"] == 4
    assert resumed["history"] == uninterrupted["history"]  # every loss, metric and lr, exactly
    for name, weight in uninterrupted["model"].items():
        np.testing.assert_array_equal(resumed["model"][name].detach().numpy(), weight.detach().numpy())


def test_ctrl_c_keeps_the_last_checkpoint_and_says_how_to_go_on(capsys, tmp_path, monkeypatch):
    checkpoint = tmp_path / "run.ckpt"
    monkeypatch.setattr("minigrad.cli.train.SAVE_INTERVAL", 0.0)  # a checkpoint every epoch
    train_epoch = TrainingRun.train_epoch

    def interrupted_in_epoch_3(run, after_step=None):
        if run.epoch == 2:
            raise KeyboardInterrupt
        return train_epoch(run, after_step)

    monkeypatch.setattr(TrainingRun, "train_epoch", interrupted_in_epoch_3)
    code, _, err = run_main(capsys, "train", "--epochs", 4, "--quiet", "--save", checkpoint)
    assert code == 130
    assert err == (f"interrupted; the checkpoint after epoch 2 is in {checkpoint}: continue "
                   f"with --resume {checkpoint}\n")
    assert mg.load(checkpoint)["epoch"] == 2


def test_each_epoch_draws_from_its_own_seed():
    assert epoch_seed(0, 5) == epoch_seed(0, 5)
    assert len({epoch_seed(0, 0), epoch_seed(0, 1), epoch_seed(1, 0)}) == 3


def test_resume_refuses_to_change_the_run_and_reads_only_checkpoints(capsys, tmp_path):
    checkpoint = tmp_path / "run.ckpt"
    assert run_main(capsys, "train", "--epochs", 1, "--quiet", "--save", checkpoint)[0] == 0
    code, _, err = run_main(capsys, "train", "--resume", checkpoint, "--lr", 0.1, "--model", "gru")
    assert code == 2
    assert err == ("minigrad train: error: --resume continues the saved run with its own "
                   "settings; leave out --model, --lr\n")
    mg.save({"weight": mg.zeros(2)}, tmp_path / "other.ckpt")
    code, _, err = run_main(capsys, "train", "--resume", tmp_path / "other.ckpt")
    assert (code, err) == (2, "minigrad train: error: --resume: the file is not a checkpoint of "
                              "minigrad train\n")
    code, _, err = run_main(capsys, "train", "--resume", tmp_path / "missing.ckpt")
    assert code == 2 and "no such file" in err


def test_a_save_that_fails_leaves_no_partial_file(capsys, tmp_path, monkeypatch):
    code, _, err = run_main(capsys, "train", "--epochs", 1, "--save", tmp_path / "no" / "x.ckpt")
    assert code == 2 and "the directory" in err and "does not exist" in err
    assert not (tmp_path / "no").exists()
    checkpoint = tmp_path / "run.ckpt"
    assert run_main(capsys, "train", "--epochs", 1, "--quiet", "--save", checkpoint)[0] == 0
    before = checkpoint.read_bytes()

    def disk_full(file, **arrays):  # writes half a file, then fails like a full disk
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("minigrad.serialization.np.savez", disk_full)
    code, _, err = run_main(capsys, "train", "--epochs", 1, "--quiet", "--save", checkpoint)
    assert code == 1
    assert err.startswith("minigrad train: error: could not save the checkpoint to ")
    assert "No space left on device" in err
    assert checkpoint.read_bytes() == before  # the previous checkpoint is intact
    assert sorted(os.listdir(tmp_path)) == ["run.ckpt"]  # and no temporary file is left


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_a_diverging_run_says_so_with_exit_code_1(capsys):
    code, out, err = run_main(capsys, "train", "--optimizer", "sgd", "--lr", 1e6, "--epochs", 3,
                              "--scheduler", "none", "--quiet")
    assert code == 1
    assert out.startswith("final loss nan")
    assert "the loss diverged at epoch" in err


@pytest.mark.slow
@pytest.mark.parametrize("argv, message", [
    (["--optimizer", "adamx"], r"unknown optimizer 'adamx'; the optimizers in mg\.optim are: "
                               r"AdaBelief, .*AdamW, .*SGD, SGDScheduleFree, .*Yogi$"),
    (["--optimizer", "sgd", "--opt", "momentum=-0.5"], r"SGD: Invalid momentum value: -0\.5$"),
    (["--opt", "momentum"], r"argument --opt: expected key=value \(e\.g\. momentum=0\.9\), "
                            r"got 'momentum'$"),
    (["--device", "cuda"], r"--device cuda: no CUDA GPU is available"),
    (["--scheduler", "cosine"], r"unknown scheduler 'cosine'; choose none or one of: ConstantLR, "
                                r"CosineAnnealingLR, .*WarmupCosineLR$"),
    (["--batch-size", "many"], r"argument --batch-size: expected a positive integer or 'full', "
                               r"got 'many'$"),
], ids=["optimizer", "hyperparameter", "opt-syntax", "cuda", "scheduler", "batch-size"])
def test_bad_options_exit_2_with_one_line(argv, message, capsys):
    """``main()`` in-process; the refused ``--device cuda`` through ``python -m minigrad``,
    a fresh process that looks for CuPy and a GPU itself."""
    if argv[:2] == ["--device", "cuda"]:
        if mg.cuda.is_available():
            pytest.skip("a GPU is available here")
        code, out, err = minigrad("train", "--epochs", 1, *argv)
    else:
        code, out, err = run_main(capsys, "train", "--epochs", 1, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert re.match(r"minigrad train: error: " + message, err.strip()), err


@pytest.mark.parametrize("argv, message", [
    (["--opt", "betas=(0.9,"], "argument --opt: betas: '(0.9,' is not a Python literal"),
    (["--optimizer", "sgd", "--opt", "foo=1"], "SGD has no hyperparameter 'foo'; its "
                                               "hyperparameters are: lr, momentum, dampening"),
    (["--optimizer", "adam", "--opt", "betas=(0.9,1.5)"], "Adam: Invalid beta parameter at "
                                                          "index 1: 1.5"),
    (["--opt", "lr=1", "lr=2"], "--opt: lr is given twice"),
    (["--scheduler", "lambdalr"], "LambdaLR takes a Python function (lr_lambda), which a "
                                  "command line cannot give"),
    (["--scheduler", "linear", "--sched", "start_factor=2"], "LinearLR: Starting multiplicative "
                                                            "factor expected to be greater "
                                                            "than 0 and less or equal to 1."),
    (["--scheduler", "cosineannealinglr", "--sched", "T_0=3"], "CosineAnnealingLR has no "
                                                               "argument 'T_0'; its arguments "
                                                               "are: T_max, eta_min"),
    (["--sched", "T_max=3"], "--sched sets the arguments of the scheduler --scheduler names"),
    (["--scheduler", "none", "--sched", "T_max=3"], "--sched sets a scheduler's arguments, but "
                                                    "--scheduler is none"),
    (["--batch-size", "0"], "argument --batch-size: expected a positive integer or 'full'"),
    (["--lr", "-1"], "argument --lr: expected a positive number, got '-1'"),
    (["--model", "vgg"], "argument --model: invalid choice: 'vgg'"),
    (["--model", "cnn"], "--model cnn reads images: use --data digits (not spirals)"),
    (["--model", "gpt", "--data", "sine"], "--model gpt reads characters: use --data "
                                           "shakespeare or --data chars (not sine)"),
    (["--model", "gpt", "--data", "chars", "--hidden", "30"], "--model gpt: --hidden 30 is not "
                                                              "a multiple of its 4 heads"),
    (["--plot", "missing/dir/curves.png"], "--plot missing/dir/curves.png: the directory"),
    (["--optimizer", "lookahead", "--opt", "base=lookahead"], "Lookahead's base must be another"),
    (["--optimizer", "lookahead", "--opt", "k=0"], "Lookahead: Invalid k value: 0"),
])
def test_every_bad_option_names_the_problem(capsys, argv, message):
    code, out, err = run_main(capsys, "train", "--epochs", 1, *argv)
    assert code == 2 and out == ""
    assert err.startswith("minigrad train: error: " + message), err
    assert err.count("\n") == 1


def test_options_values_are_python_literals():
    assert literal("0.9") == 0.9 and literal("(0.9, 0.99)") == (0.9, 0.99)
    assert literal("True") is True and literal("false") is False and literal("None") is None
    assert literal("strong_wolfe") == "strong_wolfe" and literal("'cos'") == "cos"
    assert key_value("betas=(0.8,0.9)") == ("betas", (0.8, 0.9))
    assert key_value("nesterov = true") == ("nesterov", True)


# ---------------------------------------------------------------- tasks, optimizers, schedulers
@pytest.mark.parametrize("model", ["mlp", "rnn", "lstm", "gru"])
@pytest.mark.parametrize("data", ["spirals", "moons", "xor", "circles", "sine", "chars"])
def test_every_model_reads_every_data_set(model, data):
    run = TrainingRun({"model": model, "data": data, "hidden": 8, "epochs": 1,
                       "batch_size": 256})
    loss, metric = run.train_epoch()
    assert np.isfinite(loss)
    if data == "sine":
        assert run.task.metric_name == "r2" and metric <= 1.0
    else:
        assert run.task.metric_name == "accuracy" and 0.0 <= metric <= 1.0
    assert run.task.test_is_train == (data == "chars")


@pytest.mark.parametrize("model, data", [("mlp", "spirals"), ("gru", "chars"), ("lstm", "sine"),
                                         ("cnn", "digits"), ("gpt", "chars")])
def test_training_runs_on_every_device(device, model, data):
    # "strict" refuses implicit host conversions as CuPy does: what passes here runs on a GPU.
    run = TrainingRun({"model": model, "data": data, "hidden": 8, "epochs": 2,
                       "clip_grad_norm": 1.0, "batch_size": 128}, device=device)
    run.train_epoch()
    loss, _ = run.train_epoch()
    assert np.isfinite(loss) and str(next(run.model.parameters()).device).startswith(device)
    resumed = TrainingRun.from_checkpoint(run.checkpoint(), device=device)
    assert resumed.epoch == 2 and resumed.history == run.history


def test_digits_train():
    run = TrainingRun({"model": "gru", "data": "digits", "hidden": 16, "epochs": 1})
    assert run.task.train[0].shape[1:] == (8, 8) and run.task.outputs == 10
    assert np.isfinite(run.train_epoch()[0])


def test_the_cnn_reads_digit_images_and_learns_them():
    run = TrainingRun({"model": "cnn", "data": "digits", "epochs": 2})
    assert run.task.train[0].shape[1:] == (1, 8, 8) and run.parameter_count == 6090
    run.train_epoch()
    _, accuracy = run.train_epoch()
    assert accuracy > 0.8


def test_the_gpt_reads_shakespeare_in_windows_and_is_measured_on_the_held_out_text():
    # (an epoch of tiny Shakespeare takes minutes: the training loop is tested on "chars")
    run = TrainingRun({"model": "gpt", "data": "shakespeare", "hidden": 16})
    inputs, targets = run.task.train
    assert inputs.shape == (15685, 64) and not run.task.test_is_train
    test_inputs, test_targets = run.task.test
    assert test_inputs.shape == (1742, 64)             # the last 10 %, held out
    np.testing.assert_array_equal(inputs[0, 1:].numpy(), targets[0, :-1].numpy())
    assert run.config["epochs"] == 1 and run.model.context == 64 and run.config["hidden"] == 16
    assert TrainingRun({"model": "gpt", "data": "chars"}).config["hidden"] == 128
    with mg.no_grad():
        loss = run.task.loss(run.model(inputs[:8]), targets[:8]).item()
        accuracy = run.task.metric(run.model(test_inputs[:8]), test_targets[:8])
    assert loss == pytest.approx(np.log(65), rel=0.05) and 0.0 <= accuracy < 0.2


def test_each_data_set_has_its_default_length():
    assert TrainingRun({}).config["epochs"] == 100
    assert TrainingRun({"data": "sine"}).config["epochs"] == 20
    assert TrainingRun({"data": "sine", "epochs": 7}).config["epochs"] == 7


def test_batch_size_one_is_per_sample_and_full_is_one_step():
    assert TrainingRun({"batch_size": 1}).steps_per_epoch == 400
    assert TrainingRun({"batch_size": "full"}).steps_per_epoch == 1
    assert TrainingRun({"batch_size": 1000}).batch_size == 400


@pytest.mark.parametrize("name", sorted(optimizer_classes()))
def test_every_optimizer_trains_by_name_in_any_case(name):
    config = {"optimizer": name.upper(), "epochs": 1, "hidden": 8}
    if name == "LBFGS":
        config.update(opt={"max_iter": 3})
    run = TrainingRun(config)
    first = run.evaluate()
    loss, _ = run.train_epoch()
    if name == "Muon":  # Muon on the 2-D weights, AdamW on the biases (as torch advises)
        assert type(run.optimizer.muon).__name__ == "Muon"
        assert type(run.optimizer.adamw).__name__ == "AdamW"
    elif name == "SAM":  # SAM around Adam, whose step evaluates the closure at w first
        assert type(run.optimizer).__name__ == "SAMFromClosure"
        assert type(run.optimizer.base_optimizer).__name__ == "Adam"
    else:
        assert type(run.optimizer).__name__ == name
    assert np.isfinite(loss)
    assert isinstance(first, float)


def test_learning_rates_default_per_optimizer_and_lookahead_wraps_its_base():
    params = [mg.zeros(2, requires_grad=True)]
    assert build_optimizer("rmsprop", params).defaults["lr"] == DEFAULT_LRS["RMSprop"]
    assert build_optimizer("adafactor", params).defaults["lr"] == 0.01  # the class default
    lookahead = build_optimizer("Lookahead", params, 0.05, {"base": "sgd", "momentum": 0.9,
                                                            "k": 3})
    assert type(lookahead.base_optimizer).__name__ == "SGD" and lookahead.k == 3
    assert lookahead.param_groups[0]["lr"] == 0.05
    assert lookahead.param_groups[0]["momentum"] == 0.9


def test_scheduler_defaults_come_from_the_run_length():
    def make(name, **arguments):
        optimizer = mg.optim.SGD([mg.zeros(2, requires_grad=True)], lr=0.1)
        return build_scheduler(name, optimizer, 1000, arguments)

    assert make("CosineAnnealingLR").T_max == 1000
    assert make("cosine-annealing", T_max=10).T_max == 10
    assert make("OneCycle").total_steps == 1000 and make("onecyclelr").cycle_momentum is False
    assert make("StepLR").step_size == 333
    assert make("MultiStepLR").milestones == {500: 1, 750: 1}
    assert make("ExponentialLR").gamma ** 1000 == pytest.approx(0.01)
    assert make("warmup-cosine").warmup_steps == 50
    cyclic = make("CyclicLR")
    assert (cyclic.max_lrs, cyclic.base_lrs) == ([0.1], [pytest.approx(0.01)])
    assert find_scheduler("none") is None


@pytest.mark.parametrize("name", sorted(set(scheduler_classes()) - {
    "LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler"}))
def test_every_scheduler_runs_a_training_epoch(name):
    run = TrainingRun({"scheduler": name, "epochs": 2, "hidden": 8})
    run.train_epoch()
    run.train_epoch()
    assert len(run.history["lr"]) == 2 * run.steps_per_epoch
    if name != "ReduceLROnPlateau":  # which waits 10 epochs for the loss to stop falling
        assert len(set(run.history["lr"])) > 1  # the lr moved


# ---------------------------------------------------------------- compare
@pytest.mark.slow
def test_compare_prints_a_row_per_optimizer_and_overlays_the_curves(tmp_path):
    code, out, err = minigrad("compare", "--optimizers", "sgd", "adam", "rmsprop:0.01",
                              "--epochs", 3, "--target-loss", 0.69, cwd=tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "mlp on spirals, 3 epochs of 13 steps, seed 0"
    assert lines[1].split() == ["optimizer", "lr", "final", "loss", "accuracy", "steps", "to",
                                "loss", "0.69", "time"]
    rows = {line.split()[0]: line.split() for line in lines[2:5]}
    assert list(rows) == ["SGD", "Adam", "RMSprop"]
    assert [rows[name][1] for name in rows] == ["0.3", "0.01", "0.01"]
    for row in rows.values():
        assert float(row[2]) > 0 and row[3].endswith("%")
        assert row[4] == "-" or int(row[4]) % 13 == 0  # counted at the end of an epoch
    assert rows["Adam"][4] in ("13", "26", "39")  # Adam gets below 0.69 within 3 epochs
    assert lines[5] == "loss curves: compare.png"
    assert_png(tmp_path / "compare.png")


def test_steps_to_target_count_whole_epochs():
    assert steps_to_target([0.9, 0.5, 0.3], 0.5, steps_per_epoch=13) == 26
    assert steps_to_target([0.9, 0.6], 0.5, steps_per_epoch=13) is None


def test_compare_refuses_unknown_optimizers_and_bad_rates(capsys):
    code, _, err = run_main(capsys, "compare", "--optimizers", "sgd", "rocket")
    assert code == 2 and "unknown optimizer 'rocket'" in err and "or a preset: sgd, momentum" in err
    code, _, err = run_main(capsys, "compare", "--optimizers", "adam:fast")
    assert code == 2 and "expected NAME or NAME:LR, got 'adam:fast'" in err


# ---------------------------------------------------------------- landscape
@pytest.mark.slow
def test_landscape_draws_the_paths_still_and_animated(tmp_path):
    code, out, err = minigrad("landscape", "--function", "Himmelblau", "--optimizers", "sgd",
                              "adam", "lbfgs", "--steps", 20, "--plot", tmp_path / "h.png",
                              "--gif", tmp_path / "h.gif")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("himmelblau: f = (x² + y − 11)² + (x + y² − 7)²; minima at "
                               "(3, 2), (-2.80512, 3.13131)")
    rows = [line.split() for line in lines[2:5]]
    assert [row[0] for row in rows] == ["SGD", "Adam", "LBFGS"]
    assert all(float(row[4]) < 170 for row in rows)  # f(0, -0.5) = 166.3: all went downhill
    assert_png(tmp_path / "h.png")
    assert (tmp_path / "h.gif").read_bytes()[:6] == b"GIF89a"


def test_landscape_rejects_unknown_functions(capsys):
    code, _, err = run_main(capsys, "landscape", "--function", "banana", "--plot", "none")
    assert code == 2
    assert "--function: unknown test function 'banana'; choose one of: rosenbrock" in err


# ---------------------------------------------------------------- lr-find
@pytest.mark.slow
def test_lr_find_suggests_a_rate_and_draws_the_curve(tmp_path):
    code, out, err = minigrad("lr-find", "--num-iter", 40, "--plot", tmp_path / "lr.png")
    assert code == 0, err
    suggestion = float(re.search(r"^suggested lr: (\S+)$", out, re.M).group(1))
    assert 1e-6 <= suggestion <= 10
    assert f"--optimizer AdamW --lr {suggestion:.3g}" in out
    assert_png(tmp_path / "lr.png")


@pytest.mark.slow
def test_the_console_script_is_installed():
    script = shutil.which("minigrad")
    if script is None:
        pytest.skip("the minigrad script is not on PATH (pip install -e . puts it there)")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"minigrad {mg.__version__}"
