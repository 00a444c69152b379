"""Checking gradients against finite differences: ``gradcheck``, ``gradgradcheck``.

For f: inputs → outputs, the analytic gradient from backward must agree with
the central difference

    ∂f/∂xⱼ ≈ (f(x + ε eⱼ) − f(x − ε eⱼ)) / 2ε,

whose error is O(ε²) plus rounding of order (machine epsilon)/ε. In float64
with ε = 1e-6 that is about 1e-10; in float32 rounding alone is about 0.1, so
checks run on float64 copies of the inputs (with a warning for other dtypes).

Two modes:

- exhaustive (small inputs): the whole Jacobian, one finite difference per
  input element and one backward pass per output element;
- random direction (large inputs, ``fast_mode=True``): for random vectors u
  (input side) and v (output side), compare vᵀ J u from one backward pass
  with vᵀ (f(x + εu) − f(x − εu)) / 2ε. On a mismatch the input is searched
  element by element so the error can name the culprit.

A failure names the input, the element, the analytic and the numeric value.
"""
import warnings

import numpy as np

from ..tensor import Tensor, new_tensor
from .grad import grad as autograd_grad

_EXHAUSTIVE_LIMIT = 400  # elements: above this (input or output side) use fast mode


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with the finite-difference estimate."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast_mode=None):
    """True if fn's gradients match finite differences for every input that
    requires grad; otherwise raise ``GradcheckError`` (or return False).

    ``fast_mode``: None picks exhaustive for small inputs and outputs and
    random-direction checking for large ones; True/False force one mode.
    """
    inputs = _as_float64_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    outputs = _differentiable_outputs(fn(*inputs))
    if fast_mode is None:
        sizes_in = sum(inputs[i].numel() for i in checked)
        sizes_out = sum(o.numel() for o in outputs)
        fast_mode = sizes_in > _EXHAUSTIVE_LIMIT or sizes_out > _EXHAUSTIVE_LIMIT
    check = _check_random_direction if fast_mode else _check_exhaustive
    try:
        check(fn, inputs, checked, outputs, eps, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, fast_mode=None):
    """Check second derivatives: gradcheck the function that maps (inputs,
    grad_outputs) to the gradients that backward computes with create_graph=True."""
    inputs = _as_float64_inputs(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outputs = _differentiable_outputs(fn(*inputs))
    if grad_outputs is None:
        generator = np.random.default_rng(1)
        grad_outputs = tuple(
            Tensor(generator.standard_normal(o.shape), device=o.device, requires_grad=True)
            for o in outputs)
    else:
        grad_outputs = _as_float64_inputs(grad_outputs)
    count = len(inputs)

    def first_derivatives(*args):
        values = _differentiable_outputs(fn(*args[:count]))
        wrt = [args[i] for i in checked]
        grads = autograd_grad(values, wrt, args[count:], create_graph=True, allow_unused=True)
        return tuple(g if g is not None else new_tensor(x._backend.xp.zeros_like(x._array),
                                                           x._backend, None, 0)
                     for g, x in zip(grads, wrt))

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, fast_mode=fast_mode)


# ---------------------------------------------------------------- the two modes
def _check_exhaustive(fn, inputs, checked, outputs, eps, atol, rtol):
    for i in checked:
        numeric = _numeric_jacobian(fn, inputs, i, eps)           # (outputs, input elements)
        analytic = _analytic_jacobian(inputs, i, outputs)
        bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            out_flat, in_flat = np.argwhere(bad)[0]
            raise GradcheckError(_mismatch(inputs, i, in_flat, outputs, out_flat,
                                           analytic[out_flat, in_flat], numeric[out_flat, in_flat]))


def _check_random_direction(fn, inputs, checked, outputs, eps, atol, rtol):
    generator = np.random.default_rng(0)
    weights = [generator.standard_normal(o.shape) for o in outputs]
    for i in checked:
        x = inputs[i]
        direction = generator.standard_normal(x.shape)
        analytic_grad = _weighted_grad(inputs, i, outputs, weights)
        analytic = float(np.sum(analytic_grad * direction))
        numeric = _directional_difference(fn, inputs, i, direction, weights, eps)
        if abs(analytic - numeric) <= atol + rtol * abs(numeric):
            continue
        # Find an element that explains the mismatch.
        for flat in range(x.numel()):
            unit = np.zeros(x.numel())
            unit[flat] = 1
            numeric_j = _directional_difference(fn, inputs, i, unit.reshape(x.shape), weights, eps)
            analytic_j = analytic_grad.reshape(-1)[flat]
            if abs(analytic_j - numeric_j) > atol + rtol * abs(numeric_j):
                raise GradcheckError(_mismatch(inputs, i, flat, outputs, None, analytic_j, numeric_j))
        raise GradcheckError(
            f"gradcheck: the gradient with respect to input {i} (shape {tuple(x.shape)}) fails "
            f"in a random direction: analytic {analytic!r}, numeric {numeric!r}, though no single "
            "element does; try a smaller eps")


