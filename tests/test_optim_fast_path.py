"""The fast path runs the same rule as the plain loop, bit for bit, and only where it may.

``Optimizer.step`` runs each param group either as the plain loop (``update`` on
each parameter's whole arrays: the rule of record) or on the fast path of
``minigrad/optim/fast/`` (flat buckets, slices, threads and compiled kernels).

- Who may (``fast/rule.py``): a subclass that overrides ``update`` trains with
  its own ``update``, per parameter, whatever the number and size of its
  parameters; the fast path stays with the classes that wrote it.
- ``foreach`` / ``fused`` (``fast/choice.py``): ``fused=False`` and
  ``foreach=False`` run the plain loop, ``foreach=True`` runs ``update`` on
  slices, ``fused=True`` requires the compiled kernel and is refused where it
  cannot run; the arguments and param-group keys are PyTorch's.
- Every compiled kernel (``fused=True``) equals its ``update`` (``fused=False``)
  bit for bit over several steps, in float32 and float64, on the 'cpu' and
  'strict' devices (and 'cuda' where available; float16 there within rounding),
  with parameters larger than a slice and many small ones.
- The 'strict' device takes CUDA's path: whole buckets, the small gradients
  gathered by one concatenate, the kernel compiled at its first call; a kernel
  that fails there warns once and ``update`` runs instead.
- The default (``foreach=fused=None``) equals the plain loop bit for bit for
  every elementwise optimizer of the registry, on the same devices.

The kernels are compiled with the machine's C compiler; without one, the kernel
tests are skipped (and ``fused=True`` is refused, which is tested too).
CI runs the optimizer tests a second time with ``MINIGRAD_CPU_KERNELS=0``.
"""
import inspect
import re
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.backend import get_backend
from minigrad.optim.fast import c_compiler
from minigrad.optim.fast.kernel import FusedKernel, KernelUnavailable
from minigrad.optim.fast.rule import permission
from optim_registry import all_infos, takes_the_fast_path
from torch_errors import assert_raises_like_torch

NO_COMPILER = "needs a C compiler (and MINIGRAD_CPU_KERNELS not 0) to compile the CPU kernels"
needs_kernels = pytest.mark.skipif(c_compiler.compiler() is None, reason=NO_COMPILER)


