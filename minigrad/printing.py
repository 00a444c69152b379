"""Printing tensors the way PyTorch prints them.

``repr(tensor)`` shows the values as PyTorch would (``tensor([1.0000, 2.5000])``,
``tensor([1., 2.])``, scientific notation for wide ranges), so output pasted
from a PyTorch tutorial and from minigrad look alike.
"""
import numpy as np


def format_values(array):
    """A host array's values as PyTorch prints them (for ``repr``).

    NumPy's defaults differ (``[1. , 2.5]`` for PyTorch's ``[1.0000, 2.5000]``,
    ``[ True]`` for ``[True]``), so floats and booleans get PyTorch's formatter;
    summarizing beyond 1000 elements (3 at each edge) is the same in both.
    """
    shown = _summarized(array) if array.size > 1000 else array
    formatter = None
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(shown)}
    elif array.dtype.kind == "b":
        width = 4 if shown.all() else 5  # len("True"), len("False")
        formatter = {"bool": lambda value: str(bool(value)).rjust(width)}
    text = np.array2string(array, separator=", ", prefix="tensor(", max_line_width=80,
                           formatter=formatter)
    return text.replace(", ...,", ",  ...,")  # PyTorch pads the ellipsis like an element


def _float_formatter(values):
    """PyTorch's float format for these values: integral ones as ``3.``, others
    with 4 decimals, and scientific notation (4 decimals) when the nonzero
    magnitudes span more than 1000x, exceed 1e8 or (non-integral) go below 1e-4;
    every value right-aligned to the widest."""
    values = values[np.isfinite(values) & (values != 0)].astype(np.float64)
    magnitudes = np.abs(values)
    integral = bool(np.all(values == np.round(values)))
    scientific = values.size > 0 and bool(
        magnitudes.max() > 1000 * magnitudes.min() or magnitudes.max() > 1e8
        or (not integral and magnitudes.min() < 1e-4))

    def text(value):
        value = float(value)
        if scientific:
            return f"{value:.4e}"
        if integral:
            return f"{value:.0f}." if np.isfinite(value) else f"{value:.0f}"
        return f"{value:.4f}"
    width = int(np.max([len(text(value)) for value in values], initial=1))
    return lambda value: text(value).rjust(width)


def _summarized(array, edge=3):
    """The values a summarized print shows: ``edge`` items at each end of every long axis."""
    for axis in range(array.ndim):
        if array.shape[axis] > 2 * edge:
            array = np.concatenate([array.take(range(edge), axis),
                                    array.take(range(-edge, 0), axis)], axis)
    return array
