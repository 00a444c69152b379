"""Fusing runs of elementwise entries of a replay into one compiled loop.

A replayed step is a list of array calls. For an elementwise chain such as
``y = x * 1.001 + 0.001`` and its backward, each call is one pass over the data
and one Python call. Where consecutive entries are elementwise operations of
the table below on arrays of one size, dtype (float32 or float64) and device,
the run becomes one compiled loop that takes each element through all of them
and writes only the arrays that something after the run reads (a later entry,
a gradient, the step's result). The loop is compiled like the optimizers'
kernels: by the C compiler on the CPU (a small Python extension, whose call
costs about one NumPy operation on a small array) and on the 'strict' test
device, as a CuPy ``ElementwiseKernel`` on CUDA.

Bit for bit: only operations whose NumPy result is the IEEE-rounded result of
the same C expression are fused: +, −, ×, ÷ and negation, and the derivatives
written with them (tanh's 1 − y², the sigmoid's y(1 − y)). tanh, exp or sin
themselves are not: NumPy's vectorised versions round differently from the C
library's. The expressions keep the ops' own order, a Python number meets a
float32 array as NumPy 2 makes it (rounded to float32 first), and the loop is
compiled without contraction into fused multiply-adds, so the replay's numbers
stay the eager step's.

Where it pays: a fused run replaces at least two array calls (a gradient
passed on unchanged, as the backward of ``+`` does, is not a call). An input
that isn't contiguous at replay time (a transposed argument, the broadcast
gradient of a sum) is copied into a contiguous array first on the CPU. Nothing
is fused on the CPU and the 'strict' device where ``MINIGRAD_CPU_KERNELS=0``, or
where no C compiler or no Python C headers are found.
"""
import hashlib
import math
import re

from ..ops.elementwise import Add, Div, Mul, Neg, Sigmoid, Sub, Tanh
from ..optim.fast import c_compiler
from ..optim.fast.kernel import KernelUnavailable

# y of each op, from its operands {0}, {1}
FORWARD = {Add: "{0} + {1}", Sub: "{0} - {1}", Mul: "{0} * {1}", Div: "{0} / {1}", Neg: "-{0}"}
# each input's gradient, from the output's gradient g and what the op saved {0}, {1}
BACKWARD = {
    Add: ("{g}", "{g}"),
    Sub: ("{g}", "-{g}"),
    Mul: ("{g} * {1}", "{g} * {0}"),
    Div: ("{g} / {1}", "-{g} * (({0} / {1}) / {1})"),
    Neg: ("-{g}",),
    Tanh: ("{g} * ((T)1 - {0} * {0})",),
    Sigmoid: ("{g} * {0} * ((T)1 - {0})",),
}


class _Element:
    """One entry as C: the slots it reads, and for each output slot its expression
    (None for an output the entry leaves empty)."""

    def __init__(self, reads, results, node_slot, size, dtype, backend):
        self.reads, self.results = reads, results
        self.node_slot, self.size, self.dtype, self.backend = node_slot, size, dtype, backend
        # a call, unless every result is a gradient passed on as it came
        self.computes = any(e is not None and e not in (f"v{s}" for s in reads)
                            for _, e in results)


def fuse(entries, steps, elementwise, layouts, result_slots):
    """``steps`` with runs of fusable entries replaced by one step each; also the
    number of runs fused (tests read it)."""
    elements = {}
    for index, description in elementwise.items():
        element = _element(entries[index], description, layouts)
        if element is not None:
            elements[index] = element
    readers = {}  # slot -> indices of the entries that read it
    for index, (_, ins, _) in enumerate(entries):
        for slot in ins:
            readers.setdefault(slot, set()).add(index)
    while True:
        runs = _runs(elements)
        fused = {index for run in runs for index in run}
        # a fused forward makes no node: every backward that reads it must be fused too
        dropped = [index for index in fused if elements[index].node_slot is not None
                   and not readers.get(elements[index].node_slot, set()) <= fused]
        dropped += [index for index in elements if index not in fused]
        if not dropped:
            break
        for index in dropped:
            elements.pop(index, None)
    for run in runs:  # a fused backward reads what its op saved from the slots
        for index in run:
            for slot in elements[index].reads:
                readers.setdefault(slot, set()).add(index)
    new_steps = list(steps)
    for run in reversed(runs):
        try:
            new_steps[run[0]:run[-1] + 1] = [_fused_step(run, elements, readers, result_slots,
                                                         layouts)]
        except KernelUnavailable:  # (the runs depend on each other: all or none)
            return steps, 0
    return new_steps, len(runs)


