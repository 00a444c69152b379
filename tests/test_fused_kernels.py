"""The fused GPU kernels of the optimizers equal their array form, bit for bit.

A ``FusedKernel`` body is CUDA C for one element. Without a GPU, the same body
is compiled for the CPU by gcc, inside a loop over the elements, with the same
rules the GPU kernel is compiled with (no fused multiply-add), and run on the
same data as the optimizer's array ``update``. Equal bits here mean the kernel
computes the array form's equations in the array form's order and precision;
on a GPU ``MINIGRAD_TEST_DEVICE=cuda`` additionally runs the kernels themselves
through the generic optimizer tests.
"""
import ctypes
import shutil
import subprocess

import numpy as np
import pytest

import minigrad as mg

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to compile kernels")

C_TYPES = {"float64": "double", "int32": "int"}


def compile_for_cpu(kernel, dtype, folder):
    """The kernel body in a C loop: a function run(n, grad, scalars..., param, state...)."""
    t = "float" if dtype == np.float32 else "double"
    arrays = ["param"] + list(kernel.state)
    scalars = [f"{C_TYPES[kind]} {name}" for kind, name in kernel.scalars]
    signature = ", ".join(["long n", "const T* grad_"] + scalars + [f"T* {a}_" for a in arrays])
    loads = " ".join(f"T {a} = {a}_[i];" for a in arrays)
    stores = " ".join(f"{a}_[i] = {a};" for a in arrays)
    source = (f"#include <math.h>\ntypedef {t} T;\nvoid run({signature}) {{\n"
              f"  for (long i = 0; i < n; ++i) {{\n    const T grad = grad_[i]; {loads}\n"
              f"    {{ {kernel.body} }}\n    {stores}\n  }}\n}}\n")
    c_file, library = folder / f"{kernel.name}_{t}.c", folder / f"{kernel.name}_{t}.so"
    c_file.write_text(source)
    subprocess.run(["gcc", "-O2", "-ffp-contract=off", "-fno-fast-math", "-shared", "-fPIC",
                    str(c_file), "-o", str(library), "-lm"], check=True)
    function = ctypes.CDLL(str(library)).run
    pointer = np.ctypeslib.ndpointer(dtype=dtype, flags="C_CONTIGUOUS")
    function.argtypes = ([ctypes.c_long, pointer]
                         + [ctypes.c_double if kind == "float64" else ctypes.c_int
                            for kind, _ in kernel.scalars]
                         + [pointer] * len(arrays))
    function.restype = None
    return function


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
def test_kernel_equals_array_update_bit_for_bit(cls, hyper, dtype, tmp_path):
    rng = np.random.default_rng(0)
    n = 2000
    param = mg.tensor(rng.standard_normal(n).astype(dtype), requires_grad=True)
    optimizer = cls([param], **hyper)
    group = optimizer.param_groups[0]
    kernel = optimizer.fused_kernel(group)
    assert kernel is not None
    run = compile_for_cpu(kernel, dtype, tmp_path)
    array_param = param.data.copy()
    state = {k: v for k, v in optimizer.init_state(group, array_param).items()}
    kernel_param = array_param.copy()
    kernel_state = {k: v.copy() for k, v in state.items()}
    for step in range(1, 6):  # several steps: first-step rules and bias corrections
        grad = rng.standard_normal(n).astype(dtype)
        optimizer.update(group, array_param, grad, state, step)
        scalars = optimizer.kernel_scalars(group, step)
        run(n, grad, *[scalars[name] for _, name in kernel.scalars], kernel_param,
            *[kernel_state[name] for name in kernel.state])
        np.testing.assert_array_equal(kernel_param, array_param, err_msg=f"param, step {step}")
        for name in kernel.state:
            np.testing.assert_array_equal(kernel_state[name], state[name],
                                          err_msg=f"{name}, step {step}")
