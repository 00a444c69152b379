"""The 'strict' backend: a stand-in for a GPU that runs on the CPU.

Why this exists
---------------
minigrad promises that every operation works on every device, because code
above the backend writes array code only through ``backend.xp`` (NumPy on the
CPU, CuPy on CUDA) and the backend's methods. One stray ``np.exp(x)`` or
``np.asarray(x)`` breaks that promise, yet goes unnoticed on the CPU: there the
device array *is* a NumPy array, so NumPy happily accepts it.

On a GPU the same line fails, because CuPy refuses to turn device memory into a
host array behind your back::

    TypeError: Implicit conversion to a NumPy array is not allowed.

CI machines have no GPU, so the test suite cannot rely on CuPy to catch these
mistakes. This backend plays CuPy's part on the CPU. Its ``StrictArray`` wraps a
NumPy array, computes with NumPy, and behaves like a CuPy array, including the
refusals:

* ``np.asarray(a)``, ``np.exp(a)``, ``np.sum(a)``, ``np.add.at(a, ...)`` raise,
  naming the NumPy function that was called;
* mixing with a host array (``a + np.ones(3)``) raises, as CuPy does;
* results that NumPy returns as scalars (``a.sum()``, ``xp.max(a)``) come back
  as 0-d arrays, as CuPy returns them;
* data moves only explicitly: ``backend.from_host``, ``backend.to_host``,
  ``a.get()``, ``a.item()`` and ``a.tolist()``, and array-creation functions
  such as ``xp.asarray(host_array)`` (a host-to-device copy on CuPy too).

The tests run every operation on this device as well as on the CPU, so code
that bypasses ``backend.xp`` fails a test instead of failing on a user's GPU.
"""
import contextlib
import numbers
import operator
import threading
import types

import numpy as np

from ..ops.index_bounds import raise_pending
from .cupy_backend import GENERATOR_METHODS, permutation_by_sorting
from .numpy_backend import NumpyBackend, matmul_through_float32

# xp functions that take host data and copy it to the device, as CuPy's do.
_FROM_HOST_FUNCTIONS = frozenset({
    "array", "asarray", "asanyarray", "ascontiguousarray", "frombuffer",
    "zeros", "ones", "empty", "full", "arange", "linspace", "eye",
    "zeros_like", "ones_like", "empty_like", "full_like",
})

# The ufuncs behind Python's binary operators (``np.float32(2) + a`` reaches
# StrictArray through one of these, see ``StrictArray.__array_ufunc__``).
_OPERATOR_UFUNCS = frozenset({
    np.add, np.subtract, np.multiply, np.true_divide, np.floor_divide,
    np.remainder, np.divmod, np.power, np.matmul, np.bitwise_and, np.bitwise_or,
    np.bitwise_xor, np.left_shift, np.right_shift, np.equal, np.not_equal,
    np.less, np.less_equal, np.greater, np.greater_equal,
})


class _HostReads(threading.local):
    forbidden = False


_host_reads = _HostReads()


@contextlib.contextmanager
def forbid_host_reads():
    """Inside this block, any copy of a 'strict' array's values to the host raises.

    On a GPU every such read (``.item()``, ``float(x)``, ``if x:``, ``.numpy()``)
    waits for the device to finish: a hidden synchronisation. Tests wrap a whole
    training step in this block to prove it has none.
    """
    previous, _host_reads.forbidden = _host_reads.forbidden, True
    try:
        yield
    finally:
        _host_reads.forbidden = previous


def _host_read(what):
    if _host_reads.forbidden:
        raise RuntimeError(f"{what} copies a 'strict' device array to the host inside "
                           "forbid_host_reads(): on a GPU this synchronises with the device")


def _mixing_error(value):
    return TypeError(f"Unsupported type {type(value)}: cannot mix host NumPy arrays "
                     "with 'strict' device arrays")


def _unwrap(value, from_host=False):
    """The NumPy data inside ``value``, looking into lists, tuples and dicts.

    A host ``np.ndarray`` is refused, unless ``from_host`` says this is an
    explicit host-to-device copy: then it is copied, as CuPy would copy it.
    """
    if isinstance(value, StrictArray):
        return value._data
    if isinstance(value, np.ndarray):
        if from_host:
            return value.copy()
        raise _mixing_error(value)
    if isinstance(value, tuple):
        return tuple(_unwrap(item, from_host) for item in value)
    if isinstance(value, list):
        return [_unwrap(item, from_host) for item in value]
    if isinstance(value, dict):
        return {key: _unwrap(item, from_host) for key, item in value.items()}
    return value


