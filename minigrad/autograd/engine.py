"""The backward pass: walk the graph from the outputs to the leaves.

``loss.backward()`` and ``mg.autograd.grad`` both come here. The graph is made
of nodes (the ``ctx`` of each recorded ``Function``), joined by edges from each
node to the nodes that produced its inputs; leaves (tensors a user created with
``requires_grad=True``) end the edges.

The walk is Kahn's topological sort, iterative so that a chain of 100 000
operations needs no deep recursion:

1. Count, for every node reachable from the outputs, how many edges point at
   it (``pending``): the number of gradient contributions it must wait for.
2. Start from the nodes nobody points at. Take a ready node, sum the gradients
   waiting for it, call its ``backward``, and send each input gradient along
   its edge, summing into the next node's buffer. When a node's count reaches
   zero all its contributions have arrived, and it becomes ready.
3. A leaf's summed gradient is added to its ``.grad``.

Undoing broadcasting happens here, once for every op: if an input of shape
(3, 1) was broadcast to (3, 4), its gradient arrives as (3, 4) and is summed
back to (3, 1) by ``sum_to`` (itself differentiable). Unless
``retain_graph=True``, each node drops everything it kept for backward (its
saved tensors and intermediates) as soon as it is done, so the intermediate
arrays are freed during the pass.
"""
from ..tensor import Tensor, new_tensor
from .autocast_hook import suspended as autocast_suspended
from .grad_mode import set_grad_enabled, _state
from .callbacks import run_with_queued_callbacks
from . import tracing


@autocast_suspended()  # backward ops run in the dtypes the forward chose
def run_backward(roots, root_grads, retain_graph, create_graph, capture=None):
    """Walk the graph (``_walk``); then run the callbacks queued during the walk."""
    run_with_queued_callbacks(_walk, roots, root_grads, retain_graph, create_graph, capture)


def _walk(roots, root_grads, retain_graph, create_graph, capture=None):
    """Back-propagate ``root_grads`` from the tensors ``roots``.

    Without ``capture`` gradients accumulate into the leaves' ``.grad``
    (``Tensor.backward``). With ``capture`` (a dict whose keys are leaf tensors
    or ``(node, output_index)`` pairs) the gradients reaching those keys are
    stored in it instead and no ``.grad`` is touched (``autograd.grad``). Then,
    as in PyTorch, only the nodes that lie between the roots and those keys run:
    the rest of the graph is neither computed, nor freed, nor are its hooks called.
    """
    from ..ops.shape import sum_to  # the ops are built on top of this module
    from ..ops.elementwise import cast

    if tracing.recorder is not None:
        tracing.recorder.check_backward(create_graph)
    buffers = {}
    # Sums this walk made itself: only those may be added to in place (a gradient
    # received from a backward may be shared, e.g. an add passes one to both inputs).
    owned = None if create_graph else set()
    starts = []
    for root, grad in zip(roots, root_grads):
        node, index = (root.grad_fn, root._output_index) if root.grad_fn is not None else (root, 0)
        _add_to_buffer(buffers, node, index, grad, owned)
        starts.append(node)
    parents = None if capture is None else {}
    pending = _count_dependencies(starts, parents)
    runs = visits = None  # with capture: the nodes whose backward runs / that see a gradient
    if capture is not None:
        targets = {key if isinstance(key, Tensor) else key[0] for key in capture}
        runs = _ancestors(targets, parents)
        visits = runs | targets
    ready = [node for node in dict.fromkeys(starts) if pending.get(node, 0) == 0]
    check_anomaly = _state.anomaly

    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if owned and grads is not None:
                for grad in grads:
                    owned.discard(id(grad))
            if isinstance(node, Tensor):  # a leaf
                if grads is not None:
                    _deliver_to_leaf(node, grads[0], capture, create_graph)
                continue
            edges = node.next_edges
            if grads is None or visits is not None and node not in visits:
                if grads is None and capture is None and not retain_graph:
                    node._release()  # reached, but every gradient for it was None
                _release_inputs(edges, pending, ready)  # no gradient wanted here: only release
                continue
            if node._hooks is not None or capture is not None:
                _call_node_hooks(node, grads, capture)
            if runs is not None and node not in runs:  # a captured input with nothing wanted behind it
                _release_inputs(edges, pending, ready)
                continue
            if node._backend.scope is None:
                input_grads = _node_backward(node, grads, check_anomaly)
            else:  # a GPU: its backward runs with that GPU current
                with node._backend.scope:
                    input_grads = _node_backward(node, grads, check_anomaly)
            if not retain_graph:
                node._release()
            for position, edge in enumerate(edges):
                if edge is None:
                    continue
                child, index, shape, dtype = edge
                grad = input_grads[position]
                if grad is not None:
                    if not isinstance(grad, Tensor):
                        _raise_not_a_tensor(node, position, grad)
                    data = grad._array
                    if data.shape != shape:
                        grad = _reduce_to_input_shape(node, position, grad, shape, sum_to)
                    if data.dtype != dtype:
                        grad = cast(grad, dtype)
                    _add_to_buffer(buffers, child, index, grad, owned)
                count = pending[child] - 1
                pending[child] = count
                if count == 0:
                    ready.append(child)