def _element(entry, description, layouts):
    """The ``_Element`` of an entry, or None where it can't be fused."""
    _call, ins, outs = entry
    kind, backend = description[0], description[2]
    if backend.name not in ("numpy", "strict", "cupy"):
        return None
    if kind == "forward":
        cls, operands = description[1], description[3]
        if cls not in FORWARD:
            return None
        names = [_name(o) for o in operands]
        if None in names:
            return None
        node_slot, out_slots = outs[0], outs[1:]
        results = [(out_slots[0], FORWARD[cls].format(*names))]
        reads = [o[1] for o in operands if o[0] == "slot"]
    elif kind == "backward":
        cls, saved, present = description[1], description[3], description[4]
        if cls not in BACKWARD or saved is None or len(ins) != 2:
            return None
        names = [_name(o) for o in saved]
        if None in names:
            return None
        g = f"v{ins[1]}"
        node_slot = None
        results = [(slot, formula.format(*names, g=g) if here else None)
                   for slot, formula, here in zip(outs, BACKWARD[cls], present)]
        reads = [ins[1]] + [o[1] for o in saved if o[0] == "slot"]
    else:  # a sum of two gradients
        node_slot = None
        results = [(outs[0], f"v{ins[0]} + v{ins[1]}")]
        reads = list(ins)
    if any(slot not in layouts for slot in reads):
        return None
    arrays = [layouts[slot] for slot in reads]
    arrays += [layouts[slot] for slot, expression in results if expression is not None]
    shape, dtype = arrays[0]
    if dtype not in c_compiler.ELEMENT_TYPES or any(layout != (shape, dtype)
                                                    for layout in arrays):
        return None
    return _Element(reads, results, node_slot, math.prod(shape), dtype, backend)


def _name(operand):
    """An operand in C: a slot's variable, or a number rounded to T as NumPy does."""
    kind, value = operand
    if kind == "slot":
        return f"v{value}"
    if type(value) not in (int, float) or not math.isfinite(value) \
            or type(value) is int and abs(value) >= 2 ** 53:
        return None
    return f"((T){float(value)!r})"


def _runs(elements):
    """Runs of consecutive entries of one size, dtype and device that make at least
    two calls."""
    runs, run = [], []
    for index in sorted(elements):
        element, last = elements[index], run and elements[run[-1]]
        if run and (index != run[-1] + 1 or (element.size, element.dtype, element.backend)
                    != (last.size, last.dtype, last.backend)):
            runs.append(run)
            run = []
        run.append(index)
    runs.append(run)
    return [run for run in runs if sum(elements[i].computes for i in run) >= 2]


def _fused_step(run, elements, readers, result_slots, layouts):
    """One step computing the run in one compiled loop (``KernelUnavailable`` where it
    can't be compiled)."""
    members = set(run)
    inputs, variables, empty = [], [], []
    made = set()
    roots = {}  # slot -> the slot whose array it is (a gradient passed on unchanged)
    for index in run:
        element = elements[index]
        for slot in element.reads:
            if slot not in made and slot not in inputs:
                inputs.append(slot)
        for slot, expression in element.results:
            if expression is None:
                empty.append(slot)
                continue
            made.add(slot)
            variables.append((slot, expression))
            source = expression[1:]
            if expression.startswith("v") and source.isdigit():
                roots[slot] = roots.get(int(source), int(source))
    # what an entry after the run, or the step's result, reads
    needed = {slot for slot in made | set(empty)
              if slot in result_slots or not readers.get(slot, set()) <= members}
    written = {roots.get(slot, slot) for slot in needed if slot in made} - set(inputs)
    outputs = [slot for slot, _ in variables if slot in written]
    dtype, backend = elements[run[0]].dtype, elements[run[0]].backend
    # (a run whose values nothing reads only passes gradients on: no loop to call)
    loop = _loop(backend, dtype, *_renumbered(inputs, variables, outputs)) if outputs else None
    shapes = [layouts[slot][0] for slot in outputs]
    passed_on = [(slot, roots[slot]) for slot in sorted(needed) if slot in roots]
    empty = [slot for slot in empty if slot in needed]
    new_array, contiguous = backend.xp.empty, backend.xp.ascontiguousarray

    def step(slots):
        if loop is not None:
            arrays = [slots[slot] for slot in inputs]
            results = [new_array(shape, dtype) for shape in shapes]
            try:
                loop(*arrays, *results)
            except (ValueError, BufferError):  # an input that isn't contiguous (transposed)
                loop(*[contiguous(array) for array in arrays], *results)
            for slot, array in zip(outputs, results):
                slots[slot] = array
        for slot, root in passed_on:
            slots[slot] = slots[root]
        for slot in empty:
            slots[slot] = None
    return step


