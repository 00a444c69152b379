"""Run an optimizer on a 2-D test function and record where it goes.

The point p = (x, y) is one parameter tensor of shape (2,) (float64), the loss
is f(p₀, p₁), and every step is the ordinary training step

    optimizer.zero_grad();  loss = f(p);  loss.backward();  optimizer.step()

given to ``optimizer.step`` as a closure, so that optimizers which evaluate
the loss several times per step (``LBFGS``) work too; for the optimizers that
differentiate the gradients once more (``SophiaH``, ``AdaHessian``) the
backward is ``loss.backward(create_graph=True)``. The trajectory is the
start followed by the point after each step: the points at which the optimizer
took its gradients. (For the schedule-free optimizers that is their
interpolated point y; they are put in train mode first.)

A run stops early when the point leaves any sensible region (a coordinate
beyond ``divergence_limit``) or f is no longer finite; ``diverged`` says so.

    path = trajectory(rosenbrock, mg.optim.Adam, steps=300, lr=0.05)
    path.points[-1], path.values[-1]       # where Adam ended and f there
"""
import math
from typing import NamedTuple

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor as make_tensor
from ..dtypes import float64
from ..optim.hutchinson import needs_gradient_graph
from ..optim.optimizer import Optimizer

__all__ = ["Trajectory", "trajectory"]


class Trajectory(NamedTuple):
    """``points``: array (steps + 1, 2), the start then the point after each step;
    ``values``: f at each point, array (steps + 1,); ``diverged``: whether the run
    was stopped because the point ran away."""

    points: np.ndarray
    values: np.ndarray
    diverged: bool


def trajectory(function, optimizer, steps=100, start=None, divergence_limit=1e6, **hyperparameters):
    """Minimise ``function`` (a ``TestFunction``) for ``steps`` steps from ``start``.

    ``optimizer`` is an optimizer class, built as ``optimizer([point], **hyperparameters)``
    (``trajectory(rosenbrock, mg.optim.SGD, lr=1e-3, momentum=0.9)``), or a
    callable that builds one from the parameter list
    (``lambda params: mg.optim.Lookahead(mg.optim.SGD(params, lr=1e-3))``).
    ``start`` defaults to the function's customary start.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    start = function.start if start is None else start
    point = make_tensor([float(c) for c in start], dtype=float64, requires_grad=True)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        optimizer = optimizer([point], **hyperparameters)
    elif hyperparameters:
        raise TypeError("hyperparameters are passed only with an optimizer class; a callable "
                        "that builds the optimizer sets its own")
    else:
        optimizer = optimizer([point])
    if callable(getattr(optimizer, "train", None)):
        optimizer.train()
    create_graph = needs_gradient_graph(optimizer)

    def closure():
        optimizer.zero_grad()
        loss = function(point[0], point[1])
        loss.backward(create_graph=create_graph)
        return loss

    first = point.detach().numpy().copy()
    points, values = [first], [function.value(first)]
    diverged = False
    for _ in range(steps):
        optimizer.step(closure)
        with no_grad():
            current = point.detach().numpy().copy()
        value = function.value(current)
        if not (np.all(np.abs(current) < divergence_limit) and math.isfinite(value)):
            diverged = True
            break
        points.append(current)
        values.append(value)
    return Trajectory(np.array(points), np.array(values), diverged)
