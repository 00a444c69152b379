"""``Function``: one differentiable operation, and the graph node it leaves behind.

An operation is a subclass with two static methods::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):              # x: a backend array (numpy or cupy)
            y = ctx.xp.exp(x)
            ctx.save_for_backward(y)
            return y                      # an array: apply() wraps it in a Tensor

        @staticmethod
        def backward(ctx, grad):          # grad: a Tensor shaped like the output
            y, = ctx.saved_tensors        # Tensors, still attached to the graph
            return grad * y               # dL/dx = dL/dy * e^x

``forward`` works on raw arrays, so it runs at array speed. ``backward`` is
written with minigrad's own operations on Tensors, so it is itself recorded when
the engine runs with ``create_graph=True``: gradients of gradients come free.

``Exp.apply(t)`` unwraps the Tensor arguments into arrays, calls ``forward``,
wraps the result, and, when grad mode is on and some input requires grad,
records the graph: the ``ctx`` object itself becomes the output's ``grad_fn``,
holding the edges to the inputs' nodes and what ``save_for_backward`` kept.

The shape is PyTorch's ``torch.autograd.Function`` (``ctx.save_for_backward``,
``ctx.saved_tensors``, ``ctx.needs_input_grad``, ``Fn.apply``) with one
difference a user writing their own op should know: ``forward`` receives
backend arrays, not Tensors. ``backward`` receives and returns Tensors, one
gradient per ``forward`` argument (``None`` where there is none); keyword
arguments to ``apply`` are options and get no gradient. An exception raised
in ``forward`` reaches the caller as it was raised, type and traceback.

What backward may use is kept by one rule, and released by the engine once
the node's backward has run (unless ``retain_graph=True``):

- ``ctx.save_for_backward(*values)`` keeps **inputs and outputs**: each value
  is an array ``forward`` received as an argument (backward gets that argument:
  the input Tensor, differentiable, checked not to have changed in place), an
  array ``forward`` returns (backward gets that output Tensor, likewise), a
  Tensor passed as an option (itself, checked), or None. Arrays are known by
  identity, so pass the very objects forward received or returns; any other
  array is refused with a TypeError, never silently turned into a constant.
- ``ctx.save_intermediates(*values)`` keeps **arrays computed inside forward**
  (a mask, the normalized input, gate activations), read back with
  ``ctx.saved_intermediates``. To the graph they are constants: Tensors
  outside the graph while backward runs on Tensors. A value that is not an
  array comes back as it was: an indexing key (a tuple, which may hold index
  arrays), a number, None. An op whose intermediates depend on a
  differentiable input defines ``recompute_intermediates(ctx, *saved_tensors)``:
  under ``create_graph=True`` backward then gets them recomputed from the
  saved inputs with minigrad operations, so its own gradient is right.

Options (dims, shapes, dtypes, flags: never arrays) are plain attributes of
``ctx``. An array kept any other way would outlive the release;
tests/test_graph_release.py checks every op and layer for that.

One mechanism makes a plain ``backward()`` cost only array arithmetic: an op
whose backward uses operators and methods that Tensors and arrays share
(``grad * y``, ``g @ w``, ``g.T``, ``g.sum(0)``) and, beyond them, only the
functions of ``ctx.math`` (``sigmoid``, ``tanh``, ``cat``, ...) sets
``array_backward = True``. When no graph is being recorded, the engine runs
that same backward on the raw arrays (``saved_tensors``,
``saved_intermediates`` and the gradients are arrays, ``ctx.math`` holds array
functions); under ``create_graph=True`` it runs on Tensors with minigrad's
differentiable operations. One backward, written once, serves both.
"""
import weakref

import numpy as np

from ..backend import get_backend
from ..dtypes import get_default_dtype
from ..tensor import Tensor, new_tensor
from .anomaly import user_frame
from .grad_mode import _state
from . import tracing

_FREED = object()
_FLOAT64 = np.dtype("float64")


