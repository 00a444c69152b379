"""The hooks through which ``minigrad.compile`` watches an eager step.

``recorder`` is None except while ``mg.compile`` records a step. The places that
do array work outside an op's ``forward`` (the backward walk, in-place writes,
the optimizer's step) check it with one module-level ``is None`` test, so the
eager engine pays nothing for the feature; what computes arrays from tensors
outside an op (comparisons, indexing keys) goes through ``derived``, which then
simply calls its function. A learner can skip this module.
"""
import functools

import numpy as np

recorder = None  # the active minigrad.compile recorder, or None
# How many times a module's attributes, registered children or forward hooks, or a
# tensor's gradient hooks changed (Module, its containers and the hooks' registration
# count each change): a compiled step compares what it recorded of them again only
# when this moved since it last looked.
configuration_changes = 0


def configuration_changed():
    global configuration_changes
    configuration_changes += 1


def whole_call(method):
    """Record calls of ``method`` (an optimizer's or scheduler's step, ``zero_grad``,
    gradient clipping) as one call, replayed as it is: what it reads (the learning
    rate, the step count, the gradients) is read again at every replay."""
    @functools.wraps(method)
    def recorded_or_run(*args, **kwargs):
        if recorder is None:
            return method(*args, **kwargs)
        return recorder.whole_call(method, args, kwargs)
    return recorded_or_run


def derived(function, *arguments):
    """``function`` of the arrays of ``arguments`` (Tensors given as their arrays, other
    values as they are): an array, or a tuple of arrays, computed outside an op from
    tensors of the step (a comparison, an index clamped into its dimension on a device,
    gather's indexing key). While a step is recorded, the call is an entry of the
    replay, so each replay computes it again."""
    if recorder is None:
        from ..tensor import Tensor  # here: this module is imported while Tensor is defined
        return as_array(function(*[a._array if isinstance(a, Tensor) else a for a in arguments]))
    return recorder.derived(function, arguments)


def as_array(result):
    """``result``, a NumPy scalar made a 0-d array: NumPy gives a comparison of 0-d
    arrays (``np.less``) as a scalar, and a Tensor holds an array."""
    if isinstance(result, np.generic):
        return np.asarray(result)
    return result
