"""Figures: optimizer trajectories over a contour plot (still or animated) and
training curves.

Every function draws on a fresh ``matplotlib.figure.Figure`` (no pyplot, no
window, no global state: it works on a machine without a display), saves it
to ``path`` when one is given (the format follows the file name: ``.png``,
``.svg``, ``.pdf``) and returns it. In a notebook the returned figure shows
itself.

matplotlib is optional for minigrad and imported only when a figure is drawn:
``pip install "minigrad[plot]"`` installs it.
"""
import numpy as np

__all__ = ["plot_landscape", "animate_landscape", "plot_training_curves", "plot_loss_curves"]

# How every part of minigrad that draws (minigrad.viz, LRFinderResult.plot, the
# command line) ends its message when matplotlib is missing: with the extra to install.
MATPLOTLIB_MISSING = 'matplotlib, which is not installed: pip install "minigrad[plot]"'
_MISSING_MATPLOTLIB = f"minigrad.viz draws its figures with {MATPLOTLIB_MISSING}"


def _matplotlib(module="matplotlib.figure"):
    """Import ``module`` from matplotlib, or explain how to install it."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(_MISSING_MATPLOTLIB) from error


def _new_figure(ncols=1, width=6.0, height=5.0):
    """A Figure with ``ncols`` axes side by side, drawn by the Agg (file) renderer."""
    figure = _matplotlib().Figure(figsize=(width, height), layout="constrained")
    _matplotlib("matplotlib.backends.backend_agg").FigureCanvasAgg(figure)
    axes = figure.subplots(1, ncols, squeeze=False)[0]
    return figure, axes


def _save(figure, path, dpi=110):
    if path is not None:
        figure.savefig(path, dpi=dpi)
    return figure


# ---------------------------------------------------------------- landscapes
def _draw_surface(ax, function, resolution):
    """Filled contours of ``function`` over its bounds, its minima as stars and its
    saddle points as crosses. Levels are logarithmic in f − f_min where the
    function spans many orders of magnitude (Rosenbrock, Beale, Himmelblau)."""
    xs, ys, zs = function.grid(resolution)
    heights = zs - function.minimum_value
    if function.log_levels:
        colors = _matplotlib("matplotlib.colors")
        low = max(float(np.min(heights)), 1e-3)
        levels = np.logspace(np.log10(low), np.log10(float(np.max(heights))), 30)
        ax.contourf(xs, ys, heights, levels=levels, norm=colors.LogNorm(), cmap="viridis",
                    alpha=0.75)
        ax.contour(xs, ys, heights, levels=levels, norm=colors.LogNorm(), colors="white",
                   linewidths=0.3)
    else:
        ax.contourf(xs, ys, heights, levels=30, cmap="viridis", alpha=0.75)
        ax.contour(xs, ys, heights, levels=30, colors="white", linewidths=0.3)
    for x, y in function.minima:
        ax.plot(x, y, marker="*", markersize=14, color="gold", markeredgecolor="black",
                linestyle="none")
    for x, y in function.saddle_points:
        ax.plot(x, y, marker="x", markersize=9, color="white", linestyle="none")
    (x_min, x_max), (y_min, y_max) = function.bounds
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{function.name}: f = {function.formula}", fontsize=10)


def _points(path):
    """The (n, 2) points of a ``Trajectory`` or of an array-like of points."""
    return np.asarray(getattr(path, "points", path), dtype=float)


def plot_landscape(function, trajectories=None, path=None, resolution=200):
    """The contour plot of ``function`` with each optimizer's path drawn over it.

    ``trajectories`` maps a label (the optimizer) to a ``Trajectory`` or an
    array of points (n, 2). Each path starts at a circle and ends at a square;
    the global minima are gold stars. Returns the Figure (saved to ``path``
    when given).
    """
    figure, (ax,) = _new_figure()
    _draw_surface(ax, function, resolution)
    for index, (label, trajectory) in enumerate((trajectories or {}).items()):
        points = _points(trajectory)
        color = f"C{index % 10}"
        ax.plot(points[:, 0], points[:, 1], "-", color=color, linewidth=1.5, label=label)
        ax.plot(*points[0], "o", color=color, markersize=5)
        ax.plot(*points[-1], "s", color=color, markersize=6, markeredgecolor="black")
    if trajectories:
        ax.legend(loc="best", fontsize=8, framealpha=0.8)
    return _save(figure, path)


def animate_landscape(function, trajectories, path, fps=15, max_frames=60, resolution=150, dpi=80):
    """An animated GIF of the optimizers moving over the contour plot of ``function``.

    ``trajectories`` as in ``plot_landscape``. The animation has at most
    ``max_frames`` frames (longer runs are sampled evenly; the first and last
    steps are always shown) and loops forever. The contour plot is drawn once;
    each frame redraws only the paths over a copy of it (blitting), and the
    frames are written by Pillow (which matplotlib installs) as matplotlib's
    ``PillowWriter`` writes them. Returns the Figure of the last frame.
    """
    image = _matplotlib("PIL.Image")
    paths = {label: _points(trajectory) for label, trajectory in trajectories.items()}
    if not paths:
        raise ValueError("animate_landscape needs at least one trajectory")
    longest = max(len(points) for points in paths.values())
    frames = np.unique(np.linspace(0, longest - 1, min(max_frames, longest)).round().astype(int))
    figure, (ax,) = _new_figure()
    figure.set_dpi(dpi)
    _draw_surface(ax, function, resolution)
    artists = []
    for index, label in enumerate(paths):
        color = f"C{index % 10}"
        line = ax.plot([], [], "-", color=color, linewidth=1.5, label=label, animated=True)[0]
        head = ax.plot([], [], "o", color=color, markersize=6, markeredgecolor="black",
                       animated=True)[0]
        artists.append((line, head))
    ax.legend(loc="best", fontsize=8, framealpha=0.8)
    counter = ax.text(0.02, 0.02, "", transform=ax.transAxes, color="white", fontsize=9,
                      animated=True)
    canvas = figure.canvas
    canvas.draw()
    figure.set_layout_engine("none")  # the layout is fixed now: every frame has the same size
    background = canvas.copy_from_bbox(figure.bbox)
    pictures = []
    for frame in frames:
        canvas.restore_region(background)
        for points, (line, head) in zip(paths.values(), artists):
            shown = points[:min(frame, len(points) - 1) + 1]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data(shown[-1:, 0], shown[-1:, 1])
            ax.draw_artist(line)
            ax.draw_artist(head)
        counter.set_text(f"step {frame}")
        ax.draw_artist(counter)
        pictures.append(image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB"))
    # One 256-colour palette for every frame, taken from the last (which shows every path):
    # quicker than one palette per frame, and no colour flicker from frame to frame.
    palette = pictures[-1].quantize(colors=256, method=image.Quantize.FASTOCTREE)
    pictures = [picture.quantize(palette=palette, dither=image.Dither.NONE)
                for picture in pictures]
    pictures[0].save(path, format="GIF", save_all=True, append_images=pictures[1:],
                     duration=int(1000 / fps), loop=0)
    return figure


# ---------------------------------------------------------------- training
def plot_training_curves(loss, accuracy=None, lr=None, path=None, metric_name="accuracy"):
    """Three panels of a training run: the loss per epoch (log scale), the
    metric per epoch and the learning rate at every step.

    ``loss`` and ``accuracy`` have one value per epoch (``accuracy`` as a
    fraction, drawn in percent; another metric is named by ``metric_name`` and
    drawn as it is); ``lr`` has one value per optimizer step, drawn against
    fractional epochs. Panels whose data is None are left out. Returns the
    Figure (saved to ``path`` when given).
    """
    panels = [("loss", loss)] + [(name, values) for name, values
                                 in ((metric_name, accuracy), ("lr", lr)) if values is not None]
    figure, axes = _new_figure(len(panels), width=4.2 * len(panels), height=3.6)
    epochs = np.arange(1, len(loss) + 1)
    for ax, (name, values) in zip(axes, panels):
        values = np.asarray(values, dtype=float)
        if name == "lr":
            ax.plot(np.arange(1, len(values) + 1) * len(loss) / len(values), values, color="C2")
            ax.set_ylabel("learning rate")
        elif name == "loss":
            ax.plot(epochs, values, color="C0")
            if np.all(values[np.isfinite(values)] > 0):
                ax.set_yscale("log")
            ax.set_ylabel("training loss")
        else:
            percent = name == "accuracy"
            ax.plot(epochs, 100 * values if percent else values, color="C1")
            ax.set_ylabel(f"{name} (%)" if percent else name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    return _save(figure, path)


def plot_loss_curves(curves, path=None, title=None, xlabel="epoch", ylabel="training loss",
                     log_scale=True):
    """Several loss curves on one set of axes, e.g. one per optimizer.

    ``curves`` maps a label to its values (one per epoch, or per step with
    ``xlabel="step"``). The y axis is logarithmic when ``log_scale`` and every
    value is positive. Returns the Figure (saved to ``path`` when given).
    """
    figure, (ax,) = _new_figure(width=7.0, height=4.5)
    positive = True
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        positive &= bool(np.all(values[np.isfinite(values)] > 0))
        ax.plot(np.arange(1, len(values) + 1), values, label=label, linewidth=1.5)
    if log_scale and positive:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(figure, path)
