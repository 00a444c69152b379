"""Property tests (hypothesis), on every test device:

- binary elementwise ops over mutually broadcastable shapes: the forward equals
  NumPy's, the gradients have the inputs' shapes and equal PyTorch's;
- reductions over random dims (negative too, tuples) with and without keepdim;
- indexing with integer arrays holding repeated indices (the gradient
  accumulates) and with boolean masks, against PyTorch;
- backward mutates neither the input arrays nor the gradient given to it.
"""
import numpy as np
import torch
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import minigrad as mg

# The device fixture only names a device, so sharing it between examples is safe.
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def floats(low=-3.0, high=3.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def away_from_zero():
    return st.one_of(floats(-3.0, -0.5), floats(0.5, 3.0))


def both(x_np, device):
    """The same float64 data as a minigrad tensor on ``device`` and a torch tensor, both
    requiring grad."""
    return (mg.tensor(x_np, device=device, requires_grad=True),
            torch.tensor(x_np, requires_grad=True))


def weighted_sum_backward(out, expected, device, seed=0):
    """Backpropagate Σ w·out in both frameworks, with the same random weights w."""
    weights = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
    (out * mg.tensor(weights, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()


# ---------------------------------------------------------------- broadcasting
# name: (minigrad, torch, numpy, elements of a, elements of b)
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, np.add, floats(), floats()),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, np.subtract, floats(), floats()),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, np.multiply, floats(), floats()),
    "div": (lambda a, b: a / b, lambda a, b: a / b, np.divide, floats(), away_from_zero()),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, np.power, floats(0.5, 3.0), floats()),
    # ties (equal elements) are allowed: both frameworks split their gradient in half
    "maximum": (mg.maximum, torch.maximum, np.maximum, floats(), floats()),
    "minimum": (mg.minimum, torch.minimum, np.minimum, floats(), floats()),
}


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(BINARY)),
       shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_binary_ops_broadcast_like_numpy_with_torchs_gradients(data, name, shapes, device):
    ours, theirs, numpy_op, a_elements, b_elements = BINARY[name]
    a_np = data.draw(arrays(np.float64, shapes.input_shapes[0], elements=a_elements), label="a")
    b_np = data.draw(arrays(np.float64, shapes.input_shapes[1], elements=b_elements), label="b")
    (a, ta), (b, tb) = both(a_np, device), both(b_np, device)
    out, expected = ours(a, b), theirs(ta, tb)
    assert out.shape == shapes.result_shape and out.device == device
    mg.testing.assert_close(out, numpy_op(a_np, b_np), rtol=1e-12, atol=1e-12)
    weighted_sum_backward(out, expected, device)
    assert a.grad.shape == a_np.shape and b.grad.shape == b_np.shape
    mg.testing.assert_close(a.grad, ta.grad, rtol=1e-10, atol=1e-12)
    mg.testing.assert_close(b.grad, tb.grad, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(data=st.data(),
       shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3))
def test_where_broadcasts_condition_and_both_branches(data, shapes, device):
    condition = data.draw(arrays(np.bool_, shapes.input_shapes[0]), label="condition")
    a_np = data.draw(arrays(np.float64, shapes.input_shapes[1], elements=floats()), label="a")
    b_np = data.draw(arrays(np.float64, shapes.input_shapes[2], elements=floats()), label="b")
    (a, ta), (b, tb) = both(a_np, device), both(b_np, device)
    out = mg.where(mg.tensor(condition, device=device), a, b)
    expected = torch.where(torch.from_numpy(condition), ta, tb)
    mg.testing.assert_close(out, np.where(condition, a_np, b_np), rtol=0, atol=0)
    weighted_sum_backward(out, expected, device)
    assert a.grad.shape == a_np.shape and b.grad.shape == b_np.shape
    mg.testing.assert_close(a.grad, ta.grad)
    mg.testing.assert_close(b.grad, tb.grad)


# ---------------------------------------------------------------- reductions
REDUCTIONS = {
    "sum": (mg.sum, torch.sum),
    "mean": (mg.mean, torch.mean),
    "var": (mg.var, torch.var),
    "std": (mg.std, torch.std),
    "amax": (mg.amax, torch.amax),       # ties allowed: both split the gradient evenly
    "amin": (mg.amin, torch.amin),
    "max": (lambda x, dim, keepdim: mg.max(x, dim, keepdim).values,
            lambda t, dim, keepdim: torch.amax(t, dim, keepdim)),
    "logsumexp": (mg.logsumexp, torch.logsumexp),
}


@st.composite
def reduction_dims(draw, ndim):
    """A single dim or a tuple of distinct dims, each possibly negative."""
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    dims = tuple(axis - ndim if draw(st.booleans()) else axis for axis in axes)
    return dims[0] if len(dims) == 1 and draw(st.booleans()) else dims


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(REDUCTIONS)), keepdim=st.booleans(),
       shape=st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple))
