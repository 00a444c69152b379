"""``DistributedDataParallel``: every rank trains the same model on its own shard of the batch.

Each of the W ranks runs forward and backward on its B examples; then the
gradients are averaged over the ranks, g = (1/W) Σ_r g_r, which is the
gradient of the mean loss over all W·B examples. Every rank takes the same
optimizer step from the same parameters, so the replicas stay identical.

What makes it fast is *when* the averaging happens. The gradients are grouped
into buckets (``buckets.py``) in the order backward produces them; a hook on
each parameter (``register_post_accumulate_grad_hook``) counts down its
bucket, and the moment a bucket's last gradient has arrived its all-reduce
starts, asynchronously, while backward goes on computing the earlier layers'
gradients. At the end of backward (a callback queued on the engine) DDP waits
for the all-reduces still running and writes the averaged gradients back
into ``.grad``. The time an all-reduce ran before backward ended was hidden.

``last_backward_timeline`` records, after each synchronised backward, one
dict per bucket: ``bucket`` (its index, in launch order), ``bytes``,
``launched`` and ``completed`` (``time.perf_counter()`` when its all-reduce
started and when it was first seen finished) and ``backward_start`` /
``backward_end`` (when the output's gradient arrived and when the last
parameter's gradient was ready). ``max(0, min(completed, backward_end) −
launched)`` summed over buckets, divided by the total all-reduce time, is the
fraction of communication hidden behind backward.
"""
import contextlib
import time

from ...autograd.callbacks import queue_callback
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...distributed.collectives import all_gather_object, broadcast
from ...distributed.process_group import _check_group
from ...distributed.reduce_op import ReduceOp
from ...tensor import Tensor, new_tensor
from ..module import Module
from .buckets import FIRST_BUCKET_BYTES, compute_bucket_assignment_by_size


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``backward()`` leaves every rank with the gradients averaged over ranks.

    Rank 0's parameters and buffers are copied to every rank at construction
    (after checking that every rank's model has the same parameter shapes),
    and buffers again before each forward when ``broadcast_buffers``.
    ``bucket_cap_mb`` caps the buckets' sizes; left at None it is 25 MiB,
    with a first bucket of 1 MiB, as in PyTorch.
    With ``find_unused_parameters=True``, parameters that took no part in
    the forward pass count as ready (with a zero gradient from this rank);
    without it, a parameter that gets no gradient is an error.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False):
        super().__init__()
        group = _check_group(process_group)
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("DistributedDataParallel drives one device per process: pass "
                             "device_ids=[this rank's device] or None")
        if dim != 0:
            raise ValueError("DistributedDataParallel splits no inputs itself: dim must be 0")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.last_backward_timeline = []
        self._group = group
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        self._names = [name for name, _ in named]
        self._params = [p for _, p in named]
        _check_same_model_on_every_rank(named, group)
        with no_grad():
            for tensor in self._params + list(module.buffers()):
                broadcast(tensor, src=0)
        # As PyTorch: a small first bucket only with the default cap; an explicit cap applies to all.
        first_bucket_bytes = FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        order = list(range(len(self._params)))[::-1]  # the order backward produces gradients
        self.bucket_indices, self.bucket_size_limits = compute_bucket_assignment_by_size(
            [self._params[i] for i in order], [first_bucket_bytes, self.bucket_bytes_cap], order)
        self._bucket_of = {i: b for b, bucket in enumerate(self.bucket_indices) for i in bucket}
        self._hook_handles = [p.register_post_accumulate_grad_hook(self._hook_for(i))
                              for i, p in enumerate(self._params)]
        self._iteration = None  # what the backward after a synchronised forward must do
        self._sync_buffers_next_forward = True

    # -- forward ----------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self._sync_buffers_next_forward:
            with no_grad():
                for buffer in self.module.buffers():
                    broadcast(buffer, src=0)
        output = self.module(*inputs, **kwargs)
        synchronise = is_grad_enabled() and self.require_backward_grad_sync
        self._sync_buffers_next_forward = synchronise
        self._iteration = _Iteration(self) if synchronise else None
        if synchronise:
            outputs = _tensors_in(output)
            for tensor in outputs:
                if tensor.requires_grad and tensor.grad_fn is not None:
                    tensor.register_hook(self._iteration.note_backward_start)
            if self.find_unused_parameters:
                self._iteration.unused = _parameters_not_reached(outputs, self._params)
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this block, forward and backward leave each rank's gradients local (accumulated);
        the first synchronised backward after it averages the accumulated sums."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # -- backward: hooks and the end-of-backward callback -------------------------
    def _hook_for(self, index):
        def gradient_ready(param):
            iteration = self._iteration
            if iteration is not None:
                iteration.mark_ready(index)
        return gradient_ready


