"""Callbacks that run once, when the current backward pass has finished.

``queue_callback(fn)``, called from inside a backward pass (typically from a
gradient hook), arranges for ``fn()`` to run after the engine has delivered
every gradient of that pass, as PyTorch's
``Variable._execution_engine.queue_callback``. ``DistributedDataParallel``
uses it to wait for its last all-reduces and write the averaged gradients back
at the end of ``backward()``.

Each backward pass keeps its own list (a hook may start a nested backward), so
the lists form a stack. A callback may queue further callbacks; they run too.
If the pass raises, its callbacks are dropped.
"""
from . import tracing

_queues = []  # one list of callbacks per backward pass in progress


def queue_callback(callback):
    """Run ``callback()`` when the backward pass in progress has finished."""
    if not _queues:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    if tracing.recorder is not None:
        tracing.recorder.refuse("a callback queued during backward() runs Python on the gradients")
    _queues[-1].append(callback)


def run_with_queued_callbacks(walk, *args):
    """``walk(*args)`` (a backward pass), then every callback queued while it ran."""
    queue = []
    _queues.append(queue)
    try:
        walk(*args)
        while queue:
            queue.pop(0)()
    finally:
        _queues.pop()