# ------------------------------------------------------------------------- the problem
def shapes_for(device, kernel=True):
    """Two parameters larger than a slice on ``device`` (one packed in a bucket with the
    others, one alone: ``late`` below), and many small ones that a bucket gathers into
    shared slices. A slice is ``elementwise_chunk`` elements, 8 times more where a
    compiled kernel runs (``kernel``: the optimizer has one). A GPU, and the 'strict'
    device that takes its path, do not slice: each bucket is one call, whatever its
    size, so there the big parameters are 2¹⁵ + 1234 elements."""
    chunk = get_backend(device).elementwise_chunk
    big = (8 if kernel and chunk else 1) * (chunk or 1 << 15) + 1234
    return [(big,), (3, 4), (5,), (2, 3, 2), (7,)] + [(13,)] * 30 + [(1,), (big // 2, 2)]


LATE = {len(shapes_for("cpu")) - 1}  # its gradient starts one step later: alone in no bucket


def run(make_optimizer, device, dtype=mg.float64, steps=3, shapes=None, late=LATE):
    """Parameters and their values after each of ``steps`` steps of
    ``make_optimizer(params)`` under the gradient g = a ⊙ θ + 0.1 θ³ + n_k."""
    shapes = shapes or shapes_for(device)
    rng = np.random.default_rng(0)
    numpy_dtype = np.dtype(dtype).type
    params = [mg.tensor(rng.standard_normal(s).astype(numpy_dtype), device=device,
                        requires_grad=True) for s in shapes]
    scales = [rng.uniform(0.5, 2.0, s).astype(numpy_dtype) for s in shapes]
    optimizer = make_optimizer(params)
    trajectory = []
    for step in range(steps):
        for index, (param, scale) in enumerate(zip(params, scales)):
            if step == 0 and index in late:
                param.grad = None
                continue
            value = param.detach().numpy()
            noise = 0.3 * rng.standard_normal(value.shape).astype(numpy_dtype)
            param.grad = mg.tensor(scale * value + numpy_dtype(0.1) * value ** 3 + noise,
                                   device=device)
        optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory, params, optimizer


def assert_bit_equal(actual, expected, what):
    for step, (mine, theirs) in enumerate(zip(actual, expected)):
        for index, (a, b) in enumerate(zip(mine, theirs)):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), (
                f"{what}: parameter {index} (shape {a.shape}) differs after step {step + 1}, "
                f"by up to {np.max(np.abs(a.astype(np.float64) - b)):.3g}")


def rule_owner(cls):
    """The class whose ``update`` a ``cls`` optimizer runs."""
    return next(klass for klass in cls.__mro__ if "update" in vars(klass))


@pytest.fixture
def update_calls(monkeypatch):
    """``spy(cls)``: from then on, every call of the ``update`` that ``cls`` runs is
    recorded as ``(param array, grad array)``."""
    calls = []

    def spy(cls):
        owner = rule_owner(cls)
        update = vars(owner)["update"]

        def recording(self, group, param, grad, state, step):
            calls.append((param, grad))
            return update(self, group, param, grad, state, step)
        monkeypatch.setattr(owner, "update", recording)
        return calls
    return spy


# ------------------------------------------------------------ who may take the fast path
class Boom(Exception):
    pass


class RaisingAdam(mg.optim.Adam):
    def update(self, group, param, grad, state, step):
        raise Boom("the subclass's update ran")


class SGDInAdamsClothes(mg.optim.Adam):
    """Adam's constructor and state, plain gradient descent as the rule."""

    def update(self, group, param, grad, state, step):
        param -= group["lr"] * grad


@pytest.mark.parametrize("shapes", [[(3,)], [(3,)] * 40, [(20_000,)] * 2, [(300_000,)]],
                         ids=["one", "many small", "larger than a strict slice",
                              "larger than a cpu kernel slice"])
def test_an_overridden_update_that_raises_is_called(shapes, device):
    with pytest.raises(Boom, match="the subclass's update ran"):
        run(lambda params: RaisingAdam(params, lr=0.1), device, shapes=shapes, late=())


def test_an_overridden_update_trains_with_its_own_rule_per_parameter(device, update_calls):
    calls = update_calls(SGDInAdamsClothes)
    mine, params, optimizer = run(lambda p: SGDInAdamsClothes(p, lr=0.01), device)
    arrays = [p._array for p in params]
    for param, _ in calls:  # whole parameters, never slices or views into a bucket
        assert any(param is array for array in arrays)
    assert not optimizer._buckets.get(id(optimizer.param_groups[0]))
    sgd, _, _ = run(lambda p: mg.optim.SGD(p, lr=0.01), device)
    assert_bit_equal(mine, sgd, "Adam subclass with SGD's update against SGD")


def test_who_may_take_the_fast_path_is_read_off_the_class_that_defines_update():
    def allowed(cls):
        found = permission(object.__new__(cls))
        return found.buckets, found.kernel

    class SameRule(mg.optim.Adam):
        pass

    class OwnScalars(mg.optim.Adam):
        def kernel_scalars(self, group, step):
            return super().kernel_scalars(group, step)

    class OwnElementwiseUpdate(mg.optim.Adam):
        elementwise = True

        def update(self, group, param, grad, state, step):
            super().update(group, param, grad, state, step)

    class OptsOut(mg.optim.Adam):
        elementwise = False

    assert allowed(mg.optim.Adam) == allowed(mg.optim.AdamW) == allowed(SameRule) == (True, True)
    assert allowed(RaisingAdam) == allowed(OptsOut) == (False, False)
    assert allowed(OwnScalars) == allowed(OwnElementwiseUpdate) == (True, False)
    assert allowed(mg.optim.LARS) == allowed(mg.optim.Adafactor) == (False, False)


def test_every_elementwise_optimizer_keeps_its_fast_path():
    kernels = {"SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Lion"}
    for name, cls in vars(mg.optim).items():
        if isinstance(cls, type) and issubclass(cls, mg.optim.Optimizer):
            found = permission(object.__new__(cls))
            assert found.buckets == cls.elementwise, name
            assert found.kernel == (name in kernels), name


def test_a_subclass_that_declares_its_update_elementwise_gets_buckets_but_no_kernel(
        update_calls):
    class Elementwise(SGDInAdamsClothes):
        elementwise = True

        def update(self, group, param, grad, state, step):
            param -= group["lr"] * grad

    calls = update_calls(Elementwise)
    mine, params, _ = run(lambda p: Elementwise(p, lr=0.01), "cpu")
    assert all(param.ndim == 1 for param, _ in calls)  # slices of flat buffers
    assert len(calls) < 3 * len(params)  # small parameters share slices
    sgd, _, _ = run(lambda p: mg.optim.SGD(p, lr=0.01, fused=False), "cpu")
    assert_bit_equal(mine, sgd, "elementwise subclass against SGD")
    with pytest.raises(RuntimeError, match="Elementwise defines no `fused_kernel`"):
        Elementwise([mg.tensor([1.0], requires_grad=True)], fused=True)


def test_an_update_set_on_the_optimizer_object_takes_the_plain_path():
    params = [mg.tensor(np.ones(5), requires_grad=True) for _ in range(3)]
    optimizer = mg.optim.Adam(params, lr=0.1)
    seen = []
    optimizer.update = lambda group, param, grad, state, step: seen.append(param)
    for param in params:
        param.grad = mg.ones_like(param)
    optimizer.step()
    assert len(seen) == 3 and all(a is p._array for a, p in zip(seen, params))


# ------------------------------------------------------------------- foreach and fused
TORCH_FAMILY = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam",
                "RAdam", "ASGD", "Rprop", "Adafactor", "LBFGS", "Muon"]