def _release_inputs(edges, pending, ready):
    """Count this node's edges as done; inputs with nothing left to wait for are ready."""
    for edge in edges:
        if edge is not None:
            child = edge[0]
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)


def _count_dependencies(starts, parents=None):
    """For every node reachable from ``starts``: how many edges point at it.

    If ``parents`` (a dict) is given, it is filled with each node's list of the
    nodes whose edges point at it.
    """
    pending = {}
    stack = list(dict.fromkeys(starts))
    seen = set(stack)
    while stack:
        node = stack.pop()
        if isinstance(node, Tensor):
            continue
        for edge in node.next_edges:
            if edge is None:
                continue
            child = edge[0]
            pending[child] = pending.get(child, 0) + 1
            if parents is not None:
                parents.setdefault(child, []).append(node)
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return pending


def _ancestors(targets, parents):
    """Every node with a path to one of ``targets``: those whose backward must run."""
    found = set()
    stack = list(targets)
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def _add_to_buffer(buffers, node, index, grad, owned=None):
    """Sum ``grad`` into the gradient waiting for output ``index`` of ``node``.

    Without a graph to build (``owned`` is a set), the second gradient makes a
    new array that this walk owns, and later ones are added into it in place:
    a recurrent weight used at every time step collects its gradients without
    allocating a new array for each.
    """
    slots = buffers.get(node)
    if slots is None:
        count = 1 if isinstance(node, Tensor) else len(node._output_meta)
        slots = buffers[node] = [None] * count
    current = slots[index]
    if current is None:
        slots[index] = grad
    elif owned is None:
        slots[index] = current + grad
    elif id(current) in owned:
        current._array += grad._array
        if tracing.recorder is not None:
            tracing.recorder.add(current._backend, current._array, grad._array, None, True)
    else:
        backend = current._backend
        total = current._array + grad._array
        if not backend.is_array(total):  # NumPy gives a scalar for two 0-d arrays
            total = backend.xp.asarray(total)
        if tracing.recorder is not None:
            tracing.recorder.add(backend, current._array, grad._array, total, False)
        total = new_tensor(total, backend, None, 0)
        owned.add(id(total))
        slots[index] = total


def _node_backward(node, grads, check_anomaly):
    """Call ``node.backward`` with every output gradient filled in; check the result."""
    if len(grads) > 1 and any(g is None for g in grads):  # an unused output gets zeros
        xp = node._backend.xp
        grads = [g if g is not None else new_tensor(xp.zeros(shape, dtype), node._backend, None, 0)
                 for g, (shape, dtype) in zip(grads, node._output_meta)]
    if node.array_backward and not _state.enabled:
        input_grads = _backward_on_arrays(node, grads)
    else:
        recorder, tracing.recorder = tracing.recorder, None  # recorded below as one call
        node._on_tensors = True
        try:
            input_grads = node.backward(node, *grads)
        finally:
            node._on_tensors = False
            tracing.recorder = recorder
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if tracing.recorder is not None:
        tracing.recorder.backward(node, grads, input_grads)
    if len(input_grads) != len(node.next_edges):
        raise RuntimeError(
            f"{type(node).__name__}.backward returned {len(input_grads)} gradients, but forward took "
            f"{len(node.next_edges)} arguments: return one gradient (or None) per argument.")
    if check_anomaly:
        _check_finite(node, input_grads)
    return input_grads


