"""``mg.compile(fn)``: record a step once, replay its array calls afterwards.

A call first builds the guard key of its arguments: each Tensor argument's
shape, dtype and device, every other argument's value, whether grad mode is on,
the default dtype and the autocast regions entered. A new key records: ``fn``
runs eagerly (its result is the real one) while the recorder collects the flat
list of array calls. A known key replays that list, after checking the guards
recorded with it: every tensor the step read without making it (parameters,
buffers) still has its shape and dtype (and no gradient hook), every module it
called its configuration (``python_guards.py``), the step's own code the Python
values it read, and every optimizer it stepped still holds the same parameters. A failed
guard records again. Steps that make Python decisions on tensor values can't be
replayed and raise ``CompileError`` while recording. While anomaly detection is
on, the step runs eagerly: it checks each gradient as the engine computes it,
which a replay does not do.
"""
import copy
import operator
import random

import numpy as np

from ..autograd import autocast_hook, tracing
from ..autograd.grad_mode import _state
from ..backend import backend_of_array
from ..dtypes import get_default_dtype
from ..tensor import Tensor, new_tensor
from .fusion import fuse
from .python_guards import Configuration, StepValues
from .recorder import CompileError, Recorder


class Replay:
    """One recorded step: the call list and what it must find at replay time.

    The tensors the step reads without making them (parameters, buffers) are
    guarded by their arrays: the same array object as last time has the same
    shape and dtype, so the usual check is one identity test per tensor, and the
    slot list starts as a copy of one already holding these arrays and the
    constants. A tensor whose array was replaced is checked for shape and dtype.
    """

    def __init__(self, recorder, outputs, fn, fuse_loops=True):
        self.entries = recorder.entries
        self.slot_count = recorder.slot_count
        self.argument_slots = recorder.argument_slots
        self.live_slots = list(recorder.live)
        self.live_tensors = list(recorder.live.values())
        self.live_arrays = [tensor._array for tensor in self.live_tensors]
        self.live_layouts = [(array.shape, array.dtype) for array in self.live_arrays]
        self.requires_grad = [tensor._requires_grad for tensor in self.live_tensors]
        self.modules = list(recorder.modules.values())
        # what the step read of its modules and of its own code's Python values
        self.configuration = Configuration(self.modules, self.live_tensors)
        self.step_values = StepValues(fn)
        self.constants = list(recorder.constants.items())
        # tensors the step made from Python values and wrote in place: their first values
        self.constant_resets = [(tensor._array, first) for key, (tensor, first)
                                in recorder.step_constants.items() if key in recorder.written]
        self.optimizers = []
        for method, args in recorder.whole_calls:
            owner = args[0] if args else None
            groups = getattr(owner, "param_groups", None)
            if groups is not None and all(o is not owner for o, _ in self.optimizers):
                self.optimizers.append((owner, _parameters_of(owner)))
        self.outputs = outputs  # the structure of fn's result, slots for its tensors
        self.steps = [_slot_step(call, ins, outs) for call, ins, outs in self.entries]
        self.fused_runs = 0
        if fuse_loops:  # consecutive elementwise entries as one compiled loop (fusion.py)
            self.steps, self.fused_runs = fuse(self.entries, self.steps, recorder.elementwise,
                                               recorder.layouts, _slots_in(outputs))
        self._fill_slots()

    def _fill_slots(self):
        """The slot list a replay starts from: the constants and the live arrays."""
        self.filled_slots = [None] * self.slot_count
        for slot, array in self.constants:
            self.filled_slots[slot] = array
        for slot, array in zip(self.live_slots, self.live_arrays):
            self.filled_slots[slot] = array

    def guards_hold(self):
        arrays = [tensor._array for tensor in self.live_tensors]
        if not all(map(operator.is_, arrays, self.live_arrays)):
            for array, (shape, dtype) in zip(arrays, self.live_layouts):
                if array.shape != shape or array.dtype != dtype:
                    return False
            self.live_arrays = arrays  # new arrays of the recorded shapes (p.data = ...)
            self._fill_slots()
        if [tensor._requires_grad for tensor in self.live_tensors] != self.requires_grad:
            return False
        if not self.configuration.hold() or not self.step_values.hold():
            return False
        for optimizer, parameters in self.optimizers:
            groups = optimizer.param_groups
            if len(groups) != len(parameters):
                return False
            for group, recorded in zip(groups, parameters):
                params = group["params"]
                if len(params) != len(recorded) or not all(map(operator.is_, params, recorded)):
                    return False
        return True

    def run(self, tensors):
        """The recorded calls on ``tensors`` (after ``guards_hold``)."""
        for array, first in self.constant_resets:  # (acc = mg.zeros(3); acc += x)
            array[...] = first
        slots = self.filled_slots.copy()
        for slot, tensor in zip(self.argument_slots, tensors):
            slots[slot] = tensor._array
        for step in self.steps:
            step(slots)
        return _rebuild(self.outputs, slots)


