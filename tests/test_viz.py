"""minigrad.viz: the test functions' minima and gradients, trajectories that go
downhill, and figures written as real PNG and GIF files."""
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim, viz

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def gradient_at(function, point):
    p = mg.tensor(list(point), dtype=mg.float64, requires_grad=True)
    function(p[0], p[1]).backward()
    return p.grad.detach().numpy()


@pytest.mark.parametrize("function", viz.FUNCTIONS.values(), ids=list(viz.FUNCTIONS))
def test_documented_minima_are_minima(function):
    for minimum in function.minima:
        # Himmelblau's three irrational minima are documented to six decimals.
        assert function.value(minimum) == pytest.approx(function.minimum_value, abs=1e-9)
        assert np.abs(gradient_at(function, minimum)).max() < 1e-3
    _, _, heights = function.grid(201)
    assert heights.min() >= function.minimum_value - 1e-9  # nothing lower in the window


@pytest.mark.parametrize("function", viz.FUNCTIONS.values(), ids=list(viz.FUNCTIONS))
def test_gradients_match_finite_differences(function):
    rng = np.random.default_rng(0)
    (x_min, x_max), (y_min, y_max) = function.bounds
    for _ in range(3):
        x = mg.tensor(rng.uniform(x_min, x_max), dtype=mg.float64, requires_grad=True)
        y = mg.tensor(rng.uniform(y_min, y_max), dtype=mg.float64, requires_grad=True)
        assert mg.gradcheck(function, (x, y))


def test_known_values_away_from_the_minima():
    assert viz.rosenbrock.value((0, 0)) == pytest.approx(1.0)
    assert viz.beale.value((0, 0)) == pytest.approx(1.5 ** 2 + 2.25 ** 2 + 2.625 ** 2)
    assert viz.himmelblau.value((0, 0)) == pytest.approx(11 ** 2 + 7 ** 2)
    assert viz.ravine.value((2, 1)) == pytest.approx(2 + 10)
    assert viz.rastrigin.value((0.5, 0)) == pytest.approx(20 + 0.25 + 10 - 10)  # cos π = −1


def test_the_saddle_is_a_saddle():
    saddle = viz.saddle
    assert np.abs(gradient_at(saddle, (0.0, 0.0))).max() == 0.0
    assert saddle.value((0.1, 0.0)) > saddle.value((0, 0)) > saddle.value((0.0, 0.1))


def test_functions_are_found_by_name():
    assert viz.get_function("Rosenbrock") is viz.rosenbrock
    with pytest.raises(ValueError, match="unknown test function 'banana'.*rosenbrock, beale"):
        viz.get_function("banana")


# ---------------------------------------------------------------- trajectories
@pytest.mark.parametrize("function", viz.FUNCTIONS.values(), ids=list(viz.FUNCTIONS))
def test_adam_goes_downhill_everywhere(function):
    path = viz.trajectory(function, optim.Adam, steps=60, lr=0.05)
    assert path.points.shape == (61, 2) and path.values.shape == (61,)
    assert tuple(path.points[0]) == pytest.approx(function.start)
    assert path.values[-1] < path.values[0]
    assert path.values[-1] == pytest.approx(function.value(path.points[-1]))
    assert not path.diverged


def test_momentum_beats_plain_descent_in_the_ravine():
    plain = viz.trajectory(viz.ravine, optim.SGD, steps=50, lr=0.04)
    heavy_ball = viz.trajectory(viz.ravine, optim.SGD, steps=50, lr=0.04, momentum=0.7)
    assert heavy_ball.values[-1] < 1e-3 < plain.values[-1]


def test_gradient_descent_on_the_ravine_matches_the_closed_form():
    # f = x²/2 + 10y²: each step multiplies x by (1 − lr) and y by (1 − 20 lr).
    path = viz.trajectory(viz.ravine, optim.SGD, steps=5, start=(2.0, 1.0), lr=0.01)
    expected = [[2.0 * 0.99 ** t, 0.8 ** t] for t in range(6)]
    np.testing.assert_allclose(path.points, expected, rtol=1e-12)


