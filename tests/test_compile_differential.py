"""mg.compile on the random programs of the differential tests: a program and the
gradient of a weighted sum of its output, compiled, then replayed on new input
values, must give the eager numbers bit for bit (or be refused while recording,
with a CompileError).

The programs are those of ``test_differential.py``: elementwise math with Python
numbers, reductions, shape ops, indexing with integer arrays and boolean masks,
matmul with batch dims, over broadcasting shapes with 0-d and zero-size dims.
The short dtype-mix programs (int64 to bool, float16 to float64, Python numbers)
are replayed the same way. Each replay gets inputs it was not recorded with, so
a value baked into the record would show. Deterministic: the same programs on
every run."""
import numpy as np
from hypothesis import given, settings, strategies as st

import minigrad as mg
from test_differential import (MG, SETTINGS, Lib, dtype_programs, programs, run_dtype_steps,
                               run_program)

PROGRAMS = 150
DTYPE_PROGRAMS = 300
OURS = Lib(mg, mg.nn.functional, "cpu")


def _same_bits(a, b):
    a, b = a.detach().numpy(), b.detach().numpy()
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        return np.array_equal(nan, np.isnan(b)) and a[~nan].tobytes() == b[~nan].tobytes()
    return a.tobytes() == b.tobytes()


@settings(max_examples=PROGRAMS, **SETTINGS)
@given(program=programs(), data_seed=st.integers(0, 2 ** 16))
def test_random_programs_and_their_gradients_replay_to_the_eager_numbers(program, data_seed):
    arrays, steps, seed = program
    weight_rng = np.random.default_rng(seed + 1)

    def fn(*leaves):
        out = run_program(OURS, leaves, steps)[-1]
        if not out.requires_grad or out.dtype != mg.float64:
            return (out,)
        weight = mg.tensor(weight_rng_values(out.shape))
        gradients = mg.autograd.grad((out * weight).sum(), leaves, allow_unused=True)
        return (out,) + tuple(g for g in gradients if g is not None)

    weights = {}

    def weight_rng_values(shape):  # one weight per shape, the same at every call
        if shape not in weights:
            weights[shape] = weight_rng.uniform(-1, 1, shape)
        return weights[shape]

    compiled = mg.compile(fn)
    rng = np.random.default_rng(data_seed)
    input_sets = [arrays] + [[np.round(rng.uniform(-2, 2, a.shape), 3) for a in arrays]
                             for _ in range(2)]
    for number, inputs in enumerate(input_sets):
        try:
            got = compiled(*[OURS.leaf(a) for a in inputs])
        except mg.CompileError:
            assert number == 0, "refused at a replay, not while recording"
            return
        expected = fn(*[OURS.leaf(a) for a in inputs])
        assert len(got) == len(expected)
        for index, (a, b) in enumerate(zip(got, expected)):
            assert _same_bits(a, b), f"call {number}, result {index}, steps {steps}"
    assert compiled.records == 1


def _new_values(rng, dtype, array):
    """Other values of ``array``'s dtype and shape, in the ranges the programs draw."""
    low, high = (0, 2) if dtype == "bool" else (0, 5) if dtype == "uint8" else (-3, 5)
    values = rng.integers(low, high, array.shape)
    if dtype.startswith("float"):
        values = values + rng.choice([0.0, 0.5, 0.25], array.shape)
    return values.astype(dtype)


@settings(max_examples=DTYPE_PROGRAMS, **SETTINGS)
@given(program=dtype_programs(), data_seed=st.integers(0, 2 ** 16))
def test_random_dtype_mixes_replay_to_the_eager_numbers(program, data_seed):
    operands, steps = program

    def fn(*tensors):
        given = iter(tensors)
        return run_dtype_steps(MG, [data if dtype == "scalar" else next(given)
                                    for dtype, data in operands], steps)

    rng = np.random.default_rng(data_seed)
    input_sets = [[data for dtype, data in operands if dtype != "scalar"]]
    input_sets += [[_new_values(rng, dtype, data) for dtype, data in operands if dtype != "scalar"]
                   for _ in range(2)]
    compiled = mg.compile(fn)
    for number, inputs in enumerate(input_sets):
        try:
            expected = fn(*[mg.tensor(a) for a in inputs])
        except (RuntimeError, IndexError, ValueError, TypeError, ZeroDivisionError):
            return  # refused eagerly (as torch refuses): nothing to replay
        if not isinstance(expected, mg.Tensor):
            return  # Python numbers only
        try:
            got = compiled(*[mg.tensor(a) for a in inputs])
        except mg.CompileError:
            assert number == 0, "refused at a replay, not while recording"
            return
        assert _same_bits(got, expected), f"call {number}: {operands}, {steps}"