def _slot_step(call, ins, outs):
    """One entry as a function of the slot list, specialised for the common shapes
    (one or two inputs and outputs), so that the replay loop does nothing else."""
    make_step = getattr(call, "make_step", None)
    if make_step is not None:
        step = make_step(ins, outs)
        if step is not None:
            return step
    if not outs and not ins:  # a whole call (zero_grad, a scheduler's step)
        def step(slots):
            call()
    elif len(outs) == 2 and len(ins) == 1:
        (a,), (o, p) = ins, outs

        def step(slots):
            slots[o], slots[p] = call(slots[a])
    elif len(outs) == 2 and len(ins) == 2:
        (a, b), (o, p) = ins, outs

        def step(slots):
            slots[o], slots[p] = call(slots[a], slots[b])
    elif len(outs) == 3 and len(ins) == 2:
        (a, b), (o, p, q) = ins, outs

        def step(slots):
            slots[o], slots[p], slots[q] = call(slots[a], slots[b])
    elif len(outs) == 1 and len(ins) == 2:
        (a, b), (o,) = ins, outs

        def step(slots):
            slots[o], = call(slots[a], slots[b])
    else:
        def step(slots):
            results = call(*[slots[i] for i in ins])
            for slot, value in zip(outs, results):
                slots[slot] = value
    return step


def _parameters_of(optimizer):
    """Each group's list of parameters (a copy): the replay checks they are the same."""
    return [list(group["params"]) for group in optimizer.param_groups]


def _outputs_to_slots(value, recorder):
    if isinstance(value, Tensor):
        slot = recorder.slot_of.get(id(value._array))
        if slot is None and id(value._array) in recorder.made_outside:
            recorder.refuse(f"the step returns a tensor of shape {tuple(value.shape)} computed by "
                            "something that is not a recorded operation (an index search such "
                            "as argsort or nonzero, ...): a replay would return its first value; "
                            "compute it outside the step")
        if id(value._array) in recorder.step_constants:  # made in the step: new at every call
            return ("copy", value)
        if slot is None or slot in recorder.live:
            return ("live", value)
        return ("slot", slot, value._backend)
    if isinstance(value, (tuple, list)):
        return (type(value), [_outputs_to_slots(v, recorder) for v in value])
    if isinstance(value, dict):
        return (dict, {k: _outputs_to_slots(v, recorder) for k, v in value.items()})
    return ("value", value)


def _slots_in(spec):
    """The slots of the tensors in the structure ``_outputs_to_slots`` made."""
    kind = spec[0]
    if kind == "slot":
        return {spec[1]}
    if kind in ("live", "value", "copy"):
        return set()
    values = spec[1].values() if kind is dict else spec[1]
    return set().union(*[_slots_in(v) for v in values])


def _rebuild(spec, slots):
    kind = spec[0]
    if kind == "slot":
        return new_tensor(slots[spec[1]], spec[2], None, 0)
    if kind == "live" or kind == "value":
        return spec[1]
    if kind == "copy":
        return new_tensor(spec[1]._array.copy(), spec[1]._backend, None, 0)
    if kind is dict:
        return {k: _rebuild(v, slots) for k, v in spec[1].items()}
    items = [_rebuild(v, slots) for v in spec[1]]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)  # (a named tuple: max)


