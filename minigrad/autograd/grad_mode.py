"""Switching graph recording on and off: ``no_grad``, ``enable_grad``, ``inference_mode``.

While grad mode is off, operations compute their results but record no graph,
so nothing is kept for a backward pass. Optimizer steps and evaluation loops
run this way. The switch is per thread, as in PyTorch.
"""
import functools
import threading


class _GradState(threading.local):
    enabled = True
    anomaly = False
    inference = False


_state = _GradState()


def is_grad_enabled():
    """True when new operations are being recorded for backward."""
    return _state.enabled


class set_grad_enabled:
    """Turn recording on or off, for a ``with`` block or as a plain call.

    ``mg.set_grad_enabled(False)`` switches it off at once;
    ``with mg.set_grad_enabled(flag): ...`` restores the old mode afterwards;
    ``@mg.set_grad_enabled(flag)`` runs a function in that mode (as in PyTorch).
    """

    def __init__(self, mode):
        self.previous = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled = self.previous
        return False

    def __call__(self, function):
        _state.enabled = self.previous  # decorating is no switch: undo the one __init__ made
        return _run_in_mode(function, self.mode)


class _GradModeContext:
    """A context manager that is also a decorator: ``@mg.no_grad()``, or
    ``@mg.no_grad`` without parentheses, as PyTorch allows."""

    mode = None

    def __new__(cls, function=None):
        self = super().__new__(cls)
        return self if function is None else self(function)

    def __enter__(self):
        self.previous = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc):
        _state.enabled = self.previous
        return False

    def __call__(self, function):
        return _run_in_mode(function, self.mode)


def _run_in_mode(function, mode):
    """``function``, wrapped so that every call runs with grad mode ``mode``."""
    @functools.wraps(function)
    def run_in_mode(*args, **kwargs):
        with set_grad_enabled(mode):
            return function(*args, **kwargs)
    return run_in_mode


class no_grad(_GradModeContext):
    """Record no graph inside the block (or the decorated function)."""

    mode = False


class enable_grad(_GradModeContext):
    """Record the graph again inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradModeContext):
    """``no_grad`` for inference, as PyTorch's ``torch.inference_mode(mode=True)``.

    A context manager and decorator (``@mg.inference_mode`` or
    ``@mg.inference_mode()``). ``inference_mode(True)`` records no graph and
    ``is_inference_mode_enabled()`` is True inside; ``inference_mode(False)``
    records again (PyTorch's rule: grad mode is the opposite of the mode).
    Unlike PyTorch, tensors made inside are ordinary tensors: minigrad keeps
    no separate kind of inference tensor, so there is nothing to refuse later.
    """

    def __new__(cls, mode=True):
        if callable(mode):  # @mg.inference_mode without parentheses
            return cls()(mode)
        self = object.__new__(cls)
        self.inference = bool(mode)
        self.mode = not self.inference
        return self

    def __enter__(self):
        self.previous_inference = _state.inference
        _state.inference = self.inference
        super().__enter__()

    def __exit__(self, *exc):
        _state.inference = self.previous_inference
        return super().__exit__(*exc)

    def __call__(self, function):
        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with inference_mode(self.inference):
                return function(*args, **kwargs)
        return run_in_mode


def is_inference_mode_enabled():
    """True inside ``inference_mode()`` (and not inside a nested ``inference_mode(False)``)."""
    return _state.inference
