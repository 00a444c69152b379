"""``minigrad.viz``: watch optimizers move and training go.

- ``functions``: 2-D test functions (Rosenbrock, Beale, Himmelblau, a saddle,
  an ill-conditioned ravine, Rastrigin) written with minigrad's operations, their
  minima documented;
- ``trajectory``: run any ``mg.optim`` optimizer on one and record its path;
- ``plots``: the paths over a contour plot (a PNG, or an animated GIF) and
  training curves (loss, accuracy, learning rate).

    from minigrad import optim, viz
    paths = {name: viz.trajectory(viz.rosenbrock, cls, steps=500, lr=lr)
             for name, cls, lr in [("SGD", optim.SGD, 1e-3), ("Adam", optim.Adam, 0.05)]}
    viz.plot_landscape(viz.rosenbrock, paths, "rosenbrock.png")

The test functions and trajectories need only NumPy; the figures need
matplotlib, imported when a figure is drawn (``pip install minigrad[plot]``).
"""
from .functions import (FUNCTIONS, TestFunction, beale, get_function, himmelblau, rastrigin,
                        ravine, rosenbrock, saddle)
from .plots import animate_landscape, plot_landscape, plot_loss_curves, plot_training_curves
from .trajectory import Trajectory, trajectory

__all__ = ["FUNCTIONS", "TestFunction", "get_function", "rosenbrock", "beale", "himmelblau",
           "saddle", "ravine", "rastrigin", "Trajectory", "trajectory", "plot_landscape",
           "animate_landscape", "plot_training_curves", "plot_loss_curves"]
