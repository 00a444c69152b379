"""autocast: the dtype each op runs in, compared op by op with torch.autocast on the
CPU (float16), gradients reaching float32 leaves, nesting, and the CUDA lists on
the strict device (the CUDA stand-in)."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import autocast_hook

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4)).astype(np.float32)
B = RNG.standard_normal((4, 4)).astype(np.float32)
X3 = RNG.standard_normal((2, 4, 4)).astype(np.float32)
I1, W1 = RNG.standard_normal((2, 4, 5)).astype(np.float32), RNG.standard_normal((3, 4, 2)).astype(np.float32)
I2, W2 = RNG.standard_normal((1, 2, 5, 5)).astype(np.float32), RNG.standard_normal((3, 2, 2, 2)).astype(np.float32)
P = (1 / (1 + np.exp(-A))).astype(np.float32)
TARGET = np.array([0, 1, 2, 3])


def _float32(lib, array):
    return lib.tensor(array)


def _half(lib, array):
    return lib.tensor(array).to(lib.float16)


def _target(lib):
    return lib.tensor(TARGET)


# (name, function of (lib, functional)): each op applied to the inputs autocast
# acts on: float32 inputs for the lower-precision list, float16 inputs for the
# float32 list and for ops on no list, a float16 and a float32 input to promote.
OPS = [
    ("matmul", lambda m, f: m.matmul(_float32(m, A), _float32(m, B))),
    ("matmul operator", lambda m, f: _float32(m, A) @ _float32(m, B)),
    ("mm", lambda m, f: m.mm(_float32(m, A), _float32(m, B))),
    ("bmm", lambda m, f: m.bmm(_float32(m, X3), _float32(m, X3))),
    ("addmm", lambda m, f: m.addmm(_float32(m, A), _float32(m, A), _float32(m, B))),
    ("baddbmm", lambda m, f: m.baddbmm(_float32(m, X3), _float32(m, X3), _float32(m, X3))),
    ("einsum", lambda m, f: m.einsum("ij,jk->ik", _float32(m, A), _float32(m, B))),
    ("linear", lambda m, f: f.linear(_float32(m, A), _float32(m, B), _float32(m, A[0]))),
    ("conv1d", lambda m, f: f.conv1d(_float32(m, I1), _float32(m, W1))),
    ("conv2d", lambda m, f: f.conv2d(_float32(m, I2), _float32(m, W2), padding=1)),
    ("scaled_dot_product_attention", lambda m, f: f.scaled_dot_product_attention(
        _float32(m, X3), _float32(m, X3), _float32(m, X3))),
    ("cross_entropy", lambda m, f: f.cross_entropy(_half(m, A), _target(m))),
    ("nll_loss", lambda m, f: f.nll_loss(_half(m, A), _target(m))),
    ("mse_loss", lambda m, f: f.mse_loss(_half(m, A), _half(m, B))),
    ("l1_loss", lambda m, f: f.l1_loss(_half(m, A), _half(m, B))),
    ("smooth_l1_loss", lambda m, f: f.smooth_l1_loss(_half(m, A), _half(m, B))),
    ("huber_loss", lambda m, f: f.huber_loss(_half(m, A), _half(m, B))),
    ("binary_cross_entropy", lambda m, f: f.binary_cross_entropy(_half(m, P), _half(m, P))),
    ("binary_cross_entropy_with_logits", lambda m, f: f.binary_cross_entropy_with_logits(
        _half(m, A), _half(m, P))),
    ("prod", lambda m, f: m.prod(_half(m, P))),
    ("cdist", lambda m, f: m.cdist(_half(m, A), _half(m, B))),
    ("trace", lambda m, f: m.trace(_half(m, A))),
    ("quantile", lambda m, f: m.quantile(_half(m, A), 0.5)),
    ("cat", lambda m, f: m.cat([_half(m, A), _float32(m, B)])),
    ("stack", lambda m, f: m.stack([_half(m, A), _float32(m, B)])),
    # on no CPU list: they run in their inputs' dtype (on CUDA these run in float32)
    ("softmax", lambda m, f: m.softmax(_half(m, A), -1)),
    ("log_softmax", lambda m, f: m.log_softmax(_half(m, A), -1)),
    ("layer_norm", lambda m, f: f.layer_norm(_half(m, A), (4,))),
    ("group_norm", lambda m, f: f.group_norm(_half(m, X3), 2)),
    ("sum", lambda m, f: _half(m, A).sum()),
    ("exp", lambda m, f: _half(m, A).exp()),
    ("pow", lambda m, f: _half(m, A).pow(2)),
    ("logsumexp", lambda m, f: m.logsumexp(_half(m, A), 0)),
    ("cumsum", lambda m, f: m.cumsum(_half(m, A), 0)),
    ("norm", lambda m, f: m.norm(_half(m, A))),
    ("add (type promotion, not autocast)", lambda m, f: _half(m, A) + _float32(m, B)),
    ("atan2 (type promotion, not autocast)", lambda m, f: m.atan2(_half(m, A), _float32(m, B))),
]


@pytest.mark.parametrize("name, op", OPS, ids=[name for name, _ in OPS])
def test_op_dtype_and_values_match_torch_cpu_autocast(name, op):
    with torch.autocast("cpu", dtype=torch.float16):
        expected = op(torch, TF)
    with mg.autocast("cpu", dtype=mg.float16):
        result = op(mg, F)
    assert str(result.dtype) == str(expected.dtype).replace("torch.", "")
    # float16 keeps 11 significant bits: agree to a few of its units in the last place
    np.testing.assert_allclose(result.double().numpy(), expected.double().numpy(),
                               rtol=4e-3, atol=4e-3)


def test_float16_matmul_on_the_cpu_accumulates_in_float32_as_torch():
    a = RNG.standard_normal((64, 2048)).astype(np.float16)
    b = RNG.standard_normal((2048, 32)).astype(np.float16)
    expected = (torch.tensor(a) @ torch.tensor(b)).numpy()
    exact = a.astype(np.float64) @ b.astype(np.float64)
    result = (mg.tensor(a) @ mg.tensor(b)).numpy()
    assert result.dtype == np.float16
    np.testing.assert_array_equal(result, (a.astype(np.float32) @ b.astype(np.float32))
                                  .astype(np.float16))
    np.testing.assert_allclose(result, expected, rtol=2e-3, atol=2e-2)
    # accumulating in float16 (NumPy's own float16 matmul) is measurably worse
    assert (np.abs(result - exact).mean()
            < np.abs(np.matmul(a[:8], b).astype(np.float64) - exact[:8]).mean())


def _mlp_loss(lib, functional, weight1, weight2, x, y):
    hidden = functional.linear(x, weight1).tanh()
    return functional.cross_entropy(functional.linear(hidden, weight2), y)


def test_gradients_reach_float32_leaves_as_float32_and_match_torch():
    w1, w2 = RNG.standard_normal((8, 4)).astype(np.float32), RNG.standard_normal((3, 8)).astype(np.float32)
    x, y = RNG.standard_normal((16, 4)).astype(np.float32), RNG.integers(0, 3, 16)
    grads = {}
    for lib, functional in ((torch, TF), (mg, F)):
        leaves = [lib.tensor(w, requires_grad=True) for w in (w1, w2)]
        with lib.autocast("cpu", dtype=lib.float16):
            loss = _mlp_loss(lib, functional, *leaves, lib.tensor(x), lib.tensor(y))
        assert str(loss.dtype).endswith("float32")
        loss.backward()
        assert all(str(leaf.grad.dtype).endswith("float32") for leaf in leaves)
        grads[lib.__name__] = [leaf.grad.numpy() for leaf in leaves]
    for ours, theirs in zip(grads["minigrad"], grads["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-2, atol=1e-3)


def test_nested_disabled_region_and_decorator():
    a, b = mg.tensor(A), mg.tensor(B)
    with mg.autocast("cpu"):
        assert mg.is_autocast_enabled("cpu")
        assert (a @ b).dtype == mg.float16
        with mg.autocast("cpu", enabled=False):
            assert not mg.is_autocast_enabled("cpu")
            assert (a @ b).dtype == mg.float32
        assert (a @ b).dtype == mg.float16
    assert (a @ b).dtype == mg.float32 and not mg.is_autocast_enabled("cpu")

    @mg.amp.autocast("cpu")
    def product(x, y):
        return x @ y
    assert product(a, b).dtype == mg.float16
    assert (a @ b).dtype == mg.float32


def test_a_parameter_is_cast_once_per_region():
    weight = mg.tensor(B, requires_grad=True)
    with mg.autocast("cpu"):
        first, second = mg.tensor(A) @ weight, mg.tensor(A) @ weight
        cast_nodes = {id(y.grad_fn.next_functions[1][0]) for y in (first, second)}
        assert len(cast_nodes) == 1
        with mg.no_grad():
            weight.add_(1.0)  # a changed parameter is cast again
        third = mg.tensor(A) @ weight
        assert id(third.grad_fn.next_functions[1][0]) not in cast_nodes
    assert not autocast_hook._state.cast_cache  # forgotten when the region ends
    with mg.autocast("cpu", cache_enabled=False):
        first, second = mg.tensor(A) @ weight, mg.tensor(A) @ weight
        assert first.grad_fn.next_functions[1][0] is not second.grad_fn.next_functions[1][0]


def test_float64_is_left_alone_by_the_lower_precision_list():
    with mg.autocast("cpu"):
        assert (mg.tensor(A).double() @ mg.tensor(B).double()).dtype == mg.float64


# The CUDA lists, on the strict device that stands in for CUDA without a GPU
# (PyTorch's CUDA autocast cannot run here, so the expected dtypes are its lists).
CUDA_CASES = [
    ("matmul", lambda x, y: x @ y, "float32", "float16"),
    ("linear", lambda x, y: F.linear(x, y), "float32", "float16"),
    ("exp", lambda x, y: x.exp(), "float16", "float32"),
    ("log", lambda x, y: x.abs().log(), "float16", "float32"),
    ("pow", lambda x, y: x.pow(2), "float16", "float32"),
    ("softmax", lambda x, y: mg.softmax(x, -1), "float16", "float32"),
    ("log_softmax", lambda x, y: F.log_softmax(x, dim=-1), "float16", "float32"),
    ("sum", lambda x, y: x.sum(), "float16", "float32"),
    ("layer_norm", lambda x, y: F.layer_norm(x, (4,)), "float16", "float32"),
    ("mse_loss", lambda x, y: F.mse_loss(x, y), "float16", "float32"),
    ("cross_entropy", lambda x, y: F.cross_entropy(x, mg.tensor(TARGET, device="strict")),
     "float16", "float32"),
    ("dot", lambda x, y: mg.dot(x[0], y[0].float()), "float16", "float32"),
    ("cat", lambda x, y: mg.cat([x, y.float()]), "float16", "float32"),
    ("tanh (on no list)", lambda x, y: x.tanh(), "float16", "float16"),
]


@pytest.mark.parametrize("name, op, input_dtype, expected", CUDA_CASES,
                         ids=[case[0] for case in CUDA_CASES])
def test_cuda_lists_on_the_strict_device(name, op, input_dtype, expected):
    x = mg.tensor(A, device="strict").to(np.dtype(input_dtype))
    y = mg.tensor(B, device="strict").to(np.dtype(input_dtype))
    with mg.autocast("strict"):
        assert str(op(x, y).dtype) == expected
    with mg.autocast("cpu"):  # a region for another device type changes nothing here
        assert str((x @ y).dtype) == str(x.exp().dtype) == input_dtype


def test_binary_cross_entropy_is_refused_under_cuda_autocast():
    p = mg.tensor(P, device="strict")
    with mg.autocast("strict"), pytest.raises(RuntimeError, match="unsafe to autocast"):
        F.binary_cross_entropy(p, p)


def test_misuse_errors():
    with pytest.raises(RuntimeError, match="bfloat16 needs an array library with a bfloat16 dtype"):
        mg.autocast("cpu", dtype="bfloat16")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'xyz'"):
        mg.autocast("xyz")
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        mg.autocast(mg.device("cpu"))
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtype"):
        region = mg.autocast("cpu", dtype=mg.float64)
    with region:
        assert (mg.tensor(A) @ mg.tensor(B)).dtype == mg.float32
    if not mg.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available. Disabling autocast."):
            assert not mg.autocast("cuda")._enabled
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.autocast("cpu", dtype=torch.float16):  # torch accepts float16 on the CPU too
            pass


def test_autocast_availability_and_state_queries_match_torch():
    for device_type in ("cpu", "cuda"):
        assert mg.amp.is_autocast_available(device_type) == torch.amp.is_autocast_available(
            device_type)
    with mg.autocast("cpu"), torch.autocast("cpu"):
        assert (mg.is_autocast_enabled("cpu"), mg.is_autocast_enabled()) \
            == (torch.is_autocast_enabled("cpu"), torch.is_autocast_enabled()) == (True, False)


def test_every_op_on_the_lists_has_a_hooked_entry_point():
    import importlib
    import pkgutil
    from minigrad.amp.policy import POLICIES
    modules = [importlib.import_module(f"minigrad.ops.{info.name}")
               for info in pkgutil.iter_modules(mg.ops.__path__)] + [F]
    hooked = {getattr(value, "autocast_name", None) for module in modules
              for value in vars(module).values()}
    listed = {name for policy in POLICIES.values() for name in policy}
    assert listed <= hooked, sorted(listed - hooked)


def test_backward_passes_inside_a_region_leave_autocast_on():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.autocast("cpu"):
        (gradient,) = mg.autograd.grad((x * x).sum(), x, create_graph=True)
        gradient.sum().backward()
        assert (mg.tensor(A) @ mg.tensor(B)).dtype == mg.float16
