"""Recording one eager run of a step as a flat list of array calls.

While ``tracing.recorder`` is set, every place that computes arrays reports
what it did: an op's ``forward`` (``Function.apply``), a node's backward on
arrays and the sums of gradients (the backward walk), writes into a tensor's
memory, and whole calls (optimizer and scheduler steps, ``zero_grad``,
clipping). Each report becomes one ``(function, input slots, output slots)``
entry of the replay list; every array the step produces gets a slot. An array
the step did not produce is read at replay time from the tensor that held it
(a parameter, a buffer, an input) and its shape and dtype become guards.
"""
import operator
import types

import numpy as np

from ..autograd import tracing
from ..tensor import Tensor
from .optimizer_step import direct_step


class CompileError(RuntimeError):
    """The step can't be compiled; the message names the reason."""


class Recorder:
    def __init__(self, arguments):
        self.entries = []          # (function, input slots, output slots)
        self.slot_of = {}          # id(array) -> slot
        self.keep = []             # every recorded array, so that ids are not reused
        self.slot_count = 0
        self.argument_slots = []   # slot of each Tensor argument of the step
        self.live = {}             # slot -> tensor read at replay time (params, buffers)
        self.constants = {}        # slot -> array made once (root gradients, zeros)
        self.whole_calls = []      # (method, args) of every whole call
        self.made_outside = {}     # id -> array of tensors made in the step outside an op
        self.modules = {}          # id -> module called in the step (train/eval is a guard)
        self.constant_arrays = {}  # id -> array made from Python data (an index list)
        self.layouts = {}          # slot -> (shape, dtype) of the array it held when recorded
        self.grads_set = {}        # id -> tensor whose .grad the step computed or set
        # id(array) -> (tensor, its first values) of each tensor made in the step from Python
        # values (mg.zeros): read live, so one written in place is reset at every replay
        self.step_constants = {}
        self.written = set()       # ids of the arrays written in place (x += y, x.copy_(y))
        self.elementwise = {}      # entry index -> what fusion.py needs of an elementwise entry
        for tensor in arguments:
            self.argument_slots.append(self._new_slot(tensor._array))

    # -- slots -------------------------------------------------------------
    def _new_slot(self, array):
        slot = self.slot_count
        self.slot_count += 1
        self.slot_of[id(array)] = slot
        self.layouts[slot] = (array.shape, array.dtype)
        self.made_outside.pop(id(array), None)
        self.keep.append(array)
        return slot

    def slot_of_tensor(self, tensor):
        """The slot holding ``tensor``'s array; a tensor the step did not make is read
        live at replay time (a parameter, a buffer, a constant made by ``mg.zeros`` ...)."""
        slot = self.slot_of.get(id(tensor._array))
        if slot is None:
            if id(tensor._array) in self.made_outside:
                self.refuse(
                    f"a tensor of shape {tuple(tensor.shape)} was computed inside the step by "
                    "something that is not a recorded operation (a comparison such as x > 0, "
                    "a cast of an integer tensor, an index search, ...), so a replay would reuse "
                    "its first value; compute it outside the step and pass it in")
            slot = self._new_slot(tensor._array)
            self.live[slot] = tensor
        return slot

    def module(self, module):
        """A module was called: its training flag becomes a guard."""
        self.modules[id(module)] = module

    def made(self, array):
        """A Tensor was made around ``array`` during recording (new_tensor)."""
        if id(array) not in self.slot_of:
            self.made_outside[id(array)] = array

    def constant_array(self, array):
        """An array made from the caller's Python data (an index list): replayed as it is."""
        self.constant_arrays[id(array)] = array

    def constant_tensor(self, tensor):
        """``mg.zeros``, ``mg.ones``, ``mg.arange`` ... made ``tensor`` in the step from
        Python values: a constant (also where an op takes its array as an index)."""
        self.made_outside.pop(id(tensor._array), None)
        self.constant_arrays[id(tensor._array)] = tensor._array
        self.step_constants[id(tensor._array)] = (tensor, tensor._array.copy())

    def slot_of_array(self, array):
        """The slot of an array; one the step did not make is a constant of the replay."""
        slot = self.slot_of.get(id(array))
        if slot is None:
            slot = self._new_slot(array)
            self.constants[slot] = array.copy()
        return slot

    def outputs(self, arrays):
        return tuple(self._new_slot(a) for a in arrays)

    # -- what the hooks report -----------------------------------------------
    def forward(self, cls, ctx, options, args, backend, raw_results, results):
        """``cls.forward`` ran on ``args`` (Tensors and plain values) and gave ``results``
        (``raw_results`` before apply made arrays of scalars and applied PyTorch's dtype rule)."""
        inputs, values, referenced = [], [], []
        for arg in args:
            if isinstance(arg, Tensor):
                inputs.append(self.slot_of_tensor(arg))
                values.append(_TENSOR)
            else:
                values.append(self._array_references(arg, cls, backend, referenced))
        if not options and not referenced and len(results) == 1 and results[0] is raw_results[0]:
            operands = iter(inputs)
            self.elementwise[len(self.entries)] = (
                "forward", cls, backend,
                tuple(("slot", next(operands)) if v is _TENSOR else ("value", v) for v in values))
        options = {name: self._array_references(value, cls, backend, referenced)
                   for name, value in options.items()}
        marker = tuple(True if isinstance(arg, Tensor) and arg._requires_grad else None
                       for arg in args)
        converted = tuple(None if raw is final else final.dtype
                          for raw, final in zip(raw_results, results))
        if not any(d is not None for d in converted):
            converted = None
        run = _forward_call(cls, options, values, backend, marker, converted, len(inputs),
                            bool(referenced))
        inputs += referenced
        node_slot = self.slot_count  # the replayed node (ctx) gets a slot of its own
        self.slot_count += 1
        ctx._compile_slot = (self, node_slot)
        outs = (node_slot,) + self.outputs(results)
        self.entries.append((run, tuple(inputs), outs))

    def derived(self, function, arguments):
        """``function`` of ``arguments``' arrays (an array, or a tuple of arrays such as
        an indexing key), computed outside an op from tensors or arrays of the step: an
        entry of the replay (see ``tracing.derived``). Computed once where every array
        it reads is a constant."""
        values, ins, positions = [], [], []
        for position, argument in enumerate(arguments):
            if isinstance(argument, Tensor):
                ins.append(self.slot_of_tensor(argument))
                positions.append(position)
                values.append(argument._array)
            elif _is_array(argument):
                slot = self.slot_of.get(id(argument))
                if slot is None and id(argument) not in self.constant_arrays:
                    self.refuse(f"{getattr(function, '__name__', function)} was given an array "
                                f"of shape {tuple(argument.shape)} that is not a tensor of the "
                                "step (a view or a copy made outside a recorded operation)")
                if slot is not None:
                    ins.append(slot)
                    positions.append(position)
                values.append(argument)
            else:
                values.append(argument)
        saved, tracing.recorder = tracing.recorder, None  # what it calls is part of this entry
        try:
            result = tracing.as_array(function(*values))
        finally:
            tracing.recorder = saved
        results = result if isinstance(result, tuple) else (result,)
        if not ins:  # every array it read is a constant: so is the result
            for r in results:
                self.constant_arrays[id(r)] = r
            return result

        def call(*arrays):
            for position, array in zip(positions, arrays):
                values[position] = array
            result = function(*values)
            return result if isinstance(result, tuple) else (tracing.as_array(result),)
        self.entries.append((call, tuple(ins), self.outputs(results)))
        return result

    def _array_references(self, value, cls, backend, referenced):
        """``value`` (a plain argument or option of ``cls.forward``) with each array the
        step made (an index tensor's array in an indexing key) replaced by a reference
        to its slot, which ``referenced`` collects; an array the step did not make is
        refused: a replay would reuse its first values."""
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self._array_references(v, cls, backend, referenced) for v in value)
        if isinstance(value, list):
            return [self._array_references(v, cls, backend, referenced) for v in value]
        if not backend.is_array(value):
            return value
        slot = self.slot_of.get(id(value))
        if slot is None and id(value) in self.constant_arrays:
            return value
        if slot is None:
            self.refuse(
                f"{cls.__name__} was given an array of shape {tuple(value.shape)} computed "
                "outside a recorded operation (an index or mask made from a tensor's values "
                "or from a Python list, such as the key of x[[0, 2]], or the positions of "
                "gather or index_select), so a replay would reuse its first values; pass a "
                "tensor the step computed, or run this step eagerly")
        referenced.append(slot)
        return _ArrayReference(len(referenced) - 1)

    def backward(self, node, grads, results):
        recorded = getattr(node, "_compile_slot", None)
        if recorded is None or recorded[0] is not self:
            self.refuse("backward() reached a graph built before the compiled step began")
        ins = (recorded[1],) + tuple(self.slot_of_array(g._array) for g in grads)
        call = _backward_call if node.array_backward else _tensor_backward_call
        if node.array_backward and not getattr(node, "_intermediates", ()):
            self.elementwise[len(self.entries)] = (
                "backward", type(node), node._backend, self._saved_operands(node),
                tuple(r is not None for r in results))
        outs = []
        for r in results:
            if r is None:
                outs.append(self.slot_count)
                self.slot_count += 1
            else:
                outs.append(self._new_slot(r._array))
        self.entries.append((call, ins, tuple(outs)))

    def _saved_operands(self, node):
        """What ``node`` saved for backward, each as ``("slot", s)`` (an array of the
        step) or ``("value", v)`` (a number); None where something else was saved."""
        operands = []
        for kind, value, _version in getattr(node, "_saved", ()):
            if kind == "tensor":
                value = value._array
            elif kind == "output":
                value = value[0]
            elif kind == "constant" and type(value) in (int, float):
                operands.append(("value", value))
                continue
            slot = self.slot_of.get(id(value)) if _is_array(value) else None
            if slot is None:
                return None
            operands.append(("slot", slot))
        return tuple(operands)

    def check_backward(self, create_graph):
        if create_graph:
            self.refuse("backward(create_graph=True) builds a graph of the gradients")

    def refuse(self, reason):
        raise CompileError(f"this step can't be compiled: {reason}")

    def add(self, backend, a, b, total, in_place):
        ins = (self.slot_of_array(a), self.slot_of_array(b))
        if in_place:
            self.entries.append((_add_in_place, ins, ()))
        else:
            self.elementwise[len(self.entries)] = ("sum", None, backend)
            self.entries.append((_adder(backend), ins, self.outputs((total,))))

    def accumulate(self, leaf, grad):
        """``grad`` was added to ``leaf.grad`` (made, or added in place); a read of
        ``.grad`` later in the step reads this entry's result."""
        if self.slot_of.get(id(leaf._array)) not in self.live \
                or id(leaf._array) in self.step_constants:
            self.refuse(
                "backward() adds a gradient to the .grad of a tensor the step was given or made "
                "itself: a replay would add it to this recording's tensor. Compute it with "
                "mg.autograd.grad(loss, x) in the step and return it")
        ins = (self.slot_of_array(grad),)
        self.entries.append((_accumulator(leaf), ins, self.outputs([leaf._grad._array])))
        self.grads_set[id(leaf)] = leaf

    def set_requires_grad(self, tensor, flag):
        """``tensor.requires_grad = flag`` in the step: a tensor read live (a parameter
        frozen) keeps the change, and the guards see it; one the step was given or made
        is a new tensor at every call, which a replay can't change."""
        if flag == tensor._requires_grad:
            return
        slot = self.slot_of.get(id(tensor._array))
        if slot is None or slot not in self.live or id(tensor._array) in self.step_constants:
            self.refuse(
                "the step sets requires_grad of a tensor it was given or made itself: a replay "
                "would not; set it before calling the step (it is part of what the step is "
                "recorded for), or make the tensor with requires_grad=...")

    def set_grad(self, tensor, value):
        """``tensor.grad = value`` (None, or a tensor the step made or read)."""
        if value is None:
            self.entries.append((_grad_setter(tensor), (), ()))
        else:
            ins = (self.slot_of_tensor(value),)
            self.entries.append((_grad_setter(tensor), ins, ()))
        self.grads_set[id(tensor)] = tensor

    def read_grad(self, tensor):
        """The step reads ``tensor.grad``: it must be what the step made it (by backward,
        or by setting it), which a replay makes the same way. A gradient from before the
        step, or one that a whole call (optimizer.zero_grad()) left, is not: a decision
        on it (``if p.grad is None``) or its values would be those of this recording."""
        grad = tensor._grad
        if id(tensor) in self.grads_set if grad is None else id(grad._array) in self.slot_of:
            return
        self.refuse(
            "the step reads the .grad of a tensor before computing or setting it in the step "
            "(a gradient left from before the step, or by a call such as optimizer.zero_grad()); "
            "a replay would repeat what this recording found. Reset gradients with "
            "optimizer.zero_grad(), model.zero_grad() or `p.grad = None`, and read .grad "
            "after backward()")

    def write(self, tensor, name, values, key, view_key):
        if key is not Ellipsis or view_key is not Ellipsis:
            raise CompileError(f"{name} into part of a tensor inside a compiled step is not supported")
        target = self.slot_of_tensor(tensor)
        self.written.add(id(tensor._array))
        version = tensor._version if target in self.live else None
        if isinstance(values, np.generic):
            values = values.item()
        if hasattr(values, "shape") and id(values) not in self.slot_of:
            self.refuse(f"{name} writes the values of a tensor the step did not compute; the "
                        "replay would write its first values again")
        if hasattr(values, "shape"):
            ins = (target, self.slot_of_array(values))
            self.entries.append((_write_array(version), ins, ()))
        else:
            self.entries.append((_write_value(version, values), (target,), ()))

    def read_value(self, what):
        raise CompileError(
            f"the step reads a tensor's value ({what}) while it is being recorded: a replay "
            "can't repeat Python decisions made on values; return the tensor from the step "
            "and read it outside, or run this step eagerly")

    def whole_call(self, method, args, kwargs):
        # a generator (model.parameters()) is used up by one call: keep its items
        args = tuple(list(a) if isinstance(a, types.GeneratorType) else a for a in args)
        self.whole_calls.append((method, args))
        saved, tracing.recorder = tracing.recorder, None
        try:
            result = method(*args, **kwargs)
        finally:
            tracing.recorder = saved
        returned = _tensors_in(result)  # clip_grad_norm_'s norm, a closure's loss
        call = None if returned else direct_step(method, args, kwargs)  # kernels, called directly
        if call is None:
            call = _whole(method, args, kwargs, len(returned))
        call.owner = args[0] if args else None
        self.entries.append((call, (), self.outputs([t._array for t in returned])))
        return result


