"""Matrix multiplication: matmul, mm, bmm and einsum.

For C = A @ B (A: n×k, B: k×m) and an upstream gradient G = dL/dC:
dL/dA = G @ Bᵀ and dL/dB = Aᵀ @ G. Batched matmul works the same on the last
two axes; batch axes broadcast, and the engine sums them back.
"""
import math

from ..autograd.autocast_hook import autocast_op
from ..autograd.function import Function
from ..tensor import new_tensor
from .arguments import check_tensor, tensor_arguments
from .broadcasting import broadcast_shapes
from .shape import getitem, permute, reshape, squeeze, transpose, unsqueeze


class MatMul(Function):
    """C = A @ B for A, B with at least two dimensions (the dimensions before the
    last two, the batch, broadcast)"""

    @staticmethod
    def forward(ctx, a, b):
        broadcast_shapes((a.shape, b.shape), "MatMul", core_dims=2)
        ctx.save_for_backward(a, b)
        return ctx.backend.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (matmul(grad, transpose(b, -1, -2)) if ctx.needs_input_grad[0] else None,
                matmul(transpose(a, -1, -2), grad) if ctx.needs_input_grad[1] else None)


@autocast_op("matmul")
def matmul(a, b):
    """``a @ b`` with NumPy's rules: 1-D operands are treated as a row (left) or a
    column (right) vector, and that dimension is removed from the result. Both
    operands need one dtype: as in PyTorch, matmul does not promote."""
    from .elementwise import _operand, refuse_dtype
    a, b = _operand(a, "matmul", 1, "input"), _operand(b, "matmul", 2, "other")
    check_tensor("matmul", "input", a, 1)
    check_tensor("matmul", "other", b, 2)
    refuse_dtype(a, "matmul", "b")
    _same_dtype(a, b, "matmul")
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


@autocast_op("mm")
@tensor_arguments("input", "mat2")
def mm(input, mat2):
    """The matrix product of two 2-D tensors (n×k @ k×m → n×m), without broadcasting."""
    for name, value in (("self", input), ("mat2", mat2)):
        if value.ndim != 2:
            raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shapes {tuple(input.shape)} "
                               f"(self) and {tuple(mat2.shape)} (mat2)")
    _same_dtype(input, mat2, "mm")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape[0]}x{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    return MatMul.apply(input, mat2)


@autocast_op("bmm")
@tensor_arguments("input", "mat2")
def bmm(input, mat2):
    """Batched matrix products of two 3-D tensors (b×n×k @ b×k×m → b×n×m), same batch size."""
    for name, value in (("batch1", input), ("batch2", mat2)):
        if value.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shapes {tuple(input.shape)} "
                               f"(batch1) and {tuple(mat2.shape)} (batch2)")
    _same_dtype(input, mat2, "bmm")
    expected = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != expected:
        raise RuntimeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                           f"{expected} but got: {list(mat2.shape[:2])}.")
    return MatMul.apply(input, mat2)


# ---------------------------------------------------------------- einsum
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _take_diagonals(operand, spec, index):
    """``operand`` with each repeated letter of ``spec`` reduced to its diagonal
    (x[.., i, .., i, ..] becomes x[.., i, ..], at the letter's first place), and the
    spec without repeats. An index pick, so its gradient is 0 off the diagonal."""
    while len(set(spec)) < len(spec):
        second = next(p for p, letter in enumerate(spec) if letter in spec[:p])
        first = spec.index(spec[second])
        size = operand.shape[first]
        if operand.shape[second] != size:
            raise RuntimeError(f"einsum(): subscript {spec[first]} is repeated for operand {index} "
                               f"but the sizes don't match, {operand.shape[second]} != {size}")
        others = [dim for dim in range(operand.ndim) if dim not in (first, second)]
        positions = new_tensor(operand._backend.xp.arange(size), operand._backend, None, 0)
        diagonal = getitem(permute(operand, *others, first, second), (Ellipsis, positions, positions))
        order = list(range(diagonal.ndim - 1))
        order.insert(first, diagonal.ndim - 1)
        operand = permute(diagonal, *order)
        spec = spec[:second] + spec[second + 1:]
    return operand, spec