class Function:
    """Base class of every differentiable operation; instances are graph nodes."""

    _to_save = ()   # what forward passed to save_for_backward (raw, until recorded)
    _saved = ()     # the same, resolved into graph entries; _FREED after backward
    _intermediates = ()  # what forward passed to save_intermediates; _FREED after backward
    _hooks = None   # hooks of the output tensors, {output index: [hook, ...]}
    _args = ()      # the arguments of apply, only while forward runs
    next_edges = None  # set when the node is recorded (see _record)
    _on_arrays = False   # True while backward runs on raw arrays (see array_backward)
    _on_tensors = False  # True while backward runs on Tensors

    # Set by an op whose backward uses only operators and methods that Tensors and
    # arrays share, and ``ctx.math``: see the module docstring.
    array_backward = False

    # A shape op whose output may be a view of its first input (reshape, permute,
    # expand, basic indexing) sets this. When the output array really shares the
    # input's memory, the two tensors share one version counter, as in PyTorch:
    # an in-place change to either is seen by every check that saved the other.
    may_return_view = False

    # An op whose tensor arguments broadcast together, elementwise (add, mul, where,
    # clamp, ...), sets this. When its forward fails with NumPy's ValueError, apply
    # checks their shapes and raises PyTorch's RuntimeError naming the op and the
    # shapes (``ops/broadcasting.py``) instead; a forward that succeeds pays nothing.
    broadcasts = False

    # -- what an op's author uses inside forward/backward ----------------------
    def save_for_backward(self, *values):
        """Keep inputs and outputs of ``forward`` for ``backward``: each value an
        array forward received or returns, a Tensor option, or None (the rule in
        the module docstring; any other array raises a TypeError when recorded)."""
        self._to_save = values

    def save_intermediates(self, *values):
        """Keep arrays computed inside ``forward`` for ``backward`` (constants to the
        graph, unless the op defines ``recompute_intermediates``), and values that hold
        arrays, such as an indexing key (a tuple), which come back as they were (see
        the module docstring)."""
        self._intermediates = values

    @property
    def saved_tensors(self):
        """What ``save_for_backward`` kept, as Tensors attached to the graph
        (arrays while backward runs on arrays).

        Raises when the graph was already freed by a backward pass, or when a
        saved tensor was changed in place after the forward pass.
        """
        saved = self._saved
        if saved is _FREED:
            self._raise_freed()
        tensors = []
        for kind, value, version in saved:
            if kind == "tensor":
                if value._version[0] != version:
                    raise RuntimeError(
                        f"one of the tensors needed by {type(self).__name__} for its gradient (shape "
                        f"{tuple(value.shape)}) was modified by an in-place operation: it is at "
                        f"version {value._version[0]}, expected version {version}. Do the "
                        "in-place update after backward(), or use an out-of-place operation.")
            elif kind == "output":
                array, index, output_ref = value
                output = output_ref()
                if output is None:  # the output Tensor is gone: rebuild it on this node
                    output = new_tensor(array, self._backend, self, index)
                elif output._version[0] != version:
                    raise RuntimeError(
                        f"the output of {type(self).__name__} (shape {tuple(array.shape)}), needed for "
                        f"its gradient, was modified by an in-place operation: it is at version "
                        f"{output._version[0]}, expected version {version}.")
                value = output
            tensors.append(value)
        if self._on_arrays:
            return tuple([t._array if isinstance(t, Tensor) else t for t in tensors])
        return tuple(tensors)

    @property
    def saved_intermediates(self):
        """What ``save_intermediates`` kept: the arrays while backward runs on arrays;
        under ``create_graph=True``, ``recompute_intermediates(ctx, *saved_tensors)``
        where the op defines it; otherwise the arrays as constant Tensors (other
        values as they were).

        Raises when the graph was already freed by a backward pass."""
        values = self._intermediates
        if values is _FREED:
            self._raise_freed()
        if self._on_arrays:
            return values
        if _state.enabled and self._on_tensors:
            recompute = getattr(type(self), "recompute_intermediates", None)
            if recompute is not None:
                return tuple(recompute(self, *self.saved_tensors))
        return self.constant_intermediates()

    def constant_intermediates(self):
        """What ``save_intermediates`` kept, the arrays as constant Tensors (a
        ``recompute_intermediates`` returns these for the values that do not depend on
        a differentiable input)."""
        if self._intermediates is _FREED:
            self._raise_freed()
        backend = self._backend
        return tuple([new_tensor(backend.xp.asarray(v), backend, None, 0)
                      if hasattr(v, "shape") and hasattr(v, "dtype") else v  # NumPy scalars too
                      for v in self._intermediates])

    @property
    def math(self):
        """The functions a backward formula uses beyond operators (``sigmoid``,
        ``tanh``, ``cat``, ...): minigrad's differentiable operations while backward
        runs on Tensors, array functions otherwise (in forward, and in a backward run
        on arrays). Forward and backward can so share one formula."""
        from ..ops import formula_math  # the ops are built on top of this module
        if self._on_tensors:
            return formula_math.TENSOR_MATH
        return formula_math.array_math(self._backend.xp)

    def _raise_freed(self):
        raise RuntimeError(
            f"Trying to backward through the graph a second time (or to read the saved "
            f"tensors of {type(self).__name__} after they were freed). Pass retain_graph=True to the "
            "first backward() or autograd.grad() call if you need to backward twice.")

    @property
    def needs_input_grad(self):
        """One bool per forward argument: is it a Tensor that requires grad?

        Available in ``forward`` and ``backward`` alike (as in PyTorch), so both
        can skip work for inputs that need no gradient.
        """
        if self.next_edges is not None:  # recorded: the edges say it
            return tuple([edge is not None for edge in self.next_edges])
        return tuple([isinstance(arg, Tensor) and arg._requires_grad for arg in self._args])

    @property
    def xp(self):
        """The array module (numpy or cupy) of this operation's inputs."""
        return self._backend.xp

    @property
    def backend(self):
        return self._backend

    def name(self):
        """The node's name, as in its repr and PyTorch's ``grad_fn.name()``: ``'MulBackward'``."""
        return f"{type(self).__name__}Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self):
        """One ``(node, output_index)`` pair per forward argument, as PyTorch's:
        the node that produced that input (``grad_fn``), an ``AccumulateGrad`` whose
        ``.variable`` is the input for a leaf that requires grad, and ``(None, 0)``
        for an input that needs no gradient. Graph-drawing code walks these."""
        pairs = []
        for edge in self.next_edges or ():
            if edge is None:
                pairs.append((None, 0))
            elif isinstance(edge[0], Tensor):
                pairs.append((AccumulateGrad.of(edge[0]), 0))
            else:
                pairs.append((edge[0], edge[1]))
        return tuple(pairs)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    # -- building the graph ---------------------------------------------------
    @classmethod
    def apply(cls, *args, **options):
        """Run the operation on Tensors (and plain values); record it if needed."""
        ctx = cls.__new__(cls)
        backend = None
        needs_grad = False
        arrays = []
        for arg in args:
            if isinstance(arg, Tensor):
                if backend is None:
                    backend = arg._backend
                elif arg._backend is not backend:
                    _raise_device_mix(cls, args)
                if arg._requires_grad:
                    needs_grad = True
                arrays.append(arg._array)
            else:
                arrays.append(arg)
        ctx._backend = backend if backend is not None else get_backend("cpu")
        ctx._args = args  # for needs_input_grad inside forward; dropped right after
        recorder = tracing.recorder
        if recorder is not None:  # forward is replayed whole: what it does inside is not recorded
            tracing.recorder = None
        try:
            if ctx._backend.scope is None:
                result = cls.forward(ctx, *arrays, **options)
            else:  # a GPU: computed with that GPU current
                with ctx._backend.scope:
                    result = cls.forward(ctx, *arrays, **options)
        except ValueError:
            if cls.broadcasts:
                _raise_if_shapes_clash(cls, args)
            raise  # anything else reaches the caller as it was raised
        finally:
            if recorder is not None:
                tracing.recorder = recorder
        ctx._args = ()

        backend = ctx._backend  # forward may have moved the result (ToDevice)
        recording = needs_grad and _state.enabled
        if type(result) is not tuple:  # the common case: one output
            raw = result
            if not isinstance(result, backend.array_type):  # NumPy returns scalars from some ops
                result = backend.xp.asarray(result)
            if not recording:
                if result.dtype == _FLOAT64 and not _has_floating_tensor(args):
                    result = result.astype(get_default_dtype())  # int / int, exp(int): PyTorch's rule
                if tracing.recorder is not None:
                    tracing.recorder.forward(cls, ctx, options, args, backend, (raw,), (result,))
                return _share_version_if_view(cls, new_tensor(result, backend, None, 0), args)
            output = new_tensor(result, backend, ctx if result.dtype.kind == "f" else None, 0)
            _share_version_if_view(cls, output, args)
            ctx._record(args, arrays, (raw,), (output,))
            if tracing.recorder is not None:
                tracing.recorder.forward(cls, ctx, options, args, backend, (raw,), (result,))
            return output

        raw_results = result
        results = tuple(r if isinstance(r, backend.array_type) else backend.xp.asarray(r)
                        for r in raw_results)
        if tracing.recorder is not None:
            tracing.recorder.forward(cls, ctx, options, args, backend, raw_results, results)
        if not recording:
            return tuple(new_tensor(r, backend, None, 0) for r in results)
        outputs = tuple(new_tensor(r, backend, ctx if r.dtype.kind == "f" else None, i)
                        for i, r in enumerate(results))
        ctx._record(args, arrays, raw_results, outputs)
        return outputs

    def _record(self, args, arrays, raw_results, outputs):
        """Make this ctx a graph node: edges to the inputs' nodes, what backward needs.

        ``next_edges`` has one entry per forward argument: None where no
        gradient is wanted, else (node, output index, shape, dtype) of the input,
        the node being the input's grad_fn, or the input itself for a leaf.
        """
        edges = []
        for arg in args:
            if isinstance(arg, Tensor) and arg._requires_grad:
                producer = arg.grad_fn
                data = arg._array
                edges.append((arg if producer is None else producer, arg._output_index,
                              data.shape, data.dtype))
            else:
                edges.append(None)
        self.next_edges = tuple(edges)
        self._output_meta = tuple([(o._array.shape, o._array.dtype) for o in outputs])
        if _state.anomaly:
            self._created_at = user_frame()
        to_save = self._to_save
        if to_save:
            self._saved = tuple([self._saved_entry(position, value, args, arrays, raw_results,
                                                   outputs)
                                 for position, value in enumerate(to_save)])
            self._to_save = ()  # drop the raw references

    def _saved_entry(self, position, value, args, arrays, raw_results, outputs):
        """How one value given to ``save_for_backward`` is kept: as the input or output
        it is (the rule in the module docstring), or refused."""
        if isinstance(value, Tensor):
            return ("tensor", value, value._version[0])
        for arg, array in zip(args, arrays):
            if value is array:
                if isinstance(arg, Tensor):
                    return ("tensor", arg, arg._version[0])
                return ("constant", value, None)  # an argument that is not a Tensor
        for index, (raw, output) in enumerate(zip(raw_results, outputs)):
            if value is raw:
                if output.grad_fn is None:  # an integer output: a constant
                    return ("constant", output, None)
                return ("output", (output._array, index, weakref.ref(output)), output._version[0])
        if value is None or isinstance(value, (bool, int, float)):  # after the identity checks:
            return ("constant", value, None)  # NumPy gives a 0-d result as a float subclass
        raise TypeError(
            f"{type(self).__name__}.forward passed save_for_backward a value (position {position}, "
            f"{type(value).__name__}) that is neither one of its arguments nor one of its outputs. "
            "save_for_backward keeps inputs and outputs, which stay differentiable; keep an array "
            "computed inside forward with ctx.save_intermediates(...), and define "
            "recompute_intermediates(ctx, *saved_tensors) if it depends on a differentiable input.")

    def _release(self):
        """Drop what was kept for backward (the graph's buffers)."""
        self._saved = _FREED
        self._intermediates = _FREED


