"""Fused kernels on the CPU, compiled with the machine's C compiler.

NumPy runs an update such as Adam's as a dozen separate operations, each a pass
over the data. A fused kernel (``kernel.py``) does all of them for one element
before moving to the next, so the update streams through memory once. This
module compiles a kernel's body with the C compiler found on the machine
(``cc``/``gcc``/``clang``, or ``$CC``):

- the body (C statements for one element) is placed in a loop over contiguous
  arrays, for ``float`` or ``double``; the pointers are declared ``restrict``
  (a parameter, its gradient and its state never share memory), so the
  compiler may vectorise the loop;
- it is compiled for this processor's vector instructions (``-march=native``)
  but without fused multiply-add and without fast-math, so every operation
  rounds exactly as NumPy's does and the results equal ``update()``'s bit for
  bit;
- the shared library is cached on disk under a hash of its source, the flags
  and the processor's identity, so each kernel is compiled once per machine;
- it is called through ``ctypes``, which releases the interpreter lock, so
  slices of a buffer can be updated by several threads at once.

Without a compiler, or with ``MINIGRAD_CPU_KERNELS=0`` in the environment,
nothing is compiled (``KernelUnavailable`` says so) and the optimizers run
their ``update()``.
"""
import ctypes
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path

import numpy as np

from .kernel import KernelUnavailable

_C_TYPES = {"float64": "double", "int32": "int"}
_ELEMENT_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_lock = threading.Lock()
_compiled = {}  # (kernel, dtype) -> CompiledKernel, or the reason there is none


def switched_off():
    """True when ``MINIGRAD_CPU_KERNELS=0`` asks for no compiled CPU kernels."""
    return os.environ.get("MINIGRAD_CPU_KERNELS", "1") == "0"