class Compiled:
    """The callable ``mg.compile`` returns (see the module docstring)."""

    def __init__(self, fn, mode=None, fuse=True):
        if mode not in (None, "default", "check"):
            raise ValueError(f"compile: mode must be None, 'default' or 'check', got {mode!r}")
        if not isinstance(fuse, bool):
            raise TypeError(f"compile: fuse must be True or False, got {fuse!r}")
        self.fn = fn
        self.mode = mode
        self.fuse = fuse
        self.replays = {}
        self.records = 0  # how many times a step was recorded (tests read it)

    def __call__(self, *args, **kwargs):
        if tracing.recorder is not None:
            raise CompileError("compiled functions can't be nested: this one was called while "
                               "another compiled step was being recorded")
        if _state.anomaly:  # (detect_anomaly: the engine checks every gradient)
            return self.fn(*args, **kwargs)
        key = _guard_key(args, kwargs)
        replay = self.replays.get(key)
        if replay is not None and not replay.guards_hold():
            replay = None
        tensors = [a for a in args if isinstance(a, Tensor)]
        if replay is None:
            return self._record(key, tensors, args, kwargs)
        if self.mode == "check":
            return _check(replay, self.fn, tensors, args, kwargs)
        return replay.run(tensors)

    def _record(self, key, tensors, args, kwargs):
        self.replays.pop(key, None)
        # a parameter's cast that autocast cached before this call would be read as a
        # constant: the step makes its own casts, which the replay repeats
        autocast_hook.clear_cast_cache()
        recorder = Recorder(tensors)
        python_random = _python_random_state()
        step_values = StepValues(self.fn)
        tracing.recorder = recorder
        try:
            result = self.fn(*args, **kwargs)
        finally:
            tracing.recorder = None
        assigned = step_values.changed()
        if assigned:
            raise CompileError(
                f"the step assigns {', '.join(assigned)} (a global, or a variable of the "
                "function around it; or adds to it, if it is a list or a dict) while it is "
                "recorded: a replay would not. Return what you collect from the step, and "
                "pass a changing value in as an argument")
        if not _same_random_state(python_random, _python_random_state()):
            raise CompileError(
                "the step drew numbers from Python's random module or numpy.random while it "
                "was recorded: a replay would repeat this recording's draws (and the decisions "
                "made on them). Draw them outside the step and pass them in")
        self.replays[key] = Replay(recorder, _outputs_to_slots(result, recorder), self.fn,
                                   self.fuse)
        self.records += 1
        return result


def _python_random_state():
    """Where the global generators of ``random`` and ``numpy.random`` stand."""
    numpy_state = np.random.get_state(legacy=False)
    return random.getstate(), numpy_state["state"]["key"], numpy_state["state"]["pos"], \
        numpy_state["has_gauss"]


def _same_random_state(before, after):
    return before[0] == after[0] and np.array_equal(before[1], after[1]) \
        and before[2:] == after[2:]


def _guard_key(args, kwargs):
    parts = [_state.enabled, get_default_dtype(), autocast_hook.settings_key()]
    for value in list(args) + sorted(kwargs.items()):
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Tensor):
            value = value[1]
        if isinstance(value, Tensor):
            array = value._array
            parts.append(("tensor", array.shape, array.dtype.str, str(value._backend.device_object),
                          value._requires_grad))
        else:
            try:
                hash(value)
            except TypeError:
                raise CompileError(f"compile: an argument of type {type(value).__name__} can't be "
                                   "part of the guard; pass Tensors, numbers or strings") from None
            parts.append(("value", value))
    if kwargs:
        raise CompileError("compile: pass the step's tensors as positional arguments")
    return tuple(parts)


# -- mode="check": replay, then run eagerly from the same state, compare ---------
def _check(replay, fn, tensors, args, kwargs):
    state = _Snapshot(replay)
    replayed = replay.run(tensors)
    after_replay = state.current()
    replayed_arrays = [t._array.copy() for t in _flatten(replayed)]
    state.restore()
    eager = fn(*args, **kwargs)
    after_eager = state.current()
    for name, (a, b) in zip(state.names, zip(after_replay, after_eager)):
        _compare(name, a, b)
    for index, (a, t) in enumerate(zip(replayed_arrays, _flatten(eager))):
        _compare(f"output {index} of the step", a, t._array)
    return eager


