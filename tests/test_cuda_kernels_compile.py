"""Every fused CUDA kernel compiles, checked without a GPU.

CuPy compiles an ``ElementwiseKernel`` lazily, at its first call on a device,
so a kernel that NVRTC rejects would only show up on a GPU, in the middle of a
``step()``. This test builds the CUDA source that CuPy's ``ElementwiseKernel``
generates for each ``FusedKernel`` of minigrad (the typedef of ``T``, CuPy's
headers, the ``CArray``/``CIndexer`` parameters, the ``CUPY_FOR`` loop and one
reference per array element) and compiles it with NVRTC for an H100/H200
(``compute_90``) in float16, float32 and float64, with the options minigrad
passes (``--fmad=false``). NVRTC runs on the CPU: ``cupy.cuda.compiler``'s
program object compiles for an explicit architecture without a device (its
``compile_using_nvrtc`` asks the device for its architecture, so it is not used).

It needs CuPy and the NVRTC and CUDA runtime headers, which install without a
GPU (docs/performance.md gives the command; CI runs it). Elsewhere it is
skipped, unless ``MINIGRAD_REQUIRE_NVRTC=1`` (set by CI) makes that a failure.
"""
import importlib
import os
import pkgutil
import re

import numpy as np
import pytest

import minigrad
from minigrad.optim.fast.kernel import FusedKernel

ARCHITECTURE = "compute_90"
DTYPES = {np.float16: "float16", np.float32: "float", np.float64: "double"}
SCALAR_TYPES = {"float64": "double", "int32": "int"}


def _nvrtc_or_skip():
    """CuPy's compiler module and the include options, or a skip naming what is missing."""
    try:
        import cupy
        from cupy.cuda import compiler
        import nvidia.cuda_runtime
        from cupy_backends.cuda.libs import nvrtc
        nvrtc.getVersion()
    except Exception as missing:  # ImportError, or the NVRTC library that does not load
        reason = (f"needs CuPy with NVRTC and the CUDA runtime headers ({missing}); install "
                  "them with the command in docs/performance.md")
        if os.environ.get("MINIGRAD_REQUIRE_NVRTC") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    cupy_include = os.path.join(os.path.dirname(cupy.__file__), "_core", "include")
    cccl = os.path.join(cupy_include, "cupy", "_cccl")
    runtime_include = os.path.join(list(nvidia.cuda_runtime.__path__)[0], "include")
    includes = [cupy_include, runtime_include] + [
        os.path.join(cccl, part) for part in ("libcudacxx", "cub", "thrust")]
    return compiler, [f"-I{path}" for path in includes]


def every_fused_kernel():
    """The FusedKernels that minigrad's modules define (alone, or in a dict, list or tuple)."""
    kernels = {}
    for module_info in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        if module_info.name.split(".")[1] in ("cli", "viz", "data", "__main__"):
            continue  # command line, plots and data sets: no kernels
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            values = value.values() if isinstance(value, dict) else (
                value if isinstance(value, (list, tuple)) else [value])
            for item in values:
                if isinstance(item, FusedKernel):
                    kernels[item.name] = item
    return [kernels[name] for name in sorted(kernels)]


def elementwise_kernel_source(kernel, type_name):
    """The CUDA C++ that ``cupy.ElementwiseKernel(kernel.in_params, kernel.out_params,
    kernel.body, kernel.name)`` generates for contiguous 1-d arrays of ``type_name``."""
    scalars = [f"{SCALAR_TYPES[kind]} {name}" for kind, name in kernel.scalars]
    return cuda_source(kernel.name, ["grad"], scalars, ("param",) + kernel.state, kernel.body,
                       type_name)


