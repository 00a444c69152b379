"""One param group's step on the fast path: the plain loop's rule, run faster.

The plain loop (``Optimizer._step_param``) counts the step, advances the scalar
statistics and calls ``update(group, param, grad, state, step)`` on each
parameter's whole arrays. This does the same arithmetic, arranged for speed:

- parameters of one device and dtype that took the same number of steps share
  flat buffers (``buckets.py``); a parameter alone is used where it lies;
- the buffers are cut into slices (``backend.elementwise_chunk`` elements, a
  size that keeps one slice's temporaries in the CPU cache; a GPU takes the
  whole buffer at once), which threads update in parallel (``thread_pool.py``);
- each slice is updated by the compiled kernel where ``choice.py`` allows it
  and it compiles (a kernel compiled at its first call, as on a GPU, that fails
  there is replaced by ``update()`` from then on), else by ``update()`` itself
  on the slice;
- the gradients of the small parameters that share a slice are gathered into
  one scratch buffer with one ``concatenate`` (one kernel on a GPU, however
  many parameters).

Every element gets the operations ``update()`` gives it, in the same order and
precision, so the results are the plain loop's bit for bit
(``tests/test_optim_fast_path.py``).
"""
from ...tensor import Tensor
from .buckets import buckets_for, the_same_bucket
from .choice import kernel_to_run
from .kernel import KernelUnavailable
from .thread_pool import for_each_slice

# A compiled kernel makes no temporaries, so its slices can be this many times larger
# than update()'s on arrays (fewer calls, the same cache behaviour).
_KERNEL_SLICE_FACTOR = 8


def step_group(optimizer, group, params, path):
    """One step of ``params`` (the group's parameters that have a gradient and a state)
    on the fast path ``path`` (a ``choice.FastPath``)."""
    old = optimizer._buckets.get(id(group), [])
    usual = the_same_bucket(old, params, optimizer.state)
    if usual is not None:
        _step_bucket(optimizer, group, usual, path)
        return

    def chunk_of(param):
        return _slice_size(optimizer, group, param, path)

    buckets = buckets_for(old, params, optimizer.state, chunk_of)
    optimizer._buckets[id(group)] = buckets
    packed = set()
    for bucket in buckets:
        _step_bucket(optimizer, group, bucket, path)
        packed.update(id(p) for p in bucket.params)
    for param in params:
        if id(param) in packed:
            continue
        if _is_contiguous(optimizer, param):
            _step_alone(optimizer, group, param, path)
        elif path.kernel_required:
            raise RuntimeError(f"`fused=True` needs contiguous arrays, but a parameter of shape "
                               f"{tuple(param.shape)} (or its state) is not contiguous")
        else:
            optimizer._step_param(group, param)


def _slice_size(optimizer, group, param, path):
    """How many elements one call updates at most (None: all of them)."""
    chunk = param._backend.elementwise_chunk
    kernel = kernel_to_run(optimizer, group, param._backend, param._array.dtype, path)
    return chunk * _KERNEL_SLICE_FACTOR if chunk and kernel is not None else chunk


def _slice_rule(optimizer, group, backend, dtype, step, path):
    """``run(param, grad, state)``: the update of one slice, by the compiled kernel or by
    ``update()``."""
    compiled = kernel_to_run(optimizer, group, backend, dtype, path)
    if compiled is None:
        def run(param, grad, state):
            optimizer.update(group, param, grad, state, step)
        return run
    kernel = optimizer.fused_kernel(group)
    values = optimizer.kernel_scalars(group, step)
    scalars = [values[name] for _, name in kernel.scalars]

    def run(param, grad, state):
        try:
            compiled(grad, *scalars, param, *[state[name] for name in kernel.state])
        except KernelUnavailable as reason:  # compiled at its first call, and it failed
            if path.kernel_required:
                raise RuntimeError(f"`fused=True` needs the compiled kernel, which cannot run "
                                   f"for {dtype} parameters on {str(backend.device)!r}: "
                                   f"{reason}") from None
            optimizer.update(group, param, grad, state, step)
    return run


def _step_bucket(optimizer, group, bucket, path):
    step, scalars = optimizer._advance_step(group, bucket.params)
    negate = group.get("maximize", False)
    backend = bucket.params[0]._backend
    xp = backend.xp
    run = _slice_rule(optimizer, group, backend, bucket.param.dtype, step, path)
    grads = [p.grad._array.reshape(-1) for p in bucket.params]

    def update_slice(number):
        start, stop, pieces = bucket.chunks[number]
        if len(pieces) == 1:  # inside one parameter: its gradient, as it is
            index, low, high, _ = pieces[0]
            grad = grads[index][low:high]
            if negate:
                grad = -grad
        else:  # across several small parameters: gather their (whole) gradients, in one call
            grad = xp.concatenate([grads[index] for index, _, _, _ in pieces],
                                  out=bucket.scratch[number])
            if negate:
                grad *= -1
        arrays = {k: v[start:stop] for k, v in bucket.state.items()}
        arrays.update(scalars)
        run(bucket.param[start:stop], grad, arrays)

    for_each_slice(update_slice, range(len(bucket.chunks)))
    for param in bucket.params:
        param._version[0] += 1


def _step_alone(optimizer, group, param, path):
    """A parameter in no bucket, updated in slices of its own (contiguous) arrays."""
    step, scalars = optimizer._advance_step(group, [param])
    backend = param._backend
    arrays = {k: v._array.reshape(-1) for k, v in optimizer.state[param].items()
              if isinstance(v, Tensor)}
    flat_param = param._array.reshape(-1)
    flat_grad = param.grad._array.reshape(-1)
    if group.get("maximize", False):
        flat_grad = -flat_grad
    run = _slice_rule(optimizer, group, backend, flat_param.dtype, step, path)
    chunk = _slice_size(optimizer, group, param, path) or max(flat_param.size, 1)

    def update_slice(start):
        piece = {k: v[start:start + chunk] for k, v in arrays.items()}
        piece.update(scalars)
        run(flat_param[start:start + chunk], flat_grad[start:start + chunk], piece)

    for_each_slice(update_slice, range(0, flat_param.size, chunk))
    param._version[0] += 1


def _is_contiguous(optimizer, param):
    """Whether ``param`` and its state arrays can be updated through flat views."""
    return param._array.flags.c_contiguous and all(
        v._array.flags.c_contiguous for v in optimizer.state[param].values()
        if isinstance(v, Tensor))