def _sum_of_products(left, right, sum_dims):
    """Σ over ``sum_dims`` of left · right, keeping those dims with size 1: two tensors of
    one rank whose other dims broadcast (size 1 on one side), and whose ``sum_dims`` have
    one size > 1 on both sides. One batched matrix product: the dims both have are the
    batch, the summed ones are the inner dimension (PyTorch's ``sumproduct_pair``)."""
    if not sum_dims:
        return left * right
    batch, left_only, right_only = [], [], []
    for dim in range(left.ndim):
        if dim in sum_dims:
            continue
        if left.shape[dim] != 1 and right.shape[dim] != 1:
            batch.append(dim)
        elif left.shape[dim] != 1:
            left_only.append(dim)
        else:
            right_only.append(dim)

    def size(tensor, dims):
        return math.prod(tensor.shape[dim] for dim in dims)
    left_matrices = reshape(permute(left, *batch, *left_only, *sum_dims, *right_only),
                            (size(left, batch), size(left, left_only), size(left, sum_dims)))
    right_matrices = reshape(permute(right, *batch, *sum_dims, *right_only, *left_only),
                             (size(left, batch), size(left, sum_dims), size(right, right_only)))
    product = MatMul.apply(left_matrices, right_matrices)
    shape = ([left.shape[dim] for dim in batch + left_only] + [1] * len(sum_dims)
             + [right.shape[dim] for dim in right_only])
    order = batch + left_only + list(sum_dims) + right_only
    return permute(reshape(product, tuple(shape)), *[order.index(dim) for dim in range(left.ndim)])


def _contraction_path(equation, operands):
    """The pairs in which einsum contracts its operands, as PyTorch chooses them: for
    three or more, opt_einsum's path (strategy "auto") where that package is installed,
    else None (left to right). The order decides which sums meet an inf or a NaN."""
    if len(operands) < 3:
        return None
    try:
        import opt_einsum
    except ImportError:
        return None
    path, _ = opt_einsum.contract_path(equation, *[tuple(operand.shape) for operand in operands],
                                       shapes=True, optimize="auto")
    return path


def _contract(operands, inputs, output, path):
    """einsum as PyTorch computes it, from differentiable operations (index picks,
    reshapes, sums, batched matrix products), so that its first and second derivatives
    are PyTorch's, infinities and NaN included:

    1. each operand: repeated letters reduced to their diagonal, dims of size 1
       added for the letters it lacks, and permuted to one order: the output's
       letters, then the summed ones;
    2. two operands at a time (left to right, or in the pairs of ``path``): a summed
       letter only one of them still has with size > 1 is summed within it first; one
       no later operand has is summed by their product (``_sum_of_products``);
    3. the summed dims, all of size 1 by then, are dropped (one operand: summed).
    """
    summed = sorted(set("".join(inputs)) - set(output), key=_LETTERS.index)
    order = output + "".join(summed)
    holders = dict.fromkeys(order, 0)  # the operands in which a letter has size > 1
    aligned = []
    for index, (spec, operand) in enumerate(zip(inputs, operands)):
        operand, spec = _take_diagonals(operand, spec, index)
        for letter, size in zip(spec, operand.shape):
            holders[letter] += size != 1
        missing = "".join(letter for letter in order if letter not in spec)
        operand = reshape(operand, tuple(operand.shape) + (1,) * len(missing))
        spec += missing
        aligned.append(permute(operand, *[spec.index(letter) for letter in order]))

    pairs = iter(path or ())
    while len(aligned) > 1:
        i, j = sorted(next(pairs)) if path else (0, 1)
        a, b = aligned[i], aligned[j]
        del aligned[j], aligned[i]
        sum_dims, a_dims, b_dims = [], [], []
        for dim in range(len(output), len(order)):
            letter = order[dim]
            if a.shape[dim] != 1 and b.shape[dim] != 1:
                holders[letter] -= 1
                if holders[letter] == 1:  # no other operand has it: sum it in the product
                    sum_dims.append(dim)
                    holders[letter] = 0
            elif holders[letter] == 1 and (a.shape[dim] != 1 or b.shape[dim] != 1):
                (a_dims if a.shape[dim] != 1 else b_dims).append(dim)
                holders[letter] = 0
        if a_dims:
            a = a.sum(tuple(a_dims), keepdim=True)
        if b_dims:
            b = b.sum(tuple(b_dims), keepdim=True)
        product = _sum_of_products(a, b, sum_dims)
        if path:
            aligned.append(product)
        else:
            aligned.insert(0, product)

    result = aligned[0]
    if len(order) > len(output):
        if len(operands) > 1:
            result = reshape(result, tuple(result.shape[:len(output)]))
        else:
            result = result.sum(tuple(range(len(output), len(order))))
    return result


@autocast_op("einsum")
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
    for position, operand in enumerate(operands):
        check_tensor("einsum", f"operands[{position}]", operand)
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
                f"the number of dimensions ({operand.ndim}) for operand {index} and no ellipsis was "
                f"given (operands of shapes {', '.join(str(tuple(o.shape)) for o in operands)})")
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
    return _contract(operands, inputs, output, _contraction_path(equation, operands))
