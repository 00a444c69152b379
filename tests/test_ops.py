"""Every row of the op table (tests/op_table.py) × its samples × every test device:

- forward equals PyTorch's (float64, tight tolerance; shapes, dtypes, device),
- the same in float32 with float32 tolerances,
- backward equals PyTorch's: d(Σ out · w)/d(input) for random w, every float input
  (these three in one test per row and device, PyTorch's side computed once per sample),
- gradcheck and gradgradcheck (double backward) pass in float64: every sample on
  the CPU, the whole Jacobian; each op's first sample on the other devices, in
  gradcheck's random-direction mode;

then the numerical-stability checks at ±1e4 and the conventions at kinks and ties. The
table's tests take a row's samples in one test (each is milliseconds, about pytest's own cost
per test) and name every sample that fails.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
import grouped_checks
from conftest import _devices
from op_table import OPS, OPS_BY_NAME, REQUIRED


# ---------------------------------------------------------------- running a sample on both sides
def mg_value(value, device, dtype):
    """A sample argument as minigrad sees it (see op_table's docstring)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return mg.tensor(value.astype(dtype), device=device, requires_grad=True)
        return mg.tensor(value, device=device)
    if isinstance(value, tuple):
        return tuple(mg_value(item, device, dtype) for item in value)
    return value


def torch_value(value, dtype):
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return torch.tensor(value, dtype=dtype, requires_grad=True)
        return torch.from_numpy(value)
    if isinstance(value, tuple):
        return tuple(torch_value(item, dtype) for item in value)
    return value


def as_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def requiring_grad(inputs):
    return [x for x in inputs if isinstance(x, (mg.Tensor, torch.Tensor)) and x.requires_grad]


def floating(outputs):
    return [o for o in outputs if np.dtype(str(o.dtype).removeprefix("torch.")).kind == "f"]


def same_dtype(ours, theirs):
    return ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))


def cases():
    """pytest params (op, its samples) for every row."""
    return [pytest.param(op, op.sample_inputs(), id=op.name) for op in OPS]


def failures_of(check, samples):
    """``check(sample)`` for each sample (``grouped_checks.failures_of``), a failure named
    with the sample's index and shape; a failed gradcheck counts as a failure."""
    numbered = list(enumerate(samples))
    return grouped_checks.failures_of(lambda item: check(item[1]), numbered,
                                      name=lambda item: f"sample {item[0]} ({item[1]!r})",
                                      errors=(AssertionError, mg.GradcheckError))


# ---------------------------------------------------------------- the table's tests
# PyTorch's side of each sample, computed once for all test devices: id(sample) ->
# (sample, its results); the sample is kept so that its id stays its own.
_TORCH_RESULTS = {}


def torch_results(op, sample):
    """PyTorch's float64 outputs, the float64 gradients of Σ w·out over the float outputs
    (random w, for differentiable rows; None for an input the outputs do not depend on) with
    those w, and the float32 outputs; tensors detached from their graphs."""
    if id(sample) not in _TORCH_RESULTS:
        inputs = [torch_value(a, torch.float64) for a in sample.args]
        outputs = as_tuple(op.ref(*inputs, **sample.kwargs))
        weights = grads = None
        if op.differentiable:
            rng = np.random.default_rng(1)
            weights = [rng.standard_normal(tuple(o.shape)) for o in floating(outputs)]
            sum((o * torch.tensor(w)).sum() for o, w in zip(floating(outputs), weights)).backward()
            grads = [t.grad for t in requiring_grad(inputs)]
        single = as_tuple(op.ref(*[torch_value(a, torch.float32) for a in sample.args],
                                 **sample.kwargs))
        _TORCH_RESULTS[id(sample)] = sample, (tuple(o.detach() for o in outputs), weights, grads,
                                              tuple(o.detach() for o in single))
    return _TORCH_RESULTS[id(sample)][1]


def check_forward(ours, theirs, device, rtol, atol):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert isinstance(a, mg.Tensor)
        assert a.device == device, "the output must be on the input's device"
        assert tuple(a.shape) == tuple(b.shape)
        assert same_dtype(a, b), (a.dtype, b.dtype)
        mg.testing.assert_close(a, b, rtol=rtol, atol=atol)


