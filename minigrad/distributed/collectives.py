"""The collectives: operations every rank calls together, as in ``torch.distributed``.

With W ranks, rank r holding tensor x_r:

- ``all_reduce(x, op)``: every rank's x becomes op(x_0, …, x_{W−1}) (in place);
- ``broadcast(x, src)``: every rank's x becomes x_src (in place);
- ``all_gather(out_list, x)``: out_list[r] = x_r on every rank;
- ``reduce_scatter(out, in_list, op)``: rank r's out = op over ranks of in_list[r];
- ``barrier()``: returns once every rank has reached it.

Every rank must call the same collectives in the same order. The tensors stay
on their device: the backend reads and writes their arrays directly. With
``async_op=True`` the call only starts the collective and returns a ``Work``
whose ``wait()`` finishes it; otherwise it returns None once done.
"""
from .process_group import _check_group
from .reduce_op import ReduceOp


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over all ranks with ``op``, leaving the result in every rank's ``tensor``."""
    backend = _backend_for(group, tensor)
    work = backend.all_reduce(tensor._array, _reduce_op(op), async_op, tensor._backend.xp)
    return _returned(work, async_op, tensor)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``."""
    group_ = _check_group(group)
    if not 0 <= src < group_.world_size:
        raise ValueError(f"broadcast: src={src} is not a rank of this group of "
                         f"{group_.world_size} processes")
    backend = _backend_for(group, tensor)
    work = backend.broadcast(tensor._array, src, async_op, tensor._backend.xp)
    return _returned(work, async_op, tensor)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank."""
    backend = _backend_for(group, tensor)
    _check_list("all_gather", tensor_list, tensor, group)
    work = backend.all_gather([t._array for t in tensor_list], tensor._array, async_op,
                              tensor._backend.xp)
    return _returned(work, async_op, *tensor_list)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank r's ``output`` becomes ``op`` over all ranks of their ``input_list[r]``."""
    backend = _backend_for(group, output)
    _check_list("reduce_scatter", input_list, output, group)
    work = backend.reduce_scatter(output._array, [t._array for t in input_list],
                                  _reduce_op(op), async_op, output._backend.xp)
    return _returned(work, async_op, output)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has called ``barrier``."""
    _check_group(group).backend.barrier()
    if async_op:
        from .work import completed_work
        return completed_work()
    return None


def all_gather_object(object_list, obj, group=None):
    """``object_list[r]`` = rank r's ``obj`` (any picklable Python object), on every rank."""
    gathered = _check_group(group).comm.allgather(obj)
    if len(object_list) != len(gathered):
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries, "
                         f"the world size is {len(gathered)}")
    object_list[:] = gathered


def broadcast_object_list(object_list, src=0, group=None):
    """Replace ``object_list``'s entries by rank ``src``'s, on every rank."""
    object_list[:] = _check_group(group).comm.bcast(list(object_list), root=src)


def _backend_for(group, tensor):
    backend = _check_group(group).backend
    backend.check_tensor(tensor)
    return backend


def _reduce_op(op):
    if not isinstance(op, ReduceOp):
        raise ValueError(f"op must be a member of ReduceOp (SUM, AVG, PRODUCT, MAX, MIN), got {op!r}")
    return op


def _check_list(name, tensors, tensor, group):
    world = _check_group(group).world_size
    if len(tensors) != world:
        raise ValueError(f"{name}: the tensor list has {len(tensors)} tensors, but the world "
                         f"size is {world}: pass one tensor per rank")
    for other in tensors:
        if tuple(other.shape) != tuple(tensor.shape) or other.dtype != tensor.dtype:
            raise ValueError(f"{name}: every tensor in the list must have the shape and dtype of "
                             f"the tensor ({tuple(tensor.shape)}, {tensor.dtype}), got "
                             f"({tuple(other.shape)}, {other.dtype})")


def _returned(work, async_op, *changed):
    for tensor in changed:  # written in place: autograd's version check must see it
        tensor._version[0] += 1
    return work if async_op else None
