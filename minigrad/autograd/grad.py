"""``mg.autograd.grad``: gradients returned to the caller, not stored in ``.grad``."""
from ..tensor import Tensor, as_gradient
from .engine import run_backward


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
        if given is None:
            if output.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but output {position} "
                    f"has shape {tuple(output.shape)}: pass grad_outputs=")
            given = Tensor._make(output._backend.xp.ones_like(output.data), output._backend, None, 0)
        root_grads.append(as_gradient(given, output, "grad"))

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
