"""Two-dimensional test functions for watching optimizers move.

Each function f(x, y) is written with minigrad's own operations, so the same
formula gives a differentiable loss for an optimizer (x and y 0-d tensors that
require grad) and a surface for a contour plot (x and y grids). Each one shows
one difficulty an optimizer meets in a real network, small enough to draw:

- ``rosenbrock``: f = (1 − x)² + 100 (y − x²)²; minimum f(1, 1) = 0. A curved,
  flat-bottomed valley: easy to find, slow to follow.
- ``beale``: f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²;
  minimum f(3, 0.5) = 0. Sharp ridges and a flat plateau: gradients from 0 to
  10⁵ in one window.
- ``himmelblau``: f = (x² + y − 11)² + (x + y² − 7)²; four minima, f = 0 at
  each: (3, 2), (−2.805118, 3.131312), (−3.779310, −3.283186) and
  (3.584428, −1.848126). The start decides which one is found.
- ``saddle``: f = x² + y⁴/4 − y²/2; minima f(0, ±1) = −1/4, and a saddle point
  at (0, 0). From a start near the saddle, plain gradient descent creeps away
  and momentum escapes.
- ``ravine``: f = x²/2 + 10 y²; minimum f(0, 0) = 0. An ill-conditioned
  quadratic (curvatures 1 and 20, condition number 20): gradient descent
  zig-zags across the ravine, momentum rolls along it.
- ``rastrigin``: f = 20 + x² − 10 cos 2πx + y² − 10 cos 2πy; minimum
  f(0, 0) = 0, and a local minimum near every integer point. Where an
  optimizer stops depends on its step size.

Each ``TestFunction`` also carries the plotting window (``bounds``), a
customary starting point (``start``) and whether its contour levels are best
spaced logarithmically (``log_levels``, for functions that span many orders of
magnitude).
"""
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor as make_tensor
from ..dtypes import float64
from ..ops.elementwise import cos

__all__ = ["TestFunction", "FUNCTIONS", "get_function",
           "rosenbrock", "beale", "himmelblau", "saddle", "ravine", "rastrigin"]


@dataclass(frozen=True)
class TestFunction:
    """A 2-D test function with what is known about it.

    ``f(x, y)`` evaluates it on tensors of the same shape (a tensor out);
    ``minima`` lists its global minima (``minimum_value`` is f at each);
    ``saddle_points`` any saddle points worth marking; ``bounds`` is the plotting
    window ``((x_min, x_max), (y_min, y_max))``; ``start`` a customary start.
    """

    name: str
    formula: str
    f: Callable
    minima: tuple
    minimum_value: float
    bounds: tuple
    start: tuple
    log_levels: bool = False
    saddle_points: tuple = ()

    # Not a pytest test class, whatever its name says.
    __test__ = False

    def __call__(self, x, y):
        return self.f(x, y)

    def value(self, point):
        """f at ``point`` = (x, y), as a Python float (computed in float64)."""
        x, y = (make_tensor(float(c), dtype=float64) for c in point)
        with no_grad():
            return float(self.f(x, y).item())

    def grid(self, resolution=200):
        """``(X, Y, Z)``: NumPy arrays of shape (resolution, resolution) over ``bounds``,
        with ``Z = f(X, Y)``, for a contour plot."""
        (x_min, x_max), (y_min, y_max) = self.bounds
        xs, ys = np.meshgrid(np.linspace(x_min, x_max, resolution),
                             np.linspace(y_min, y_max, resolution))
        with no_grad():
            zs = self.f(make_tensor(xs, dtype=float64), make_tensor(ys, dtype=float64)).detach().numpy()
        return xs, ys, zs

    def nearest_minimum(self, point):
        """The global minimum closest to ``point`` and the distance to it."""
        distances = [math.dist(point, minimum) for minimum in self.minima]
        best = int(np.argmin(distances))
        return self.minima[best], distances[best]


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def _himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def _saddle(x, y):
    return x ** 2 + y ** 4 / 4 - y ** 2 / 2


def _ravine(x, y):
    return x ** 2 / 2 + 10 * y ** 2


def _rastrigin(x, y):
    return 20 + x ** 2 - 10 * cos(2 * math.pi * x) + y ** 2 - 10 * cos(2 * math.pi * y)


rosenbrock = TestFunction(
    "rosenbrock", "(1 − x)² + 100 (y − x²)²", _rosenbrock,
    minima=((1.0, 1.0),), minimum_value=0.0,
    bounds=((-2.0, 2.0), (-1.0, 3.0)), start=(-1.5, 2.5), log_levels=True)

beale = TestFunction(
    "beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", _beale,
    minima=((3.0, 0.5),), minimum_value=0.0,
    bounds=((-4.5, 4.5), (-4.5, 4.5)), start=(1.0, 1.5), log_levels=True)

himmelblau = TestFunction(
    "himmelblau", "(x² + y − 11)² + (x + y² − 7)²", _himmelblau,
    minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
    minimum_value=0.0, bounds=((-5.0, 5.0), (-5.0, 5.0)), start=(0.0, -0.5), log_levels=True)

saddle = TestFunction(
    "saddle", "x² + y⁴/4 − y²/2", _saddle,
    minima=((0.0, 1.0), (0.0, -1.0)), minimum_value=-0.25,
    bounds=((-2.0, 2.0), (-1.6, 1.6)), start=(-1.5, 0.001), saddle_points=((0.0, 0.0),))

ravine = TestFunction(
    "ravine", "x²/2 + 10 y²", _ravine,
    minima=((0.0, 0.0),), minimum_value=0.0,
    bounds=((-5.0, 5.0), (-2.0, 2.0)), start=(-4.5, 1.0))

rastrigin = TestFunction(
    "rastrigin", "20 + x² − 10 cos 2πx + y² − 10 cos 2πy", _rastrigin,
    minima=((0.0, 0.0),), minimum_value=0.0,
    bounds=((-5.12, 5.12), (-5.12, 5.12)), start=(-3.2, 2.9))

FUNCTIONS = {function.name: function
             for function in (rosenbrock, beale, himmelblau, saddle, ravine, rastrigin)}


def get_function(name):
    """The test function called ``name`` (case-insensitive); a ValueError lists the names."""
    function = FUNCTIONS.get(str(name).lower())
    if function is None:
        raise ValueError(f"unknown test function {name!r}; choose one of: {', '.join(FUNCTIONS)}")
    return function