@pytest.mark.parametrize("name", TORCH_FAMILY)
def test_foreach_and_fused_are_taken_and_kept_in_the_groups_as_in_pytorch(name):
    torch_cls, cls = getattr(torch.optim, name), getattr(mg.optim, name)
    theirs = inspect.signature(torch_cls.__init__).parameters
    ours = inspect.signature(cls.__init__).parameters
    for argument in ("foreach", "fused"):
        assert (argument in ours) == (argument in theirs), f"{name}: {argument}"
        if argument in ours:
            assert ours[argument].default is None and ours[argument].kind == inspect.Parameter.KEYWORD_ONLY
    twin = torch.zeros(3, 4, requires_grad=True)
    param = mg.zeros(3, 4, requires_grad=True)
    their_group = torch_cls([twin]).param_groups[0]
    our_group = cls([param]).state_dict()["param_groups"][0]
    for argument in ("foreach", "fused"):
        assert (argument in our_group) == (argument in their_group), f"{name}: {argument}"
        if argument in our_group:
            assert our_group[argument] is their_group[argument] is None


@pytest.mark.parametrize("cls", [mg.optim.SGD, mg.optim.Adam, mg.optim.AdamW, mg.optim.Adagrad,
                                 mg.optim.RMSprop, mg.optim.NAdam, mg.optim.Lion])
@pytest.mark.parametrize("choice", [dict(fused=False), dict(foreach=False),
                                    dict(foreach=False, fused=False)], ids=str)
def test_fused_or_foreach_false_runs_update_on_each_whole_parameter(cls, choice, update_calls):
    calls = update_calls(cls)
    shapes = [(3, 4), (5,), (40_000,), (7,)]

    def make(params):
        return cls([{"params": params, **choice}], lr=0.01)  # group keys: Lion has no arguments
    _, params, _ = run(make, "cpu", shapes=shapes, steps=2, late=())
    assert len(calls) == 2 * len(params)
    for number, (param, grad) in enumerate(calls):
        assert param is params[number % len(params)]._array  # the parameter's own array
        assert grad.shape == param.shape


def test_foreach_true_runs_update_on_slices_without_the_kernel(update_calls):
    calls = update_calls(mg.optim.Adam)
    mine, params, _ = run(lambda p: mg.optim.Adam(p, lr=0.01, foreach=True), "cpu")
    assert calls and all(param.ndim == 1 for param, _ in calls)
    assert len(calls) < 3 * len(params)
    plain, _, _ = run(lambda p: mg.optim.Adam(p, lr=0.01, foreach=False), "cpu")
    assert_bit_equal(mine, plain, "foreach=True against foreach=False")


def test_fused_and_foreach_true_together_are_refused_as_in_pytorch():
    message = re.escape("`fused` and `foreach` cannot be `True` together.")
    for name in ("SGD", "Adam", "AdamW", "Adagrad"):
        assert_raises_like_torch(
            lambda: getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)],
                                               foreach=True, fused=True),
            lambda: getattr(mg.optim, name)([mg.zeros(2, requires_grad=True)],
                                            foreach=True, fused=True),
            match=message)


def test_fused_where_pytorch_has_no_such_argument_is_refused_as_in_pytorch():
    assert_raises_like_torch(
        lambda: torch.optim.Adadelta([torch.zeros(2, requires_grad=True)], fused=True),
        lambda: mg.optim.Adadelta([mg.zeros(2, requires_grad=True)], fused=True),
        match="fused")


