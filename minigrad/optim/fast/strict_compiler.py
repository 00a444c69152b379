"""Fused kernels on the 'strict' device, compiled as CuPy compiles them on a GPU.

The 'strict' device plays CUDA's part in the tests, so its optimizers take the
path CuPy's take: the whole bucket in one call (its ``elementwise_chunk`` is None,
as CuPy's), the small parameters' gradients gathered into the bucket's scratch
buffer, and the kernel compiled at its first call, where a failed compile is
caught, warned about once and replaced by ``update()`` (``kernel.CompiledAtFirstCall``).
Its arrays live in host memory, so the body itself is compiled by the machine's C
compiler (``c_compiler.py``); the dtypes that compiler has no version for
(float16) are unavailable from the start.
"""
import numpy as np

from . import c_compiler
from .kernel import CompiledAtFirstCall, KernelUnavailable

_compiled = {}  # (FusedKernel, dtype) -> CompiledAtFirstCall
_failed = {}    # (FusedKernel, dtype) -> why it did not compile


def compile_kernel(kernel, dtype):
    """As ``cupy_compiler.compile_kernel``: the kernel, compiled at its first call."""
    key = (kernel, np.dtype(dtype))
    if key in _failed:
        raise KernelUnavailable(_failed[key])
    if c_compiler.compiler() is None:
        raise KernelUnavailable("no C compiler to build the 'strict' device's kernels "
                                "(or MINIGRAD_CPU_KERNELS=0)")
    if key[1] not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise KernelUnavailable(f"the 'strict' device's kernels are compiled for float32 and "
                                f"float64, not {key[1]}")
    compiled = _compiled.get(key)
    if compiled is None:
        from ...backend import get_backend
        strict = get_backend("strict")

        def first_call_compiles(*arguments):  # on the device's memory, as a CUDA kernel
            return c_compiler.compile_kernel(kernel, key[1])(
                *[strict.device_memory(a) if strict.is_array(a) else a for a in arguments])
        compiled = CompiledAtFirstCall(kernel, key[1], first_call_compiles,
                                       (KernelUnavailable,), _failed, "the C compiler")
        _compiled[key] = compiled
    return compiled