def _is_array(value):
    """Whether ``value`` is an array of one of the backends (NumPy, CuPy, 'strict')."""
    from ..backend import _backends
    return isinstance(value, np.ndarray) or any(b.is_array(value) for b in _backends.values())


# -- the replayed calls (built once at recording time) ------------------------
_TENSOR = object()  # marks where a forward call takes an array from a slot


class _ArrayReference:
    """Where a forward's plain argument or option holds an array the step made: the
    ``index``-th of the arrays that follow the tensors' in the entry's inputs."""

    def __init__(self, index):
        self.index = index


def _fill_references(value, arrays):
    """``value`` with each ``_ArrayReference`` replaced by its array."""
    if type(value) is _ArrayReference:
        return arrays[value.index]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_fill_references(v, arrays) for v in value)
    if isinstance(value, list):
        return [_fill_references(v, arrays) for v in value]
    return value


def _forward_call(cls, options, values, backend, marker, converted, tensor_count, references):
    """The replay of one forward: ``tensor_count`` arrays for the Tensor arguments,
    then, where ``references``, the arrays that plain arguments and options refer to
    (an indexing key's index arrays)."""
    forward = cls.forward
    new = cls.__new__
    tensor_positions = [i for i, v in enumerate(values) if v is _TENSOR]
    asarray = backend.xp.asarray
    recorded_options = options

    if cls.array_backward and not references and (converted is None or len(converted) == 1):
        return _lean_forward_call(cls, options, values, tensor_positions, backend, marker,
                                  converted and converted[0])

    def run(*arrays):
        options = recorded_options
        if references:
            arrays, referred = arrays[:tensor_count], arrays[tensor_count:]
            options = {name: _fill_references(v, referred) for name, v in options.items()}
            args = [_fill_references(v, referred) for v in values]
            for position, array in zip(tensor_positions, arrays):
                args[position] = array
        elif len(tensor_positions) == len(values):  # every argument a tensor: the common case
            args = arrays
        else:
            args = list(values)
            for position, array in zip(tensor_positions, arrays):
                args[position] = array
        ctx = new(cls)
        ctx._backend = backend
        ctx.next_edges = marker
        ctx._on_arrays = True  # forward reads neither saved_tensors nor saved_intermediates
        result = forward(ctx, *args, **options)
        if ctx._to_save:  # a plain argument's array (an index) stays an array, as in apply
            plain = referred if references else ()
            ctx._saved = tuple([("plain" if any(v is p for p in plain) else "raw", v, 0)
                                for v in ctx._to_save])
            ctx._to_save = ()
        if type(result) is not tuple:
            if converted is None:
                return ctx, result
            result = (result,)
        if converted is not None:
            raw = result
            result = tuple(asarray(r).astype(dtype, copy=False) if dtype is not None else r
                           for r, dtype in zip(raw, converted))
            # (a saved result is the one apply made, as the eager backward reads it)
            final = {id(r): f for r, f in zip(raw, result) if f is not r}
            ctx._saved = tuple([(kind, final.get(id(v), v), version)
                                for kind, v, version in getattr(ctx, "_saved", ())])
        return (ctx,) + result
    return run


