"""Momentum in a ravine: plain gradient descent zig-zags, heavy ball and Nesterov roll through.

The tutorials' claim: momentum damps the oscillation across a narrow
valley and speeds up progress along it; Nesterov's look-ahead is faster still.

Experiment: minimise the ravine f(x, y) = ½(x² + 100 y²),
curvature 1 along x and 100 across it (condition number κ = 100), from (10, 1)
with ``mg.optim.SGD``: plain GD (momentum 0), heavy ball (momentum 0.9) and
Nesterov (momentum 0.9, nesterov=True). Each method gets every learning rate of
a log-spaced grid; we count the steps until f < 1e-8 and keep each method's
best lr. At that lr we also count on how many steps y changes sign: the
zig-zag across the valley.

What to look for: GD's best lr sits just under the stability limit 2/100,
where y flips sign on every step and x shrinks by only (1 - lr) per step, so
it needs hundreds of steps (theory: rate (κ-1)/(κ+1) per step). Momentum needs
about 3-5 times fewer (theory: (√κ-1)/(√κ+1) for tuned heavy ball). The
tutorials' measurement (PyTorch, float64): GD 570 steps (lr .0194), heavy ball
160 (lr .0105), Nesterov 112 (lr .013).

Measured here with the defaults (20 lrs from 3e-3 to 4e-2, "converged" = f
stays below 1e-8 for 100 steps, so lucky dips do not count): GD 627 steps at
lr .0177, y flipping sign on every one of them; heavy ball 214 steps at lr
.0068 (y flips on 60); Nesterov 181 steps at lr .0117 (its y-mode is damped
without spiralling but with a negative root, so y flips on every step while
shrinking fast). Momentum needed 2.9x (heavy ball) and 3.5x (Nesterov) fewer
steps than GD: the claim held. With μ fixed at 0.9, heavy ball needs about
215 steps for every lr in the grid: once both modes spiral, its rate per step
is √μ ≈ 0.95 whatever the lr, so μ is the knob that matters. The grid is
coarser than the tutorials', so the best lrs differ a little.
"""
import math
import sys

import numpy as np

import minigrad as mg
from _common import example_parser, parse_args, plt, positive_int, save_figure

CURVATURE = (1.0, 100.0)   # f = ½ Σ c_i θ_i²
START = (10.0, 1.0)
TARGET = 1e-8
SETTLE = 100   # steps f must stay below TARGET to count as converged
METHODS = {"gradient descent": dict(momentum=0.0),
           "heavy ball (μ = 0.9)": dict(momentum=0.9),
           "Nesterov (μ = 0.9)": dict(momentum=0.9, nesterov=True)}


def descend_grid(lrs, options, max_steps, device, compile=False):
    """Run SGD from START once per learning rate, all runs side by side.

    Each lr is one param group holding its own copy of θ, so one forward, one
    backward and one ``optimizer.step()`` advance every run. Returns the paths
    (steps + 1, runs, 2) and the values of f (steps + 1, runs). A run that blows
    up (f > 1e12) is frozen by setting its group's lr to 0. The loop ends when
    every run has settled (f below TARGET for SETTLE steps in a row: momentum
    makes f rise and fall, so the first dip below TARGET can be a lucky zero
    crossing of x) or blown up, or after ``max_steps``. The loop reads f between the
    backward and ``optimizer.step()``; ``compile=True`` runs f and its gradient
    through ``mg.compile``: the same numbers, less Python.
    """
    points = [mg.tensor(START, dtype=mg.float64, device=device, requires_grad=True) for _ in lrs]
    optimizer = mg.optim.SGD([{"params": [point], "lr": lr} for point, lr in zip(points, lrs)],
                             **options)
    curvature = mg.tensor(CURVATURE, dtype=mg.float64, device=device)

    def values_and_gradients():
        grid = mg.stack(points)                       # (runs, 2)
        f = 0.5 * (curvature * grid ** 2).sum(dim=1)  # one f per run
        optimizer.zero_grad()
        f.sum().backward()
        return grid, f
    if compile:
        values_and_gradients = mg.compile(values_and_gradients)
    paths, values = [], []
    below = np.zeros(len(lrs), dtype=int)
    for _ in range(max_steps + 1):
        grid, f = values_and_gradients()
        paths.append(grid.detach().numpy())
        values.append(f.detach().numpy())
        below = np.where(values[-1] < TARGET, below + 1, 0)
        blown_up = ~(values[-1] < 1e12)
        for group, frozen in zip(optimizer.param_groups, blown_up):
            if frozen:
                group["lr"] = 0.0
        if np.all((below >= SETTLE) | blown_up) or len(values) > max_steps:
            break
        optimizer.step()
    return np.array(paths), np.array(values)