def _compare(name, replayed, eager):
    """Raise unless both are None or hold the same values (NaN where the other has NaN);
    the arrays are copied to the host explicitly (a GPU array refuses implicit reads)."""
    if replayed is None and eager is None:
        return
    same = replayed is not None and eager is not None and replayed.shape == eager.shape \
        and replayed.dtype == eager.dtype
    if same:
        a, b = backend_of_array(replayed).to_host(replayed), backend_of_array(eager).to_host(eager)
        same = bool(np.all((a == b) | ((a != a) & (b != b))))
    if not same:
        raise CompileError(f"mode='check': the replay and the eager run differ in {name}")


def _flatten(value):
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flatten(v)]
    return []


class _Snapshot:
    """Every array a step may change (the tensors it reads, their gradients, the
    optimizers' state), the optimizers' groups and the schedulers, to rerun it."""

    def __init__(self, replay):
        self.tensors = list(replay.live_tensors)
        self.names = [f"a tensor of shape {tuple(t.shape)} read by the step" for t in self.tensors]
        self.names += [f"the gradient of a tensor of shape {tuple(t.shape)}" for t in self.tensors]
        self.arrays = [t._array.copy() for t in self.tensors]
        self.grads = [None if t.grad is None else t.grad for t in self.tensors]
        self.grad_arrays = [None if g is None else g._array.copy() for g in self.grads]
        self.owners = []
        for opt, _ids in replay.optimizers:
            state = {key: copy.deepcopy(entries) for key, entries in opt.state.items()}
            self.owners.append((opt, state, copy.deepcopy(
                [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])))
        self.others = []
        for call, _ins, _outs in replay.entries:
            owner = getattr(call, "owner", None)
            if hasattr(owner, "__dict__") and not hasattr(owner, "param_groups"):
                self.others.append((owner, _attributes_of(owner)))
        self.generators = _generator_states()

    def current(self):
        values = [t._array.copy() for t in self.tensors]
        values += [None if t.grad is None else t.grad._array.copy() for t in self.tensors]
        return values

    def restore(self):
        for t, a, g, ga in zip(self.tensors, self.arrays, self.grads, self.grad_arrays):
            t._array[...] = a
            if g is not None:
                g._array[...] = ga
            t.grad = g
        for opt, state, groups in self.owners:
            _restore_state(opt.state, state)
            for group, saved in zip(opt.param_groups, groups):
                group.update(saved)
        for owner, (saved, arrays) in self.others:
            owner.__dict__.update(saved)
            for tensor, array in arrays:
                tensor._array[...] = array
        _restore_generators(self.generators)


def _attributes_of(owner):
    """What a whole call may change of ``owner`` (a scheduler, a GradScaler): its
    attributes, with dicts and lists copied one level (the call may fill them in
    place), and the values of the tensors among them (changed in place)."""
    attributes = {name: copy.copy(value) if isinstance(value, (dict, list)) else value
                  for name, value in vars(owner).items()}
    arrays = [(value, value._array.copy()) for value in attributes.values()
              if isinstance(value, Tensor)]
    return attributes, arrays


def _restore_state(live, saved):
    """Write the saved optimizer state back into the live arrays (in place: the fast
    path's flat buffers keep viewing them)."""
    for key, entries in saved.items():
        current = live.get(key)
        if current is None:
            continue
        for name, value in entries.items():
            now = current.get(name)
            if isinstance(now, Tensor) and isinstance(value, Tensor):
                now._array[...] = value._array
            elif hasattr(now, "shape") and hasattr(value, "shape") and now.shape == value.shape:
                now[...] = value
            else:
                current[name] = value
    for key in [k for k in live if k not in saved]:
        del live[key]


def _generator_states():
    from ..backend import _backends
    return [(b, b.generator_state(b.generator)) for b in _backends.values()]


def _restore_generators(states):
    for backend, state in states:
        backend.set_generator_state(backend.generator, state)