class AccumulateGrad:
    """The graph-walking view of a leaf that requires grad, as PyTorch's
    ``AccumulateGrad`` node: the end of an edge in ``next_functions``, where the
    gradient is added to ``variable.grad``. The engine itself treats the leaf
    tensor as the node; this object exists for code that walks the graph."""

    def __init__(self, variable):
        self._variable = weakref.ref(variable)

    @staticmethod
    def of(leaf):
        """The leaf's one AccumulateGrad, made on first use (as in PyTorch, the same
        object each time, so walkers can tell nodes apart by identity)."""
        if leaf._grad_accumulator is None:
            leaf._grad_accumulator = AccumulateGrad(leaf)
        return leaf._grad_accumulator

    @property
    def variable(self):
        """The leaf tensor whose ``.grad`` this node accumulates into."""
        return self._variable()

    @property
    def next_functions(self):
        return ()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def _share_version_if_view(cls, output, args):
    """Give ``output`` its input's version counter when it is a view of that input."""
    if cls.may_return_view:
        source = args[0]
        if output._backend.xp.may_share_memory(output._array, source._array):
            output._version = source._version
    return output


def _has_floating_tensor(args):
    """Does any tensor argument have a floating dtype? If none does, a floating
    result (NumPy gives float64 for int / int) takes the default dtype instead."""
    return any(isinstance(arg, Tensor) and arg._array.dtype.kind == "f" for arg in args)


def _raise_if_shapes_clash(cls, args):
    """PyTorch's RuntimeError, in place of NumPy's ValueError, where the tensor
    arguments of a broadcasting op do not broadcast together."""
    from ..ops.broadcasting import broadcast_shapes  # the ops are built on top of this module
    try:
        broadcast_shapes([arg._array.shape for arg in args if isinstance(arg, Tensor)],
                         cls.__name__)
    except RuntimeError as clash:
        raise clash from None  # the shapes say it all; NumPy's error would only repeat it


def _raise_device_mix(cls, args):
    devices = []
    for arg in args:
        if isinstance(arg, Tensor) and str(arg.device) not in devices:
            devices.append(str(arg.device))
    raise RuntimeError(
        f"Expected all tensors to be on the same device, but {cls.__name__} got tensors on "
        f"{' and '.join(devices)}. Move them to one device first, e.g. with .to({devices[0]!r}).")
