"""Fused kernels on the CPU, compiled with the machine's C compiler.

NumPy runs an update such as Adam's as a dozen separate operations, each a pass
over the data. A fused kernel (``kernel.py``) does all of them for one element
before moving to the next, so the update streams through memory once. This
module compiles a kernel's body with the C compiler found on the machine
(``cc``/``gcc``/``clang``, or ``$CC``):

- the body (C statements for one element) is placed in a loop over contiguous
  arrays, for ``float`` or ``double``, inside a small Python extension
  (``extension_source``), whose call costs a fraction of a microsecond; the
  pointers are declared ``restrict`` (a parameter, its gradient and its state
  never share memory), so the compiler may vectorise the loop;
- it is compiled for this processor's vector instructions (``-march=native``)
  but without fused multiply-add and without fast-math, so every operation
  rounds exactly as NumPy's does and the results equal ``update()``'s bit for
  bit;
- the shared library is cached on disk under a hash of its source, the flags
  and the processor's identity, so each kernel is compiled once per machine;
- the loop runs without the interpreter lock, so slices of a buffer can be
  updated by several threads at once.

``mg.compile``'s fused loops are built the same way. Without a compiler or
Python's C headers, or with ``MINIGRAD_CPU_KERNELS=0`` in the environment,
nothing is compiled (``KernelUnavailable`` says so) and the optimizers run
their ``update()``.
"""
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

# the C type of each dtype the CPU kernels and mg.compile's fused loops are built for
ELEMENT_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_lock = threading.Lock()
_compiled = {}  # (kernel, dtype) -> the compiled run(grad, *scalars, param, *state), or why not


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
    """The extension whose ``run(grad, *scalars, param, *state)`` applies the kernel
    body to every element."""
    arrays = ["param"] + list(kernel.state)
    arguments = ([("in", "grad")] + [(kind, name) for kind, name in kernel.scalars]
                 + [("out", name) for name in arrays])
    loads = " ".join(f"T {name} = {name}_[i];" for name in arrays)
    stores = " ".join(f"{name}_[i] = {name};" for name in arrays)
    statements = f"const T grad = grad_[i]; {loads}\n{{ {kernel.body} }}\n{stores}"
    return extension_source(element_type, arguments, statements)


def extension_source(element_type, arguments, statements):
    """The C source of a Python extension with one function, ``run(*arguments)``, that
    runs ``statements`` for every element ``i`` of its arrays, for ``T`` the
    ``element_type`` ("float" or "double").

    ``arguments``: ``(kind, name)`` in call order, kind "in" (an array read through the
    pointer ``name_``), "out" (an array written in place through ``name_``), "float64"
    or "int32" (a number, the C variable ``name``). Every array must be C-contiguous,
    of type ``T`` and as long as the first one: all of it is checked before anything
    is written. The loop runs without the interpreter lock, so threads can update
    slices of one buffer at once. A call costs a fraction of a microsecond.
    """
    letter = {"float": "f", "double": "d"}[element_type]
    take, parameters, values, numbers = [], [], [], []
    for position, (kind, name) in enumerate(arguments):
        if kind in ("in", "out"):
            view = len(take) - len(numbers)  # the arrays before this one
            flags = "PyBUF_C_CONTIGUOUS | PyBUF_FORMAT" + (" | PyBUF_WRITABLE" if kind == "out"
                                                           else "")
            take.append(
                f"    if (PyObject_GetBuffer(args[{position}], &views[{view}], {flags}) < 0) "
                f"goto done;\n    taken = {view + 1};\n"
                f"    if (strcmp(views[{view}].format, \"{letter}\") != 0 "
                f"|| views[{view}].len != views[0].len) {{ wrong_array(); goto done; }}")
            parameters.append(f"{'const ' if kind == 'in' else ''}T* restrict {name}_")
            values.append(f"views[{view}].buf")
        else:
            c_type, convert = {"float64": ("double", "PyFloat_AsDouble"),
                               "int32": ("int", "(int)PyLong_AsLong")}[kind]
            take.append(f"    {name} = {convert}(args[{position}]);\n"
                        "    if (PyErr_Occurred()) goto done;")
            parameters.append(f"const {c_type} {name}")
            values.append(name)
            numbers.append(f"{c_type} {name};")
    array_count = len(arguments) - len(numbers)
    body = "\n        ".join(statements.splitlines())
    return f"""#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <tgmath.h>
typedef {element_type} T;

/* the loop, its arrays as restrict parameters so that the compiler may vectorise it
   (not inlined: inlined into run(), GCC forgets that they don't overlap) */
__attribute__((noinline)) static void loop(Py_ssize_t n, {", ".join(parameters)}) {{
    for (Py_ssize_t i = 0; i < n; ++i) {{
        {body}
    }}
}}

static void wrong_array(void) {{
    PyErr_SetString(PyExc_TypeError, "a compiled loop was given an array of another dtype or "
                    "size than its first one ({element_type})");
}}

static PyObject* run(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {{
    Py_buffer views[{array_count}];
    Py_ssize_t taken = 0;
    PyObject* result = NULL;
    {" ".join(numbers)}
    if (nargs != {len(arguments)}) {{
        PyErr_Format(PyExc_TypeError, "a compiled loop takes {len(arguments)} arguments, not %zd",
                     nargs);
        return NULL;
    }}
{chr(10).join(take)}
    Py_BEGIN_ALLOW_THREADS
    loop(views[0].len / (Py_ssize_t)sizeof(T), {", ".join(values)});
    Py_END_ALLOW_THREADS
    Py_INCREF(Py_None);
    result = Py_None;
done:
    for (Py_ssize_t k = 0; k < taken; ++k) PyBuffer_Release(&views[k]);
    return result;
}}

static PyMethodDef methods[] = {{
    {{"run", (PyCFunction)(void (*)(void))run, METH_FASTCALL, "the compiled loop"}},
    {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "MODULE", NULL, -1, methods}};
PyMODINIT_FUNC PyInit_MODULE(void) {{ return PyModule_Create(&module); }}
"""


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


