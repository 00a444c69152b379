"""Index arrays outside their dimension: one behaviour per device, and no hidden wait.

An index array ``i`` used on a dimension of size n must hold values in [−n, n)
(negative ones count from the end). Checking that needs the values:

- on the CPU reading them costs nothing, so a bad index raises ``IndexError``
  at once, with minigrad's message (the same words on every device);
- on a device (CUDA, and the 'strict' stand-in that plays its part) reading
  them would wait for the device to finish all queued work, on every lookup.
  CuPy itself does not check: it wraps a bad index around and returns another
  element. So the operation clamps the indices into [−n, n) (it never reads
  outside the array), counts the bad ones on the device, and the next read of
  values from that device (``.item()``, ``.numpy()``, ``.tolist()``, printing,
  ``mg.cuda.synchronize``) raises the ``IndexError``, naming the operation and
  a bad value. This is how PyTorch's CUDA kernels report a bad index too: an
  error at a later synchronisation, not at the call.

(A loss's class-index target is checked by ``cross_entropy.py``: on a device a
bad target makes its row's loss nan, which the loss value itself shows.)
"""
import numpy as np

_pending = {}  # backend -> {(message, error type): (count of bad indices, one bad index)} on the device


def checked_index(backend, index, size, message, negative=True, error=IndexError):
    """``index`` (an integer array for a dimension of ``size``) with every value in
    [−size, size) (in [0, size) when not ``negative``). ``message.format(value)`` is the
    IndexError's (or ``error``'s) text for a bad value: raised now on the CPU; on a device
    the bad values are clamped and the error is raised by the next read from the device
    (``raise_pending``)."""
    xp = backend.xp
    if index.dtype.kind == "b" or index.size == 0:
        return index
    low = -size if negative else 0
    if xp is np:
        bad = (index < low) | (index >= size)
        if bad.any():
            raise error(message.format(int(index[bad].flat[0])))
        return index
    from ..autograd import tracing  # here: the backends import this module before autograd exists
    return tracing.derived(_clamped_and_counted, index, backend, low, size, message, error)


def _clamped_and_counted(index, backend, low, size, message, error):
    """``index`` clamped into [low, size) on a device, its bad values counted there."""
    xp = backend.xp
    bad = (index < low) | (index >= size)
    flat = bad.reshape(-1)
    count = xp.count_nonzero(flat)
    value = index.reshape(-1)[xp.argmax(flat)]
    waiting = _pending.setdefault(backend, {})
    if (message, error) in waiting:
        old_count, old_value = waiting[message, error]
        value = xp.where(old_count > 0, old_value, value)
        count = count + old_count
    waiting[message, error] = (count, value)
    return xp.clip(index, low, size - 1) if size else index


def raise_pending(backend):
    """Raise the IndexError of a bad index that an operation on ``backend`` met since the
    last read (and forget it); nothing when every index was in range."""
    waiting = _pending.pop(backend, None)
    if not waiting:
        return
    xp = backend.xp
    messages = list(waiting)
    counts_and_values = xp.stack([xp.stack([xp.asarray(count, dtype=xp.int64),
                                            xp.asarray(value, dtype=xp.int64)])
                                  for count, value in waiting.values()])
    host = backend.to_host_unchecked(counts_and_values)
    for (message, error), (count, value) in zip(messages, host.tolist()):
        if count:
            raise error(message.format(value) + " (this device does not check indices "
                             "as it runs: the error comes at the first read after the "
                             "operation)")
