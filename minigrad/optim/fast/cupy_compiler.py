"""Fused kernels on a GPU, compiled by CuPy.

CuPy turns a ``FusedKernel`` (``kernel.py``) into an ``ElementwiseKernel``: the
body runs once per element, in CUDA C, and CuPy specialises it for the arrays'
dtype when it is first called. It is compiled with ``--fmad=false``, so
``a * b + c`` is rounded twice, as the operation-by-operation ``update()`` rounds
it, and the results equal ``update()``'s bit for bit.
"""
_compiled = {}  # FusedKernel -> cupy.ElementwiseKernel


def compile_kernel(kernel, dtype):
    """The ``cupy.ElementwiseKernel`` for ``kernel`` (made once, for every dtype),
    called as ``compiled(grad, *scalars, param, *state)``."""
    compiled = _compiled.get(kernel)
    if compiled is None:
        import cupy
        compiled = cupy.ElementwiseKernel(kernel.in_params, kernel.out_params, kernel.body,
                                          kernel.name, options=("--fmad=false",))
        _compiled[kernel] = compiled
    return compiled