def _lean_forward_call(cls, options, values, tensor_positions, backend, marker, dtype):
    """The forward of an op whose backward runs on arrays, on a context class made for
    this entry: what ``apply`` would set on each node (the backend, which inputs need
    a gradient, the array world) are class attributes, and ``saved_tensors`` hands
    back what forward saved, as it is. Plain arguments (a number, an axis) are placed
    once; the arrays fill the other positions. ``dtype`` (or None): the dtype ``apply``
    gave the one result (a NumPy scalar made an array, PyTorch's dtype rule)."""
    from ..ops.formula_math import array_math
    context = type(cls.__name__, (cls,), {
        "_backend": backend, "xp": backend.xp, "backend": backend, "_on_arrays": True,
        "math": array_math(backend.xp), "next_edges": marker,
        "needs_input_grad": tuple(m is not None for m in marker),
        "saved_tensors": property(_saved_as_arrays if _holds_a_tensor(values, options)
                                  else operator.attrgetter("_to_save"))})
    forward = cls.forward
    new = object.__new__
    asarray = backend.xp.asarray
    all_tensors = len(tensor_positions) == len(values)

    def run(*arrays):
        if all_tensors:
            args = arrays
        else:
            args = list(values)
            for position, array in zip(tensor_positions, arrays):
                args[position] = array
        ctx = new(context)
        result = forward(ctx, *args, **options)
        if dtype is None:
            return (ctx,) + result if type(result) is tuple else (ctx, result)
        if type(result) is tuple:
            result, = result
        final = asarray(result).astype(dtype, copy=False)
        # (what forward saved of its result is the result apply made: a NumPy scalar as an
        # array of the dtype PyTorch gives, as the eager backward reads it)
        ctx._to_save = tuple([final if v is result else v for v in ctx._to_save])
        return ctx, final

    def make_step(ins, outs):
        """The entry as a function of the slot list: one array and plain values after
        it (``x * 1.5``, ``x.sum(0)``), or two or three arrays; keyword options are
        passed as they were recorded (``dims=(0,), keepdim=False``)."""
        if len(outs) != 2 or dtype is not None:
            return run_step(ins, outs)
        o, p = outs
        if len(ins) == 1 and tensor_positions == [0]:
            a, = ins
            rest = tuple(values[1:])

            def step(slots):
                slots[o] = ctx = new(context)
                result = forward(ctx, slots[a], *rest, **options)
                slots[p] = result if type(result) is not tuple else result[0]  # (y,) or y
            return step
        if len(ins) == 2 and all_tensors:
            a, b = ins

            def step(slots):
                slots[o] = ctx = new(context)
                result = forward(ctx, slots[a], slots[b], **options)
                slots[p] = result if type(result) is not tuple else result[0]  # (y,) or y
            return step
        if len(ins) == 3 and all_tensors:
            a, b, d = ins

            def step(slots):
                slots[o] = ctx = new(context)
                result = forward(ctx, slots[a], slots[b], slots[d], **options)
                slots[p] = result if type(result) is not tuple else result[0]  # (y,) or y
            return step
        return run_step(ins, outs)

    def run_step(ins, outs):
        def step(slots):
            for slot, value in zip(outs, run(*[slots[i] for i in ins])):
                slots[slot] = value
        return step
    run.make_step = make_step
    return run