def check_backward(ours_in, ours, weights, expected_grads, device):
    """d(Σ out · w)/d(input) for every float input, against PyTorch's."""
    ours = floating(ours)
    assert all(o.requires_grad for o in ours)
    sum((o * mg.tensor(w, device=device)).sum() for o, w in zip(ours, weights)).backward()
    for x, expected in zip(requiring_grad(ours_in), expected_grads):
        if expected is None:    # an input the outputs do not depend on (expand_as's shape)
            assert x.grad is None
            continue
        assert x.grad is not None
        assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
        assert x.grad.device == device, "the gradient must be on the input's device"
        mg.testing.assert_close(x.grad, expected, rtol=1e-10, atol=1e-12)


def check_against_torch(op, sample, device):
    """Forward in float64 (tight tolerance; shapes, dtypes, device) and in float32 (the row's
    float32 tolerances), and for a differentiable row backward in float64, against PyTorch;
    every check that fails is reported, by name."""
    outputs, weights, grads, single = torch_results(op, sample)
    failures = []

    def check(what, function, *args):
        try:
            function(*args)
        except AssertionError as error:
            failures.append(f"{what}: {error}")

    ours_in = [mg_value(a, device, "float64") for a in sample.args]
    ours = as_tuple(op.op(*ours_in, **sample.kwargs))
    check("float64 forward", check_forward, ours, outputs, device, 1e-12, 1e-12)
    if op.differentiable:
        check("float64 backward", check_backward, ours_in, ours, weights, grads, device)
    ours32 = as_tuple(op.op(*[mg_value(a, device, "float32") for a in sample.args],
                            **sample.kwargs))
    check("float32 forward", check_forward, ours32, single, device, *op.float32_tolerance)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("op, samples", cases())
def test_matches_torch(op, samples, device):
    """Every sample of the row against PyTorch (``check_against_torch``)."""
    failures = failures_of(lambda sample: check_against_torch(op, sample, device), samples)
    assert not failures, "\n".join(failures)


def derivative_check_cases():
    """(device, op, samples, fast_mode) for ``test_gradcheck`` and ``test_gradgradcheck``:
    every sample of every op on the CPU, and each op's first sample on the other test
    devices (the 'strict' stand-in, CUDA where available); one test per op and device.

    The finite-difference checks' numbers are the CPU's: there the whole Jacobian is
    compared, element by element (``fast_mode=None``: gradcheck's own choice, the
    random-direction mode only for inputs or outputs of more than 400 elements). The
    strict device computes with NumPy too, and ``test_matches_torch``
    compares every sample's gradient there with PyTorch's; what another device adds,
    that nothing reads a value back implicitly and every array stays on the device,
    shows in any pass through the forward, backward and double backward, so there
    gradcheck runs in its random-direction mode (``fast_mode=True``: the derivative
    along one random direction, weighted by random output weights, against its
    central difference), one sample per op, at a few percent of the cost of the
    whole Jacobian. ``MINIGRAD_TEST_DEVICE`` (one device) runs every sample there,
    the whole Jacobian."""
    devices = _devices()
    params = []
    for op in OPS:
        if not op.differentiable:
            continue
        samples = op.sample_inputs()
        for position, device in enumerate(devices):
            chosen = samples if position == 0 else samples[:1]
            fast_mode = None if position == 0 else True
            params.append(pytest.param(device, op, chosen, fast_mode, id=f"{device}-{op.name}"))
    return params


@pytest.mark.parametrize("device, op, samples, fast_mode", derivative_check_cases())
def test_gradcheck(device, op, samples, fast_mode):
    def check(sample):
        inputs = [mg_value(a, device, "float64") for a in sample.args]
        assert mg.gradcheck(lambda *args: op.op(*args, **sample.kwargs), inputs,
                            eps=op.gradcheck_eps, fast_mode=fast_mode)

    failures = failures_of(check, samples)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("device, op, samples, fast_mode", derivative_check_cases())
def test_gradgradcheck(device, op, samples, fast_mode):
    def check(sample):
        inputs = [mg_value(a, device, "float64") for a in sample.args]
        assert mg.gradgradcheck(lambda *args: op.op(*args, **sample.kwargs), inputs,
                                eps=op.gradcheck_eps, fast_mode=fast_mode)

    failures = failures_of(check, samples)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("what, row", sorted(REQUIRED.items()))
