"""``Tensor``: an array, plus what reverse-mode autograd needs to know about it.

A tensor holds

- ``_array``: the array itself (``numpy.ndarray`` on the CPU, ``cupy.ndarray`` on CUDA);
  ``.data`` is, as in PyTorch, a detached Tensor sharing that memory;
- ``requires_grad``: whether gradients should flow to it;
- ``grad_fn``: the graph node (a ``Function`` instance) that produced it, or
  ``None`` for a leaf: a tensor the user made rather than computed;
- ``grad``: after ``backward()``, the gradient of the output with respect to
  this tensor (kept on leaves only, unless ``retain_grad()`` was called).

Operators and methods are one-line calls of the functions in ``minigrad.ops``,
which record the graph. The graph is made by the ``Function`` nodes, not by
tensors, so a tensor can be dropped as soon as the user is done with it.
"""
import numpy as np

from .backend import Device
from .printing import format_values
from .dtypes import get_default_dtype, parse_tensor_type_name, tensor_type_name
from .ops.index_bounds import raise_pending

_SCALAR_TYPES = (int, float, bool)


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = ("_array", "_grad", "_requires_grad", "grad_fn", "_output_index", "_version",
                 "_backend", "_hooks", "_retains_grad", "_grad_accumulator",
                 "_post_accumulate_grad_hooks", "__weakref__")
    # NumPy must hand ``ndarray + tensor`` to Tensor.__radd__ instead of looping itself.
    __array_ufunc__ = None
    __hash__ = object.__hash__

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        array, backend = to_backend_array(data, dtype, device)
        _init(self, array, backend, None, 0)
        self.requires_grad = requires_grad

    # -- what a tensor is ------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if flag and self._array.dtype.kind != "f":
            raise RuntimeError(
                f"only floating-point tensors can require gradients, but this tensor has dtype "
                f"{self._array.dtype}; convert it first, e.g. .to(mg.float32)")
        if not flag and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be switched off on a leaf tensor; "
                               "use .detach() to get a tensor outside the graph")
        if _tracing.recorder is not None:  # mg.compile: a replay can't set it
            _tracing.recorder.set_requires_grad(self, flag)
        self._requires_grad = flag

    @property
    def data(self):
        """The same memory as a new tensor outside the graph, as PyTorch's ``.data``.

        Unlike ``detach()`` it does not share the version counter, so changes
        made through it (``p.data.add_(...)``) are not seen by autograd's checks:
        prefer ``detach()`` or ``with mg.no_grad():``.
        """
        return new_tensor(self._array, self._backend, None, 0)

    @data.setter
    def data(self, value):
        """``p.data = other``: this tensor now holds ``other``'s memory, whatever its shape,
        dtype or device (as in PyTorch); its graph and ``.grad`` are kept as they are."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}")
        if self._requires_grad and value._array.dtype.kind != "f":
            raise RuntimeError(f"data set to a tensor of dtype {value.dtype}, but this tensor "
                               "requires grad: it must stay floating-point")
        self._array, self._backend = value._array, value._backend

    @property
    def grad(self):
        """dL/d(this tensor) after ``backward()``: a Tensor of the same shape, or None."""
        if _tracing.recorder is not None:  # mg.compile: is it a gradient the step computed?
            _tracing.recorder.read_grad(self)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a Tensor or None, got {type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(f"assigned grad has shape {tuple(value.shape)}, but the tensor "
                                   f"has shape {tuple(self.shape)}")
            if value._backend is not self._backend:
                raise RuntimeError(f"assigned grad is on {value.device}, but the tensor is on "
                                   f"{self.device}")
            if value._array.dtype != self._array.dtype:  # as PyTorch: .grad has the tensor's dtype
                raise RuntimeError(f"assigned grad has dtype {value._array.dtype}, but the tensor "
                                   f"has dtype {self._array.dtype}")
        if _tracing.recorder is not None:  # mg.compile: replayed as it is
            _tracing.recorder.set_grad(self, value)
        self._grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    @property
    def shape(self):
        return self._array.shape

    @property
    def ndim(self):
        return self._array.ndim

    def dim(self):
        return self._array.ndim

    @property
    def dtype(self):
        return self._array.dtype

    @property
    def device(self):
        return self._backend.device_object

    @property
    def backend(self):
        return self._backend

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def size(self, dim=None):
        return self._array.shape if dim is None else self._array.shape[dim]

    def numel(self):
        return int(self._array.size)

    nelement = numel  # PyTorch's other name for it

    def is_contiguous(self):
        """Do the elements lie in memory in row-major (C) order, without gaps?

        As in PyTorch, transposes, permutations, strided slices and expansions
        are views that are not; a fresh result or ``contiguous()`` is.
        """
        return bool(self._array.flags.c_contiguous)

    def contiguous(self):
        """This tensor if ``is_contiguous()``, else a row-major copy (differentiable, as ``clone()``)."""
        return self if self.is_contiguous() else clone(self)

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __repr__(self):
        """PyTorch's layout: ``tensor([1.0000, 2.5000], dtype=float64, requires_grad=True)``."""
        text = "tensor(" + format_values(self._backend.to_host(self._array))
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        # No element shows an empty tensor's shape or dtype: PyTorch names its size
        # (unless it is (0,)) and every dtype but the default.
        implied_dtypes = (get_default_dtype(), np.dtype("int64"), np.dtype("bool"))
        if self._array.size == 0:
            if self._array.ndim != 1:
                extras.append(f"size={tuple(self.shape)}")
            implied_dtypes = (get_default_dtype(),)
        if self._array.dtype not in implied_dtypes:
            extras.append(f"dtype={self._array.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        for extra in extras:  # each on a new line where the last line would pass 80 characters
            last_line = len(text) - text.rfind("\n") + 1
            text += (",\n       " if last_line + len(extra) + 2 > 80 else ", ") + extra
        return text + ")"

    # -- leaving the graph, copying, converting ----------------------------------
    def detach(self):
        """The same data as a new leaf that requires no grad (shares memory and version)."""
        tensor = new_tensor(self._array, self._backend, None, 0)
        tensor._version = self._version
        return tensor

    def detach_(self):
        if self._hooks and self.grad_fn is not None:
            raise RuntimeError("cannot detach_() a tensor with hooks registered")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self):
        """A copy with its own memory; gradients flow back to the original."""
        return clone(self)

    def numpy(self):
        """The values as a NumPy array; on the CPU it shares this tensor's memory.

        As in PyTorch, refused for a tensor that requires grad: writing into the
        array would change a value the graph depends on without autograd
        knowing. Use ``.detach().numpy()``. A GPU tensor's values are copied.
        """
        if self._requires_grad:
            raise RuntimeError("can't call numpy() on a tensor that requires grad: "
                               "use tensor.detach().numpy() instead")
        if _tracing.recorder is not None:
            _tracing.recorder.read_value(".numpy()")
        return self._backend.to_host(self._array)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(tensor)``: the values as a NumPy array (see ``numpy()``)."""
        array = self.numpy()
        if copy:
            array = array.copy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise RuntimeError(f"item() needs a tensor with one element, but this one has "
                               f"{self._array.size} elements (shape {tuple(self.shape)})")
        if _tracing.recorder is not None:
            _tracing.recorder.read_value(".item()")
        return self._host_item()

    def tolist(self):
        if _tracing.recorder is not None:
            _tracing.recorder.read_value(".tolist()")
        return self._backend.to_host(self._array).tolist()

    def _host_item(self):
        """The one element as a Python number, read from the device (which first reports a
        bad index met since the last read: ops/index_bounds.py)."""
        raise_pending(self._backend)
        return self._array.item()

    def __float__(self):
        return float(self._python_scalar())

    def __int__(self):
        return int(self._python_scalar())

    def _python_scalar(self):
        """float(t) and int(t): the one element, a ValueError otherwise (as in PyTorch)."""
        if self._array.size != 1:
            raise ValueError(f"only one-element tensors can be converted to Python scalars; "
                             f"this one has shape {tuple(self.shape)}")
        if _tracing.recorder is not None:
            _tracing.recorder.read_value("float() or int()")
        return self._host_item()

    def __format__(self, format_spec):
        """``f"{loss:.3f}"``: a 0-d tensor formats as its Python number (as in PyTorch);
        any other tensor only without a format spec (as ``str``)."""
        if self._array.ndim == 0:
            if _tracing.recorder is not None:
                _tracing.recorder.read_value("formatting a value")
            return self._host_item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._array.size} elements is ambiguous")
        return bool(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def to(self, *args, dtype=None, device=None):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``.

        Differentiable: gradients flow back across the device or dtype change.
        """
        device, dtype = to_arguments(args, device, dtype)
        result = self
        if device is not None and Device(device) != self.device:
            result = to_device(result, device)
        if dtype is not None and np.dtype(dtype) != result._array.dtype:
            result = cast(result, dtype)
        return result

    def cpu(self):
        return self.to("cpu")

    # -- random sampling (minigrad/random.py) --------------------------------------
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Category indices drawn from the weights in this tensor (see ``mg.multinomial``)."""
        from .random import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        """0/1 samples, 1 with the probability in each element (see ``mg.bernoulli``)."""
        from .random import bernoulli
        return bernoulli(self, p, generator=generator)

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def long(self):
        return self.to(np.int64)

    def int(self):
        return self.to(np.int32)

    def bool(self):
        return self.to(np.bool_)

    def type_as(self, other):
        return self.to(other.dtype)

    def type(self, dtype=None):
        """The type's name, or the tensor converted to another type.

        ``t.type()`` names the dtype and device as PyTorch does, with minigrad
        for torch: ``'minigrad.FloatTensor'``, ``'minigrad.cuda.LongTensor'``.
        ``t.type(mg.float64)`` is ``t.to(mg.float64)``; ``t.type(name)`` with such
        a name converts to its dtype and device. Either returns ``t`` itself when
        nothing changes.
        """
        if dtype is None:
            return tensor_type_name(self._array.dtype, self.device.type)
        if isinstance(dtype, str):
            device, dtype = parse_tensor_type_name(dtype)
            return self.to(device, dtype)
        return self.to(dtype)

    # -- new tensors with this tensor's dtype and device -----------------------
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A new leaf holding a copy of ``data``, with this tensor's dtype and device
        unless ``dtype``/``device`` are given."""
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` (ints, or one tuple), with this tensor's dtype and device
        unless given."""
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                     requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of ``size``, with this tensor's dtype and device unless given."""
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """An uninitialised tensor of ``size``, with this tensor's dtype and device unless given."""
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device,
                     requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """``fill_value`` everywhere in a tensor of ``size`` (a tuple or list), with
        this tensor's dtype and device unless given."""
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"new_full(): size must be a tuple or list of ints, got "
                            f"{type(size).__name__}")
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    # -- backward ----------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is dL/d(self); it may be left out only for a single-element
        tensor (it is then 1). The graph's buffers are freed afterwards unless
        ``retain_graph=True`` (which ``create_graph=True`` implies).
        """
        from .autograd.engine import run_backward
        from .autograd.grad_outputs import as_gradient

        if not self._requires_grad:
            raise RuntimeError(
                "backward() was called on a tensor that does not require grad and has no grad_fn: "
                "no input of the computation had requires_grad=True (or it ran under no_grad)")
        gradient = as_gradient(gradient, self, "this tensor", "gradient= to backward()")
        if retain_graph is None:
            retain_graph = create_graph
        run_backward([self], [gradient], retain_graph, create_graph)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after ``backward()``.

        As in PyTorch, ``.grad`` is the gradient after every hook registered on
        this tensor (before or after this call) has run.
        """
        if self.grad_fn is None or self._retains_grad:
            return
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that does not require grad")
        import weakref
        from .autograd.engine import accumulate_grad
        tensor_ref = weakref.ref(self)

        def store_grad(grad):
            tensor = tensor_ref()
            if tensor is not None:
                accumulate_grad(tensor, grad, _state.enabled)
        store_grad.stores_grad = True  # register_hook keeps it last
        self.register_hook(store_grad)
        self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a new gradient to use instead. Returns a handle
        whose ``remove()`` unregisters it.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn._hooks is None:
                self.grad_fn._hooks = {}
            hooks = self.grad_fn._hooks.setdefault(self._output_index, [])
        hooks.append(hook)
        _tracing.configuration_changed()  # (mg.compile: a replay can't run it)
        if self._retains_grad:  # the retain_grad() hook runs last, to store the final gradient
            hooks.sort(key=lambda h: getattr(h, "stores_grad", False))
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` on this leaf after ``backward()`` has added its gradient to ``.grad``.

        As in PyTorch, the hook sees the tensor itself (its ``.grad`` already
        updated) and returns nothing; ``DistributedDataParallel`` uses it to
        start a gradient bucket's all-reduce as soon as every gradient in it is
        ready. Returns a handle whose ``remove()`` unregisters it.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = []
        self._post_accumulate_grad_hooks.append(hook)
        _tracing.configuration_changed()  # (mg.compile: a replay can't run it)
        return RemovableHandle(self._post_accumulate_grad_hooks, hook)

    # -- in-place updates (for optimizers and initialisation, outside the graph) --
    # ``x.add_(y)`` (and ``x += y``) is ``x + y`` computed by the out-of-place
    # operation, so broadcasting and type promotion follow the same rules, then
    # written into x's memory: every view and alias of x sees the new values, and
    # x's version goes up so that a graph that saved x notices the change.
    # minigrad records no in-place operation in the graph; where PyTorch would
    # record one, it is refused with a RuntimeError that shows the out-of-place form.
    def _begin_in_place(self, name, *operands):
        """Refuse an in-place change that the graph would need to record."""
        if not _state.enabled:
            return
        if self._requires_grad:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{name}: a tensor that requires grad and is a leaf (made by the user, not "
                    "computed) can't be changed in place while the graph is being recorded. Do "
                    "the update inside `with mg.no_grad():`, as optimizers do.")
            raise RuntimeError(
                f"{name}: this tensor is part of the recorded graph (grad_fn={self.grad_fn!r}) "
                "and minigrad does not record in-place operations; write the out-of-place "
                "form, e.g. x = x + y instead of x += y.")
        for operand in operands:
            if isinstance(operand, Tensor) and operand._requires_grad:
                raise RuntimeError(
                    f"{name}: the value written in place requires grad, and minigrad does not "
                    "record in-place operations, so its gradient would be lost; write the "
                    "out-of-place form, e.g. x = x + y instead of x += y.")

    def _write(self, name, values, key=Ellipsis, view_key=Ellipsis):
        """``self[view_key][key] = values`` into this tensor's memory, and a new version
        (``view_key`` of ints, slices, None and ... selects a view of the memory)."""
        if _tracing.recorder is not None:
            _tracing.recorder.write(self, name, values, key, view_key)
        try:
            self._array[view_key][key] = values
        except ValueError as error:  # NumPy: a read-only array or a shape mismatch
            if "read-only" in str(error):
                raise RuntimeError(
                    f"{name}: this tensor's memory is read-only (an expanded view, whose elements "
                    "share memory, or a read-only NumPy array), so it can't be written in "
                    "place; clone() it first") from None
            raise RuntimeError(f"{name}: {error}") from None
        self._version[0] += 1
        return self

    def _store_result(self, name, result):
        """Write ``result`` (a Tensor computed from self) over this tensor, as PyTorch's
        in-place operations do: it must have self's shape (the other operand broadcasts
        to self, never self to it) and a dtype that casts to self's without changing
        kind (a floating result can't go into an integer tensor, nor a number into a
        boolean one)."""
        if result._array.shape != self._array.shape:
            raise RuntimeError(
                f"{name}: the result has shape {tuple(result.shape)}, but this tensor has shape "
                f"{tuple(self.shape)}; in place, the other operand must broadcast to this "
                "tensor's shape")
        kind, target = result._array.dtype.kind, self._array.dtype.kind
        if kind == "f" and target != "f" or target == "b" and kind != "b":
            raise RuntimeError(
                f"{name}: the result has dtype {result.dtype}, which can't be stored in place in "
                f"this tensor of dtype {self.dtype}; compute out of place (x = x + y) or "
                "convert the tensor first with .to(...)")
        return self._write(name, result._array)

    def _array_of(self, value, name):
        if isinstance(value, Tensor):
            if value._backend is not self._backend:
                raise RuntimeError(
                    f"{name}: expected both tensors on the same device, got {self.device} and "
                    f"{value.device}; move one with .to({str(self.device)!r})")
            return value._array
        return value

    def copy_(self, source):
        """Overwrite the values with ``source`` (broadcast, cast to this dtype)."""
        self._begin_in_place("copy_", source)
        if isinstance(source, Tensor) and source._backend is not self._backend:
            source = source._backend.to_host(source._array)
            source = self._backend.from_host(source)
        return self._write("copy_", self._array_of(source, "copy_"))

    def zero_(self):
        self._begin_in_place("zero_")
        return self._write("zero_", 0)

    def fill_(self, value):
        """Every element set to ``value``: a number or a 0-d tensor."""
        self._begin_in_place("fill_", value)
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"fill_: the value must be a number or a 0-d tensor, got a tensor of shape "
                f"{tuple(value.shape)}; use copy_ to write a tensor of values")
        return self._write("fill_", self._array_of(value, "fill_"))

    def add_(self, other, alpha=1):
        """self += alpha * other"""
        self._begin_in_place("add_", other)
        return self._store_result("add_", add(self, _scaled(other, alpha)))

    def sub_(self, other, alpha=1):
        """self -= alpha * other"""
        self._begin_in_place("sub_", other)
        return self._store_result("sub_", sub(self, _scaled(other, alpha)))

    def mul_(self, other):
        """self *= other"""
        self._begin_in_place("mul_", other)
        return self._store_result("mul_", mul(self, other))

    def div_(self, other):
        """self /= other (true division: refused for an integer tensor, as in PyTorch)"""
        self._begin_in_place("div_", other)
        return self._store_result("div_", div(self, other))

    def pow_(self, exponent):
        """self **= exponent"""
        self._begin_in_place("pow_", exponent)
        return self._store_result("pow_", pow(self, exponent))

    def addcmul_(self, tensor1, tensor2, value=1):
        """self += value * tensor1 * tensor2"""
        self._begin_in_place("addcmul_", tensor1, tensor2)
        product = mul(tensor1, tensor2)
        return self._store_result("addcmul_", add(self, _scaled(product, value)))

    def addcdiv_(self, tensor1, tensor2, value=1):
        """self += value * tensor1 / tensor2 (true division; two integer or boolean
        tensors are refused, as PyTorch refuses them)"""
        self._begin_in_place("addcdiv_", tensor1, tensor2)
        if all(isinstance(t, Tensor) and t.dtype.kind in "biu" for t in (tensor1, tensor2)):
            raise RuntimeError(
                f"addcdiv_: tensor1 and tensor2 are both integer tensors ({tensor1.dtype}, "
                f"{tensor2.dtype}); PyTorch no longer divides integers here: convert them "
                "to a floating dtype first")
        quotient = div(tensor1, tensor2)
        return self._store_result("addcdiv_", add(self, _scaled(quotient, value)))

    def lerp_(self, end, weight):
        """self += weight * (end - self), for a floating tensor (as in PyTorch)"""
        self._begin_in_place("lerp_", end, weight)
        if self._array.dtype.kind != "f":
            raise NotImplementedError(
                f"lerp_ is defined for floating-point tensors only, got dtype {self.dtype}")
        return self._store_result("lerp_", add(self, mul(sub(end, self), weight)))

    def clamp_(self, min=None, max=None):
        self._begin_in_place("clamp_", min, max)
        return self._store_result("clamp_", clamp(self, min, max))

    def sqrt_(self):
        self._begin_in_place("sqrt_")
        return self._store_result("sqrt_", sqrt(self))

    def neg_(self):
        self._begin_in_place("neg_")
        return self._store_result("neg_", neg(self))

    def __setitem__(self, key, value):
        """``self[key] = value`` with every key ``self[key]`` reads, writing the elements
        that ``self[key]`` selects (the value broadcasts to their shape)."""
        name = "__setitem__ (tensor[...] = value)"
        self._begin_in_place(name, value)
        view_key, key = setitem_keys(key, self, value)
        try:
            self._write(name, self._array_of(value, "__setitem__"), key, view_key)
        except IndexError as error:
            setitem_in_bounds(self, view_key, key)  # minigrad's message for a bad index
            raise IndexError(
                f"index out of range for a tensor of shape {tuple(self.shape)}: {error}") from None

    # ``x += y`` is ``x.add_(y)``, as in PyTorch: the update happens in x's memory.
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __iand__(self, other):
        return self._logical_in_place("&=", other, "bitwise_and")

    def __ior__(self, other):
        return self._logical_in_place("|=", other, "bitwise_or")

    def __ixor__(self, other):
        return self._logical_in_place("^=", other, "bitwise_xor")

    def _logical_in_place(self, name, other, ufunc_name):
        """``mask &= other`` (and ``|=``, ``^=``) in the tensor's memory, as in PyTorch."""
        self._begin_in_place(name, other)
        return self._store_result(name, logical(self, other, ufunc_name))

    # -- operators -----------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, other):
        return pow(self, other)

    def __rpow__(self, other):
        return pow(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return positive(self)

    def __abs__(self):
        return abs(self)

    def __getitem__(self, key):
        return getitem(self, key)

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    # Comparisons give boolean tensors and are never differentiable.
    def __eq__(self, other):
        if other is None:  # PyTorch's answer, so `tensor == None` and `x in (None, ...)` work
            return False
        return compare(self, other, "equal")

    def __ne__(self, other):
        if other is None:
            return True
        return compare(self, other, "not_equal")

    def __lt__(self, other):
        return compare(self, other, "less")

    def __le__(self, other):
        return compare(self, other, "less_equal")

    def __gt__(self, other):
        return compare(self, other, "greater")

    def __ge__(self, other):
        return compare(self, other, "greater_equal")

    def __invert__(self):
        return logical(self, None, "invert")

    def __and__(self, other):
        return logical(self, other, "bitwise_and")

    def __or__(self, other):
        return logical(self, other, "bitwise_or")

    def __xor__(self, other):
        return logical(self, other, "bitwise_xor")

    # -- differentiable methods (the functions live in minigrad.ops) -------------
    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def sqrt(self):
        return sqrt(self)

    def abs(self):
        return abs(self)

    def sin(self):
        return sin(self)

    def cos(self):
        return cos(self)

    def tanh(self):
        return tanh(self)

    def sigmoid(self):
        return sigmoid(self)

    def relu(self):
        return relu(self)

    def erf(self):
        return erf(self)

    # -- more math, comparisons, histograms and matrix products (minigrad.ops) --
    def log10(self):
        return log10(self)

    def log2(self):
        return log2(self)

    def log1p(self):
        return log1p(self)

    def expm1(self):
        return expm1(self)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return allclose(self, other, rtol, atol, equal_nan)

    def histc(self, bins=100, min=0, max=0):
        return histc(self, bins, min, max)

    def histogram(self, bins, *, range=None, weight=None, density=False):
        return histogram(self, bins, range=range, weight=weight, density=density)

    def mm(self, mat2):
        return mm(self, mat2)

    def bmm(self, mat2):
        return bmm(self, mat2)

    def square(self):
        return square(self)

    def pow(self, exponent):
        return pow(self, exponent)

    def clamp(self, min=None, max=None):
        return clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    # -- more elementwise math (minigrad.ops: arithmetic, trigonometric, exponential) --
    def neg(self):
        return neg(self)

    def negative(self):
        return negative(self)

    def positive(self):
        return positive(self)

    def clamp_min(self, min):
        return clamp_min(self, min)

    def clamp_max(self, max):
        return clamp_max(self, max)

    def reciprocal(self):
        return reciprocal(self)

    def rsqrt(self):
        return rsqrt(self)

    def exp2(self):
        return exp2(self)

    def sinh(self):
        return sinh(self)

    def cosh(self):
        return cosh(self)

    def tan(self):
        return tan(self)

    def asin(self):
        return asin(self)

    def acos(self):
        return acos(self)

    def atan(self):
        return atan(self)

    def atan2(self, other):
        return atan2(self, other)

    def hypot(self, other):
        return hypot(self, other)

    def logaddexp(self, other):
        return logaddexp(self, other)

    def xlogy(self, other):
        return xlogy(self, other)

    def lerp(self, end, weight):
        return lerp(self, end, weight)

    def float_power(self, exponent):
        return float_power(self, exponent)

    def true_divide(self, other):
        return true_divide(self, other)

    def sgn(self):
        return sgn(self)

    def floor(self):
        return floor(self)

    def ceil(self):
        return ceil(self)

    def round(self, *, decimals=None):
        return round(self, decimals=decimals)

    def trunc(self):
        return trunc(self)

    def frac(self):
        return frac(self)

    def fmod(self, other):
        return fmod(self, other)

    def remainder(self, other):
        return remainder(self, other)

    def floor_divide(self, other):
        return floor_divide(self, other)

    def isnan(self):
        return isnan(self)

    def isinf(self):
        return isinf(self)

    def isfinite(self):
        return isfinite(self)

    def signbit(self):
        return signbit(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return nan_to_num(self, nan, posinf, neginf)

    def logical_and(self, other):
        return logical_and(self, other)

    def logical_or(self, other):
        return logical_or(self, other)

    def logical_xor(self, other):
        return logical_xor(self, other)

    def logical_not(self):
        return logical_not(self)

    # ``a % b`` and ``a // b`` are remainder and floor_divide, as in PyTorch
    def __mod__(self, other):
        return remainder(self, other)

    def __rmod__(self, other):
        return remainder(other, self)

    def __floordiv__(self, other):
        return floor_divide(self, other)

    def __rfloordiv__(self, other):
        return floor_divide(other, self)

    # keepdims= is PyTorch's alias of keepdim= in every reduction
    def sum(self, dim=None, keepdim=False, *, keepdims=None):
        return sum(self, dim, keepdim, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, keepdims=None):
        return mean(self, dim, keepdim, keepdims=keepdims)

    def var(self, dim=None, *, correction=None, keepdim=False, unbiased=None, keepdims=None):
        return var(self, dim, correction=correction, keepdim=keepdim, unbiased=unbiased,
                   keepdims=keepdims)

    def std(self, dim=None, *, correction=None, keepdim=False, unbiased=None, keepdims=None):
        return std(self, dim, correction=correction, keepdim=keepdim, unbiased=unbiased,
                   keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, keepdims=None):
        return max(self, dim, keepdim, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, keepdims=None):
        return min(self, dim, keepdim, keepdims=keepdims)

    def amax(self, dim=(), keepdim=False, *, keepdims=None):
        return amax(self, dim, keepdim, keepdims=keepdims)

    def amin(self, dim=(), keepdim=False, *, keepdims=None):
        return amin(self, dim, keepdim, keepdims=keepdims)

    def argmax(self, dim=None, keepdim=False, *, keepdims=None):
        return argmax(self, dim, keepdim, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, keepdims=None):
        return argmin(self, dim, keepdim, keepdims=keepdims)

    def logsumexp(self, dim, keepdim=False, *, keepdims=None):
        return logsumexp(self, dim, keepdim, keepdims=keepdims)

    def softmax(self, dim):
        return softmax(self, dim)

    def log_softmax(self, dim):
        return log_softmax(self, dim)

    # -- more reductions: logical, cumulative, NaN-skipping, statistics (minigrad.ops:
    #    logical_reductions, cumulative, nan_reductions, statistics) ---------------
    def all(self, dim=None, keepdim=False, *, keepdims=None):
        return all_nonzero(self, dim, keepdim, keepdims=keepdims)

    def any(self, dim=None, keepdim=False, *, keepdims=None):
        return any_nonzero(self, dim, keepdim, keepdims=keepdims)

    def count_nonzero(self, dim=None):
        return count_nonzero(self, dim)

    def prod(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        return prod(self, dim, keepdim, dtype=dtype, keepdims=keepdims)

    def cumsum(self, dim, *, dtype=None):
        return cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return cumprod(self, dim, dtype=dtype)

    def nansum(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        return nansum(self, dim, keepdim, dtype=dtype, keepdims=keepdims)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        return nanmean(self, dim, keepdim, dtype=dtype, keepdims=keepdims)

    def aminmax(self, *, dim=None, keepdim=False, keepdims=None):
        return aminmax(self, dim=dim, keepdim=keepdim, keepdims=keepdims)

    def median(self, dim=None, keepdim=False, *, keepdims=None):
        return median(self, dim, keepdim, keepdims=keepdims)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear", keepdims=None):
        return quantile(self, q, dim, keepdim, interpolation=interpolation, keepdims=keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return norm(self, p, dim, keepdim, dtype)

    def dot(self, other):
        return dot(self, other)

    def outer(self, vec2):
        return outer(self, vec2)

    ger = outer

    def cross(self, other, dim=None):
        return cross(self, other, dim)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def trace(self):
        return trace(self)

    def diag(self, diagonal=0):
        return diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return diagonal(self, offset, dim1, dim2)

    def matmul(self, other):
        return matmul(self, other)

    # -- repeating, rearranging and selecting (minigrad.ops: repetition, rearranging,
    #    selection) and in-place random fills (minigrad.random) ----------------------
    def repeat(self, *repeats):
        return repeat(self, *repeats)

    def tile(self, *dims):
        return tile(self, _sizes_argument(dims))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return repeat_interleave(self, repeats, dim, output_size=output_size)

    def flip(self, *dims):
        return flip(self, _sizes_argument(dims))

    def fliplr(self):
        return fliplr(self)

    def flipud(self):
        return flipud(self)

    def index_select(self, dim, index):
        return index_select(self, dim, index)

    def masked_select(self, mask):
        return masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        return nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return argwhere(self)

    def where(self, condition, other):
        """``mg.where(condition, self, other)``."""
        return where(condition, self, other)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return unique(self, sorted, return_inverse, return_counts, dim)

    def view_as(self, other):
        return view_as(self, other)

    def reshape_as(self, other):
        return reshape_as(self, other)

    def unflatten(self, dim, sizes):
        return unflatten(self, dim, sizes)

    def movedim(self, source, destination):
        return movedim(self, source, destination)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return swapaxes(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        return swapdims(self, dim0, dim1)

    def sum_to_size(self, *size):
        return sum_to_size(self, *size)

    # in place: random fills (drawn from ``generator`` or the device's default one)
    def uniform_(self, *bounds, generator=None, **keywords):
        """Samples of U[from, to): ``uniform_(from=0, to=1, *, generator=None)``."""
        return uniform_(self, *bounds, generator=generator, **keywords)

    def normal_(self, mean=0, std=1, *, generator=None):
        return normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return bernoulli_(self, p, generator=generator)

    def exponential_(self, lambd=1, *, generator=None):
        return exponential_(self, lambd, generator=generator)

    def random_(self, *bounds, generator=None, **keywords):
        """Integers of [from, to − 1]: ``random_()``, ``random_(to)``, ``random_(from, to)``."""
        return random_(self, *bounds, generator=generator, **keywords)

    def fill_diagonal_(self, fill_value, wrap=False):
        return fill_diagonal_(self, fill_value, wrap)

    def reshape(self, *shape):
        return reshape(self, *shape)

    def view(self, *shape):
        return view(self, *shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        return transpose(self, dim0, dim1)

    def permute(self, *dims):
        return permute(self, *dims)

    @property
    def T(self):
        return permute(self, *reversed(range(self._array.ndim)))

    def t(self):
        """The transpose of a matrix; a 0-d or 1-d tensor as it is (PyTorch's ``t()``)."""
        if self._array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but this one has "
                               f"{self._array.ndim}; use transpose(dim0, dim1) or .mT")
        return self.T

    @property
    def mT(self):
        return transpose(self, -2, -1)

    def squeeze(self, dim=None):
        return squeeze(self, dim)

    def unsqueeze(self, dim):
        return unsqueeze(self, dim)

    def expand(self, *sizes):
        return expand(self, *sizes)

    def expand_as(self, other):
        return expand(self, *other.shape)

    def broadcast_to(self, shape):
        return broadcast_to(self, shape)

    def split(self, split_size_or_sections, dim=0):
        return split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return chunk(self, chunks, dim)

    # -- selecting, ordering and index-driven ops (minigrad.ops: shape, masking,
    #    sorting, indexing) ----------------------------------------------------------
    def narrow(self, dim, start, length):
        return narrow(self, dim, start, length)

    def roll(self, shifts, dims=None):
        return roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return tril(self, diagonal)

    def triu(self, diagonal=0):
        return triu(self, diagonal)

    def masked_fill(self, mask, value):
        return masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        return masked_fill_(self, mask, value)

    def sort(self, dim=-1, descending=False, stable=False):
        return sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return topk(self, k, dim, largest, sorted)

    def gather(self, dim, index):
        return gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return scatter_add(self, dim, index, src)


def _init(tensor, array, backend, grad_fn, output_index):
    """Set every slot of a new tensor (``Tensor()``, ``new_tensor``, ``Parameter()``)."""
    tensor._array = array
    tensor._grad = None
    tensor._requires_grad = grad_fn is not None
    tensor.grad_fn = grad_fn
    tensor._output_index = output_index
    tensor._version = [0]
    tensor._backend = backend
    tensor._hooks = None
    tensor._retains_grad = False
    tensor._grad_accumulator = None  # made by grad_fn.next_functions, for graph walkers
    tensor._post_accumulate_grad_hooks = None


def _scaled(value, factor):
    """factor · value for the ``alpha=``/``value=`` of the in-place updates (1: value itself)."""
    if factor == 1:
        return value
    return mul(value, factor) if isinstance(value, Tensor) else value * factor


def new_tensor(array, backend, grad_fn, output_index, _new=object.__new__):
    """A Tensor around an array already on ``backend``: the fast path every op takes.

    ``grad_fn`` is the node that produced it (None for a leaf or a constant);
    a tensor with a grad_fn requires grad.
    """
    if isinstance(array, np.generic):  # NumPy gives some 0-d results as scalars (np.isnan)
        array = np.asarray(array)
    tensor = _new(Tensor)
    _init(tensor, array, backend, grad_fn, output_index)
    if _tracing.recorder is not None:
        _tracing.recorder.made(array)
    return tensor


# Autograd, the operations and the helpers below are defined on top of Tensor; bind them
# for the methods above.
from .autograd.grad_mode import _state  # noqa: E402
from .autograd import tracing as _tracing  # noqa: E402
from .conversion import to_arguments, to_backend_array  # noqa: E402
from .index_keys import setitem_in_bounds, setitem_keys  # noqa: E402
from .ops.elementwise import (  # noqa: E402
    abs, add, cast, clamp, clone, compare, div, erf, exp, log, logical, maximum, minimum, mul,
    neg, pow, relu, sigmoid, sin, cos, sqrt, sub, tanh, to_device)
from .ops.reduction import (  # noqa: E402
    amax, amin, argmax, argmin, log_softmax, logsumexp, max, mean, min, softmax, std, sum, var)
from .ops.shape import (  # noqa: E402
    broadcast_to, chunk, expand, flatten, getitem, permute, reshape, split, squeeze,
    transpose, unsqueeze, view)
from .ops.linalg import matmul  # noqa: E402
from .ops.shape import narrow, roll  # noqa: E402
from .ops.masking import masked_fill, masked_fill_, tril, triu  # noqa: E402
from .ops.indexing import gather, scatter, scatter_add  # noqa: E402
from .ops.sorting import argsort, sort, topk  # noqa: E402
from .creation import empty, full, ones, tensor, zeros  # noqa: E402
from .ops.elementwise import allclose, expm1, isclose, log10, log1p, log2  # noqa: E402
from .ops.histogram import histc, histogram  # noqa: E402
from .ops.linalg import bmm, mm  # noqa: E402
# repeating, rearranging, selecting and in-place random fills
from .ops.repetition import repeat, repeat_interleave, tile  # noqa: E402
from .ops.rearranging import (  # noqa: E402
    flip, fliplr, flipud, movedim, reshape_as, sum_to_size, swapaxes, swapdims, unflatten,
    view_as)
from .ops.selection import (  # noqa: E402
    argwhere, index_select, masked_select, nonzero, unique, where)
from .ops.shape import _shape_arg as _sizes_argument  # noqa: E402  (f(2, 3) or f((2, 3)))
from .creation import (  # noqa: E402
    bernoulli_, exponential_, fill_diagonal_, normal_, random_, uniform_)
# More reductions (all/any under other names: this module uses Python's own all/any).
from .ops.logical_reductions import (  # noqa: E402
    all as all_nonzero, any as any_nonzero, count_nonzero)
from .ops.cumulative import cumprod, cumsum, prod  # noqa: E402
from .ops.nan_reductions import nanmean, nansum  # noqa: E402
from .ops.statistics import aminmax, median, quantile  # noqa: E402
from .ops.norms import norm  # noqa: E402
from .ops.diagonals import diag, diagonal, trace  # noqa: E402
from .ops.vector_products import addmm, baddbmm, cross, dot, outer  # noqa: E402
from .ops.arithmetic import (  # noqa: E402
    clamp_max, clamp_min, float_power, lerp, negative, positive, reciprocal, rsqrt, sgn, square,
    true_divide)
from .ops.trigonometric import acos, asin, atan, atan2, cosh, hypot, sinh, tan  # noqa: E402
from .ops.exponential import exp2, logaddexp, xlogy  # noqa: E402
from .ops.rounding import (  # noqa: E402
    ceil, floor, floor_divide, fmod, frac, remainder, round, trunc)
from .ops.nonfinite import isfinite, isinf, isnan, nan_to_num, signbit  # noqa: E402
from .ops.logical import logical_and, logical_not, logical_or, logical_xor  # noqa: E402
# minigrad.utils also holds utils.data, whose DataLoader is built on the operations above.
from .utils.hooks import RemovableHandle  # noqa: E402
