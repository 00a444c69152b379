"""mg.compile's fused loops: runs of elementwise entries of a replay computed in one
compiled loop give the eager step's numbers bit for bit (random programs with
NaN, infinities, signed zeros and subnormals, float32 and float64, empty and
non-contiguous inputs), and fusion happens where it should and nowhere else."""
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.backend.strict_backend import forbid_host_reads

from minigrad.optim.fast import c_compiler

fusion = sys.modules["minigrad.compile.fusion"]
needs_a_compiler = pytest.mark.skipif(
    c_compiler.compiler() is None or c_compiler.python_headers() is None,
    reason="the fused loops need a C compiler and Python's C headers (and no "
           "MINIGRAD_CPU_KERNELS=0)")
SETTINGS = dict(derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
NUMBERS = [2, -3, 0.5, 1.001, 1e-3, -0.0, 3e38, 7]
OPS = ["add", "sub", "mul", "div", "neg", "tanh", "sigmoid", "add_number", "mul_number",
       "div_number", "number_sub", "number_div"]
SPECIAL = [np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40, 5e-324, 1e30]


def _run_program(ops, x, w):
    """The values the program computes from x and w, its result and the gradients
    of a weighted sum of it with respect to both."""
    values = [x, w, x * w]
    for name, pick, number in ops:
        a, b = values[pick % len(values)], values[-1]
        value = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                 "div": lambda: a / b, "neg": lambda: -b, "tanh": lambda: mg.tanh(b),
                 "sigmoid": lambda: mg.sigmoid(b), "add_number": lambda: b + number,
                 "mul_number": lambda: b * number, "div_number": lambda: b / number,
                 "number_sub": lambda: number - b, "number_div": lambda: number / b}[name]()
        values.append(value)
    weights = mg.ones_like(values[-1]) * 0.75
    loss = (values[-1] * weights).sum()
    return (values[-1],) + mg.autograd.grad(loss, (x, w))


def _assert_same(expected, got):
    """Equal bit for bit, except that a NaN may be any NaN."""
    for a, b in zip(expected, got, strict=True):
        a, b = a.detach().numpy(), b.detach().numpy()
        assert a.dtype == b.dtype and a.shape == b.shape
        nan = np.isnan(a)
        assert np.array_equal(nan, np.isnan(b))
        assert a[~nan].tobytes() == b[~nan].tobytes()


def _data(rng, shape, dtype, special):
    values = rng.standard_normal(shape)
    if special and values.size:
        flat = values.reshape(-1)
        flat[rng.integers(0, flat.size, size=max(1, flat.size // 3))] = rng.choice(SPECIAL)
    return values.astype(dtype)


@settings(max_examples=20, **SETTINGS)
@given(dtype=st.sampled_from([np.float32, np.float64]),
       shape=st.sampled_from([(5,), (3, 4), (0, 3), (2, 1, 3)]),
       ops=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 9), st.sampled_from(NUMBERS)),
                    min_size=1, max_size=10),
       special=st.booleans(), transposed=st.booleans())
def test_random_elementwise_programs_replay_to_the_eager_numbers(dtype, shape, ops, special,
                                                                 transposed):
    rng = np.random.default_rng(len(ops))
    w = mg.tensor(_data(rng, shape, dtype, special), requires_grad=True)

    def argument():
        data = _data(rng, shape[::-1] if transposed else shape, dtype, special)
        if transposed:  # the same shape, not contiguous: the loop reads a copy
            return mg.from_numpy(data.T).requires_grad_()
        return mg.tensor(data, requires_grad=True)

    compiled = mg.compile(lambda x: _run_program(ops, x, w))
    with np.errstate(all="ignore"):
        for _ in range(3):
            x = argument()
            _assert_same(_run_program(ops, x, w), compiled(x))
    assert compiled.records == 1


def _replay_of(compiled):
    replay, = compiled.replays.values()
    return replay


@needs_a_compiler
def test_a_chain_of_arithmetic_and_its_backward_become_fused_loops():
    x = mg.tensor(np.linspace(-2, 2, 50, dtype=np.float32), requires_grad=True)
    w = mg.tensor(np.linspace(1, 2.5, 50, dtype=np.float32), requires_grad=True)

    def step(x):
        y = (x * w + 0.5) / (w - 3.0) * 1.001
        z = mg.tanh(y) * 2 - y * x
        return (z,) + mg.autograd.grad(z.sum(), (x, w))

    compiled = mg.compile(step)
    compiled(x)
    for scale in (1.5, -0.25):  # (w - 3 is never 0 here)
        x = mg.tensor(np.linspace(-2, 2, 50, dtype=np.float32) * scale, requires_grad=True)
        _assert_same(step(x), compiled(x))
    replay = _replay_of(compiled)
    assert replay.fused_runs == 3 and len(replay.steps) < len(replay.entries) / 3


