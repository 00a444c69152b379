"""An optimizer's update as one fused elementwise kernel, on the CPU and on a GPU.

Written as arrays (``m *= β₁; m += (1 − β₁) g; ...``), an update runs one
operation after another, each a full pass over the data: a dozen passes for
Adam, each reading and writing whole buffers (on a GPU, one kernel launch
each). A fused kernel reads every element of the parameter, gradient and state
once, applies the same equations to it, and writes the results once: the
update runs at the speed of memory.

A ``FusedKernel`` holds the equations as C statements for one element. The
same body is compiled

- on the CPU by the machine's C compiler (``c_compiler.py``);
- on a GPU by CuPy, as an ``ElementwiseKernel`` (``cupy_compiler.py``), at its
  first call;
- on the 'strict' test device, which plays CUDA's part, at its first call as
  CuPy does, by the C compiler (its arrays live in host memory:
  ``strict_compiler.py``).

``param`` and the state arrays are read and written in place, ``grad`` is
read-only, and the scalars (hyperparameters, bias corrections) are computed on
the host by the optimizer's ``kernel_scalars``. The body repeats ``update()``'s
operations in the same order and in the parameter's precision, and both
compilers are told not to contract ``a * b + c`` into a fused multiply-add, so
the kernel's results are ``update()``'s bit for bit
(``tests/test_optim_fast_path.py`` checks every kernel against its update).
"""
import warnings


class KernelUnavailable(Exception):
    """A fused kernel cannot run here; the message says why (no compiler, a dtype
    the kernels have no version for, a failed compile, ...)."""


class FusedKernel:
    """``FusedKernel(name, state, scalars, body)``.

    ``state``: names of the state arrays, in order; ``scalars``: ``(C type, name)``
    pairs (``"float64"`` or ``"int32"``); ``body``: C statements on the elements
    ``param``, ``grad``, each state array and the scalars; ``T`` is the
    parameter's type.
    """

    def __init__(self, name, state, scalars, body):
        self.name, self.state, self.scalars, self.body = name, tuple(state), tuple(scalars), body

    @property
    def in_params(self):
        return ", ".join(["T grad"] + [f"{kind} {name}" for kind, name in self.scalars])

    @property
    def out_params(self):
        return ", ".join(["T param"] + [f"T {name}" for name in self.state])

    def arguments(self, param, grad, state, scalar_values):
        """The kernel's arguments, in order: grad, scalars, param, state arrays."""
        return ([grad] + [scalar_values[name] for _, name in self.scalars] + [param]
                + [state[name] for name in self.state])



class CompiledAtFirstCall:
    """A kernel that its array library compiles at the first call, as CuPy compiles an
    ``ElementwiseKernel`` (and the 'strict' device, playing CuPy's part, does too).

    Called as ``compiled(grad, *scalars, param, *state)``. If the first call fails to
    compile (``compile_errors``), nothing has been written yet: the failure is recorded
    once for (kernel, dtype) in ``failed`` (so the compiler module answers
    ``KernelUnavailable`` from then on), a RuntimeWarning says so, and this call raises
    ``KernelUnavailable``: the caller runs ``update()`` instead, as where a kernel is
    unavailable from the start.
    """

    def __init__(self, kernel, dtype, function, compile_errors, failed, compiler_name):
        self.kernel, self.dtype, self.function = kernel, dtype, function
        self.compile_errors, self.failed, self.compiler_name = (
            compile_errors, failed, compiler_name)

    def __call__(self, *arguments):
        try:
            return self.function(*arguments)
        except self.compile_errors as error:
            first_line = (str(error).strip().splitlines() or [""])[0][:300]
            reason = (f"{self.compiler_name} could not compile the kernel {self.kernel.name} "
                      f"for {self.dtype} ({type(error).__name__}: {first_line})")
            if (self.kernel, self.dtype) not in self.failed:
                self.failed[self.kernel, self.dtype] = reason
                warnings.warn(f"{reason}; the optimizer runs its update() on arrays instead",
                              RuntimeWarning, stacklevel=2)
            raise KernelUnavailable(reason) from None
