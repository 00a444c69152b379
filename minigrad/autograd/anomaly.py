"""Anomaly detection: find the operation whose gradient became NaN or inf.

With anomaly mode on, every recorded operation remembers the line of user code
that created it, and the backward pass checks each gradient it computes. The
first NaN or inf raises a RuntimeError naming the operation and that line, so
``sqrt`` at 0 or ``log`` of a negative number is found at once instead of
surfacing as NaN weights many steps later. It slows training: use it to debug.
"""
import os
import traceback

from .grad_mode import _state

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled():
    """True while anomaly detection is on (see ``detect_anomaly``)."""
    return _state.anomaly


class set_detect_anomaly:
    """Switch anomaly detection on (``True``) or off (``False``) for this thread.

    Takes effect at once, as a plain call; as in PyTorch it is also a context
    manager, ``with set_detect_anomaly(flag): ...``, that restores the old mode.
    """

    def __init__(self, mode):
        self.previous = _state.anomaly
        _state.anomaly = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.anomaly = self.previous
        return False


class detect_anomaly:
    """``with mg.autograd.detect_anomaly(): loss.backward()`` (also a forward)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._switch = set_detect_anomaly(self.check_nan)

    def __exit__(self, *exc):
        return self._switch.__exit__(*exc)


def user_frame():
    """The innermost stack frame outside the minigrad package, as 'file:line: code'."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line}'
    return "<unknown location>"