def test_a_runaway_trajectory_stops_and_says_so():
    path = viz.trajectory(viz.ravine, optim.SGD, steps=100, lr=1.0)  # y grows 19× a step
    assert path.diverged
    assert len(path.points) < 101 and np.isfinite(path.values).all()


def test_optimizers_built_by_a_callable_lbfgs_and_schedule_free():
    lookahead = viz.trajectory(viz.rosenbrock, lambda params: optim.Lookahead(
        optim.SGD(params, lr=1e-3, momentum=0.9)), steps=100)
    lbfgs = viz.trajectory(viz.rosenbrock, optim.LBFGS, steps=5, line_search_fn="strong_wolfe")
    schedule_free = viz.trajectory(viz.ravine, optim.SGDScheduleFree, steps=50, lr=0.03)
    assert lookahead.values[-1] < lookahead.values[0]
    assert lbfgs.values[-1] < 1e-6  # quasi-Newton with a line search solves it in a few steps
    assert schedule_free.values[-1] < schedule_free.values[0]
    with pytest.raises(TypeError, match="only with an optimizer class"):
        viz.trajectory(viz.ravine, lambda params: optim.SGD(params), lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        viz.trajectory(viz.ravine, optim.SGD, steps=-1)


# ---------------------------------------------------------------- figures
@pytest.mark.slow
def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, minigrad.viz; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_without_matplotlib_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError,
                       match=r'matplotlib, which is not installed: pip install "minigrad\[plot\]"'):
        viz.plot_loss_curves({"a": [1.0, 0.5]})


def read_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 10_000  # a drawn figure, not an empty canvas
    return data


def test_landscape_png_and_gif(tmp_path):
    pytest.importorskip("matplotlib")
    image = pytest.importorskip("PIL.Image")
    paths = {"SGD": viz.trajectory(viz.himmelblau, optim.SGD, steps=30, lr=0.01),
             "Adam": viz.trajectory(viz.himmelblau, optim.Adam, steps=80, lr=0.1)}
    figure = viz.plot_landscape(viz.himmelblau, paths, tmp_path / "himmelblau.png")
    read_png(tmp_path / "himmelblau.png")
    assert [line.get_label() for line in figure.axes[0].get_legend().get_lines()] == ["SGD", "Adam"]
    viz.animate_landscape(viz.himmelblau, paths, tmp_path / "himmelblau.gif", max_frames=12)
    gif = tmp_path / "himmelblau.gif"
    assert gif.read_bytes()[:6] == b"GIF89a"
    with image.open(gif) as movie:
        assert movie.n_frames == 12
    with pytest.raises(ValueError, match="at least one trajectory"):
        viz.animate_landscape(viz.himmelblau, {}, tmp_path / "none.gif")


def test_training_curves_and_loss_overlay(tmp_path):
    pytest.importorskip("matplotlib")
    figure = viz.plot_training_curves([1.0, 0.5, 0.25], [0.5, 0.75, 0.9], [0.1] * 12,
                                      tmp_path / "curves.png")
    read_png(tmp_path / "curves.png")
    assert [ax.get_ylabel() for ax in figure.axes] == ["training loss", "accuracy (%)",
                                                       "learning rate"]
    assert figure.axes[1].get_lines()[0].get_ydata().tolist() == [50.0, 75.0, 90.0]
    only_loss = viz.plot_training_curves([1.0, 0.5])
    assert len(only_loss.axes) == 1
    figure = viz.plot_loss_curves({"SGD": [1.0, 0.8], "Adam": [1.0, 0.3]}, tmp_path / "cmp.png")
    read_png(tmp_path / "cmp.png")
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["SGD", "Adam"]
    assert figure.axes[0].get_yscale() == "log"
