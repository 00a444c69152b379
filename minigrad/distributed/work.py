"""``Work``: the handle an ``async_op=True`` collective returns, as torch's ``Work``.

The collective has been started; the tensors must not be read or written until
``wait()`` returns. ``is_completed()`` asks without blocking (on MPI it also
lets the library make progress on the transfer).
"""


class Work:
    """A started collective. ``wait()`` blocks until it has finished and the
    result is in the tensors; ``is_completed()`` tells whether it has.

    ``test`` returns True once the transfer is done, ``block`` waits for it,
    and ``finish`` (run once, after the transfer) writes the result where it
    belongs (divides by the world size for AVG, copies out of a buffer, ...).
    """

    def __init__(self, test, block, finish=None):
        self._test, self._block, self._finish = test, block, finish
        self._done = False

    def _complete(self):
        if not self._done:
            self._done = True
            if self._finish is not None:
                self._finish()

    def is_completed(self):
        if not self._done and self._test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        if not self._done:
            self._block()
            self._complete()
        return True


def completed_work(finish=None):
    """The handle of a collective that already finished (a blocking backend's)."""
    work = Work(lambda: True, lambda: None, finish)
    work._complete()
    return work
