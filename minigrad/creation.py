"""Making tensors: ``mg.tensor`` and the factories (zeros, randn, arange, ...).

Every factory takes ``dtype=``, ``device=`` and ``requires_grad=``. Random
tensors come from the device's default generator, which ``mg.manual_seed``
seeds, or from the ``mg.Generator`` given as ``generator=``.
"""
import operator

import numpy as np

from .backend import Device, get_backend
from .dtypes import get_default_dtype
from .random import random_source
from .tensor import Tensor, new_tensor


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, lists, arrays, tensors)."""
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


_NUMPY_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8",
                 "bool")


def from_numpy(ndarray):
    """A CPU tensor that shares memory with the NumPy array ``ndarray``, as ``torch.from_numpy``:
    writing into one changes the other. The dtype and shape are the array's."""
    if not isinstance(ndarray, np.ndarray):
        kind = type(ndarray)
        name = kind.__qualname__ if kind.__module__ == "builtins" else (
            f"{kind.__module__}.{kind.__qualname__}")
        raise TypeError(f"expected np.ndarray (got {name})")
    if ndarray.dtype.name not in _NUMPY_DTYPES:
        raise TypeError(f"can't convert np.ndarray of type {ndarray.dtype}. The only supported "
                        f"types are: {', '.join(_NUMPY_DTYPES)}")
    return new_tensor(ndarray, get_backend("cpu"), None, 0)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, without a copy when possible, as ``torch.as_tensor``.

    A tensor of the asked dtype and device is returned itself (autograd history
    and all); otherwise it is converted with ``.to(device, dtype)``, which
    records the conversion in the graph. A NumPy array that needs no
    conversion for a CPU tensor shares its memory (``from_numpy``). Anything
    else (numbers, lists) is copied into a new tensor, as ``mg.tensor`` does.
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    if (isinstance(data, np.ndarray) and data.dtype.name in _NUMPY_DTYPES
            and (device is None or Device(device) == "cpu")
            and (dtype is None or np.dtype(dtype) == data.dtype)):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def _new(array_from_xp, dtype, device, requires_grad):
    backend = get_backend(device or "cpu")
    result = new_tensor(array_from_xp(backend, np.dtype(dtype or get_default_dtype())),
                          backend, None, 0)
    result.requires_grad = requires_grad
    return result


