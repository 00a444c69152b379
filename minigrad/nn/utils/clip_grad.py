"""Gradient clipping: shrink gradients in place before the optimizer step.

Norm clipping (Pascanu et al. 2013, "On the difficulty of training recurrent
neural networks") treats all gradients g_1 ... g_n as one long vector and
rescales it when its p-norm is too large::

    total = || ( ||g_1||_p, ..., ||g_n||_p ) ||_p        (= ||concat(g_1 ... g_n)||_p)
    coef  = min(1, max_norm / (total + 1e-6))
    g_i  <- coef * g_i

The direction of the step is kept; only its length is capped. For p = inf the
norm is the largest absolute entry. Value clipping instead clamps every entry
to [-clip_value, clip_value], which can change the direction.

Like PyTorch's, ``clip_grad_norm_`` never asks the device for a number: the
coefficient is multiplied in even when it is 1, so on a GPU nothing waits for
the norm to reach the host (except with ``error_if_nonfinite=True``, which has
to look at it).
"""
from ...autograd import tracing as _tracing
import math
import types
import warnings

from ...autograd.grad_mode import no_grad
from ...creation import tensor as _tensor
from ...tensor import Tensor, new_tensor


def _grads_of(parameters):
    """The ``.grad`` of each parameter that has one (a single tensor is accepted)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    return [param.grad for param in parameters if param.grad is not None]


def _vector_norm(xp, array, norm_type):
    """||array||_p over all entries, as a 0-d array on the array's device."""
    magnitude = xp.abs(array)
    if norm_type == math.inf:
        return magnitude.max()
    if norm_type == -math.inf:
        return magnitude.min()
    if norm_type == 0:  # the number of non-zero entries
        return (array != 0).sum().astype(array.dtype)
    return (magnitude ** norm_type).sum() ** (1.0 / norm_type)


@_tracing.whole_call
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so that their total norm is at most
    ``max_norm``; return the total norm (before clipping) as a 0-d tensor.

    ``parameters``: an iterable of tensors or a single tensor; those whose
    ``.grad`` is None are skipped. ``norm_type``: p of the p-norm (``inf`` or
    ``"inf"`` for the largest absolute entry). ``error_if_nonfinite``: raise a
    RuntimeError if the total norm is nan or inf instead of scaling by it.
    ``foreach`` is accepted for PyTorch compatibility; minigrad has one
    implementation, which computes what both of PyTorch's paths compute.
    """
    grads = _grads_of(parameters)
    norm_type = float(norm_type)
    max_norm = float(max_norm)
    if not grads:
        return _tensor(0.0)
    first = grads[0]._backend
    norms = []
    for grad in grads:
        norm = _vector_norm(grad._backend.xp, grad._array, norm_type)
        if grad._backend is not first:  # only for gradients spread over devices
            norm = first.from_host(grad._backend.to_host(norm))
        norms.append(norm)
    xp = first.xp
    total = xp.asarray(_vector_norm(xp, xp.stack(norms), norm_type))
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
    coef_on = {first: new_tensor(coef, first, None, 0)}
    with no_grad():
        for grad in grads:
            if grad._backend not in coef_on:
                coef_on[grad._backend] = new_tensor(
                    grad._backend.from_host(first.to_host(coef)), grad._backend, None, 0)
            grad.mul_(coef_on[grad._backend])
    return new_tensor(total, first, None, 0)


@_tracing.whole_call
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry of ``parameters`` into ``[-clip_value, clip_value]``, in place.

    ``foreach`` is accepted for PyTorch compatibility (one implementation here).
    """
    clip_value = float(clip_value)
    with no_grad():
        for grad in _grads_of(parameters):
            grad.clamp_(min=-clip_value, max=clip_value)