def _strict_arrays_in(value):
    """Every StrictArray in ``value``, looking into lists, tuples and dicts."""
    if isinstance(value, StrictArray):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strict_arrays_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strict_arrays_in(item)


def _wrap(value, arguments=()):
    """NumPy's result as device values: arrays and NumPy scalars become StrictArrays.

    An array that is the data of one of the ``arguments`` comes back as that
    same StrictArray, so ``xp.asarray(a) is a`` and ``out=a`` return ``a``.
    """
    if isinstance(value, np.ndarray):
        for argument in arguments:
            if argument._data is value:
                return argument
        return StrictArray(value)
    if isinstance(value, np.generic):
        return StrictArray(np.asarray(value))
    if isinstance(value, tuple):
        items = [_wrap(item, arguments) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [_wrap(item, arguments) for item in value]
    if isinstance(value, np.random.Generator):
        return StrictGenerator(value)
    return value


def _call(function, args, kwargs, from_host=False, owner=None):
    """``function(*args, **kwargs)`` computed by NumPy on the data inside StrictArrays."""
    arguments = list(_strict_arrays_in((owner, args, kwargs)))
    result = function(*_unwrap(args, from_host), **_unwrap(kwargs, from_host))
    return _wrap(result, arguments)


def _device_function(function, from_host=False, owner=None):
    """``function`` taking and returning StrictArrays instead of NumPy arrays."""
    def device_function(*args, **kwargs):
        return _call(function, args, kwargs, from_host, owner)

    device_function.__name__ = getattr(function, "__name__", "device_function")
    device_function.__doc__ = getattr(function, "__doc__", None)
    return device_function


def _operand(value):
    """The NumPy value an operator uses for ``value``, or NotImplemented.

    NotImplemented lets Python try the other operand's reflected method (a
    Tensor's ``__radd__``, say).
    """
    if isinstance(value, StrictArray):
        return value._data
    if isinstance(value, np.ndarray):
        raise _mixing_error(value)
    if isinstance(value, (numbers.Number, np.generic)):
        return value
    return NotImplemented


class StrictArray:
    """A NumPy array on the 'strict' device: it works like a CuPy array.

    Operators, attributes and methods are NumPy's, computed on the wrapped
    array; array results come back as StrictArrays. Handing it to NumPy itself
    raises a TypeError.
    """

    __slots__ = ("_data",)
    __hash__ = None  # arrays compare elementwise, so they are unhashable

    def __init__(self, data):
        if not isinstance(data, np.ndarray):
            raise TypeError(f"StrictArray wraps a NumPy array, got {type(data)}; "
                            "use backend.from_host(...) or xp.asarray(...)")
        self._data = data

    # -- the refusals --------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed on the 'strict' "
                        "device (as on CUDA). Please use backend.to_host(...)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and ufunc in _OPERATOR_UFUNCS and not kwargs:
            # A NumPy scalar or array on the left of an operator hands the
            # operation to the ufunc: accept the scalar, refuse the array.
            host = _unwrap(inputs)
            if isinstance(host[0], np.generic):
                return _wrap(ufunc(*host))
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        raise TypeError(f"numpy.{name} was called on a 'strict' device array: "
                        "use the backend's xp module")

    def __array_function__(self, func, relevant_types, args, kwargs):
        raise TypeError(f"{func.__module__}.{func.__name__} was called on a 'strict' device "
                        "array: use the backend's xp module")

    # -- NumPy's attributes and methods --------------------------------------
    def __getattr__(self, name):
        """``a.shape``, ``a.T``, ``a.sum(...)``: NumPy's, with device arguments and results."""
        if name.startswith("_"):  # keeps NumPy's hooks such as __array_interface__ hidden
            raise AttributeError(f"'StrictArray' object has no attribute {name!r}")
        if name in ("item", "tolist"):
            _host_read(f"array.{name}()")
        attribute = getattr(self._data, name)
        if callable(attribute):
            return _device_function(attribute, owner=self)
        return _wrap(attribute, (self,))

    @property
    def data(self):
        """Where the values lie, as CuPy's ``ndarray.data`` (a memory pointer whose ``ptr``
        is the address of the first element): what NCCL's calls take."""
        return _MemoryPointer(self._data.ctypes.data)

    def get(self):
        """A copy in host memory as a NumPy array (CuPy's ``ndarray.get``)."""
        _host_read("array.get()")
        return self._data.copy()

    def __copy__(self):
        return self.copy()

    # -- indexing and the Python protocols -----------------------------------
    def __getitem__(self, key):
        return _wrap(self._data[_unwrap(key, from_host=True)])

    def __setitem__(self, key, value):
        self._data[_unwrap(key, from_host=True)] = _unwrap(value)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return map(_wrap, self._data)

    def __bool__(self):
        _host_read("bool(array)")
        return bool(self._data)

    def __float__(self):
        _host_read("float(array)")
        return float(self._data)

    def __int__(self):
        _host_read("int(array)")
        return int(self._data)

    def __complex__(self):
        _host_read("complex(array)")
        return complex(self._data)

    def __index__(self):
        _host_read("using an array as an index")
        return operator.index(self._data)

    def __format__(self, spec):
        _host_read("formatting an array")
        return format(self._data, spec)

    def __repr__(self):
        return "strict_" + repr(self._data).replace("\n", "\n" + " " * len("strict_"))

    def __str__(self):
        return str(self._data)

    # -- operators ------------------------------------------------------------
    def __neg__(self):
        return _wrap(-self._data)

    def __pos__(self):
        return _wrap(+self._data)

    def __abs__(self):
        return _wrap(abs(self._data))

    def __invert__(self):
        return _wrap(~self._data)


class _MemoryPointer:
    """CuPy's ``MemoryPointer``, reduced to its address ``ptr``."""

    __slots__ = ("ptr",)

    def __init__(self, ptr):
        self.ptr = ptr


def _binary_operator(function, reflected=False):
    def binary_operator(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _wrap(function(other, self._data) if reflected else function(self._data, other))
    return binary_operator


def _inplace_operator(function):
    def inplace_operator(self, other):
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        function(self._data, other)  # NumPy's in-place operators write into the array
        return self
    return inplace_operator


for _name, _function, _inplace in [
        ("add", operator.add, operator.iadd), ("sub", operator.sub, operator.isub),
        ("mul", operator.mul, operator.imul), ("truediv", operator.truediv, operator.itruediv),
        ("floordiv", operator.floordiv, operator.ifloordiv), ("mod", operator.mod, operator.imod),
        ("pow", operator.pow, operator.ipow), ("matmul", operator.matmul, operator.imatmul),
        ("and", operator.and_, operator.iand), ("or", operator.or_, operator.ior),
        ("xor", operator.xor, operator.ixor), ("lshift", operator.lshift, operator.ilshift),
        ("rshift", operator.rshift, operator.irshift), ("divmod", divmod, None)]:
    setattr(StrictArray, f"__{_name}__", _binary_operator(_function))
    setattr(StrictArray, f"__r{_name}__", _binary_operator(_function, reflected=True))
    if _inplace is not None:
        setattr(StrictArray, f"__i{_name}__", _inplace_operator(_inplace))

for _name in ("eq", "ne", "lt", "le", "gt", "ge"):  # Python reflects comparisons itself
    setattr(StrictArray, f"__{_name}__", _binary_operator(getattr(operator, _name)))
del _name, _function, _inplace


class StrictNamespace:
    """NumPy's names on the 'strict' device: ``backend.xp`` and ``backend.generator``.

    Wraps a module (``numpy``, ``numpy.linalg``, ``numpy.random``), a random
    Generator or a ufunc. Functions and methods take and return StrictArrays;
    constants, dtypes and types (``xp.float32``, ``xp.pi``, ``xp.errstate``)
    are NumPy's own, except ``xp.ndarray``, which is StrictArray so that
    ``isinstance(a, xp.ndarray)`` works.
    """

    def __init__(self, target):
        self._target = target

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")
        attribute = getattr(self._target, name)
        if attribute is np.ndarray:
            value = StrictArray
        elif isinstance(attribute, types.ModuleType):
            value = StrictNamespace(attribute)
        elif isinstance(attribute, np.ufunc):
            value = StrictUfunc(attribute)
        elif isinstance(attribute, type) or not callable(attribute):
            value = attribute
        else:
            from_host = self._target is np and name in _FROM_HOST_FUNCTIONS
            value = _device_function(attribute, from_host)
        self.__dict__[name] = value  # look each name up once
        return value

    def __repr__(self):
        return f"<strict {self._target!r}>"


class StrictUfunc(StrictNamespace):
    """A NumPy ufunc on the 'strict' device: ``xp.add(a, b)``, ``xp.maximum.reduce(a)``."""

    def __init__(self, ufunc):
        super().__init__(ufunc)
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _call(self._target, args, kwargs)


class StrictGenerator(StrictNamespace):
    """NumPy's random Generator with only the methods of CuPy's (``permutation``,
    ``normal``, ``choice``, ``shuffle`` and others are refused, as on CUDA)."""

    def __getattr__(self, name):
        if not name.startswith("_") and name not in GENERATOR_METHODS:
            raise AttributeError(f"CuPy's random Generator has no method {name!r}, so the "
                                 f"'strict' device's has none either; draw with one of "
                                 f"{sorted(GENERATOR_METHODS)}")
        return super().__getattr__(name)


class StrictBackend:
    """NumPy computing on StrictArrays: a CPU device as unforgiving as CUDA."""

    name = "strict"
    device = "strict"
    xp = StrictNamespace(np)
    # As on CUDA: the optimizers' fast path updates a whole flat buffer in one call, so
    # the tests run the path CuPy takes (optim/fast/step.py, strict_compiler.py).
    elementwise_chunk = None
    scope = None  # one device: nothing to make current

    def __copy__(self):
        return self  # one backend object per device: copies of tensors share it

    def __deepcopy__(self, memo):
        return self

    def __init__(self):
        self._numpy = NumpyBackend()
        self.generator = StrictGenerator(self._numpy.generator)
        self.first_seed = self._numpy.first_seed

    # -- moving arrays -------------------------------------------------------
    def from_host(self, array):
        """A copy of host data (a NumPy array, list or scalar) on this device."""
        return StrictArray(np.array(array))

    def to_host(self, array):
        """A NumPy copy of a device array (host values pass through, as in ``cupy.asnumpy``);
        first raises the IndexError of a bad index met since the last read
        (ops/index_bounds.py), as on CUDA."""
        raise_pending(self)
        return self.to_host_unchecked(array)

    def device_memory(self, array):
        """The NumPy array that holds a StrictArray's values: the device memory that a
        kernel compiled for this device reads and writes in place, as a CUDA kernel
        takes a CuPy array's memory (``minigrad.compile``'s fused loops). Not a
        transfer: nothing is read on the host."""
        return array._data

    def to_host_unchecked(self, array):
        if isinstance(array, StrictArray):
            return array.get()
        return np.asarray(array)

    forbid_host_reads = staticmethod(forbid_host_reads)

    def is_array(self, value):
        return isinstance(value, StrictArray)

    # -- what differs between array libraries ---------------------------------
    def scatter_add(self, target, index, values):
        """``target[index] += values`` where repeated indices all accumulate (unbuffered)."""
        self.xp.add.at(target, index, values)

    def matmul(self, a, b):
        """``a @ b``, float16 through float32 as on the CPU (NumPy computes it)."""
        return matmul_through_float32(self.xp, a, b)

    def erf(self, x):
        return _call(self._numpy.erf, (x,), {})

    def new_generator(self, seed):
        """NumPy's generator for ``seed``, drawing StrictArrays."""
        return StrictGenerator(self._numpy.new_generator(seed))

    def seed(self, seed):
        self.generator = self.new_generator(seed)

    def permutation(self, generator, n):
        """A random permutation of 0, …, n − 1, drawn as on CUDA."""
        return permutation_by_sorting(self.xp, generator, n)

    def generator_state(self, generator):
        return self._numpy.generator_state(generator._target)

    def set_generator_state(self, generator, state):
        self._numpy.set_generator_state(generator._target, state)

    def synchronize(self):
        """Work on this device is synchronous; only a bad index met earlier is reported."""
        raise_pending(self)