def test_impossible_choices_are_refused_naming_the_reason():
    param = mg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="RaisingAdam.update is the rule that runs"):
        RaisingAdam([param], fused=True)
    with pytest.raises(RuntimeError, match="RaisingAdam.update is the rule that runs"):
        RaisingAdam([param], foreach=True)
    with pytest.raises(RuntimeError, match="Adadelta defines no `fused_kernel`"):
        mg.optim.Adadelta([{"params": [param], "fused": True}])
    with pytest.raises(RuntimeError, match="Adafactor does not declare `elementwise = True`"):
        mg.optim.Adafactor([param], foreach=True)
    with pytest.raises(TypeError, match="fused must be None, True or False, got 'yes'"):
        mg.optim.SGD([param], fused="yes")
    with pytest.raises(TypeError, match="foreach must be None, True or False, got 1"):
        mg.optim.Adam([param], foreach=1)


def test_fused_true_is_refused_where_the_kernel_cannot_run(monkeypatch):
    half = mg.zeros(2, dtype=mg.float16, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot run for float16 parameters on 'cpu'"):
        mg.optim.Adam([half], fused=True)
    mg.optim.Adam([half])  # minigrad picks: update() runs, as for any dtype
    monkeypatch.setenv("MINIGRAD_CPU_KERNELS", "0")
    monkeypatch.setattr(c_compiler, "_compiled", {})
    with pytest.raises(RuntimeError, match="MINIGRAD_CPU_KERNELS=0 switches the compiled CPU "
                                           "kernels off"):
        mg.optim.SGD([mg.zeros(2, requires_grad=True)], fused=True)


@needs_kernels
def test_fused_true_refuses_a_parameter_that_is_not_contiguous_at_the_step():
    param = mg.zeros(3, 4, requires_grad=True)
    optimizer = mg.optim.SGD([param], lr=0.1, fused=True)
    param.data = mg.ones(4, 3).t()
    param.grad = mg.ones(3, 4)
    with pytest.raises(RuntimeError, match=r"needs contiguous arrays, but a parameter of shape "
                                           r"\(3, 4\)"):
        optimizer.step()
    optimizer.param_groups[0]["fused"] = None  # minigrad picks: update() on the whole arrays
    optimizer.step()
    np.testing.assert_array_equal(param.detach().numpy(), np.full((3, 4), np.float32(0.9)))


# ------------------------------------------------- every kernel equals its update, bit for bit
KERNEL_CASES = [
    (mg.optim.SGD, dict(lr=0.1)),
    (mg.optim.SGD, dict(lr=0.1, weight_decay=0.01)),
    (mg.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (mg.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (mg.optim.SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.1, maximize=True)),
    (mg.optim.Adam, dict(lr=0.01)),
    (mg.optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    (mg.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    (mg.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    (mg.optim.AdamW, dict(lr=0.01, amsgrad=True, maximize=True)),
    (mg.optim.Adagrad, dict(lr=0.1)),
    (mg.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1,
                            initial_accumulator_value=0.5, maximize=True)),
    (mg.optim.RMSprop, dict(lr=0.01)),
    (mg.optim.RMSprop, dict(lr=0.01, weight_decay=0.1, centered=True)),
    (mg.optim.RMSprop, dict(lr=0.01, momentum=0.9)),
    (mg.optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, maximize=True)),
    (mg.optim.Lion, dict(lr=0.01)),
    (mg.optim.Lion, dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1)),
]


def test_the_kernel_cases_cover_every_optimizer_with_a_kernel():
    with_kernels = {cls for cls in vars(mg.optim).values() if isinstance(cls, type)
                    and issubclass(cls, mg.optim.Optimizer)
                    and permission(object.__new__(cls)).kernel}
    assert with_kernels == {cls for cls, _ in KERNEL_CASES}


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("cls, hyper", KERNEL_CASES,
                         ids=[f"{cls.__name__}-{index}" for index, (cls, _) in
                              enumerate(KERNEL_CASES)])
def test_every_kernel_equals_its_update_bit_for_bit(cls, hyper, dtype, device, update_calls):
    if device != "cuda" and c_compiler.compiler() is None:
        pytest.skip(NO_COMPILER)
    def with_choice(fused):
        return lambda params: cls([{"params": params, "fused": fused}], **hyper)

    calls = update_calls(cls)
    fused, _, _ = run(with_choice(True), device, dtype)
    assert not calls, "fused=True ran update()"
    plain, _, _ = run(with_choice(False), device, dtype)
    assert calls, "fused=False did not run update()"
    assert_bit_equal(fused, plain, f"{cls.__name__} {hyper}: kernel against update")


# ------------------------------------ the default path equals the plain loop, bit for bit
ELEMENTWISE = [pytest.param(info, index, id=f"{info.name}-{index}")
               for info in all_infos() if permission(object.__new__(info.cls)).buckets
               for index in range(len(info.hyper_sets))
               if takes_the_fast_path(info, info.hyper_sets[index])]


@pytest.mark.parametrize("info, index", ELEMENTWISE)
def test_the_default_path_equals_the_plain_loop_bit_for_bit(info, index, device):
    hyper = info.hyper_sets[index]

    def with_choice(choice):
        return lambda params: info.build([{"params": params, **choice}], hyper)

    # parameters larger than the slices this optimizer's updates run on
    shapes = shapes_for(device, kernel=permission(object.__new__(info.cls)).kernel)
    fast, _, optimizer = run(with_choice({}), device, shapes=shapes)
    buckets = optimizer._buckets.get(id(optimizer.param_groups[0]))
    assert buckets, "no bucket was used"
    if get_backend(device).elementwise_chunk:  # the big parameter was cut into slices
        assert max(len(bucket.chunks) for bucket in buckets) >= 3
    plain, _, _ = run(with_choice({"foreach": False, "fused": False}), device, shapes=shapes)
    assert_bit_equal(fast, plain, f"{info.name} {hyper}: default path against the plain loop")


# ------------------------------------------------------------ the C compiler, without one
def test_without_a_compiler_the_kernel_is_unavailable_and_update_runs(monkeypatch):
    """MINIGRAD_CPU_KERNELS=0 (or no compiler) gives no kernel, and the step still works."""
    monkeypatch.setenv("MINIGRAD_CPU_KERNELS", "0")
    monkeypatch.setattr(c_compiler, "_compiled", {})
    param = mg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = mg.optim.Adam([param], lr=0.1)
    with pytest.raises(KernelUnavailable, match="MINIGRAD_CPU_KERNELS=0"):
        c_compiler.compile_kernel(optimizer.fused_kernel(optimizer.param_groups[0]), np.float32)
    param.grad = mg.tensor([1.0, -1.0])
    optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), [0.9, 2.1], rtol=1e-6)