def steps_to_target(values):
    """The steps taken until f dropped below TARGET for good, or None if it did not settle there."""
    above = np.flatnonzero(~(values < TARGET))
    settled = 0 if above.size == 0 else above[-1] + 1
    return int(settled) if len(values) - settled >= SETTLE else None


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--max-steps", type=positive_int, default=None,
                        help="steps before a run counts as not converged (default 1500, smoke 800)")
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    max_steps = args.max_steps or (800 if args.smoke else 1500)
    grid = np.array([0.007, 0.011, 0.015, 0.019]) if args.smoke else np.geomspace(3e-3, 4e-2, 20)

    results = {}
    print(f"f(x, y) = ½(x² + 100 y²) from {START}; steps until f < {TARGET:g} for good "
          f"({len(grid)} lrs from {grid[0]:.3g} to {grid[-1]:.3g}, at most {max_steps} steps)")
    for name, options in METHODS.items():
        paths, values = descend_grid(grid, options, max_steps, args.device, args.compile)
        steps = [steps_to_target(values[:, run]) for run in range(len(grid))]
        finished = [(count, run) for run, count in enumerate(steps) if count is not None]
        if not finished:
            print(f"  {name:22s} never reached the target on this grid")
            results[name] = dict(steps=None, lr=None, flips=None, steps_by_lr=steps)
            continue
        best_steps, best = min(finished)
        y = paths[:best_steps + 1, best, 1]
        flips = int(np.sum(np.sign(y[1:]) != np.sign(y[:-1])))
        results[name] = dict(steps=best_steps, lr=float(grid[best]), flips=flips,
                             path=paths[:, best], values=values[:, best], steps_by_lr=steps)
        print(f"  {name:22s} best lr {grid[best]:.4f}: {best_steps:4d} steps, "
              f"y changed sign on {flips} of them")

    gd, heavy, nesterov = (results[name]["steps"] for name in METHODS)
    if None not in (gd, heavy, nesterov):
        theory = math.log(11 / 9) / math.log(101 / 99)
        print(f"heavy ball needs {gd / heavy:.1f}x fewer steps than GD, "
              f"Nesterov {gd / nesterov:.1f}x "
              f"(the asymptotic rates (√κ-1)/(√κ+1) vs (κ-1)/(κ+1) promise {theory:.0f}x)")
    held = None not in (gd, heavy, nesterov) and heavy < gd and nesterov < gd
    print(f"the claim {'held' if held else 'did not hold'} on this budget")

    figure, (contour_axes, value_axes, grid_axes) = plt.subplots(1, 3, figsize=(15, 4.5),
                                                                 layout="constrained")
    xs, ys = np.meshgrid(np.linspace(-11, 11, 200), np.linspace(-1.6, 1.6, 200))
    contour_axes.contour(xs, ys, 0.5 * (xs ** 2 + 100 * ys ** 2),
                         levels=np.geomspace(0.05, 120, 12), colors="0.75", linewidths=0.7)
    for name, result in results.items():
        if result["steps"] is None:
            continue
        label = f"{name}, lr {result['lr']:.4f}"
        contour_axes.plot(*result["path"][:80].T, ".-", markersize=3, linewidth=0.8, label=label)
        value_axes.semilogy(result["values"], label=f"{name}: {result['steps']} steps")
        grid_axes.semilogy(grid, [np.nan if s is None else s for s in result["steps_by_lr"]], "o-",
                         label=name)
    contour_axes.set(title="first 80 steps at each method's best lr", xlabel="x", ylabel="y")
    contour_axes.legend(fontsize=8, loc="lower right")
    value_axes.axhline(TARGET, color="k", linewidth=0.6, linestyle=":")
    value_axes.set(title="f along the way", xlabel="step", ylabel="f(x, y)")
    value_axes.legend(fontsize=8)
    grid_axes.set(title=f"steps until f < {TARGET:g} (missing: diverged or > {max_steps})",
                  xlabel="learning rate", ylabel="steps")
    grid_axes.legend(fontsize=8)
    save_figure(figure, args.out)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
