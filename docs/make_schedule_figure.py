"""The figures of docs/schedulers.md, made by one command.

    python docs/make_schedule_figure.py                   # writes docs/figures/schedules.png
                                                          # and docs/figures/lr_finder.png
    python docs/make_schedule_figure.py --out /tmp/check  # somewhere else

``schedules.png``: every scheduler of ``mg.optim.lr_scheduler`` (and
``WarmupCosineLR`` and ``SWALR``) drives a real training run: a small MLP
learning the two-moons data with SGD (momentum 0.9; Adam for the β₁ panel),
20 epochs of 10 batches. After each ``optimizer.step()`` the scheduler steps
(once per batch, or once per epoch for the epoch-based ones) and the
optimizer's learning rate is recorded; the panels of the cyclic schedulers
also show the momentum (or β₁) they cycle. ``ReduceLROnPlateau`` reads the
run's own epoch loss.

``lr_finder.png``: the LR range test on the two-spirals MLP, with its
suggestion (the same setting as tests/test_lr_finder.py).

Everything is seeded; the numbers are the same on every run.
"""
import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the minigrad of this checkout, installed or not

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.optim import lr_scheduler as S  # noqa: E402
from minigrad.optim.lr_finder import lr_finder  # noqa: E402
from minigrad.optim.schedules import WarmupCosineLR  # noqa: E402
from minigrad.optim.swa_utils import SWALR  # noqa: E402

F = mg.nn.functional
EPOCHS, BATCHES = 20, 10
STEPS = EPOCHS * BATCHES
LR = 0.1

# (title, optimizer kind, how often it steps, how to build it). "batch": after
# every batch; "epoch": after every epoch (its arguments count epochs).
PANELS = [
    ("LambdaLR(λ = 0.97^e)", "sgd", "batch", lambda o: S.LambdaLR(o, lambda e: 0.97 ** e)),
    ("MultiplicativeLR(λ = 0.99)", "sgd", "batch", lambda o: S.MultiplicativeLR(o, lambda e: 0.99)),
    ("StepLR(step_size=5, γ=0.5)\nper epoch", "sgd", "epoch", lambda o: S.StepLR(o, 5, 0.5)),
    ("MultiStepLR([8, 12, 16], γ=0.3)\nper epoch", "sgd", "epoch",
     lambda o: S.MultiStepLR(o, [8, 12, 16], 0.3)),
    ("ConstantLR(factor=1/3, total_iters=50)", "sgd", "batch",
     lambda o: S.ConstantLR(o, 1 / 3, 50)),
    ("LinearLR(0.1 → 1, total_iters=60)", "sgd", "batch", lambda o: S.LinearLR(o, 0.1, 1.0, 60)),
    ("ExponentialLR(γ=0.98)", "sgd", "batch", lambda o: S.ExponentialLR(o, 0.98)),
    ("PolynomialLR(total_iters=150, power=2)", "sgd", "batch",
     lambda o: S.PolynomialLR(o, 150, 2.0)),
    ("CosineAnnealingLR(T_max=80)\n(periodic past T_max)", "sgd", "batch",
     lambda o: S.CosineAnnealingLR(o, 80, eta_min=0.005)),
    ("CosineAnnealingWarmRestarts\n(T_0=20, T_mult=2)", "sgd", "batch",
     lambda o: S.CosineAnnealingWarmRestarts(o, 20, 2, eta_min=0.005)),
    ("CyclicLR triangular2\n(momentum cycles opposite)", "sgd", "batch",
     lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=25, mode="triangular2")),
    ("CyclicLR exp_range (γ=0.99)", "sgd", "batch",
     lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=25, mode="exp_range", gamma=0.99)),
    ("OneCycleLR (two phases)", "sgd", "batch",
     lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=STEPS)),
    ("OneCycleLR three_phase, Adam\n(β₁ cycles opposite)", "adam", "batch",
     lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, three_phase=True)),
    ("ReduceLROnPlateau(patience=1,\nfactor=0.5, threshold=0.05) per epoch", "sgd", "plateau",
     lambda o: S.ReduceLROnPlateau(o, patience=1, factor=0.5, threshold=0.05)),
    ("SequentialLR(LinearLR → CosineAnnealingLR)", "sgd", "batch",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 30), S.CosineAnnealingLR(o, 170)],
                              milestones=[30])),
    ("ChainedScheduler(ConstantLR, ExponentialLR)", "sgd", "batch",
     lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, 40), S.ExponentialLR(o, 0.99)])),
    ("WarmupCosineLR(30, 200)\n(mg.optim.schedules)", "sgd", "batch",
     lambda o: WarmupCosineLR(o, warmup_steps=30, total_steps=STEPS)),
    ("SWALR(swa_lr=0.02, anneal_epochs=40)", "sgd", "batch",
     lambda o: SWALR(o, swa_lr=0.02, anneal_epochs=40)),
]