def _holds_a_tensor(values, options):
    """Whether a forward's plain arguments hold a Tensor (which it may save): otherwise
    everything it saves is an array or a plain value, handed back as it is."""
    return any(isinstance(v, Tensor) for v in list(values) + list(options.values()))


def _saved_as_arrays(ctx):
    saved = ctx._to_save
    for value in saved:
        if isinstance(value, Tensor):  # a Tensor option (a weight passed by keyword)
            return tuple([v._array if isinstance(v, Tensor) else v for v in saved])
    return saved


def _backward_call(ctx, *grads):
    """A backward on arrays (``array_backward``); the replayed ctx was made with
    ``_on_arrays`` set, so its saved values are arrays."""
    results = ctx.backward(ctx, *grads)
    if type(results) is not tuple:
        results = (results,)
    array_type = ctx._backend.array_type
    for r in results:
        if r is not None and type(r) is not array_type:  # NumPy gives scalars for 0-d results
            backend = ctx._backend
            return tuple(r if r is None or backend.is_array(r) else backend.xp.asarray(r)
                         for r in results)
    return results


def _backward_step(ins, outs):
    """A ``_backward_call`` entry as a function of the slot list (one gradient in);
    one or two results that are arrays (or None) are stored without a loop."""
    if len(ins) != 2:
        return None
    c, g = ins

    def store(slots, ctx, results):
        if type(results) is not tuple:
            results = (results,)
        backend = ctx._backend
        for slot, r in zip(outs, results):
            if r is not None and not backend.is_array(r):
                r = backend.xp.asarray(r)  # NumPy gives scalars for 0-d results
            slots[slot] = r

    if len(outs) == 1:
        o, = outs

        def step(slots):
            ctx = slots[c]
            r = ctx.backward(ctx, slots[g])
            if type(r) is ctx._backend.array_type:
                slots[o] = r
            else:
                store(slots, ctx, r)
    elif len(outs) == 2:
        o, p = outs

        def step(slots):
            ctx = slots[c]
            results = ctx.backward(ctx, slots[g])
            if type(results) is tuple and len(results) == 2:
                r, q = results
                array_type = ctx._backend.array_type
                if (r is None or type(r) is array_type) and (q is None or type(q) is array_type):
                    slots[o] = r
                    slots[p] = q
                    return
            store(slots, ctx, results)
    elif len(outs) == 3:  # a linear layer: x, weight, bias
        o, p, q = outs

        def step(slots):
            ctx = slots[c]
            results = ctx.backward(ctx, slots[g])
            if type(results) is tuple and len(results) == 3:
                r, t, u = results
                array_type = ctx._backend.array_type
                if (r is None or type(r) is array_type) and (t is None or type(t) is array_type) \
                        and (u is None or type(u) is array_type):
                    slots[o] = r
                    slots[p] = t
                    slots[q] = u
                    return
            store(slots, ctx, results)
    else:
        def step(slots):
            ctx = slots[c]
            store(slots, ctx, ctx.backward(ctx, slots[g]))
    return step