class _Iteration:
    """The bookkeeping of one synchronised backward pass."""

    def __init__(self, ddp):
        self.ddp = ddp
        self.pending = [len(bucket) for bucket in ddp.bucket_indices]
        self.ready = set()
        self.unused = []
        self.next_bucket = 0
        self.launched = []  # (bucket, flat gradient array, work, timeline entry)
        self.started = False
        self.backward_start = None

    def note_backward_start(self, grad):
        if self.backward_start is None:
            self.backward_start = time.perf_counter()

    def mark_ready(self, index):
        if not self.started:  # the first gradient of this backward
            self.started = True
            if self.backward_start is None:
                self.backward_start = time.perf_counter()
            queue_callback(self.finish)
            for unused in self.unused:
                self._mark(unused)
        self._mark(index)
        for _, _, work, entry in self.launched:  # lets MPI progress; notes finished transfers
            if entry["completed"] is None and work.is_completed():
                entry["completed"] = time.perf_counter()

    def _mark(self, index):
        if index in self.ready:
            raise RuntimeError(
                f"DistributedDataParallel: parameter '{self.ddp._names[index]}' received its "
                "gradient twice in one backward pass (was backward run twice after one forward?)")
        self.ready.add(index)
        bucket = self.ddp._bucket_of[index]
        self.pending[bucket] -= 1
        while self.next_bucket < len(self.pending) and self.pending[self.next_bucket] == 0:
            self._launch(self.next_bucket)  # in bucket order: every rank the same sequence
            self.next_bucket += 1

    def _launch(self, bucket):
        """Flatten the bucket's gradients, divide by W, start their asynchronous all-reduce (SUM)."""
        params = [self.ddp._params[i] for i in self.ddp.bucket_indices[bucket]]
        xp = params[0]._backend.xp
        pieces = [p.grad._array.reshape(-1) if p.grad is not None else xp.zeros(p.numel(), p._array.dtype)
                  for p in params]
        flat = xp.concatenate(pieces)
        flat /= self.ddp._group.world_size
        entry = {"bucket": bucket, "bytes": int(flat.nbytes), "launched": time.perf_counter(),
                 "completed": None}
        work = self.ddp._group.backend.all_reduce(flat, ReduceOp.SUM, True, xp)
        self.launched.append((bucket, flat, work, entry))

    def finish(self):
        """At the end of backward: wait for every all-reduce and write the averages into ``.grad``."""
        backward_end = time.perf_counter()
        missing = [i for i in range(len(self.ddp._params)) if i not in self.ready]
        if missing and self.ddp.find_unused_parameters:
            for index in missing:
                self._mark(index)
            missing = []
        for _, _, work, entry in self.launched:
            if entry["completed"] is None:
                work.wait()
                entry["completed"] = time.perf_counter()
        self.ddp._iteration = None
        if missing:
            names = [self.ddp._names[i] for i in missing]
            raise RuntimeError(
                f"DistributedDataParallel: these parameters got no gradient in this backward pass on "
                f"rank {self.ddp._group.rank}: {names}. Every rank must reduce every parameter's "
                "gradient; if some parameters take no part in producing the loss, pass "
                "find_unused_parameters=True to DistributedDataParallel")
        globally_unused = self._globally_unused()
        for bucket, flat, _, _ in self.launched:
            offset = 0
            for index in self.ddp.bucket_indices[bucket]:
                param = self.ddp._params[index]
                averaged = flat[offset:offset + param.numel()].reshape(param._array.shape)
                offset += param.numel()
                if index in globally_unused:
                    continue
                if param.grad is None:
                    param.grad = new_tensor(averaged.copy(), param._backend, None, 0)
                else:
                    param.grad._array[...] = averaged
        self.ddp.last_backward_timeline = [
            dict(entry, backward_start=self.backward_start, backward_end=backward_end)
            for _, _, _, entry in self.launched]

    def _globally_unused(self):
        """Parameters no rank used: their ``.grad`` stays as it was (None), as in PyTorch."""
        if not self.ddp.find_unused_parameters:
            return set()
        used = {i: self.ddp._params[i].grad is not None for i in range(len(self.ddp._params))}
        everyone = [None] * self.ddp._group.world_size
        all_gather_object(everyone, used, group=None)
        return {i for i in used if not any(rank_used[i] for rank_used in everyone)}


def _check_same_model_on_every_rank(named, group):
    mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in named]
    everyone = [None] * group.world_size
    all_gather_object(everyone, mine)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone[1:], start=1):
        if len(theirs) != len(reference):
            raise RuntimeError(
                f"DistributedDataParallel: rank {rank}'s model has {len(theirs)} parameters, "
                f"rank 0's has {len(reference)}: every rank must build the same model")
        for (name, shape, dtype), (name0, shape0, dtype0) in zip(theirs, reference):
            if (name, shape, dtype) != (name0, shape0, dtype0):
                raise RuntimeError(
                    f"DistributedDataParallel: parameter '{name}' has shape {shape} ({dtype}) on "
                    f"rank {rank} but '{name0}' has shape {shape0} ({dtype0}) on rank 0: every rank "
                    "must build the same model")


def _tensors_in(output):
    """The tensors in a forward's output (a tensor, or tuples, lists and dicts of them)."""
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _tensors_in(item)]
    return []


def _parameters_not_reached(outputs, params):
    """Indices of ``params`` that no path of the graph leads to from ``outputs``."""
    reached = set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None:
                continue
            child = edge[0]
            if isinstance(child, Tensor):
                reached.add(id(child))
            elif id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    for tensor in outputs:
        if tensor.grad_fn is None:
            reached.add(id(tensor))
    return [i for i, p in enumerate(params) if id(p) not in reached]