def compiler():
    """The C compiler to use, or None (none found, or switched off)."""
    if switched_off():
        return None
    candidates = [os.environ.get("CC"), "cc", "gcc", "clang"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


def c_source(kernel, element_type):
    """The C function ``run(n, grad, scalars..., param, state...)`` around the kernel body."""
    arrays = ["param"] + list(kernel.state)
    arguments = (["long n", "const T* restrict grad_"]
                 + [f"{_C_TYPES[kind]} {name}" for kind, name in kernel.scalars]
                 + [f"T* restrict {name}_" for name in arrays])
    loads = " ".join(f"T {name} = {name}_[i];" for name in arrays)
    stores = " ".join(f"{name}_[i] = {name};" for name in arrays)
    return (f"#include <tgmath.h>\ntypedef {element_type} T;\n"
            f"void run({', '.join(arguments)}) {{\n"
            f"    for (long i = 0; i < n; ++i) {{\n"
            f"        const T grad = grad_[i]; {loads}\n"
            f"        {{ {kernel.body} }}\n"
            f"        {stores}\n"
            f"    }}\n}}\n")


def _cache_folder():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "minigrad" / "kernels"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:  # a read-only home: a private temporary folder instead
        return Path(tempfile.mkdtemp(prefix="minigrad-kernels-"))


_FLAGS = ["-O3", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno", "-fPIC", "-shared"]


def _this_cpu():
    """What identifies this processor's instruction set (the cache key of code built
    with ``-march=native``), so a shared cache never hands it to another CPU."""
    try:
        with open("/proc/cpuinfo") as info:
            lines = [line for line in info if line.startswith(("model name", "flags"))]
        return "".join(sorted(set(lines)))
    except OSError:
        return f"{platform.machine()} {platform.processor()}"


def _build(source, cc, extra_flags=()):
    """Compile ``source`` into a shared library (or find it in the cache); its path.

    For this machine's own vector instructions (``-march=native``), falling back to
    the compiler's default target where that flag is refused.
    """
    try:
        return _build_with(source, cc, _FLAGS + ["-march=native", *extra_flags])
    except subprocess.CalledProcessError:
        return _build_with(source, cc, _FLAGS + list(extra_flags))


def _build_with(source, cc, flags):
    key = "\n".join([source, cc, " ".join(flags), _this_cpu()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    folder = _cache_folder()
    library = folder / f"kernel_{digest}.so"
    if library.exists():
        return library
    with tempfile.TemporaryDirectory(dir=folder) as work:
        c_file = Path(work) / "kernel.c"
        c_file.write_text(source)
        built = Path(work) / "kernel.so"
        subprocess.run([cc, *flags, str(c_file), "-o", str(built), "-lm"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.replace(built, library)  # atomic: another process sees all of it or nothing
    return library


class CompiledKernel:
    """A compiled kernel, called like CuPy's: ``kernel(grad, *scalars, param, *state)``
    on contiguous 1-D arrays of one dtype, updating ``param`` and ``state`` in place."""

    def __init__(self, function, kernel, dtype):
        self.function, self.kernel, self.dtype = function, kernel, dtype
        self.scalar_types = [float if kind == "float64" else int for kind, _ in kernel.scalars]

    def __call__(self, grad, *arguments):
        count = len(self.kernel.scalars)
        self.on(grad, *arguments[count:])(*arguments[:count])

    def on(self, grad, param, *state):
        """This kernel on arrays whose memory stays put (a bucket's buffers and its
        scratch for the gradients): ``run(*scalars)``. The arrays are checked and
        their addresses read once here; reading an address costs about as much as
        updating a few hundred numbers. The caller keeps the arrays alive."""
        arrays = (grad, param) + state
        size = grad.size
        for array in arrays:
            if array.dtype != self.dtype or array.size != size or not array.flags.c_contiguous:
                raise ValueError(f"kernel {self.kernel.name}: arrays must be contiguous "
                                 f"{self.dtype} of {size} elements")
        function, scalar_types = self.function, self.scalar_types
        grad_address, *addresses = [array.ctypes.data for array in arrays]

        def run(*scalars):
            function(size, grad_address,
                     *[kind(value) for kind, value in zip(scalar_types, scalars)], *addresses)
        return run


def load_extension(source, name):
    """The Python extension module ``name`` built from the C ``source`` (or found in
    the cache) and imported. A call of its functions costs a fraction of a ctypes
    call, which the fused loops of ``minigrad.compile`` need on small arrays.
    ``KernelUnavailable`` says why where it can't be built."""
    cc = compiler()
    include = sysconfig.get_paths().get("include")
    if cc is None:
        raise KernelUnavailable("no C compiler (or MINIGRAD_CPU_KERNELS=0)")
    if not include or not os.path.exists(os.path.join(include, "Python.h")):
        raise KernelUnavailable("Python's C headers (Python.h) are not installed")
    try:
        path = _build(source, cc, [f"-I{include}"])
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        return module
    except (OSError, ImportError, subprocess.CalledProcessError) as error:
        raise KernelUnavailable(f"the C compiler could not build {name} ({error})") from None


def compile_kernel(kernel, dtype):
    """The ``FusedKernel`` compiled for ``dtype`` (float32 or float64); raises
    ``KernelUnavailable`` saying why where it cannot be (no compiler, switched off,
    another dtype, a failed compile). Each answer is worked out once per process."""
    key = (kernel, np.dtype(dtype))
    if key not in _compiled:
        with _lock:
            if key not in _compiled:
                _compiled[key] = _compile(kernel, np.dtype(dtype))
    compiled = _compiled[key]
    if isinstance(compiled, str):
        raise KernelUnavailable(compiled)
    return compiled


def _compile(kernel, dtype):
    """The compiled kernel, or the reason there is none (a string)."""
    if switched_off():
        return "MINIGRAD_CPU_KERNELS=0 switches the compiled CPU kernels off"
    cc = compiler()
    if cc is None:
        return "no C compiler was found (looked for $CC, cc, gcc and clang)"
    if dtype not in _ELEMENT_TYPES:
        return f"the CPU kernels are compiled for float32 and float64, not {dtype}"
    try:
        library = _build(c_source(kernel, _ELEMENT_TYPES[dtype]), cc)
        function = ctypes.CDLL(str(library)).run
    except (OSError, subprocess.CalledProcessError) as error:
        detail = (getattr(error, "stderr", b"") or b"").decode(errors="replace")[:500]
        print(f"minigrad: could not compile the CPU kernel {kernel.name} ({error}); the "
              f"optimizer runs its update() instead. {detail}", file=sys.stderr)
        return f"the C compiler could not build the kernel {kernel.name} ({error})"
    function.restype = None
    function.argtypes = ([ctypes.c_long, ctypes.c_void_p]
                         + [ctypes.c_double if kind == "float64" else ctypes.c_int
                            for kind, _ in kernel.scalars]
                         + [ctypes.c_void_p] * (1 + len(kernel.state)))
    return CompiledKernel(function, kernel, dtype)
