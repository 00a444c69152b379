"""``mg.autograd.grad``: gradients returned to the caller, not stored in ``.grad``."""
from ..tensor import Tensor
from .engine import run_backward
from .grad_outputs import as_gradient


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs), weighted by ``grad_outputs``, as a tuple.

    Nothing is accumulated into any ``.grad``. With ``create_graph=True`` the
    returned gradients are themselves part of a graph, so they can be
    differentiated again (Hessian-vector products, gradient penalties).
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")

    root_grads = []
    for position, (output, given) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad:
            raise RuntimeError(f"grad: output {position} does not require grad and has no grad_fn")
        root_grads.append(as_gradient(given, output, f"output {position}", "grad_outputs= to grad()"))

    keys = []
    for position, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: input {position} does not require grad")
        keys.append(tensor if tensor.grad_fn is None else (tensor.grad_fn, tensor._output_index))
    capture = dict.fromkeys(keys)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(list(outputs), root_grads, retain_graph, create_graph, capture)

    results = []
    for position, key in enumerate(keys):
        result = capture[key]
        if result is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {position} was not used to compute the outputs; "
                "pass allow_unused=True to get None for it")
        results.append(result)
    return tuple(results)
