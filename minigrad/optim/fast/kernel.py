"""An optimizer update as one fused elementwise GPU kernel.

On a GPU, the array form of an update (``m *= β₁; m += (1 − β₁) g; ...``) runs
one kernel per operation, each reading and writing whole buffers. A fused
kernel reads every element of the parameter, gradient and state once, applies
the same equations in registers, and writes the results once: the update runs
at the speed of memory.

A ``FusedKernel`` holds the equations as the body of a CuPy
``ElementwiseKernel`` (CUDA C, one element at a time). ``param`` and the state
arrays are read and written in place, ``grad`` is read-only, and the scalars
(hyperparameters, bias corrections) are computed on the host by the optimizer's
``kernel_scalars``. The body repeats the array form's operations in the same
order and in the parameter's precision, and the kernel is compiled without
fused multiply-add contraction, so its results are the array form's, bit for
bit (the tests check this by compiling the same body for the CPU).
"""


class FusedKernel:
    """``FusedKernel(name, state, scalars, body)``.

    ``state``: names of the state arrays, in order; ``scalars``: ``(C type, name)``
    pairs (``"float64"`` or ``"int32"``); ``body``: CUDA C statements on the
    elements ``param``, ``grad``, each state array and the scalars; ``T`` is the
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
