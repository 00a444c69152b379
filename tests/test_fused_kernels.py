"""The fused GPU kernels of the optimizers equal their array form, bit for bit.

A ``FusedKernel`` body is C for one element. On the CPU it is compiled by the
machine's C compiler (``minigrad/backend/cpu_kernels.py``) with the rules the
GPU kernel is compiled with (no fused multiply-add) and run on the same data as
the optimizer's array ``update``. Equal bits mean the kernel computes the array
form's equations in the array form's order and precision. The generic
optimizer tests run the compiled kernels on the 'cpu' device and the array form
on 'strict'; on a GPU ``MINIGRAD_TEST_DEVICE=cuda`` runs the CuPy kernels.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import cpu_kernels

pytestmark = pytest.mark.skipif(cpu_kernels.compiler() is None,
                                reason="needs a C compiler to compile the kernels for the CPU")


CASES = [
    (mg.optim.SGD, dict(lr=0.1)),
    (mg.optim.SGD, dict(lr=0.1, weight_decay=0.01)),
    (mg.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (mg.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (mg.optim.Adam, dict(lr=0.01)),
    (mg.optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    (mg.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    (mg.optim.AdamW, dict(lr=0.01, amsgrad=True)),
    (mg.optim.Lion, dict(lr=0.01)),
    (mg.optim.Lion, dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1)),
    (mg.optim.RMSprop, dict(lr=0.01)),
    (mg.optim.RMSprop, dict(lr=0.01, weight_decay=0.1, centered=True)),
    (mg.optim.RMSprop, dict(lr=0.01, momentum=0.9)),
    (mg.optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("cls, hyper", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_kernel_equals_array_update_bit_for_bit(cls, hyper, dtype):
    rng = np.random.default_rng(0)
    n = 2000
    param = mg.tensor(rng.standard_normal(n).astype(dtype), requires_grad=True)
    optimizer = cls([param], **hyper)
    group = optimizer.param_groups[0]
    kernel = optimizer.fused_kernel(group)
    assert kernel is not None
    run = cpu_kernels.compile_kernel(kernel, dtype)
    array_param = param._array.copy()
    state = {k: v for k, v in optimizer.init_state(group, array_param).items()}
    kernel_param = array_param.copy()
    kernel_state = {k: v.copy() for k, v in state.items()}
    for step in range(1, 6):  # several steps: first-step rules and bias corrections
        grad = rng.standard_normal(n).astype(dtype)
        optimizer.update(group, array_param, grad, state, step)
        scalars = optimizer.kernel_scalars(group, step)
        run(grad, *[scalars[name] for _, name in kernel.scalars], kernel_param,
            *[kernel_state[name] for name in kernel.state])
        np.testing.assert_array_equal(kernel_param, array_param, err_msg=f"param, step {step}")
        for name in kernel.state:
            np.testing.assert_array_equal(kernel_state[name], state[name],
                                          err_msg=f"{name}, step {step}")


def test_without_a_compiler_the_array_form_runs(monkeypatch):
    """MINIGRAD_CPU_KERNELS=0 (or no compiler) gives no kernel, and the step still works."""
    monkeypatch.setenv("MINIGRAD_CPU_KERNELS", "0")
    monkeypatch.setattr(cpu_kernels, "_compiled", {})
    param = mg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = mg.optim.Adam([param], lr=0.1)
    assert cpu_kernels.compile_kernel(optimizer.fused_kernel(optimizer.param_groups[0]),
                                      np.float32) is None
    param.grad = mg.tensor([1.0, -1.0])
    optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), [0.9, 2.1], rtol=1e-6)


def test_a_kernel_that_does_not_compile_falls_back_with_a_message(capsys):
    broken = mg.optim.fused.FusedKernel("broken", [], [], "param = ;")
    assert cpu_kernels.compile_kernel(broken, np.float64) is None
    assert "could not compile the CPU kernel broken" in capsys.readouterr().err
