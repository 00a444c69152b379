"""A landscape tour: six optimizers on four 2-D test functions, paths over the contours.

The tutorials' claim, in pictures: each optimizer has a character you can see.
Plain gradient descent crawls along flat valleys; momentum builds up speed
and overshoots; AdaGrad's steps shrink as its sum of squared gradients
grows; RMSprop and Adam take steps of about lr whatever the gradient's size;
Lion steps exactly ±lr in every coordinate (the sign of its update).

Experiment: ``mg.viz.trajectory`` runs each optimizer for 300 steps from the
customary start of four of ``mg.viz``'s test functions: Rosenbrock (a curved,
flat-bottomed valley), Beale (plateaus and ridges, gradients from 0 to 10^5),
Himmelblau (four equal minima: which one you reach depends on the path) and a
saddle (a start right next to a saddle point). The learning rates are the
ones ``minigrad landscape`` uses for these functions, chosen so that each method shows its character and none diverges. We print
f and the distance to the nearest global minimum at the end.

What to look for, as measured here (300 steps): on Rosenbrock, SGD (lr 1e-3),
Adagrad and RMSprop are still high up the valley (f ≈ 5, 2.2-2.5 from the
minimum), while momentum has rolled along it (f = 0.05, 0.47 away) and Adam
is on its way (f = 0.35); nobody arrives in 300 steps. On Beale, Adam lands
on the minimum (f = 1e-11) after a detour across the plateau; Lion, whose
steps are always ±lr per coordinate, cannot settle closer than about lr
(f = 0.095, 0.28 away). On Himmelblau every method, from this start, finds
the same minimum (3, 2) (Lion again only to within 0.02). On the saddle all
six escape the saddle point at (0, 0) and reach a minimum; momentum
overshoots and circles before settling, and Lion ends 0.012 away.

``--device`` is accepted for uniformity, but a 2-D point gains nothing from
a GPU and ``mg.viz.trajectory`` works on the CPU. For one function at a time,
with an animation, there is ``minigrad landscape --function NAME --gif PATH``.
"""
import sys

import numpy as np

import minigrad as mg
from minigrad import viz
from _common import example_parser, parse_args, plt, positive_int, save_figure
from matplotlib.colors import LogNorm  # after _common, which explains a missing matplotlib

FUNCTION_NAMES = ("rosenbrock", "beale", "himmelblau", "saddle")
OPTIMIZERS = {"SGD": (mg.optim.SGD, {}),
              "SGD+momentum": (mg.optim.SGD, {"momentum": 0.9}),
              "Adagrad": (mg.optim.Adagrad, {}),
              "RMSprop": (mg.optim.RMSprop, {}),
              "Adam": (mg.optim.Adam, {}),
              "Lion": (mg.optim.Lion, {})}
LEARNING_RATES = {  # per function and optimizer, as ``minigrad landscape`` runs them
    "rosenbrock": {"SGD": 1e-3, "SGD+momentum": 1e-3, "Adagrad": 0.1, "RMSprop": 0.01,
                   "Adam": 0.1, "Lion": 0.01},
    "beale": {"SGD": 0.03, "SGD+momentum": 3e-3, "Adagrad": 1.0, "RMSprop": 0.1, "Adam": 0.3,
              "Lion": 0.1},
    "himmelblau": {"SGD": 0.01, "SGD+momentum": 3e-3, "Adagrad": 1.0, "RMSprop": 0.1, "Adam": 0.1,
                   "Lion": 0.03},
    "saddle": {"SGD": 0.05, "SGD+momentum": 0.05, "Adagrad": 0.3, "RMSprop": 0.03, "Adam": 0.1,
               "Lion": 0.03},
}


def draw_contours(axes, function):
    """Filled contours of f - f_min (log-spaced where f spans many orders of magnitude)."""
    xs, ys, zs = function.grid(150)
    heights = zs - function.minimum_value
    if function.log_levels:
        levels = np.geomspace(max(heights.min(), 1e-3), heights.max(), 25)
        axes.contourf(xs, ys, heights, levels=levels, norm=LogNorm(), cmap="viridis", alpha=0.8)
    else:
        axes.contourf(xs, ys, heights, levels=25, cmap="viridis", alpha=0.8)
    for x, y in function.minima:
        axes.plot(x, y, "*", color="gold", markersize=13, markeredgecolor="k")
    axes.set(xlim=function.bounds[0], ylim=function.bounds[1], xlabel="x", ylabel="y",
             title=f"{function.name}: {function.formula}")


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--steps", type=positive_int, default=None,
                        help="steps per run (default 300, smoke 40)")
    args = parse_args(parser, argv)
    steps = args.steps or (40 if args.smoke else 300)

    results = {}
    figure, axes = plt.subplots(2, 2, figsize=(13, 11), layout="constrained")
    for panel, name in zip(axes.flat, FUNCTION_NAMES):
        function = viz.get_function(name)
        draw_contours(panel, function)
        print(f"{name}: f = {function.formula}, from {function.start}, {steps} steps")
        for index, (label, (optimizer, options)) in enumerate(OPTIMIZERS.items()):
            lr = LEARNING_RATES[name][label]
            path = viz.trajectory(function, optimizer, steps=steps, lr=lr, **options)
            _, distance = function.nearest_minimum(path.points[-1])
            results[name, label] = dict(value=float(path.values[-1]), distance=distance,
                                        diverged=path.diverged)
            print(f"  {label:13s} lr {lr:<6g} f = {path.values[-1]:10.3e}   "
                  f"distance to the nearest minimum {distance:.3f}"
                  + ("  (diverged)" if path.diverged else ""))
            panel.plot(*path.points.T, "-", color=f"C{index}", linewidth=1.4,
                       label=f"{label} ({lr:g})")
            panel.plot(*path.points[-1], "s", color=f"C{index}", markeredgecolor="k")
        panel.plot(*function.start, "o", color="white", markeredgecolor="k")
        panel.legend(fontsize=8, loc="lower left" if name != "saddle" else "lower right")
    save_figure(figure, args.out)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
