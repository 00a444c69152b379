"""Learning-rate schedules: constant vs warm-up + cosine vs one-cycle.

The tutorials' claims: decaying the learning rate improves the final
result; warm-up then cosine decay, and the one-cycle policy (lr up then down,
momentum the other way), train better than a constant lr in the same budget.

Experiment: linear regression y = x·w* + noise (20
features, noise σ = 0.5), SGD with momentum 0.9 on mini-batches of 8, the
same number of steps and the same peak lr for three schedules from
``mg.optim.lr_scheduler``:

- constant: the peak lr throughout;
- warm-up + cosine: ``SequentialLR`` of ``LinearLR`` (5% of the steps, from
  1% of the peak) and ``CosineAnnealingLR`` down to 0;
- one-cycle: ``OneCycleLR(max_lr=peak)``, which also cycles the momentum
  0.95 → 0.85 → 0.95 against the lr.

We report the excess test error E[(x·(w - w*))²] (the test MSE minus the noise
σ², which no model can remove) at the end, mean ± std over runs with different
random starts.

What to look for: with a constant lr, mini-batch noise keeps w jiggling around
w*, so the excess error plateaus at a floor proportional to lr·σ²; the
schedules that end with a small lr average that noise away and finish far
lower. Measured here with the defaults (3 runs, 1500 steps, peak lr 0.01):
constant 7.7e-2 ± 1.5e-2, warm-up + cosine 4.5e-3 ± 1.8e-3, one-cycle
6.0e-3 ± 1.6e-3 — the claim held (17x and 13x lower final error). One-cycle
did not beat warm-up + cosine here: on a convex problem the decay at the end
is what matters, not the shape of the start (the smoke budget, 300 steps and
one run, gives 7.4e-2 / 9.7e-3 / 1.7e-2).
"""
import sys

import numpy as np

import minigrad as mg
from minigrad.optim import lr_scheduler
from _common import example_parser, parse_args, plt, positive_int, save_figure

FEATURES = 20
NOISE = 0.5
BATCH = 8
PEAK_LR = 0.01
MOMENTUM = 0.9


def make_schedule(name, optimizer, steps):
    """The scheduler for one of the three policies (None for a constant lr)."""
    if name == "constant":
        return None
    if name == "warm-up + cosine":
        warmup = max(steps // 20, 1)
        return lr_scheduler.SequentialLR(optimizer, [
            lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warmup),
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps - warmup)], milestones=[warmup])
    return lr_scheduler.OneCycleLR(optimizer, max_lr=PEAK_LR, total_steps=steps)


def regression_data(seed, device):
    """Training and test sets for y = x·w* + noise, and w*."""
    rng = np.random.default_rng(seed)
    true_weights = rng.standard_normal(FEATURES)
    train_x, test_x = rng.standard_normal((2000, FEATURES)), rng.standard_normal((2000, FEATURES))
    train_y = train_x @ true_weights + NOISE * rng.standard_normal(2000)
    as_tensor = lambda array: mg.tensor(array, dtype=mg.float32, device=device)  # noqa: E731
    return as_tensor(train_x), as_tensor(train_y), as_tensor(test_x), as_tensor(true_weights)


def train(name, steps, seed, device, compile=False):
    """One run; returns the excess test error every 25 steps, the lr and momentum of every step.
    ``compile=True`` runs the step through ``mg.compile``: the same numbers, less Python."""
    train_x, train_y, test_x, true_weights = regression_data(seed, device)
    mg.manual_seed(seed)
    weights = mg.zeros(FEATURES, device=device, requires_grad=True)
    optimizer = mg.optim.SGD([weights], lr=PEAK_LR, momentum=MOMENTUM)
    scheduler = make_schedule(name, optimizer, steps)
    loader = mg.data.DataLoader(mg.data.TensorDataset(train_x, train_y), batch_size=BATCH,
                                shuffle=True, seed=seed)

    def train_step(features, targets):
        loss = ((features @ weights - targets) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        return loss
    if compile:
        train_step = mg.compile(train_step)
    excess, lrs, momenta = [], [], []
    step = 0
    while step < steps:
        for features, targets in loader:
            lrs.append(optimizer.param_groups[0]["lr"])
            momenta.append(optimizer.param_groups[0]["momentum"])
            train_step(features, targets)
            step += 1
            if step % 25 == 0 or step == steps:
                with mg.no_grad():
                    excess.append(((test_x @ (weights - true_weights)) ** 2).mean().item())
            if step == steps:
                break
    return np.array(excess), np.array(lrs), np.array(momenta)


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--runs", type=positive_int, default=None,
                        help="runs with different random starts per schedule (default 3, smoke 1)")
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    steps = 300 if args.smoke else 1500
    repeats = args.runs or (1 if args.smoke else 3)
    names = ("constant", "warm-up + cosine", "one-cycle")

    print(f"linear regression, {FEATURES} features, noise σ = {NOISE}; SGD momentum {MOMENTUM}, "
          f"batch {BATCH}, {steps} steps, peak lr {PEAK_LR}; excess test error at the end "
          f"(mean ± std over {repeats} run(s) with different random starts)")
    results = {}
    for name in names:
        runs = [train(name, steps, args.seed + offset, args.device, args.compile)
                for offset in range(repeats)]
        finals = np.array([excess[-1] for excess, _, _ in runs])
        results[name] = dict(final=float(finals.mean()), final_std=float(finals.std()),
                             curve=np.mean([excess for excess, _, _ in runs], axis=0),
                             lrs=runs[0][1], momenta=runs[0][2])
        print(f"  {name:18s} {finals.mean():.2e} ± {finals.std():.1e}")
    constant = results["constant"]["final"]
    held = all(results[name]["final"] < constant for name in names[1:])
    warmup_ratio = constant / results["warm-up + cosine"]["final"]
    cycle_ratio = constant / results["one-cycle"]["final"]
    print(f"the schedules end {warmup_ratio:.0f}x (warm-up + cosine) and {cycle_ratio:.0f}x "
          f"(one-cycle) lower than the constant lr; the claim "
          f"{'held' if held else 'did not hold'} on this budget")

    figure, (error_axes, lr_axes, momentum_axes) = plt.subplots(1, 3, figsize=(15, 4.5),
                                                                layout="constrained")
    for name, result in results.items():
        at = np.minimum(np.arange(1, len(result["curve"]) + 1) * 25, steps)
        error_axes.semilogy(at, result["curve"], label=f"{name}: {result['final']:.1e} at the end")
        lr_axes.plot(result["lrs"], label=name)
        momentum_axes.plot(result["momenta"], label=name)
    error_axes.set(title="excess test error (mean over runs)", xlabel="step",
                   ylabel="E[(x·(w - w*))²]")
    lr_axes.set(title="learning rate", xlabel="step", ylabel="lr")
    momentum_axes.set(title="momentum (one-cycle cycles it against the lr)", xlabel="step",
                      ylabel="momentum")
    for axis in (error_axes, lr_axes, momentum_axes):
        axis.legend()
    save_figure(figure, args.out)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