def _renumbered(inputs, variables, outputs):
    """The run with its slots numbered 0, 1, ... in order of appearance, so that runs of
    the same shape share one compiled loop."""
    number = {slot: n for n, slot in enumerate(inputs + [slot for slot, _ in variables])}
    return ([number[slot] for slot in inputs],
            [(number[slot], re.sub(r"\bv(\d+)\b", lambda m: f"v{number[int(m[1])]}", e))
             for slot, e in variables],
            [number[slot] for slot in outputs])


def _loop(backend, dtype, inputs, variables, outputs):
    """The run compiled for ``backend``'s arrays, called as ``loop(*inputs, *outputs)``:
    a C loop on the CPU and on the 'strict' device (whose host memory it reads and
    writes, as the optimizers' kernels do there), an ``ElementwiseKernel`` on CUDA."""
    if backend.name == "cupy":
        return _cuda_loop(dtype, inputs, variables, outputs)
    run = c_compiler.load_extension(
        _c_source(c_compiler.ELEMENT_TYPES[dtype], inputs, variables, outputs))
    if backend.name == "strict":
        memory = backend.device_memory
        return lambda *arrays: run(*[memory(array) for array in arrays])
    return run


def cuda_parts(inputs, variables, outputs):
    """The ``ElementwiseKernel`` parameters and body of a (renumbered) run."""
    in_params = ", ".join(f"T a{slot}" for slot in inputs)
    out_params = ", ".join(f"T r{slot}" for slot in outputs)
    lines = [f"const T v{slot} = a{slot};" for slot in inputs]
    lines += [f"const T v{slot} = {expression};" for slot, expression in variables]
    lines += [f"r{slot} = v{slot};" for slot in outputs]
    return in_params, out_params, "\n".join(lines)


def _cuda_loop(dtype, inputs, variables, outputs):
    """The run as a CuPy ``ElementwiseKernel``, compiled without fused multiply-adds and
    tried once here (CuPy compiles at the first call), so that a loop NVRTC rejects
    leaves the step unfused instead of failing in a replay."""
    import cupy
    parts = cuda_parts(inputs, variables, outputs)
    kernel = _cuda_kernels.get(parts)
    if kernel is None:
        name = "minigrad_fused_" + hashlib.sha256("".join(parts).encode()).hexdigest()[:16]
        kernel = cupy.ElementwiseKernel(*parts, name, options=("--fmad=false",))
        try:
            kernel(*[cupy.zeros(1, dtype) for _ in inputs],
                   *[cupy.empty(1, dtype) for _ in outputs])
        except cupy.cuda.compiler.CompileException as error:
            raise KernelUnavailable(f"NVRTC could not compile a fused loop ({error})") from None
        _cuda_kernels[parts] = kernel
    return kernel


_cuda_kernels = {}  # (in_params, out_params, body) -> its ElementwiseKernel


def _c_source(c_type, inputs, variables, outputs):
    """The C extension whose ``run(*inputs, *outputs)`` takes each element through the
    (renumbered) run (``c_compiler.extension_source``: NumPy's ValueError for an input
    that isn't contiguous, a TypeError for one of another dtype or size)."""
    arguments = ([("in", f"a{slot}") for slot in inputs]
                 + [("out", f"r{slot}") for slot in outputs])
    lines = [f"const T v{slot} = a{slot}_[i];" for slot in inputs]
    lines += [f"const T v{slot} = {expression};" for slot, expression in variables]
    lines += [f"r{slot}_[i] = v{slot};" for slot in outputs]
    return c_compiler.extension_source(c_type, arguments, "\n".join(lines))
