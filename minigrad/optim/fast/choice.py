"""``foreach`` and ``fused``: PyTorch's spelling of the choice between the plain loop
and the fast path, read from each param group.

The optimizers that have these arguments in PyTorch take them too, and keep
them in their param groups (and so in ``state_dict()``) as PyTorch does; any
other optimizer can be given them as param-group keys
(``{"params": ..., "fused": False}``). For one group:

============  ==========  ==================================================================
``foreach``   ``fused``   what ``step()`` runs
============  ==========  ==================================================================
None          None        minigrad picks: the fast path where the rule allows it
                          (``rule.py``), with the compiled kernel where that is allowed
                          and compiles for the parameters' device and dtype; otherwise
                          the plain loop
False         None/False  the plain loop: ``update()`` per parameter, on whole arrays
None          False       the plain loop
True          None/False  flat buckets, slices and threads running ``update()`` on pieces
                          (no compiled kernel); ``RuntimeError`` where the rule forbids it
None/False    True        the compiled kernel, on buckets, slices and threads;
                          ``RuntimeError`` where it cannot run (the rule forbids it, no
                          C compiler or switched off, a dtype it has no version for)
True          True        ``RuntimeError``, as in PyTorch
============  ==========  ==================================================================

A group whose options make ``update`` read each parameter whole
(``Optimizer.whole_parameter_option``: ``cautious=True``) runs the plain loop,
``foreach=True`` included (as pytorch-optimizer turns its batching off for such a
group); ``fused=True`` is refused for it.

As in PyTorch, ``False`` for either argument forces the plain loop unless the
other one is ``True``, and an impossible ``fused=True`` is refused (when the
group is added, and again at the step if something changed since).
"""
from typing import NamedTuple

import numpy as np

from . import c_compiler, cupy_compiler, strict_compiler
from .kernel import KernelUnavailable
from .rule import permission


class FastPath(NamedTuple):
    """How the fast path runs a group: flat buckets, slices and threads, each slice
    updated by the compiled kernel where ``kernel`` (and it can run) or else by
    ``update()``; ``kernel_required`` (``fused=True``): an error where it cannot run."""

    kernel: bool
    kernel_required: bool


_PICKED = {True: FastPath(kernel=True, kernel_required=False),
           False: FastPath(kernel=False, kernel_required=False)}
_FUSED = FastPath(kernel=True, kernel_required=True)

# Which compiler builds kernels for a backend's arrays. The 'strict' device compiles as CuPy
# does (at the first call); its arrays live in host memory, so with the C compiler.
_COMPILERS = {"numpy": c_compiler, "strict": strict_compiler, "cupy": cupy_compiler}


def path_for(optimizer, group):
    """The ``FastPath`` for ``group``, or None for the plain loop (see the table above)."""
    foreach, fused = group.get("foreach"), group.get("fused")
    if foreach and fused:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    allowed = permission(optimizer)
    whole = optimizer.whole_parameter_option(group)
    if fused:
        if whole is not None or not allowed.kernel:
            raise RuntimeError(f"`fused=True` needs a compiled kernel of the update rule, but "
                               f"{_why_not(optimizer, allowed, whole)}; pass fused=None or "
                               f"False")
        return _FUSED
    if foreach and not allowed.buckets:
        raise RuntimeError(f"`foreach=True` runs update() on pieces of many parameters at "
                           f"once, but {_why_not(optimizer, allowed)}; pass foreach=None "
                           f"or False")
    if whole is not None:
        return None
    if foreach:
        return _PICKED[False]
    if foreach is False or fused is False or not allowed.buckets:
        return None
    return _PICKED[allowed.kernel]


def check_choice(optimizer, group):
    """Refuse a ``foreach``/``fused`` of the wrong kind, or a choice that cannot run, when
    ``group`` is added: TypeError / RuntimeError naming the problem."""
    for name in ("foreach", "fused"):
        value = group.get(name)
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be None, True or False, got {value!r} "
                            f"({type(value).__name__})")
    path = path_for(optimizer, group)
    if path is not None and path.kernel_required:
        for param in group["params"]:
            kernel_to_run(optimizer, group, param._backend, param._array.dtype, path)


def kernel_to_run(optimizer, group, backend, dtype, path):
    """The compiled kernel that updates ``group``'s arrays of ``dtype`` on ``backend`` in
    ``update()``'s place, or None where ``update()`` runs. Where the kernel is required
    (``fused=True``) and cannot run, RuntimeError saying why."""
    if not path.kernel:
        return None
    kernel = optimizer.fused_kernel(group)
    try:
        if kernel is None:
            raise KernelUnavailable(f"{type(optimizer).__name__}.fused_kernel gives no kernel "
                                    "for this group's options")
        compiler = _COMPILERS.get(backend.name)
        if compiler is None:
            raise KernelUnavailable(f"no kernel compiler for the device {backend.device!r}")
        return compiler.compile_kernel(kernel, dtype)
    except KernelUnavailable as reason:
        if path.kernel_required:
            raise RuntimeError(f"`fused=True` needs the compiled kernel, which cannot run for "
                               f"{dtype} parameters on {str(backend.device)!r}: {reason}") from None
        return None


def _why_not(optimizer, allowed, whole=None):
    """Why ``permission`` refused part of the fast path (or ``whole``, the group's option
    that makes update() read each parameter whole, forbids it), in words."""
    if whole is not None:
        return (f"with {whole} {type(optimizer).__name__}.update reads each parameter whole "
                "(a sum over its elements), so it runs per parameter on whole arrays")
    if allowed.owner is None:
        return (f"this {type(optimizer).__name__} has its own update() (or elementwise, "
                "fused_kernel) set on the object itself, which runs per parameter")
    rule = allowed.owner.__name__
    if not allowed.buckets:
        return (f"{rule}.update is the rule that runs, and {rule} does not declare "
                "`elementwise = True` beside it, so it runs per parameter on whole arrays")
    return (f"{rule}.update is the rule that runs, and a kernel must be written beside it: "
            f"{rule} defines no `fused_kernel`, or a class below it redefines fused_kernel "
            "or kernel_scalars")
