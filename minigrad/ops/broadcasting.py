"""Broadcasting's shape rule, checked before any array is touched.

Shapes broadcast when, aligned at their last dimension, every dimension has
sizes that are equal or 1 (a missing leading dimension counts as 1); the result
takes the size that is not 1:

    (3, 1) and (1, 4) -> (3, 4)      (2, 3, 4) and (4,) -> (2, 3, 4)      (3,) and (4,): no

NumPy applies the same rule, but reports a mismatch as a ``ValueError`` from
deep inside the operation. Every minigrad op that broadcasts checks the shapes
here first and raises PyTorch's ``RuntimeError`` with PyTorch's message, followed
by the op and the shapes it was given:

- ``broadcast_shapes``: operands that broadcast *together* (add, where, clamp,
  the batch dimensions of matmul, comparisons): the shape they make;
- ``check_expandable``: one shape stretched to a given target shape, which must
  not grow (``expand``, ``broadcast_to``, the summing back of a gradient).
"""


def broadcast_shapes(shapes, op, core_dims=0):
    """The shape that arrays of ``shapes`` (tuples) broadcast to, or PyTorch's
    RuntimeError: "The size of tensor a (3) must match the size of tensor b (4) at
    non-singleton dimension 0", then the op's name ``op`` and the shapes.

    As in PyTorch the shapes are combined left to right: "tensor a" is what the
    shapes before have broadcast to, "tensor b" the next shape, and the dimension
    counts in the result's dimensions, the last mismatch first. With ``core_dims``,
    the last ``core_dims`` dimensions of each shape do not broadcast (the matrices
    of matmul) and only the dimensions before them (the batch) are combined.
    """
    leading = [shape[:len(shape) - core_dims] for shape in shapes] if core_dims else shapes
    result = leading[0] if leading else ()
    for shape in leading[1:]:
        if shape != result:
            result = _broadcast_pair(result, shape, shapes, op, core_dims)
    return tuple(result)


def _broadcast_pair(a, b, shapes, op, core_dims):
    if len(a) != len(b):  # a missing leading dimension counts as 1
        ndim = max(len(a), len(b))
        a, b = (1,) * (ndim - len(a)) + tuple(a), (1,) * (ndim - len(b)) + tuple(b)
    result = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            result.append(x)
        elif x == 1:
            result.append(y)
        else:
            _raise_mismatch(a, b, shapes, op, core_dims)
    return result


def _raise_mismatch(a, b, shapes, op, core_dims):
    """PyTorch's message for the last dimension where ``a`` and ``b`` (of one length) clash."""
    dim = next(dim for dim in reversed(range(len(a))) if 1 != a[dim] != b[dim] != 1)
    given = ", ".join(str(tuple(shape)) for shape in shapes[:-1]) + f" and {tuple(shapes[-1])}"
    what = "the batch dimensions of the shapes" if core_dims else "the shapes"
    raise RuntimeError(
        f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at "
        f"non-singleton dimension {dim} ({op} cannot broadcast {what} {given} together)")


def check_expandable(shape, target, op):
    """Raise PyTorch's RuntimeError unless ``shape`` broadcasts to ``target`` itself:
    ``target`` has at least as many dimensions, and each of ``shape``'s dimensions
    (aligned at the last) equals ``target``'s or is 1."""
    shape, target = tuple(shape), tuple(target)
    leading = len(target) - len(shape)
    if leading < 0:
        raise RuntimeError(
            f"{op}: the number of sizes provided ({len(target)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(shape)}): target shape {target}, tensor "
            f"shape {shape}")
    for dim in reversed(range(len(shape))):
        size, wanted = shape[dim], target[leading + dim]
        if size != wanted and size != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({wanted}) must match the existing size ({size}) "
                f"at non-singleton dimension {leading + dim}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(shape)} ({op})")
