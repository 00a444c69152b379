"""Lookahead: k fast steps forward, then one step back toward the slow weights.

optax 0.2.8's ``optax.lookahead(fast, sync_period=k, slow_step_size=α,
reset_state=False)`` exactly, around any minigrad optimizer. Two copies of the
weights: the *fast* weights φ, which the parameters hold and where gradients
are taken, and the *slow* weights θ. At every step t = 1, 2, ...:

    φ ← φ + (the base optimizer's step at φ)       e.g. SGD, Adam
    every k-th step:
        θ ← θ + α (φ − θ)                           the slow weights move a fraction α
        φ ← θ                                       the fast weights restart from there

The fast optimizer explores k steps ahead; the slow weights then take a
cautious step of size α along the direction it found. This damps the
oscillation of the fast trajectory (noise and high-curvature directions
average out over k steps) at almost no cost, and makes the base optimizer less
sensitive to its lr and momentum. The base optimizer's state (momentum, Adam's
moments) carries on through syncs (optax's ``reset_state=False``).

Which weights to evaluate with: the *slow* ones, θ (optax's
``LookaheadParams.slow``). Right after a sync (t a multiple of k) the
parameters hold them; in between, ``with optimizer.slow_weights(): ...``
swaps them in for the block (evaluation, saving a model) and restores the fast
weights on exit. Keep training outside that block.

Layout. ``param_groups`` is the base optimizer's own list, so schedulers that
change ``group["lr"]`` work on the Lookahead. Lookahead's per-parameter state
is ``"slow_param"`` (θ) and ``"step"`` (steps since the slow copy was taken; a
sync happens when it is a multiple of k); the copy is taken at a parameter's
first step with a gradient, before that step (= the initial weights, as optax
takes them at ``init``). Every parameter with a slow copy is synced, as optax
syncs every leaf. ``state_dict()`` is

    {"state": {index: {"step", "slow_param"}},      Lookahead's own state
     "param_groups": [...],                         the shared groups
     "base_optimizer": base_optimizer.state_dict()}

and ``load_state_dict`` restores both. ``zero_grad`` and ``add_param_group``
act on the base optimizer; ``k`` and ``alpha`` are constructor arguments, not
saved.

Reference: Zhang, Lucas, Hinton & Ba, "Lookahead Optimizer: k steps forward,
1 step back" (NeurIPS 2019); implementation matched: optax 0.2.8
``optax.lookahead``; kozistr's pytorch_optimizer ``Lookahead`` has the same
torch-style wrapper API.

Hyperparameters (optax name → minigrad name, default):

- ``fast_optimizer`` → ``base_optimizer``: any minigrad optimizer, built on the
  parameters first;
- ``sync_period`` → ``k``, 5 (optax has no default; the paper's);
- ``slow_step_size`` → ``alpha`` (α, in [0, 1]), 0.5 (the paper's);
- ``reset_state``: not offered (always False).
"""
from collections import defaultdict
from contextlib import contextmanager

from ..autograd import tracing as _tracing
from ..autograd.grad_mode import no_grad
from ._validation import real
from .optimizer import Optimizer


class Lookahead(Optimizer):
    """Lookahead(base_optimizer, k=5, alpha=0.5): wraps ``base_optimizer``; evaluate with
    ``with optimizer.slow_weights(): ...``."""

    def __init__(self, base_optimizer, k=5, alpha=0.5):
        if not isinstance(base_optimizer, Optimizer):
            raise TypeError(f"Lookahead wraps a minigrad optimizer, got "
                            f"{type(base_optimizer).__name__}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"Invalid k value: {k} (the sync period, a positive integer)")
        if not 0.0 <= real("alpha", alpha) <= 1.0:
            raise ValueError(f"Invalid alpha value: {alpha} (the slow step size, in [0, 1])")
        # No Optimizer.__init__: the groups are not copied but shared with the base.
        self.base_optimizer = base_optimizer
        self.k, self.alpha = k, alpha
        self.defaults = base_optimizer.defaults
        self.param_groups = base_optimizer.param_groups
        self.state = defaultdict(dict)
        self._buckets = {}
        self._step_pre_hooks = {}
        self._step_post_hooks = {}

    def add_param_group(self, param_group):
        """Add a group to the base optimizer (and so to the Lookahead)."""
        self.base_optimizer.add_param_group(param_group)

    @_tracing.whole_call
    def zero_grad(self, set_to_none=True):
        self.base_optimizer.zero_grad(set_to_none)

    def init_state(self, group, param):
        return {"slow_param": param.copy()}

    @_tracing.whole_call
    def step(self, closure=None):
        """One base-optimizer step; every k-th step, the slow weights move and the fast
        weights jump to them. Returns the closure's loss, as the base optimizer does."""
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        if closure is None:
            self._take_slow_copies()
            loss = self.base_optimizer.step()
        else:
            def closure_then_copy():
                loss = closure()
                self._take_slow_copies()  # grads now exist; params not yet changed
                return loss
            loss = self.base_optimizer.step(closure_then_copy)
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param in self.state:
                        self._count_and_sync(param, self.state[param])
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _take_slow_copies(self):
        """θ = φ for each parameter about to take its first step."""
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None and param not in self.state:
                        self._create_state(group, param)

    def _count_and_sync(self, param, state):
        state["step"] += 1
        if state["step"] % self.k == 0:
            slow = state["slow_param"]._array
            slow += self.alpha * (param._array - slow)
            param._array[...] = slow
            param._version[0] += 1

    @contextmanager
    def slow_weights(self):
        """``with optimizer.slow_weights():`` the parameters hold the slow weights θ (the
        ones to evaluate) inside the block, and their fast weights again after it."""
        fast = []
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param in self.state:
                        fast.append((param, param._array.copy()))
                        param._array[...] = self.state[param]["slow_param"]._array
                        param._version[0] += 1
        try:
            yield self
        finally:
            with no_grad():
                for param, weights in fast:
                    param._array[...] = weights
                    param._version[0] += 1

    def state_dict(self):
        """Lookahead's state and groups, with the base optimizer's ``state_dict()`` under
        ``"base_optimizer"`` (see the module docstring)."""
        own = super().state_dict()
        own["base_optimizer"] = self.base_optimizer.state_dict()
        return own

    def load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict) or "base_optimizer" not in state_dict:
            raise ValueError("a Lookahead state_dict needs the key 'base_optimizer' (the "
                             "wrapped optimizer's state_dict), as Lookahead.state_dict() makes")
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "base_optimizer"})
        self.base_optimizer.load_state_dict(state_dict["base_optimizer"])

    def __repr__(self):
        return f"Lookahead(k={self.k}, alpha={self.alpha}) over {self.base_optimizer!r}"