_backward_call.make_step = _backward_step


def _adder(backend):
    is_array, asarray = backend.is_array, backend.xp.asarray

    def add(a, b):
        total = a + b
        return (total if is_array(total) else asarray(total),)  # NumPy: two 0-d give a scalar

    def make_step(ins, outs):
        (a, b), (o,) = ins, outs

        def step(slots):
            total = slots[a] + slots[b]
            slots[o] = total if is_array(total) else asarray(total)
        return step
    add.make_step = make_step
    return add


def _tensor_backward_call(ctx, *grads):
    """A backward written with Tensor operations (no ``array_backward``): run it on
    Tensors wrapped around the arrays, as the eager engine does."""
    from ..autograd.grad_mode import no_grad
    from ..tensor import new_tensor
    backend = ctx._backend
    is_array = backend.is_array
    ctx._saved = tuple([(kind, new_tensor(v, backend, None, 0) if kind == "raw" and is_array(v)
                         else v, version) for kind, v, version in ctx._saved])
    ctx._on_arrays = False
    ctx._on_tensors = True
    try:
        with no_grad():
            results = ctx.backward(ctx, *[new_tensor(g, backend, None, 0) for g in grads])
    finally:
        ctx._on_tensors = False
    if not isinstance(results, tuple):
        results = (results,)
    return tuple(None if r is None else r._array for r in results)


