"""What the examples share: their command line, where figures go, and the noisy-spirals task.

Each example is a script with the same options::

    python examples/<name>.py [--smoke] [--device cpu|cuda] [--out PATH] [--seed N] [--threads N]

``--smoke`` shrinks the budget to a few seconds (the test suite runs every
example this way); ``--out`` is where the figure goes: a file name, or a folder
(the figure is then ``<name>.png`` in it); by default ``<name>.png`` in the
current directory. ``--seed`` sets the random start (minigrad's generator and
the data); ``--threads`` the CPU threads of the matrix products (1 by default,
so that the printed numbers are the same on every machine). Each example's
``main(argv)`` parses ``argv`` (the command line when None), prints its
numbers, writes its figure and returns the numbers as a dict, which is what
the tests look at.
"""
import argparse
import re
import sys
from pathlib import Path

try:
    import matplotlib
except ImportError:  # the one dependency the examples add to minigrad's
    sys.exit(f"{Path(sys.argv[0]).name}: the examples draw their figures with matplotlib, which "
             "is not installed: pip install \"minigrad[plot]\"")

matplotlib.use("Agg")  # files only: the examples never open a window
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.cli.options import non_negative_int, positive_float, positive_int  # noqa: E402,F401


def example_parser(module_doc, script_path):
    """An ``ArgumentParser`` with the shared options; its help text is the module docstring."""
    name = Path(script_path).stem
    description = re.sub(r"::$", ":", module_doc.replace("``", ""), flags=re.M)  # no reST
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny budget (seconds): checks that the example runs")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="where tensors live (default: cpu)")
    parser.add_argument("--out", type=Path, default=Path(f"{name}.png"),
                        help=f"the figure's file name, or a folder to write {name}.png in "
                             f"(default: {name}.png in the current directory)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="the random start: minigrad's generator and the data (default: 0)")
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="CPU threads for matrix products (default: 1, the same numbers on "
                             "every machine)")
    parser.set_defaults(name=name)
    return parser


def parse_args(parser, argv):
    """Parse ``argv``, refuse ``--device cuda`` without a GPU, set the threads, seed minigrad,
    and make ``args.out`` the figure's file name."""
    args = parser.parse_args(argv)
    if args.device == "cuda" and not mg.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available "
                     "(CuPy is missing or there is no GPU)")
    if args.out.is_dir() or not args.out.suffix:
        args.out = args.out / f"{args.name}.png"
    mg.set_num_threads(args.threads)
    mg.manual_seed(args.seed)
    return args


def save_figure(figure, path):
    """Write ``figure`` as a PNG at ``path`` (creating its folder) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"figure: {path}")


def noisy_spirals(seed, device, n_train=300, label_noise=0.2, n_test=1000):
    """Two spirals with ``label_noise`` of the training labels flipped, and a clean test set.

    The setting of the Adam → SGD and sharpness examples: few training
    points, some of them mislabelled, so that fitting the training
    set perfectly means memorising noise, and test accuracy tells how well a
    model generalises. Returns ``(train_x, train_y, test_x, test_y)``.
    """
    train_x, train_y = mg.data.make_spirals(n_train, noise=0.05, seed=seed, device=device)
    rng = np.random.default_rng(seed)
    flipped = rng.random(n_train) < label_noise
    noisy_labels = np.where(flipped, 1 - train_y.detach().numpy(), train_y.detach().numpy())
    test_x, test_y = mg.data.make_spirals(n_test, noise=0.05, seed=seed + 10_000, device=device)
    return train_x, mg.tensor(noisy_labels, device=device), test_x, test_y


def tanh_mlp(hidden=32, depth=2):
    """A 2 → hidden → ... → 2 MLP with Tanh activations (``depth`` hidden layers)."""
    layers, width = [], 2
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.Tanh()]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, 2))


def accuracy(model, features, labels):
    """The fraction of ``features`` whose arg-max logit is the label."""
    with mg.no_grad():
        return float((model(features).argmax(dim=1) == labels).detach().numpy().mean())