def test_every_listed_function_has_a_row(what, row):
    assert row in OPS_BY_NAME, f"{what}: no row named {row!r} in the op table"
    assert len(OPS_BY_NAME[row].sample_inputs()) >= 1


# ---------------------------------------------------------------- stability at ±1e4
EXTREME = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4], [1e4, -1e4, 3.0]])

STABLE = [
    ("softmax", lambda x: mg.softmax(x, -1), lambda x: torch.softmax(x, -1)),
    ("softmax_dim0", lambda x: mg.softmax(x, 0), lambda x: torch.softmax(x, 0)),
    ("log_softmax", lambda x: mg.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1)),
    ("log_softmax_dim0", lambda x: mg.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0)),
    ("logsumexp", lambda x: mg.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1)),
    ("logsumexp_all", lambda x: mg.logsumexp(x, (0, 1)), lambda x: torch.logsumexp(x, (0, 1))),
    ("sigmoid", mg.sigmoid, torch.sigmoid),
    ("softplus", mg.softplus, TF.softplus),
    ("softplus_beta", lambda x: mg.softplus(x, beta=0.5), lambda x: TF.softplus(x, beta=0.5)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, ours, theirs", STABLE, ids=[s[0] for s in STABLE])
@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["+", "-"])
def test_no_inf_or_nan_at_1e4(name, ours, theirs, sign, dtype, device):
    data = (sign * EXTREME).astype(dtype)
    x = mg.tensor(data, device=device, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, expected = ours(x), theirs(t)
    assert y.dtype == dtype
    assert np.isfinite(y.detach().numpy()).all()
    mg.testing.assert_close(y, expected)
    weights = np.linspace(-1, 1, y.numel()).reshape(y.shape).astype(dtype)
    (y * mg.tensor(weights, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    assert x.grad.dtype == dtype
    assert np.isfinite(x.grad.detach().numpy()).all()
    mg.testing.assert_close(x.grad, t.grad)


# ---------------------------------------------------------------- kinks and ties
def grads_of(ours, theirs, arrays, device):
    """Gradients of Σ w·f(inputs) in minigrad and in PyTorch, as NumPy arrays."""
    xs = [mg.tensor(a, device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, expected = ours(*xs), theirs(*ts)
    weights = np.arange(1.0, y.numel() + 1).reshape(y.shape)
    (y * mg.tensor(weights, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    return [x.grad.detach().numpy() for x in xs], [t.grad.detach().numpy() for t in ts]


def test_relu_derivative_at_zero_is_zero(device):
    (got,), (expected,) = grads_of(mg.relu, torch.relu, [np.array([-1.0, 0.0, 2.0])], device)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, [0.0, 0.0, 3.0])


def test_abs_derivative_at_zero_is_zero(device):
    (got,), (expected,) = grads_of(mg.abs, torch.abs, [np.array([-1.0, 0.0, 2.0])], device)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, [-1.0, 0.0, 3.0])


def test_leaky_relu_derivative_at_zero_is_the_slope(device):
    (got,), (expected,) = grads_of(lambda x: mg.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1),
                                   [np.array([-1.0, 0.0, 2.0])], device)
    np.testing.assert_allclose(got, expected)


TIES = np.array([[3.0, 1.0, 3.0, 3.0], [-2.0, -2.0, 0.0, -2.0]])   # three-way ties: shares of 1/3
TIED_REDUCTIONS = [
    ("max", lambda x: x.max(), lambda t: t.amax()),
    ("min", lambda x: mg.min(x), lambda t: t.amin()),
    ("amax", lambda x: mg.amax(x), lambda t: torch.amax(t)),
    ("amin", lambda x: x.amin(), lambda t: t.amin()),
    ("max_dim", lambda x: x.max(dim=1).values, lambda t: t.amax(dim=1)),
    ("max_dim_keepdim", lambda x: mg.max(x, -1, keepdim=True)[0], lambda t: t.amax(-1, keepdim=True)),
    ("min_dim", lambda x: x.min(dim=1).values, lambda t: t.amin(dim=1)),
    ("amax_dim0", lambda x: x.amax(dim=0), lambda t: t.amax(dim=0)),
    ("amin_dims", lambda x: mg.amin(x, dim=(0, 1)), lambda t: t.amin(dim=(0, 1))),
    ("amin_dim1", lambda x: x.amin(dim=1), lambda t: t.amin(dim=1)),
]


@pytest.mark.parametrize("name, ours, theirs", TIED_REDUCTIONS, ids=[r[0] for r in TIED_REDUCTIONS])
def test_tied_extremes_share_the_gradient_evenly_like_amax(name, ours, theirs, device):
    (got,), (expected,) = grads_of(ours, theirs, [TIES], device)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    # each output element's weight is split evenly among the tied elements
    if name == "max":
        np.testing.assert_allclose(got, [[1 / 3, 0, 1 / 3, 1 / 3], [0, 0, 0, 0]], rtol=1e-15)
    if name == "min_dim":
        np.testing.assert_allclose(got, [[0, 1, 0, 0], [2 / 3, 2 / 3, 0, 2 / 3]], rtol=1e-15)


def test_max_with_dim_still_returns_the_first_index_of_a_tie(device):
    values, indices = mg.tensor(TIES, device=device).max(dim=1)
    expected = torch.tensor(TIES).max(dim=1)
    np.testing.assert_array_equal(values.detach().numpy(), expected.values.detach().numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), expected.indices.detach().numpy())
    np.testing.assert_array_equal(indices.detach().numpy(), [0, 2])


@pytest.mark.parametrize("ours, theirs", [(mg.maximum, torch.maximum), (mg.minimum, torch.minimum)],
                         ids=["maximum", "minimum"])
def test_maximum_and_minimum_split_ties_in_half_like_torch(ours, theirs, device):
    a, b = np.array([1.0, 2.0, 3.0, -1.0]), np.array([1.0, 0.0, 5.0, -1.0])
    got, expected = grads_of(ours, theirs, [a, b], device)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert got[0][0] == got[1][0] == 0.5
    assert got[0][3] == got[1][3] == 2.0


@pytest.mark.parametrize("bounds", [(-1.0, 1.0), (-1.0, None), (None, 1.0)])
def test_clamp_passes_the_gradient_at_its_bounds_like_torch(bounds, device):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    (got,), (expected,) = grads_of(lambda x: x.clamp(*bounds), lambda t: t.clamp(*bounds), [x], device)
    np.testing.assert_array_equal(got, expected)
    assert got[1] == 2.0 and got[3] == 4.0


def test_clamp_with_tensor_bounds_at_its_bounds_like_torch(device):
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    low, high = np.full(5, -1.0), np.array([1.0, 1.0, 1.0, 1.0, 3.0])
    got, expected = grads_of(lambda x, lo, hi: mg.clamp(x, lo, hi), lambda x, lo, hi: torch.clamp(x, lo, hi),
                             [x, low, high], device)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


POW_EDGES = {   # name: (function used on both sides, its inputs)
    "tensor_base_zero": (lambda a, b: a ** b, [np.array([0.0, 0.0, 0.0, 1.5]),
                                               np.array([0.0, 2.0, 0.5, -1.0])]),
    "tensor_exponent_zero": (lambda a, b: a ** (b * 0), [np.array([0.0, 1.5]), np.array([2.0, 1.0])]),
    "number_base_zero": (lambda b: 0.0 ** b, [np.array([0.0, 2.0, 0.5, -1.0])]),
    "number_base_negative": (lambda b: (-2.0) ** b, [np.array([1.0, 2.0, 0.5])]),
    "number_exponent_zero": (lambda a: a ** 0, [np.array([0.0, 1.5])]),
}


@pytest.mark.parametrize("case", sorted(POW_EDGES))
def test_pow_at_zero_and_negative_bases_like_torch(case, device):
    """0^b and a^0 have derivative 0 where PyTorch says so (no NaN from 0 · inf or ln 0);
    a negative number base gives NaN in the exponent's gradient, no error."""
    function, arrays = POW_EDGES[case]
    with np.errstate(divide="ignore", invalid="ignore"):
        got, expected = grads_of(function, function, arrays, device)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_expand_refuses_minus_one_for_a_new_dimension(device):
    with pytest.raises(RuntimeError, match="-1 is not allowed for a new leading dimension"):
        mg.zeros(3, 1, device=device).expand(-1, 3, 4)
