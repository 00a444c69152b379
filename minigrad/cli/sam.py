"""``--optimizer sam``: SAM in a loop that hands every optimizer one closure per step.

``minigrad train``'s loop (and ``mg.viz.trajectory``) calls
``optimizer.step(closure)`` and records the loss it returns, and nothing else:
no gradient is computed before the step. ``mg.optim.SAM.step(closure)``, like
pytorch-optimizer's, needs the gradient at the current weights w already
there, and evaluates the closure once, at w + ε. ``SAMFromClosure`` is SAM
whose ``step(closure)`` first runs the closure at w (the gradient SAM ascends
along, and the loss the run records) and then SAM's step (the closure again at
w + ε, and the base optimizer's step): two evaluations per step, as SAM costs.
Everything else (groups, state, ``state_dict``) is SAM's.
"""
from ..autograd.grad_mode import enable_grad
from ..optim import SAM


class SAMFromClosure(SAM):
    """SAM whose ``step(closure)`` evaluates the closure at w first; returns that loss."""

    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("SAM.step needs a closure that re-evaluates the loss and its "
                               "gradients")
        with enable_grad():
            loss = closure()
        super().step(closure)
        return loss