def _size(size):
    """A shape from ``*size`` or one tuple/list; lengths are integers ≥ 0, as PyTorch requires."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        size = tuple(operator.index(length) for length in size)
    except TypeError:
        raise TypeError(f"size must be a tuple of ints, got {tuple(size)!r}") from None
    if any(length < 0 for length in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{list(size)}")
    return size


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros of the given size."""
    return _new(lambda b, dt: b.xp.zeros(_size(size), dtype=dt), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones of the given size."""
    return _new(lambda b, dt: b.xp.ones(_size(size), dtype=dt), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of the given size (values are whatever memory held)."""
    return _new(lambda b, dt: b.xp.empty(_size(size), dtype=dt), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size filled with ``fill_value``."""
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _new(lambda b, dt: b.xp.full(tuple(size), fill_value, dtype=dt), dtype, device, requires_grad)


def _like(other, dtype, device):
    return dtype or other.dtype, device or other.device


def zeros_like(other, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return zeros(other.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(other, dtype=None, device=None, requires_grad=False):
    """A tensor of ones shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return ones(other.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(other, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor shaped like ``other`` filled with ``fill_value``."""
    dtype, device = _like(other, dtype, device)
    return full(other.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(other, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return empty(other.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def _normal(generator, shape, dtype):
    """N(0, 1) samples; NumPy draws only float32 and float64, so float16 is rounded from float32."""
    if dtype == np.float16:
        return generator.standard_normal(shape, dtype=np.float32).astype(dtype)
    return generator.standard_normal(shape, dtype=dtype)


def _uniform(generator, shape, dtype):
    """U[0, 1) samples. float16 takes k / 2¹¹ for random integers k (as PyTorch does),
    since rounding a float32 sample could give 1.0."""
    if dtype == np.float16:
        return (generator.integers(0, 2 ** 11, shape) * 2.0 ** -11).astype(dtype)
    return generator.random(shape, dtype=dtype)


def _random(draw, size, generator, dtype, device, requires_grad):
    """A tensor of ``draw(source, size, dtype)``: drawn from ``generator``, or from the
    device's default generator."""
    return _new(lambda b, dt: draw(random_source(generator, b), size, dt), dtype, device,
                requires_grad)


def _floating(dtype, name):
    """``dtype`` (or the default), refused unless floating: real-valued samples need one."""
    dtype = np.dtype(dtype or get_default_dtype())
    if dtype.kind != "f":
        raise NotImplementedError(f"{name}: samples of a continuous distribution need a floating "
                                  f"dtype, got {dtype}")
    return dtype


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the standard normal distribution N(0, 1)."""
    return _random(_normal, _size(size), generator, _floating(dtype, "randn"), device,
                   requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1)."""
    return _random(_uniform, _size(size), generator, _floating(dtype, "rand"), device,
                   requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std²), as ``torch.normal``: mean + std · z with z ~ N(0, 1).

    ``mean`` and ``std`` are tensors (broadcast together; the samples take their
    shape and device, and the dtype of ``mean`` if it is a tensor) or numbers;
    with two numbers, ``size`` gives the shape (and ``dtype=``, ``device=``,
    ``requires_grad=`` apply). Every std must be ≥ 0. No gradient flows to
    ``mean`` or ``std`` (PyTorch's is zero there).
    """
    tensors = [value for value in (mean, std) if isinstance(value, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with numbers for mean and std, give the shape as size=")
        if not std >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return _random(lambda source, shape, dt: _normal(source, shape, dt) * std + mean,
                       _size((size,) if isinstance(size, int) else size), generator,
                       _floating(dtype, "normal"), device, requires_grad)
    if size is not None:
        raise TypeError("normal(): size= is only for numbers as mean and std; with a tensor the "
                        "samples take its shape")
    backend = tensors[0]._backend
    if any(other._backend is not backend for other in tensors):
        raise RuntimeError(f"normal(): mean and std are on different devices "
                           f"({mean.device} and {std.device})")
    result_dtype = tensors[0].dtype  # mean's dtype when mean is a tensor (PyTorch's rule)
    if result_dtype.kind != "f":
        raise NotImplementedError(f"normal: mean and std must be floating tensors, got "
                                  f"{result_dtype}")
    mean_values, std_values = (value._array if isinstance(value, Tensor) else value
                               for value in (mean, std))
    if isinstance(std, Tensor) and bool(backend.xp.any(~(std_values >= 0))):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = np.broadcast_shapes(*[t.shape for t in tensors])
    standard = _normal(random_source(generator, backend), shape, result_dtype)
    return new_tensor((standard * std_values + mean_values).astype(result_dtype, copy=False),
                      backend, None, 0)


def randn_like(other, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return randn(other.shape, generator=generator, dtype=dtype, device=device,
                 requires_grad=requires_grad)


def rand_like(other, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform [0, 1) samples shaped like ``other``."""
    dtype, device = _like(other, dtype, device)
    return rand(other.shape, generator=generator, dtype=dtype, device=device,
                requires_grad=requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` from [0, high)).

    Both of PyTorch's forms work: ``randint(low, high, size)`` and ``randint(high, size)``,
    where the second argument is a shape rather than a bound.
    """
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, (int, np.integer)):
            raise TypeError(f"randint(): argument '{name}' must be int, not "
                            f"{type(bound).__name__}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")

    def draw(source, shape, dt):  # integers are drawn as int64, then stored in the asked dtype
        return source.integers(low, high, size=shape, dtype=np.int64).astype(dt, copy=False)
    return _random(draw, _size(size), generator, dtype or np.int64, device, False)


def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0, …, n − 1 (int64)."""
    if operator.index(n) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")

    def draw(source, length, dt):
        return source.permutation(length).astype(dt)
    return _random(draw, n, generator, dtype or np.int64, device, False)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``start, start+step, ...`` below ``end``; integers unless an argument is a float."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, end, step))
        dtype = get_default_dtype() if floating else np.int64
    return _new(lambda b, dt: b.xp.arange(start, end, step, dtype=dt), dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _new(lambda b, dt: b.xp.linspace(start, end, steps, dtype=dt), dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n × m identity matrix (m = n by default)."""
    return _new(lambda b, dt: b.xp.eye(n, m, dtype=dt), dtype, device, requires_grad)