def test_without_python_s_c_headers_the_kernel_is_unavailable_and_says_why(monkeypatch):
    """The kernels are built as Python extensions: without Python.h, update() runs and
    fused=True names the missing headers."""
    monkeypatch.setattr(c_compiler, "compiler", lambda: "cc")  # not run: no headers
    monkeypatch.setattr(c_compiler, "python_headers", lambda: None)
    monkeypatch.setattr(c_compiler, "_compiled", {})
    with pytest.raises(RuntimeError, match=r"Python's C headers \(Python.h\) are not installed"):
        mg.optim.SGD([mg.zeros(2, requires_grad=True)], fused=True)
    param = mg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = mg.optim.SGD([param], lr=0.5)
    param.grad = mg.tensor([1.0, -1.0])
    optimizer.step()
    assert param.detach().numpy().tolist() == [0.5, 2.5]


@needs_kernels
def test_a_kernel_that_does_not_compile_is_unavailable_with_a_message(capsys, monkeypatch):
    monkeypatch.setattr(c_compiler, "_compiled", {})
    broken = FusedKernel("broken", [], [], "param = ;")
    with pytest.raises(KernelUnavailable, match="could not build the kernel broken"):
        c_compiler.compile_kernel(broken, np.float64)
    assert "could not compile the CPU kernel broken" in capsys.readouterr().err


# ------------------------------------------- the path CUDA takes, on the 'strict' device
def test_the_strict_device_takes_the_path_cupy_takes():
    """No slicing (the whole bucket in one call, as CuPy's backend), and a kernel that is
    compiled at its first call, as CuPy compiles an ElementwiseKernel."""
    from minigrad.backend.cupy_backend import CupyBackend
    from minigrad.optim.fast import choice, cupy_compiler, strict_compiler
    assert get_backend("strict").elementwise_chunk is None is CupyBackend.elementwise_chunk
    assert choice._COMPILERS["strict"] is strict_compiler
    assert choice._COMPILERS["cupy"] is cupy_compiler


