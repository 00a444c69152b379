"""Replaying ``optimizer.step()`` as direct calls of its compiled kernel.

The eager fast path (``optim/fast``) updates each param group through one flat
bucket and a compiled elementwise kernel, but every ``step()`` first pays its
Python bookkeeping: the hooks, the device scope, the list of parameters with a
gradient, the choice of path and kernel, the bucket's check. A compiled step
whose optimizer took that path while it was recorded replays only what changes
between steps: the step count and scalar statistics (``_advance_step``), the
kernel's scalars read from the group at replay time (so a scheduler's learning
rate is the live one), the gathering of the gradients and the kernel calls, on
the recorded bucket's slices, in the eager order: the same numbers bit for bit.

Before each replayed step it checks what the recording assumed: no step hooks,
the same path and kernel for each group's options, the same bucket, still intact,
holding exactly the parameters that have a gradient. Anything else runs the
whole ``step()`` as it is. ``zero_grad()`` is replayed as its assignments.
"""
from ..optim import fast
from ..optim.fast.buckets import the_same_bucket
from ..optim.fast.choice import kernel_to_run
from ..optim.fast.thread_pool import for_each_slice
from ..optim.optimizer import Optimizer

_PLAIN_STEP = Optimizer.step.__wrapped__  # the methods under tracing.whole_call
_PLAIN_ZERO_GRAD = Optimizer.zero_grad.__wrapped__
# the methods of step() that the direct replay stands in for
_REPLACED = ("_step_groups", "_step_group", "_params_with_grads", "_advance_step", "_device_scope")


def direct_step(method, args, kwargs):
    """A replay of ``method(*args, **kwargs)`` (just recorded, eagerly) that calls the
    kernels directly, or None where the step did not take the one-bucket kernel path.
    ``zero_grad()`` (to None) is replayed as the assignments it makes."""
    if method is _PLAIN_ZERO_GRAD:
        return _direct_zero_grad(args, kwargs)
    if method is not _PLAIN_STEP or len(args) != 1 or kwargs:
        return None
    optimizer = args[0]
    cls = type(optimizer)
    if any(getattr(cls, name) is not getattr(Optimizer, name) for name in _REPLACED):
        return None  # a subclass changed what step() does around the kernel
    plans = [_group_plan(optimizer, group) for group in optimizer.param_groups]
    if not plans or any(plan is None for plan in plans):
        return None

    def step():
        if optimizer._step_pre_hooks or optimizer._step_post_hooks \
                or not all(plan.holds() for plan in plans):
            method(optimizer)
            return ()
        for plan in plans:
            plan.run()
        return ()
    return step


def _direct_zero_grad(args, kwargs):
    """``optimizer.zero_grad()``, which sets each parameter's gradient to None, as those
    assignments on the recorded parameters (the replay's guards check that the
    optimizer still holds exactly these); None for ``set_to_none=False``."""
    optimizer, *rest = args
    set_to_none = kwargs.get("set_to_none", rest[0] if rest else True)
    if set_to_none is not True:
        return None
    params = [p for group in optimizer.param_groups for p in group["params"]]

    def zero_grad():
        for param in params:
            param._grad = None
        return ()
    return zero_grad


class _GroupPlan:
    """One group's recorded step: its bucket, path and kernel, each slice's views
    (a slice of one big parameter uses that gradient where it lies; the gradients of
    a slice of small parameters are gathered into the bucket's scratch buffer)."""

    def __init__(self, optimizer, group, bucket, path, kernel, compiled):
        self.optimizer, self.group, self.bucket = optimizer, group, bucket
        self.path, self.kernel, self.compiled = path, kernel, compiled
        self.scalar_names = [name for _, name in kernel.scalars]
        self.negate = group.get("maximize", False)
        self.with_grad = [p._grad is not None for p in group["params"]]
        self.xp = bucket.params[0]._backend.xp
        self.slices = []
        for number, (start, stop, pieces) in enumerate(bucket.chunks):
            scratch, param = bucket.scratch.get(number), bucket.param[start:stop]
            state = [bucket.state[name][start:stop] for name in kernel.state]
            self.slices.append((pieces, scratch, param, state))

    def holds(self):
        optimizer, group = self.optimizer, self.group
        if fast.path_for(optimizer, group) is not self.path \
                or optimizer.fused_kernel(group) is not self.kernel \
                or group.get("maximize", False) != self.negate:
            return False
        if [p._grad is not None for p in group["params"]] != self.with_grad:
            return False
        buckets = optimizer._buckets.get(id(group))
        # (each gradient has its parameter's shape: ``.grad = `` checks it, and the replay
        # accumulates gradients of the recorded shapes)
        return buckets is not None and len(buckets) == 1 and buckets[0] is self.bucket \
            and self.bucket.is_intact(optimizer.state)

    def run(self):
        """The fast path's step of this bucket (its slices, each by the kernel)."""
        optimizer, group, bucket = self.optimizer, self.group, self.bucket
        step, _scalars = optimizer._advance_step(group, bucket.params)
        values = optimizer.kernel_scalars(group, step)
        scalars = [values[name] for name in self.scalar_names]
        grads = [p._grad._array.reshape(-1) for p in bucket.params]
        compiled, negate, xp = self.compiled, self.negate, self.xp

        def update_slice(piece):
            pieces, scratch, param, state = piece
            if len(pieces) == 1:
                index, low, high, _ = pieces[0]
                grad = grads[index][low:high]
                if negate:
                    grad = -grad
                compiled(grad, *scalars, param, *state)
                return
            xp.concatenate([grads[index] for index, _, _, _ in pieces], out=scratch)
            if negate:
                scratch *= -1
            compiled(scratch, *scalars, param, *state)

        if len(self.slices) == 1:
            update_slice(self.slices[0])
        else:  # split between the cores, as the eager fast path does
            for_each_slice(update_slice, self.slices)
        for param in bucket.params:
            param._version[0] += 1


def _group_plan(optimizer, group):
    """The plan of ``group``'s step, or None where it did not run as one bucket through
    the compiled kernel on the CPU's arrays (then the whole step is replayed as it is)."""
    path = fast.path_for(optimizer, group)
    buckets = optimizer._buckets.get(id(group)) if hasattr(optimizer, "_buckets") else None
    if path is None or not path.kernel or not buckets or len(buckets) != 1:
        return None
    bucket = buckets[0]
    params = [p for p in group["params"] if p._grad is not None]
    if the_same_bucket(buckets, params, optimizer.state) is not bucket:
        return None
    backend = bucket.params[0]._backend
    if backend.scope is not None:
        return None
    kernel = optimizer.fused_kernel(group)
    compiled = kernel_to_run(optimizer, group, backend, bucket.param.dtype, path)
    if kernel is None or compiled is None or any(name not in bucket.state for name in kernel.state):
        return None
    return _GroupPlan(optimizer, group, bucket, path, kernel, compiled)