@needs_a_compiler
def test_a_training_step_with_a_hand_written_activation_is_fused_and_follows_eager():
    """x·σ(x) written by hand: the backward's products and sums are fused (σ itself is
    not: NumPy's exp is not the C library's), Adam's trajectory stays the eager one."""
    def make():
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 16), nn.Linear(16, 1)).double()
        return model, mg.optim.Adam(model.parameters(), lr=0.01)

    def step_of(model, optimizer):
        first, last = model
        def step(x, y):
            h = first(x)
            h = h * mg.sigmoid(h) * 1.5 - h / 4
            loss = ((last(h) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss
        return step

    rng = np.random.default_rng(1)
    eager_model, eager_optimizer = make()
    model, optimizer = make()
    eager, compiled = step_of(eager_model, eager_optimizer), mg.compile(step_of(model, optimizer))
    for _ in range(20):
        x, y = mg.tensor(rng.normal(size=(8, 3))), mg.tensor(rng.normal(size=(8, 1)))
        _assert_same([eager(x, y)], [compiled(x, y)])
    for a, b in zip(eager_model.parameters(), model.parameters()):
        _assert_same([a], [b])
    assert _replay_of(compiled).fused_runs >= 2


@needs_a_compiler
def test_nothing_is_fused_with_fuse_false_or_without_the_cpu_kernels(monkeypatch):
    def step(x):
        y = x * 2 + 1
        return y * y - 3

    x = mg.tensor(np.arange(6.0))
    compiled = mg.compile(step)
    compiled(x)
    assert _replay_of(compiled).fused_runs == 1
    unfused = mg.compile(step, fuse=False)
    unfused(x)
    assert _replay_of(unfused).fused_runs == 0
    _assert_same([step(x)], [unfused(x)])
    monkeypatch.setenv("MINIGRAD_CPU_KERNELS", "0")
    switched_off = mg.compile(step)
    switched_off(x)
    assert _replay_of(switched_off).fused_runs == 0
    _assert_same([step(x)], [switched_off(x)])


@needs_a_compiler
def test_the_strict_device_runs_the_fused_loops_without_host_reads():
    """The 'strict' device plays CUDA's part: its runs are fused too, and the loop works
    on the device's memory (no implicit host read), transposed inputs included."""
    rng = np.random.default_rng(3)
    w = mg.tensor(rng.standard_normal((4, 3)), device="strict", requires_grad=True)

    def step(x):
        y = (x * w - 0.5) / (w + 3.0)
        z = mg.tanh(y) * y + x
        return (z,) + mg.autograd.grad(z.sum(), (x, w))

    compiled = mg.compile(step)
    compiled(mg.tensor(rng.standard_normal((4, 3)), device="strict", requires_grad=True))
    assert _replay_of(compiled).fused_runs >= 2
    for transposed in (False, True):
        data = rng.standard_normal((3, 4) if transposed else (4, 3))
        x = mg.tensor(data, device="strict")
        x = (x.T if transposed else x).detach().requires_grad_()
        with forbid_host_reads():
            got = compiled(x)
        expected = step(x)
        _assert_same([t.cpu() for t in expected], [t.cpu() for t in got])


def test_operations_outside_the_table_or_broadcasting_are_not_fused():
    """exp and a broadcast operand split the chain; a lone product is no run."""
    def step(x, row):
        return mg.exp(x * 2) + row

    compiled = mg.compile(step)
    x, row = mg.tensor(np.ones((2, 3))), mg.tensor(np.ones(3))
    compiled(x, row)
    assert _replay_of(compiled).fused_runs == 0


@needs_a_compiler
def test_a_fused_loop_checks_its_arrays_before_writing():
    loop = c_compiler.load_extension(fusion._c_source("float", [0], [(1, "v0 * v0")], [1]))
    out = np.full(3, 7.0, np.float32)
    loop(np.array([1.0, 2.0, -3.0], np.float32), out)
    assert out.tolist() == [1.0, 4.0, 9.0]
    with pytest.raises(TypeError, match="another dtype or size"):
        loop(np.ones(3, np.float64), out)
    with pytest.raises(TypeError, match="another dtype or size"):
        loop(np.ones(4, np.float32), out)
    with pytest.raises(ValueError, match="contiguous"):
        loop(np.ones((3, 2), np.float32)[:, 0], out)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        loop(out)
    assert out.tolist() == [1.0, 4.0, 9.0]


def test_compile_s_options_are_checked():
    assert mg.compile(lambda x: x * 2, mode=None)(mg.tensor([1.0])).tolist() == [2.0]
    with pytest.raises(ValueError, match="mode must be None, 'default' or 'check'"):
        mg.compile(lambda x: x, mode="max-autotune")
    with pytest.raises(TypeError, match="fuse must be True or False"):
        mg.compile(lambda x: x, fuse="yes")


@needs_a_compiler
def test_a_run_whose_values_nothing_reads_is_skipped():
    """Arithmetic whose results the step drops: the run writes nothing, and the
    replay still returns the eager result."""
    def step(x):
        y = x * 2 + 1
        (y * y - 3) / 2
        return x.sum()

    compiled = mg.compile(step)
    compiled(mg.tensor(np.arange(4.0)))
    assert _replay_of(compiled).fused_runs == 1
    x = mg.tensor(np.arange(4.0) + 1)
    _assert_same([step(x)], [compiled(x)])