@needs_kernels
def test_one_call_gathers_the_small_gradients_and_one_kernel_call_updates_the_bucket(
        monkeypatch):
    xp = get_backend("strict").xp
    calls = {"concatenate": 0, "kernel": 0}
    concatenate = xp.concatenate

    def counting_concatenate(*args, **kwargs):
        calls["concatenate"] += 1
        return concatenate(*args, **kwargs)
    monkeypatch.setattr(xp, "concatenate", counting_concatenate)
    from minigrad.optim.fast import strict_compiler
    compile_kernel = strict_compiler.compile_kernel

    def counting_compile(kernel, dtype):
        compiled = compile_kernel(kernel, dtype)

        def call(*arguments):
            calls["kernel"] += 1
            assert arguments[0].size == 30 * 13 + 1  # the gathered gradients
            return compiled(*arguments)
        return call
    monkeypatch.setattr(strict_compiler, "compile_kernel", counting_compile)
    shapes = [(13,)] * 30 + [(1,)]
    fast, _, _ = run(lambda p: mg.optim.Adam(p, lr=0.01), "strict", shapes=shapes, late=())
    assert calls == {"concatenate": 3, "kernel": 3}  # one of each per step
    plain, _, _ = run(lambda p: mg.optim.Adam([{"params": p, "foreach": False}], lr=0.01),
                      "strict", shapes=shapes, late=())
    assert_bit_equal(fast, plain, "strict bucket against the plain loop")


@needs_kernels
@pytest.mark.parametrize("maximize", [False, True])
def test_a_kernel_that_fails_to_compile_at_its_first_call_warns_once_and_update_runs(
        monkeypatch, maximize):
    """As CuPy compiles at the first call, in step(): the failure is caught once per
    (kernel, dtype), warned about, and update() runs, then and afterwards."""
    from minigrad.optim.fast import strict_compiler
    monkeypatch.setattr(strict_compiler, "_compiled", {})
    monkeypatch.setattr(strict_compiler, "_failed", {})
    kernel = mg.optim.Adam([mg.zeros(1, requires_grad=True)]).fused_kernel(
        {"amsgrad": False})
    monkeypatch.setitem(c_compiler._compiled, (kernel, np.dtype(np.float64)),
                        "the C compiler could not build the kernel adam (a test)")

    def make(params):
        return mg.optim.Adam(params, lr=0.01, maximize=maximize)
    with pytest.warns(RuntimeWarning, match="could not compile the kernel adam for float64"):
        fast, _, _ = run(make, "strict")
    assert (kernel, np.dtype(np.float64)) in strict_compiler._failed
    plain, _, _ = run(lambda p: mg.optim.Adam([{"params": p, "foreach": False}], lr=0.01,
                                              maximize=maximize), "strict")
    assert_bit_equal(fast, plain, "after a failed first-call compile")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(make, "strict", steps=1)  # warned once: the kernel is now unavailable
    with pytest.raises(RuntimeError, match="`fused=True` needs the compiled kernel"):
        mg.optim.Adam([mg.zeros(2, device="strict", dtype=mg.float64, requires_grad=True)],
                      fused=True)
    strict_compiler._failed.clear()  # fused=True, and the first call fails: refused there
    with pytest.warns(RuntimeWarning), pytest.raises(RuntimeError, match="could not compile"):
        run(lambda p: mg.optim.Adam(p, lr=0.01, fused=True), "strict", steps=1)


def test_float16_kernels_on_cuda_are_close_to_update(device):
    """A float16 kernel computes in float32 between assignments, update() rounds to
    float16 after each operation: close, not bit for bit."""
    if device != "cuda":
        pytest.skip("float16 kernels run on CUDA only (the C kernels are float32/float64)")
    for cls, hyper in KERNEL_CASES:
        def with_choice(fused):
            return lambda params: cls([{"params": params, "fused": fused}], **hyper)
        fused, _, _ = run(with_choice(True), device, mg.float16, steps=2, shapes=[(64,)] * 3,
                          late=())
        plain, _, _ = run(with_choice(False), device, mg.float16, steps=2,
                          shapes=[(64,)] * 3, late=())
        # Per element, float16's rounding moves a step by a fraction of lr (Lion's sign of
        # a value near 0 can flip: 2 lr); on average, by far less. A wrong kernel moves
        # every element by about lr or more.
        lr = hyper["lr"]
        for mine, theirs in zip(fused[-1], plain[-1]):
            difference = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
            assert difference.max() <= 2.5 * lr and difference.mean() <= 0.1 * lr, (
                f"{cls.__name__} {hyper}: float16 kernel against update() differs by up to "
                f"{difference.max():.3g}, {difference.mean():.3g} on average")
