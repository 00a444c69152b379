"""``--optimizer muon``: Muon on the 2-D weight matrices, AdamW on every other parameter.

Muon orthogonalises the update of a weight matrix, which means nothing for a
bias vector: ``mg.optim.Muon``, like ``torch.optim.Muon``, refuses parameters
that are not 2-D, and PyTorch's documentation recommends optimizing the rest
(biases, gains) with AdamW. ``MuonWithAdamW`` does that as one optimizer, so
that ``minigrad train`` and its schedulers, checkpoints and ``Lookahead`` treat
it like any other: its ``param_groups`` are Muon's groups followed by AdamW's
(the same dicts, so a scheduler scales both learning rates by the same factor),
``step(closure)`` evaluates the closure once and then steps both.
"""
from ..optim import AdamW, Muon, Optimizer


class MuonWithAdamW(Optimizer):
    """MuonWithAdamW(params, lr=1e-3, weight_decay=0.1, ..., adamw_lr=0.01): Muon (its
    arguments and defaults) for the 2-D parameters, ``AdamW(lr=adamw_lr)`` for the others."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5,
                 adjust_lr_fn=None, adamw_lr=0.01):
        params = list(params)
        matrices = [param for param in params if param.ndim == 2]
        others = [param for param in params if param.ndim != 2]
        if not matrices:
            raise ValueError("Muon needs 2-D weights to optimize; this model has none")
        # No Optimizer.__init__: the groups are Muon's and AdamW's own dicts, shared.
        self.muon = Muon(matrices, lr=lr, weight_decay=weight_decay, momentum=momentum,
                         nesterov=nesterov, ns_coefficients=ns_coefficients, eps=eps,
                         ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        self.adamw = AdamW(others, lr=adamw_lr) if others else None
        self.parts = [self.muon] + ([self.adamw] if others else [])
        self.defaults = self.muon.defaults
        self.param_groups = [group for part in self.parts for group in part.param_groups]
        self.state = {}
        self._buckets = {}
        self._step_pre_hooks = {}
        self._step_post_hooks = {}

    def zero_grad(self, set_to_none=True):
        for part in self.parts:
            part.zero_grad(set_to_none)

    def _step_groups(self):
        """One Muon step and one AdamW step (``Optimizer.step`` evaluates the closure
        once and runs the hooks around them)."""
        for part in self.parts:
            part.step()

    def state_dict(self):
        """``{"muon": ..., "adamw": ...}``: each part's own ``state_dict()``."""
        return {"muon": self.muon.state_dict(),
                "adamw": None if self.adamw is None else self.adamw.state_dict()}

    def load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict) or set(state_dict) != {"muon", "adamw"}:
            raise ValueError("a MuonWithAdamW state_dict has the keys 'muon' and 'adamw'")
        self.muon.load_state_dict(state_dict["muon"])
        if self.adamw is not None:
            self.adamw.load_state_dict(state_dict["adamw"])

    def __repr__(self):
        return f"MuonWithAdamW({self.muon!r}, {self.adamw!r})"