def moons_run(kind, every, build):
    """Train a 2-16-2 tanh MLP on two moons for EPOCHS × BATCHES steps under the
    scheduler; return the lr and the momentum (or β₁) of every step."""
    mg.manual_seed(0)
    X, y = mg.data.make_moons(400, noise=0.2, seed=0)
    loader = mg.data.DataLoader(mg.data.TensorDataset(X, y), batch_size=40, shuffle=True, seed=0)
    model = mg.nn.Sequential(mg.nn.Linear(2, 16), mg.nn.Tanh(), mg.nn.Linear(16, 2))
    if kind == "adam":
        optimizer = mg.optim.Adam(model.parameters(), lr=LR / 10)
    else:
        optimizer = mg.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    scheduler = build(optimizer)
    lrs, momenta = [], []
    for _ in range(EPOCHS):
        epoch_loss = 0.0
        for inputs, targets in loader:
            group = optimizer.param_groups[0]
            lrs.append(group["lr"])
            momenta.append(group["betas"][0] if "betas" in group else group["momentum"])
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item() / BATCHES
            if every == "batch":
                scheduler.step()
        if every == "epoch":
            scheduler.step()
        elif every == "plateau":
            scheduler.step(epoch_loss)
    return lrs, momenta


def schedules_figure(path):
    columns = 4
    rows = math.ceil(len(PANELS) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.9 * rows),
                                sharex=True)
    for ax, (title, kind, every, build) in zip(axes.flat, PANELS):
        lrs, momenta = moons_run(kind, every, build)
        ax.plot(range(STEPS), lrs, color="C0")
        ax.set_title(title, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=8)
        if len(set(momenta)) > 1:
            twin = ax.twinx()
            twin.plot(range(STEPS), momenta, color="C1", linewidth=1, linestyle="--")
            twin.tick_params(labelsize=8, colors="C1")
    for ax in axes.flat[len(PANELS):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("training step (batch)", fontsize=8)
    figure.suptitle("Learning rate (blue) at each step of a 200-step training run; momentum or "
                    "β₁ (orange, dashed, right axis) where it is cycled", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    figure.savefig(path, dpi=90)
    plt.close(figure)


def lr_finder_figure(path):
    """The range test of tests/test_lr_finder.py: two spirals, 2-32-32-2 tanh MLP, SGD."""
    X, y = mg.data.make_spirals(128, noise=0.05, turns=1.0, seed=0, dtype=mg.float64)
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(2, 32), mg.nn.Tanh(), mg.nn.Linear(32, 32),
                             mg.nn.Tanh(), mg.nn.Linear(32, 2)).double()
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    result = lr_finder(model, optimizer, F.cross_entropy, [(X, y)], start_lr=1e-4, end_lr=10,
                       num_iter=300, smooth_f=0.1)
    result.plot(path)
    return result.suggestion


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures",
                        help="folder for the figures (default: docs/figures)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1: the same numbers on every machine)")
    args = parser.parse_args()
    mg.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    schedules_figure(args.out / "schedules.png")
    print(f"wrote {args.out / 'schedules.png'}")
    suggestion = lr_finder_figure(args.out / "lr_finder.png")
    print(f"wrote {args.out / 'lr_finder.png'} (suggested lr {suggestion:.3g})")


if __name__ == "__main__":
    main()
