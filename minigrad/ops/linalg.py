"""Matrix multiplication: matmul, mm, bmm and einsum.

For C = A @ B (A: n×k, B: k×m) and an upstream gradient G = dL/dC:
dL/dA = G @ Bᵀ and dL/dB = Aᵀ @ G. Batched matmul works the same on the last
two axes; batch axes broadcast, and the engine sums them back.
"""
from ..autograd.function import Function
from ..tensor import new_tensor
from .shape import broadcast_to, squeeze, transpose, unsqueeze


class MatMul(Function):
    """C = A @ B for A, B with at least two dimensions"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (matmul(grad, transpose(b, -1, -2)) if ctx.needs_input_grad[0] else None,
                matmul(transpose(a, -1, -2), grad) if ctx.needs_input_grad[1] else None)


def matmul(a, b):
    """``a @ b`` with NumPy's rules: 1-D operands are treated as a row (left) or a
    column (right) vector, and that dimension is removed from the result. Both
    operands need one dtype: as in PyTorch, matmul does not promote."""
    from .elementwise import _operand, refuse_dtype
    a, b = _operand(a), _operand(b)
    _same_dtype(a, b, "matmul")
    refuse_dtype(a, "matmul", "b")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                           f"multiplied ({inner_a} != {inner_b})")
    a_is_vector, b_is_vector = a.ndim == 1, b.ndim == 1
    if a_is_vector:
        a = unsqueeze(a, 0)
    if b_is_vector:
        b = unsqueeze(b, -1)
    result = MatMul.apply(a, b)
    if b_is_vector:
        result = squeeze(result, -1)
    if a_is_vector:
        result = squeeze(result, -2 if not b_is_vector else -1)
    return result


def _same_dtype(a, b, function_name):
    """mm, bmm and einsum do not promote (as in PyTorch): both operands need one dtype."""
    if a.dtype != b.dtype:
        raise RuntimeError(f"{function_name}: expected both tensors to have the same dtype, "
                           f"got {a.dtype} and {b.dtype}; convert one, e.g. with .to({b.dtype})")


def mm(input, mat2):
    """The matrix product of two 2-D tensors (n×k @ k×m → n×m), without broadcasting."""
    for name, value in (("self", input), ("mat2", mat2)):
        if value.ndim != 2:
            raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape {tuple(value.shape)}")
    _same_dtype(input, mat2, "mm")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape[0]}x{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    return MatMul.apply(input, mat2)


def bmm(input, mat2):
    """Batched matrix products of two 3-D tensors (b×n×k @ b×k×m → b×n×m), same batch size."""
    for name, value in (("batch1", input), ("batch2", mat2)):
        if value.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape {tuple(value.shape)}")
    _same_dtype(input, mat2, "bmm")
    expected = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != expected:
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"{expected} but got: {list(mat2.shape[:2])}.")
    return MatMul.apply(input, mat2)


# ---------------------------------------------------------------- einsum
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Einsum(Function):
    """y = einsum(equation, x₁, …, xₙ): a sum over the letters missing from the output
    of products of the operands' elements.

    Each operand enters the sum linearly, so dL/dxₖ is the same kind of sum, with
    the output's gradient in xₖ's place:  dL/dxₖ = einsum("out, others -> specₖ").
    A letter only xₖ has (summed over within xₖ alone) is spread back by a vector of
    ones; a letter xₖ repeats (its diagonal) is put back on the diagonal by an
    identity matrix. The equation has explicit letters only (see ``einsum``).
    """

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.inputs, ctx.output = inputs, output
        ctx.save_for_backward(*operands)
        equation = ",".join(inputs) + "->" + output
        return ctx.xp.einsum(equation, *operands, optimize=len(operands) > 2)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        return tuple(_einsum_gradient(grad, operands, ctx.inputs, ctx.output, k)
                     if ctx.needs_input_grad[k] else None for k in range(len(operands)))


def _einsum_gradient(grad, operands, inputs, output, k):
    """dL/d(operand k) of an einsum, as an einsum (so it is differentiable again)."""
    backend = grad._backend
    xp, dtype = backend.xp, grad.dtype
    specs = [output] + [spec for i, spec in enumerate(inputs) if i != k]
    terms = [grad] + [operand for i, operand in enumerate(operands) if i != k]
    available = set("".join(specs))
    unused = iter(letter for letter in _LETTERS if letter not in "".join(inputs) + output)
    target, seen = "", set()
    for letter, size in zip(inputs[k], operands[k].shape):
        if letter in seen:  # a repeated letter: its own letter, tied to the first by the identity
            fresh = next(unused)
            specs.append(letter + fresh)
            terms.append(new_tensor(xp.eye(size, dtype=dtype), backend, None, 0))
            letter = fresh
        elif letter not in available:  # summed within operand k alone: constant along it
            specs.append(letter)
            terms.append(new_tensor(xp.ones(size, dtype=dtype), backend, None, 0))
        seen.add(letter)
        target += letter
    return Einsum.apply(*terms, inputs=tuple(specs), output=target)


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is a @ b.

    Letters a–z and A–Z name dimensions; ``...`` stands for the remaining leading
    dimensions (broadcast); a letter of size 1 broadcasts against the same letter's
    size in another operand. Without ``->`` the output has ``...`` and then the letters
    used once, in alphabetical order (capitals first). The operands may also be
    given as one list; they must share a dtype.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a string, got {type(equation).__name__}")
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(operands):
        relation = "fewer" if len(operands) < len(inputs) else "more"
        raise RuntimeError(f"einsum(): {relation} operands were provided than specified in the "
                           f"equation {equation!r} ({len(operands)} given, {len(inputs)} specified)")
    for operand in operands[1:]:
        _same_dtype(operands[0], operand, "einsum()")
    for character in equation.replace("...", "").replace(",", "").replace("->", ""):
        if character not in _LETTERS:
            raise RuntimeError(f"einsum(): invalid subscript {character!r} in the equation "
                               f"{equation!r}: use letters a-z and A-Z")

    # "..." becomes letters the equation does not use, aligned from the right
    ellipsis_dims = []
    for index, (spec, operand) in enumerate(zip(inputs, operands)):
        letters = len(spec.replace("...", ""))
        if "..." in spec:
            if spec.count("...") > 1 or letters > operand.ndim:
                raise RuntimeError(f"einsum(): operand {index} has {operand.ndim} dimensions, too "
                                   f"few for the subscripts {spec!r}")
        elif letters != operand.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({letters}) does not match "
                f"the number of dimensions ({operand.ndim}) for operand {index} and no ellipsis was given")
        ellipsis_dims.append(operand.ndim - letters)
    width = max(ellipsis_dims, default=0)
    broadcast_letters = "".join([letter for letter in _LETTERS if letter not in equation][:width])
    inputs = [spec.replace("...", broadcast_letters[width - count:])
              for spec, count in zip(inputs, ellipsis_dims)]

    counts = {}
    for spec in inputs:
        for letter in spec:
            counts[letter] = counts.get(letter, 0) + 1
    if arrow:
        output = right.replace("...", broadcast_letters)
        for position, letter in enumerate(output):
            if letter not in counts:
                raise RuntimeError(f"einsum(): output subscript {letter} does not appear in the "
                                   f"equation for any input operand")
            if letter in output[:position]:
                raise RuntimeError(f"einsum(): output subscript {letter} appears more than once "
                                   f"in the output")
    else:
        output = broadcast_letters + "".join(sorted(letter for letter, count in counts.items()
                                                    if count == 1 and letter not in broadcast_letters))

    sizes = {}
    for index, (spec, operand) in enumerate(zip(inputs, operands)):
        for letter, size in zip(spec, operand.shape):
            seen = sizes.get(letter, 1)
            if size != 1 and seen != 1 and size != seen:
                raise RuntimeError(f"einsum(): subscript {letter} has size {size} for operand "
                                   f"{index} which does not broadcast with previously seen size {seen}")
            sizes[letter] = size if size != 1 else seen
    expanded = [broadcast_to(operand, tuple(sizes[letter] for letter in spec))
                for spec, operand in zip(inputs, operands)]
    return Einsum.apply(*expanded, inputs=tuple(inputs), output=output)
