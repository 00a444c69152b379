"""Fused kernels on a GPU, compiled by CuPy.

CuPy turns a ``FusedKernel`` (``kernel.py``) into an ``ElementwiseKernel``: the
body runs once per element, in CUDA C, and CuPy specialises it for the arrays'
dtype when it is first called. It is compiled with ``--fmad=false``, so
``a * b + c`` is rounded twice, as the operation-by-operation ``update()`` rounds
it, and in float32 and float64 the results equal ``update()``'s bit for bit (a
float16 kernel computes in float32 between assignments: close to ``update()``,
not equal).

CuPy compiles at the first call, in the middle of a step: a kernel that NVRTC
rejects is caught there once per (kernel, dtype), with a warning, and the
optimizer runs its ``update()`` instead (``kernel.CompiledAtFirstCall``).
``tests/test_cuda_kernels_compile.py`` compiles every kernel with NVRTC without a
GPU, so that this stays a safety net.
"""
import numpy as np

from .kernel import CompiledAtFirstCall, KernelUnavailable

_compiled = {}  # (FusedKernel, dtype) -> CompiledAtFirstCall around a cupy.ElementwiseKernel
_failed = {}    # (FusedKernel, dtype) -> why it did not compile


def compile_kernel(kernel, dtype):
    """The kernel for ``dtype``, called as ``compiled(grad, *scalars, param, *state)``;
    ``KernelUnavailable`` once it failed to compile for that dtype."""
    key = (kernel, np.dtype(dtype))
    if key in _failed:
        raise KernelUnavailable(_failed[key])
    compiled = _compiled.get(key)
    if compiled is None:
        import cupy
        elementwise = cupy.ElementwiseKernel(kernel.in_params, kernel.out_params, kernel.body,
                                             kernel.name, options=("--fmad=false",))
        compiled = CompiledAtFirstCall(kernel, key[1], elementwise,
                                       (cupy.cuda.compiler.CompileException,), _failed,
                                       "CuPy's CUDA compiler (NVRTC)")
        _compiled[key] = compiled
    return compiled