# ---------------------------------------------------------------- pieces
def _as_float64_inputs(inputs):
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    converted = []
    for position, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != np.float64:
            if x.requires_grad:
                warnings.warn(
                    f"gradcheck: input {position} is {x.dtype}; finite differences are only "
                    "reliable in float64, so the check runs on a float64 copy", stacklevel=3)
            copy = new_tensor(x._array.astype(np.float64), x._backend, None, 0)
            copy.requires_grad = x.requires_grad
            x = copy
        converted.append(x)
    return tuple(converted)


def _differentiable_outputs(result):
    outputs = (result,) if isinstance(result, Tensor) else tuple(result)
    return tuple(o for o in outputs if isinstance(o, Tensor) and o.dtype.kind == "f")


def _evaluate(fn, inputs, i, new_data):
    """The outputs of fn with input i's data replaced, flattened into one host vector."""
    x = inputs[i]
    changed = list(inputs)
    changed[i] = new_tensor(new_data, x._backend, None, 0)
    changed[i].requires_grad = True  # fn may itself differentiate (gradgradcheck)
    outputs = _differentiable_outputs(fn(*changed))
    return np.concatenate([o.detach().numpy().reshape(-1).astype(np.float64) for o in outputs])


def _numeric_jacobian(fn, inputs, i, eps):
    x = inputs[i]
    columns = []
    for flat in range(x.numel()):
        plus, minus = x._array.copy(), x._array.copy()
        plus.reshape(-1)[flat] += eps
        minus.reshape(-1)[flat] -= eps
        columns.append((_evaluate(fn, inputs, i, plus) - _evaluate(fn, inputs, i, minus)) / (2 * eps))
    if not columns:  # an empty input: a Jacobian with no columns
        return np.zeros((sum(o.numel() for o in _differentiable_outputs(fn(*inputs))), 0))
    return np.stack(columns, axis=1)


def _analytic_jacobian(inputs, i, outputs):
    x = inputs[i]
    rows = []
    for o_index, output in enumerate(outputs):
        for flat in range(output.numel()):
            one_hot = np.zeros(output.numel())
            one_hot[flat] = 1
            weights = [np.zeros(o.shape) for o in outputs]
            weights[o_index] = one_hot.reshape(output.shape)
            rows.append(_weighted_grad(inputs, i, outputs, weights).reshape(-1))
    return np.stack(rows) if rows else np.zeros((0, x.numel()))


def _weighted_grad(inputs, i, outputs, weights):
    """d(Σ_k weights_k · output_k)/d(input i) from one backward pass, on the host."""
    x = inputs[i]
    used = [(o, w) for o, w in zip(outputs, weights) if o.requires_grad]
    if not used:
        return np.zeros(x.shape)
    grad_outputs = [new_tensor(o._backend.from_host(w.astype(o.dtype)), o._backend, None, 0)
                    for o, w in used]
    result, = autograd_grad([o for o, _ in used], [x], grad_outputs, retain_graph=True,
                            allow_unused=True)
    return np.zeros(x.shape) if result is None else result.detach().numpy().astype(np.float64)


def _directional_difference(fn, inputs, i, direction, weights, eps):
    x = inputs[i]
    step = x._backend.from_host(direction * eps)
    weight_vector = np.concatenate([w.reshape(-1) for w in weights])
    plus = _evaluate(fn, inputs, i, x._array + step)
    minus = _evaluate(fn, inputs, i, x._array - step)
    return float(weight_vector @ ((plus - minus) / (2 * eps)))


def _mismatch(inputs, i, in_flat, outputs, out_flat, analytic, numeric):
    index = tuple(int(k) for k in np.unravel_index(in_flat, inputs[i].shape))
    where = ""
    if out_flat is not None:
        sizes = np.cumsum([o.numel() for o in outputs])
        o_index = int(np.searchsorted(sizes, out_flat, side="right"))
        local = out_flat - (sizes[o_index - 1] if o_index else 0)
        out_index = tuple(int(k) for k in np.unravel_index(local, outputs[o_index].shape))
        where = f" (output {o_index}, element {out_index})"
    return (f"gradcheck: Jacobian mismatch for input {i}, element {index}{where}: "
            f"analytic {float(analytic)!r}, numeric {float(numeric)!r}")