def test_reductions_over_random_dims(data, name, keepdim, shape, device):
    ours, theirs = REDUCTIONS[name]
    if name == "max":   # max(x, dim) takes one dim and returns (values, indices)
        dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    else:
        dim = data.draw(reduction_dims(len(shape)), label="dim")
    if name in ("var", "std"):
        # n - 1 > 0 elements per reduction, and values on a grid without ties (std' finite)
        reduced = np.prod([shape[d] for d in np.atleast_1d(dim)])
        assume(reduced > 1)
        elements = st.integers(-60, 60).map(lambda k: k / 8)
        x_np = data.draw(arrays(np.float64, shape, elements=elements, unique=True), label="x")
    else:
        x_np = data.draw(arrays(np.float64, shape, elements=floats()), label="x")
    x, t = both(x_np, device)
    out, expected = ours(x, dim, keepdim=keepdim), theirs(t, dim, keepdim=keepdim)
    assert tuple(out.shape) == tuple(expected.shape)
    mg.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)
    weighted_sum_backward(out, expected, device)
    mg.testing.assert_close(x.grad, t.grad, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- indexing
@st.composite
def index_arrays(draw, size, max_len=6):
    """Integer index arrays (1-D or 2-D), negative indices and repeats welcome."""
    index = st.integers(-size, size - 1)
    if draw(st.booleans()):
        return np.array(draw(st.lists(index, min_size=1, max_size=max_len)), dtype=np.int64)
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return np.array(draw(st.lists(index, min_size=rows * cols, max_size=rows * cols)),
                    dtype=np.int64).reshape(rows, cols)


def index_pair(key, device):
    """The same key for minigrad (arrays as tensors on ``device``) and for torch."""
    def ours(item):
        return mg.tensor(item, device=device) if isinstance(item, np.ndarray) else item

    def theirs(item):
        return torch.from_numpy(item) if isinstance(item, np.ndarray) else item
    return tuple(map(ours, key)), tuple(map(theirs, key))


@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple),
       form=st.sampled_from(["rows", "columns", "pairs", "int-then-array"]))
def test_integer_array_indexing_accumulates_repeated_indices(data, shape, form, device):
    x_np = data.draw(arrays(np.float64, shape, elements=floats()), label="x")
    if form == "rows":
        key = (data.draw(index_arrays(shape[0]), label="rows"),)
    elif form == "columns":
        key = (slice(None), data.draw(index_arrays(shape[1]), label="columns"))
    elif form == "pairs":     # two index arrays broadcast against each other
        rows = data.draw(index_arrays(shape[0]), label="rows")
        key = (rows, data.draw(arrays(np.int64, rows.shape[-1:],
                                      elements=st.integers(-shape[1], shape[1] - 1)), label="cols"))
    else:                     # an int, a slice, then an array: PyTorch's dimension order
        key = (data.draw(st.integers(-shape[0], shape[0] - 1), label="int"), Ellipsis,
               data.draw(index_arrays(shape[-1]), label="last"))
    ours_key, theirs_key = index_pair(key, device)
    (x, t) = both(x_np, device)
    out, expected = x[ours_key], t[theirs_key]
    assert tuple(out.shape) == tuple(expected.shape)
    mg.testing.assert_close(out, expected, rtol=0, atol=0)
    weighted_sum_backward(out, expected, device)
    mg.testing.assert_close(x.grad, t.grad, rtol=1e-12, atol=1e-12)
    # each element's gradient is the sum of the weights of every place it was picked
    assert np.isclose(x.grad.detach().numpy().sum(), t.grad.detach().numpy().sum())


@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       leading=st.integers(1, 3))
def test_boolean_mask_indexing(data, shape, leading, device):
    leading = min(leading, len(shape))   # the mask covers the first `leading` dims
    x_np = data.draw(arrays(np.float64, shape, elements=floats()), label="x")
    mask = data.draw(arrays(np.bool_, shape[:leading]), label="mask")
    (x, t) = both(x_np, device)
    out, expected = x[mg.tensor(mask, device=device)], t[torch.from_numpy(mask)]
    mg.testing.assert_close(out, x_np[mask], rtol=0, atol=0)
    weighted_sum_backward(out, expected, device)
    mg.testing.assert_close(x.grad, t.grad, rtol=0, atol=0)
    assert (x.grad.detach().numpy()[~mask] == 0).all()


# ---------------------------------------------------------------- nothing is mutated
GRAPHS = {
    "add": lambda a, b: a + b,        # the given gradient reaches both leaves unchanged
    "sub": lambda a, b: a - b,
    "mul_tanh": lambda a, b: (a * b + a).tanh() + b,
    "div": lambda a, b: a / (b * b + 1),
    "maximum": mg.maximum,
    "where": lambda a, b: mg.where(a > b, a, b),
    "clone_reshape": lambda a, b: (a.clone() + b).reshape(-1).reshape((a + b).shape),
    "exp_sigmoid": lambda a, b: a.exp() * b.sigmoid(),
}


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(GRAPHS)),
       shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       twice=st.booleans())
def test_backward_mutates_neither_inputs_nor_the_given_gradient(data, name, shapes, twice, device):
    a_np = data.draw(arrays(np.float64, shapes.input_shapes[0], elements=floats()), label="a")
    b_np = data.draw(arrays(np.float64, shapes.input_shapes[1], elements=floats()), label="b")
    g_np = data.draw(arrays(np.float64, shapes.result_shape, elements=floats()), label="gradient")
    a = mg.tensor(a_np, device=device, requires_grad=True)
    b = mg.tensor(b_np, device=device, requires_grad=True)
    gradient = mg.tensor(g_np, device=device)
    out = GRAPHS[name](a, b)
    out.backward(gradient, retain_graph=True)
    first = a.grad.detach().numpy().copy(), b.grad.detach().numpy().copy()
    if twice:   # the second backward adds into .grad: that must not write through to gradient
        out.backward(gradient)
        np.testing.assert_allclose(a.grad.detach().numpy(), 2 * first[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b.grad.detach().numpy(), 2 * first[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(a.detach().numpy(), a_np)
    np.testing.assert_array_equal(b.detach().numpy(), b_np)
    np.testing.assert_array_equal(gradient.detach().numpy(), g_np)
    with mg.no_grad():                # nor may the stored grads alias the given gradient
        a.grad.zero_()
        b.grad.zero_()
    np.testing.assert_array_equal(gradient.detach().numpy(), g_np)
    np.testing.assert_array_equal(a.detach().numpy(), a_np)
    np.testing.assert_array_equal(b.detach().numpy(), b_np)

