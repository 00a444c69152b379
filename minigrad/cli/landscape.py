"""``minigrad landscape``: optimizers racing over a 2-D test function.

Each optimizer starts from the same point of ``--function`` (Rosenbrock by
default, or Beale, Himmelblau, a saddle, a ravine, Rastrigin: the first line of
output gives the formula and the minima) and takes ``--steps`` steps. Output: a table,

    optimizer        lr        x        y      f(x, y)  to the nearest minimum
    SGD          0.001  -0.8541   0.7360   3.4482e+00  2.0114

the paths drawn over the contour plot (``--plot``, ``landscape.png`` by
default, ``none`` for no figure; without matplotlib the default figure is
skipped with a note) and, with ``--gif PATH``, an animation of
them. The presets' learning rates depend on the function (rates at which each
method shows its character, and none diverges);
``NAME:LR`` chooses another; an optimizer that is not a preset runs at
``minigrad train``'s default rate for it. A path that runs away is stopped
and marked ``diverged``.
"""
from ..viz import animate_landscape, get_function, plot_landscape, trajectory
from .errors import UsageError
from .options import build_optimizer
from .presets import parse_preset
from .train import check_output_path, check_plotting, figure_path

DEFAULT_OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "lion")
DEFAULT_PLOT = "landscape.png"
START_LIMIT = 1e6  # beyond this a path counts as diverged (mg.viz.trajectory's limit)

# Learning rate of each preset on each function (300 steps from the function's start).
LANDSCAPE_LRS = {
    "rosenbrock": {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.1,
                   "rmsprop": 0.01, "adam": 0.1, "adamw": 0.1, "lion": 0.01},
    "beale": {"sgd": 0.03, "momentum": 3e-3, "nesterov": 3e-3, "adagrad": 1.0, "rmsprop": 0.1,
              "adam": 0.3, "adamw": 0.3, "lion": 0.1},
    "himmelblau": {"sgd": 0.01, "momentum": 3e-3, "nesterov": 3e-3, "adagrad": 1.0,
                   "rmsprop": 0.1, "adam": 0.1, "adamw": 0.1, "lion": 0.03},
    "saddle": {"sgd": 0.05, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.3, "rmsprop": 0.03,
               "adam": 0.1, "adamw": 0.1, "lion": 0.03},
    "ravine": {"sgd": 0.09, "momentum": 0.02, "nesterov": 0.02, "adagrad": 1.0, "rmsprop": 0.1,
               "adam": 0.3, "adamw": 0.3, "lion": 0.1},
    "rastrigin": {"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.1,
                  "rmsprop": 0.1, "adam": 0.1, "adamw": 0.1, "lion": 0.03},
}


def add_arguments(parser):
    parser.add_argument("--function", default="rosenbrock",
                        help="rosenbrock (default), beale, himmelblau, saddle, ravine, rastrigin")
    parser.add_argument("--optimizers", nargs="+", default=list(DEFAULT_OPTIMIZERS),
                        metavar="NAME[:LR]",
                        help=f"presets or mg.optim optimizers, each optionally :LR (default: "
                             f"{' '.join(DEFAULT_OPTIMIZERS)})")
    parser.add_argument("--steps", type=int, default=300, help="steps per optimizer (default 300)")
    parser.add_argument("--start", type=float, nargs=2, metavar=("X", "Y"),
                        help="the starting point (default: the function's customary start)")
    parser.add_argument("--plot", default=DEFAULT_PLOT, metavar="PATH",
                        help=f"the contour plot with the paths (default {DEFAULT_PLOT}; none)")
    parser.add_argument("--gif", metavar="PATH", help="also write an animation of the paths")


def _learning_rate(text, preset, function):
    """The rate ``NAME:LR`` gives; else a preset's rate on ``function``; else None (the
    optimizer's default rate, as ``minigrad train`` chooses it)."""
    name, colon, _ = text.partition(":")
    if colon:
        return preset.lr
    return LANDSCAPE_LRS[function.name].get(name.lower())


def run(args, device):
    try:
        function = get_function(args.function)
    except ValueError as error:
        raise UsageError(f"--function: {error}") from None
    if args.steps < 1:
        raise UsageError(f"--steps must be a positive integer, got {args.steps}")
    if args.start is not None and not all(abs(c) < START_LIMIT for c in args.start):
        raise UsageError(f"--start: each coordinate must be a number between -{START_LIMIT:g} "
                         f"and {START_LIMIT:g}, got {args.start[0]:g} {args.start[1]:g}")
    plot = figure_path(args.plot, DEFAULT_PLOT)
    check_output_path(args.gif, "--gif")
    check_plotting(args.gif, "--gif")
    paths = {}
    print(f"{function.name}: f = {function.formula}; minima at "
          f"{', '.join(f'({x:g}, {y:g})' for x, y in function.minima)} "
          f"(f = {function.minimum_value:g}); {args.steps} steps from "
          f"({', '.join(f'{c:g}' for c in (args.start or function.start))})")
    print(f"{'optimizer':<14} {'lr':>7} {'x':>8} {'y':>8} {'f(x, y)':>12}  to the nearest minimum")
    for text in args.optimizers:
        preset = parse_preset(text)
        built = []

        def make_optimizer(params):
            built.append(build_optimizer(preset.optimizer, params,
                                         _learning_rate(text, preset, function),
                                         preset.hyperparameters))
            return built[-1]

        path = trajectory(function, make_optimizer, steps=args.steps, start=args.start)
        lr = built[0].defaults["lr"]
        x, y = path.points[-1]
        _, distance = function.nearest_minimum((x, y))
        note = "  (diverged)" if path.diverged else ""
        print(f"{preset.label:<14} {lr:>7.3g} {x:>8.4f} {y:>8.4f} {path.values[-1]:>12.4e}  "
              f"{distance:.4f}{note}", flush=True)
        paths[preset.label] = path
    if plot is not None:
        plot_landscape(function, paths, plot)
        print(f"contour plot: {plot}")
    if args.gif is not None:
        animate_landscape(function, paths, args.gif)
        print(f"animation: {args.gif}")
    return 0