def cuda_source(name, inputs, scalars, outputs, body, type_name):
    """The CUDA C++ that CuPy's ``ElementwiseKernel`` generates for contiguous 1-d arrays
    of ``type_name``: ``inputs`` read, then the ``scalars`` ("type name"), then ``outputs``
    written, each array element a ``T`` reference."""
    array = f"CArray<{type_name}, 1, 1, 1>"
    parameters = [f"const {array} _raw_{n}" for n in inputs] + [f"const {s}" for s in scalars]
    parameters += [f"{array} _raw_{n}" for n in outputs] + ["CIndexer<1, 1> _ind"]
    references = [f"const {type_name} &{n} = _raw_{n}[_ind.get()];" for n in inputs]
    references += [f"{type_name} &{n} = _raw_{n}[_ind.get()];" for n in outputs]
    headers = ["cupy/complex.cuh", "cupy/carray.cuh", "cupy/atomics.cuh"]
    if type_name == "float16":
        headers.append("cupy/float16.cuh")
    return "\n".join(
        [f"#include <{header}>" for header in headers]
        + [f"typedef {type_name} T;",
           f'extern "C" __global__ void {name}({", ".join(parameters)}) {{',
           "  #pragma unroll 1",
           "  CUPY_FOR(i, _ind.size()) {",
           "    _ind.set(i);"]
        + [f"    {line}" for line in references]
        + [body, "  ;", "  }", "}", ""])


def compiled_ptx(source, name, what):
    """``source`` compiled by NVRTC for an H100/H200 with the options minigrad passes:
    the PTX text, or a test failure naming ``what`` and NVRTC's message."""
    compiler, includes = _nvrtc_or_skip()
    program = compiler._NVRTCProgram(source, f"{name}.cu")
    options = [f"-arch={ARCHITECTURE}", "--fmad=false", "-std=c++17"] + includes
    try:
        ptx, _ = program.compile(tuple(options))
    except compiler.CompileException as error:
        pytest.fail(f"{what} does not compile:\n{error}")
    return ptx.decode() if isinstance(ptx, bytes) else ptx


KERNELS = every_fused_kernel()


def test_the_kernels_are_found():
    names = {kernel.name for kernel in KERNELS}
    assert {"sgd", "sgd_momentum", "adam", "adam_amsgrad", "adagrad", "lion",
            "rmsprop_00", "rmsprop_01", "rmsprop_10", "rmsprop_11"} <= names


@pytest.mark.parametrize("dtype", list(DTYPES), ids=[d.__name__ for d in DTYPES])
@pytest.mark.parametrize("kernel", KERNELS, ids=[k.name for k in KERNELS])
def test_every_fused_kernel_compiles_with_nvrtc(kernel, dtype):
    source = elementwise_kernel_source(kernel, DTYPES[dtype])
    text = compiled_ptx(source, kernel.name, f"{kernel.name} for {dtype.__name__}")
    assert f".entry {kernel.name}(" in text


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_mg_compile_s_fused_loops_compile_with_nvrtc(dtype):
    """One loop that uses every formula of the fusion table (each op's forward on two
    inputs and a number, each backward on a gradient and two saved values), as
    ``mg.compile`` hands it to CuPy on CUDA."""
    import sys
    fusion = sys.modules["minigrad.compile.fusion"]
    variables = []
    for formula in fusion.FORWARD.values():
        variables.append((3 + len(variables), formula.format("v0", "((T)0.5)")))
    for formulas in fusion.BACKWARD.values():
        for formula in formulas:
            variables.append((3 + len(variables), formula.format("v0", "v1", g="v2")))
    outputs = [slot for slot, _ in variables]
    in_params, out_params, body = fusion.cuda_parts([0, 1, 2], variables, outputs)
    source = cuda_source("fused_loop", [p.split()[1] for p in in_params.split(", ")], [],
                         [p.split()[1] for p in out_params.split(", ")], body, DTYPES[dtype])
    text = compiled_ptx(source, "fused_loop", f"the fused loop for {dtype.__name__}")
    assert ".entry fused_loop(" in text
    # without contraction every product and sum is rounded on its own (".rn"): a plain
    # mul.f32 would let the assembler fuse it with the next add
    assert not re.search(r"\b(mul|add|sub)\.f(32|64)\b", text)