def _add_in_place(a, b):
    a += b
    return ()


def _accumulator(leaf):
    from ..tensor import new_tensor

    backend = leaf._backend

    def accumulate(grad):
        # shapes, dtypes and device are those checked when .grad was set at recording
        current = leaf._grad
        if current is None:
            leaf._grad = current = new_tensor(grad.copy(), backend, None, 0)
        else:
            current._array += grad
        return (current._array,)

    def make_step(ins, outs):
        (g,), (o,) = ins, outs

        def step(slots):
            current = leaf._grad
            if current is None:
                leaf._grad = current = new_tensor(slots[g].copy(), backend, None, 0)
            else:
                current._array += slots[g]
            slots[o] = current._array
        return step
    accumulate.make_step = make_step
    return accumulate


def _grad_setter(tensor):
    """``tensor.grad = None``, or ``tensor.grad =`` a tensor around the array given."""
    from ..tensor import new_tensor

    def set_grad(*array):
        tensor._grad = new_tensor(array[0], tensor._backend, None, 0) if array else None
        return ()
    return set_grad


def _write_array(version):
    """``target[...] = values``; a live tensor (a buffer) also gets a new version."""
    def write(target, values):
        target[...] = values
        if version is not None:
            version[0] += 1
        return ()
    return write


def _write_value(version, value):
    def write(target):
        target[...] = value
        if version is not None:
            version[0] += 1
        return ()
    return write


def _tensors_in(result):
    """The Tensors a whole call returned: itself, or those of a tuple or list."""
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        return [r for r in result if isinstance(r, Tensor)]
    return []


def _whole(method, args, kwargs, returned):
    """The call as it is; the arrays of the ``returned`` Tensors of its result (a
    clipping's total norm) go to their slots, read fresh at every replay."""
    def call():
        tensors = _tensors_in(method(*args, **kwargs))
        if len(tensors) != returned:
            raise CompileError(f"{getattr(method, '__qualname__', method)} returned {len(tensors)} "
                               f"tensors in a replay, {returned} when the step was recorded")
        return tuple(t._array for t in tensors)
    call.owner = args[0] if args else None
    return call