def _backward_on_arrays(node, grads):
    """Run ``node.backward`` on the arrays inside the gradients and saved tensors
    (see ``Function.array_backward``) and wrap what it returns as tensors."""
    node._on_arrays = True
    try:
        results = node.backward(node, *[g._array for g in grads])
    finally:
        node._on_arrays = False
    if not isinstance(results, tuple):
        results = (results,)
    backend = node._backend
    wrapped = []
    for result in results:
        if result is not None and not isinstance(result, Tensor):
            if not backend.is_array(result):  # NumPy returns scalars for 0-d results
                result = backend.xp.asarray(result)
            result = new_tensor(result, backend, None, 0)
        wrapped.append(result)
    return tuple(wrapped)


def _raise_not_a_tensor(node, position, grad):
    raise TypeError(
        f"{type(node).__name__}.backward returned a {type(grad).__name__} as the gradient for input "
        f"{position}: return Tensors (or None), e.g. built with minigrad operations from the "
        "gradient it received")


def _check_finite(node, input_grads):
    for position, grad in enumerate(input_grads):
        if grad is None:
            continue
        xp = node._backend.xp
        if not bool(xp.all(xp.isfinite(grad._array))):
            kind = "nan" if bool(xp.any(xp.isnan(grad._array))) else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its gradient for "
                f"input {position}. The {type(node).__name__} operation was created at:\n"
                f"{getattr(node, '_created_at', '<enable anomaly mode before the forward pass to see where>')}")


def _reduce_to_input_shape(node, position, grad, shape, sum_to):
    """Sum a broadcast gradient back to its input's shape, or explain the mismatch."""
    try:
        return sum_to(grad, shape)
    except RuntimeError:  # SumTo found the shapes incompatible
        raise RuntimeError(
            f"{type(node).__name__}.backward returned a gradient of shape {tuple(grad.shape)} for input "
            f"{position}, whose shape is {tuple(shape)}") from None


def _call_node_hooks(node, grads, capture):
    """Run the hooks registered on this node's output tensors, then capture."""
    hooks = node._hooks
    if hooks and tracing.recorder is not None:
        tracing.recorder.refuse("a gradient hook (register_hook) runs Python on the gradients")
    if hooks:
        for index, functions in hooks.items():
            if grads[index] is None:
                continue
            for hook in list(functions):
                replaced = hook(grads[index])
                if replaced is not None:
                    grads[index] = replaced
    if capture is not None:
        for index, grad in enumerate(grads):
            if (node, index) in capture and grad is not None:
                capture[(node, index)] = grad


def _deliver_to_leaf(leaf, grad, capture, create_graph):
    """Run the leaf's hooks; then add the gradient to ``.grad`` (or capture it).

    With ``capture`` (``autograd.grad``) a leaf that was not asked for is left
    alone, its hooks included, as in PyTorch.
    """
    if capture is not None and leaf not in capture:
        return
    if (leaf._hooks or leaf._post_accumulate_grad_hooks) and tracing.recorder is not None:
        tracing.recorder.refuse("a gradient hook (register_hook, register_post_accumulate_grad_hook"
                                ") runs Python on the gradients")
    for hook in list(leaf._hooks or ()):
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    if capture is not None:
        capture[leaf] = grad
        return
    accumulate_grad(leaf, grad, create_graph)
    for hook in list(leaf._post_accumulate_grad_hooks or ()):
        hook(leaf)


def accumulate_grad(tensor, grad, create_graph):
    """``tensor.grad += grad``, as PyTorch does it.

    The first gradient is stored as a copy, so that ``.grad`` never shares
    memory with another tensor (an add's two inputs receive the same gradient
    object). Later gradients are added in place, unless a graph is being built
    (``create_graph=True``), when the sum must stay differentiable.
    """
    current = tensor._grad
    if current is None:
        tensor._grad = grad if create_graph else new_tensor(grad._array.copy(), grad._backend, None, 0)
    elif current._array.shape != grad._array.shape or current._backend is not grad._backend:
        raise RuntimeError(  # e.g. `p.data = ...` gave the tensor another shape or device since
            f"the gradient computed for a tensor of shape {tuple(grad.shape)} on {grad.device} "
            f"can't be added to its .grad of shape {tuple(current.shape)} on "
            f"{current.device}; set .grad = None first")
    elif create_graph or current.requires_grad:
        tensor._grad = current + grad
    else:
        current._array += grad._array
    if tracing.recorder is not None:  # mg.compile: the addition, and what .grad holds now
        tracing.recorder.accumulate(tensor, grad._array)