def python_headers():
    """The folder of Python's C headers, or None where ``Python.h`` is not installed."""
    include = sysconfig.get_paths().get("include")
    return include if include and os.path.exists(os.path.join(include, "Python.h")) else None


class BuildFailed(KernelUnavailable):
    """The C compiler ran and could not build an extension, or it could not be loaded."""


_extensions = {}  # C source -> the run function of its extension, in this process


def load_extension(source):
    """The ``run`` function of the extension built from ``source`` (``extension_source``),
    compiled (or found in the caches on disk and in this process) and imported. Raises
    ``KernelUnavailable`` saying why where it can't be: no compiler (looked for at each
    call, so that ``MINIGRAD_CPU_KERNELS=0`` set later is obeyed), no Python headers,
    or ``BuildFailed`` (with the compiler's output)."""
    cc = compiler()
    if cc is None:
        raise KernelUnavailable("no C compiler was found (looked for $CC, cc, gcc and clang)"
                                if not switched_off() else
                                "MINIGRAD_CPU_KERNELS=0 switches the compiled CPU kernels off")
    include = python_headers()
    if include is None:
        raise KernelUnavailable("Python's C headers (Python.h) are not installed")
    if source in _extensions:
        return _extensions[source]
    name = "minigrad_loop_" + hashlib.sha256(source.encode()).hexdigest()[:20]
    try:
        path = str(_build(source.replace("MODULE", name), cc, [f"-I{include}"]))
        loader = importlib.machinery.ExtensionFileLoader(name, path)
        module = importlib.util.module_from_spec(
            importlib.util.spec_from_file_location(name, path, loader=loader))
        loader.exec_module(module)
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace")[:500]
        raise BuildFailed(f"the C compiler could not build it ({error}): {detail}") from None
    except (OSError, ImportError) as error:
        raise BuildFailed(f"it could not be loaded ({error})") from None
    _extensions[source] = module.run
    return module.run


def compile_kernel(kernel, dtype):
    """The ``FusedKernel`` compiled for ``dtype`` (float32 or float64), called as
    ``compiled(grad, *scalars, param, *state)`` on contiguous arrays of one size; raises
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
    if dtype not in ELEMENT_TYPES:
        return f"the CPU kernels are compiled for float32 and float64, not {dtype}"
    try:
        return load_extension(c_source(kernel, ELEMENT_TYPES[dtype]))
    except BuildFailed as error:
        print(f"minigrad: could not compile the CPU kernel {kernel.name} ({error}); the "
              "optimizer runs its update() instead.", file=sys.stderr)
        return f"the C compiler could not build the kernel {kernel.name} ({error})"
    except KernelUnavailable as error:  # no compiler, switched off, no Python headers
        return str(error)
