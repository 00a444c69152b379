"""AdaGrad never forgets: after a long run its steps are tiny; RMSprop's stay alive.

The tutorials' claim: AdaGrad divides the lr by the square root of the
*sum* of all squared gradients so far, so its effective lr shrinks like 1/√t
and a long run all but stops learning; RMSprop divides by a moving *average*
and keeps adapting.

Experiment: track a moving target. The loss is ½(x - target)² with Gaussian
gradient noise (σ = 0.5): the gradient is x - target + 0.5·ε. The target is 1
until step T_s, then jumps to 5. We count the steps after the jump until |x -
5| < 0.1, for T_s = 1k, 10k and 50k, with Adagrad (lr 0.1) and RMSprop (lr
0.01), several runs with different random starts each. Every (T_s, run) pair
is one coordinate of a single parameter tensor: both optimizers treat
coordinates independently, so that is the same as separate runs, only faster.
The gradient is written into ``x.grad`` directly (it is x - target plus
noise), which keeps 60k steps within seconds.

What to look for: AdaGrad's recovery time grows with how long it ran before
the jump, RMSprop's does not; the right panel shows AdaGrad's effective lr
lr/√G_t falling like 1/√t while RMSprop's lr/√v_t levels off. The tutorials'
measurement (PyTorch): AdaGrad 1,642 / 2,201 / 3,332 steps, RMSprop 496 / 483
/ 504.

Measured here with the defaults (5 runs with different random starts, mean ±
std): AdaGrad needed 1,911 ± 57 / 3,248 ± 81 / 5,413 ± 105 steps, RMSprop 521
± 10 / 521 ± 21 / 505 ± 22: the claim held. AdaGrad's numbers are higher than
the tutorials' (the tutorials do not say where x starts or how its noise
enters), but the trend is the same: 2.8x slower after 50k steps than after 1k.
"""
import sys

import numpy as np

import minigrad as mg
from _common import example_parser, parse_args, plt, positive_int, save_figure

NOISE = 0.5
BEFORE, AFTER = 1.0, 5.0
TOLERANCE = 0.1
OPTIMIZERS = {"Adagrad (lr 0.1)": (mg.optim.Adagrad, dict(lr=0.1), "sum"),
              "RMSprop (lr 0.01)": (mg.optim.RMSprop, dict(lr=0.01), "square_avg")}


def track(make_optimizer, options, statistic, shifts, repeats, recovery_budget, device):
    """Run one optimizer on every (shift, run) coordinate; return recovery steps and traces.

    Returns ``recovery`` (shifts, repeats) with NaN where x did not come back
    within ``recovery_budget`` steps, the trace of x for the last shift's first
    run, and the mean effective lr lr/√(statistic) of that shift, sampled.
    """
    shifts_column = mg.tensor(np.array(shifts, dtype=np.float64)[:, None], device=device)
    x = mg.full((len(shifts), repeats), BEFORE, dtype=mg.float64, device=device, requires_grad=True)
    optimizer = make_optimizer([x], **options)
    lr = options["lr"]
    total = max(shifts) + recovery_budget
    recovery = np.full((len(shifts), repeats), np.nan)
    trace, effective_lr, sampled_at = [], [], []
    for step in range(total):
        with mg.no_grad():
            target = mg.where(shifts_column > step, BEFORE, AFTER)
            x.grad = x - target + NOISE * mg.randn(*x.shape, dtype=mg.float64, device=device)
        optimizer.step()
        values = x.detach().numpy()
        trace.append(values[-1, 0])
        after_shift = step + 1 - np.array(shifts)[:, None]
        back = (np.abs(values - AFTER) < TOLERANCE) & (after_shift > 0) & np.isnan(recovery)
        recovery[back] = np.broadcast_to(after_shift, recovery.shape)[back]
        if step % 50 == 0:
            accumulated = optimizer.state[x][statistic].detach().numpy()[-1]
            effective_lr.append(np.mean(lr / (np.sqrt(accumulated) + 1e-12)))
            sampled_at.append(step + 1)
    return recovery, np.array(trace), np.array(sampled_at), np.array(effective_lr)


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--runs", type=positive_int, default=None,
                        help="runs with different random starts per shift (default 5, smoke 3)")
    args = parse_args(parser, argv)
    shifts = [200, 2000] if args.smoke else [1000, 10000, 50000]
    repeats = args.runs or (3 if args.smoke else 5)
    recovery_budget = 3000 if args.smoke else 8000

    print(f"target {BEFORE} → {AFTER} at step T_s; steps after the jump until |x - {AFTER}| < "
          f"{TOLERANCE} (gradient noise σ = {NOISE}, {repeats} runs with different random "
          f"starts, mean ± std)")
    results = {}
    for name, (make_optimizer, options, statistic) in OPTIMIZERS.items():
        recovery, trace, sampled_at, effective_lr = track(
            make_optimizer, options, statistic, shifts, repeats, recovery_budget, args.device)
        results[name] = dict(recovery=np.nanmean(recovery, axis=1),
                             recovery_std=np.nanstd(recovery, axis=1),
                             missed=int(np.isnan(recovery).sum()), trace=trace,
                             sampled_at=sampled_at, effective_lr=effective_lr)
        cells = ", ".join(f"T_s = {shift}: {mean:.0f} ± {std:.0f}" for shift, mean, std
                          in zip(shifts, results[name]["recovery"], results[name]["recovery_std"]))
        missed = results[name]["missed"]
        print(f"  {name:18s} {cells}" + (f" ({missed} runs never came back)" if missed else ""))
    adagrad, rmsprop = (results[name]["recovery"] for name in OPTIMIZERS)
    held = adagrad[-1] > adagrad[0] and adagrad[-1] > rmsprop[-1]
    print(f"AdaGrad's recovery grew {adagrad[-1] / adagrad[0]:.1f}x from T_s = {shifts[0]} to "
          f"{shifts[-1]}, RMSprop's changed {rmsprop[-1] / rmsprop[0]:.2f}x; the claim "
          f"{'held' if held else 'did not hold'} on this budget")

    figure, (trace_axes, recovery_axes, lr_axes) = plt.subplots(1, 3, figsize=(15, 4.5),
                                                                layout="constrained")
    window = np.arange(shifts[-1] - 500, shifts[-1] + recovery_budget)
    for name, result in results.items():
        trace_axes.plot(window - shifts[-1], result["trace"][window], linewidth=0.7, label=name)
        recovery_axes.plot(shifts, result["recovery"], "o-", label=name)
        lr_axes.loglog(result["sampled_at"], result["effective_lr"], label=name)
    trace_axes.axhspan(AFTER - TOLERANCE, AFTER + TOLERANCE, color="0.85")
    trace_axes.set(title=f"x around the jump at T_s = {shifts[-1]} (one run)",
                   xlabel="steps after the jump", ylabel="x")
    trace_axes.legend()
    recovery_axes.set(xscale="log", title="steps to get back (mean over runs)",
                      xlabel="T_s: steps before the jump", ylabel="steps after the jump")
    recovery_axes.legend()
    lr_axes.set(title=f"effective lr (T_s = {shifts[-1]})", xlabel="step",
                ylabel="lr / √(accumulated g²)")
    lr_axes.legend()
    save_figure(figure, args.out)
    return dict(shifts=shifts, **{name: result["recovery"] for name, result in results.items()})


if __name__ == "__main__":
    main(sys.argv[1:])
