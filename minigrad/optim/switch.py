"""Switching optimizers mid-training: Adam first, then SGD to polish.

A recipe from the optimizer tutorials: adaptive methods make fast progress
early, while well-tuned SGD (with momentum) often generalises better late in
training, so practitioners start with Adam and switch to SGD. Keskar & Socher,
"Improving Generalization Performance by Switching from Adam to SGD" (2017),
study when to switch (their SWATS switches automatically); this helper switches
at a step you choose.

``SwitchOptimizer(first, second, switch_at)`` runs ``first.step()`` for the
first ``switch_at`` steps and ``second.step()`` afterwards. Both optimizers are
built on the *same* parameter tensors, so the parameters carry over unchanged;
each keeps its own state (the SGD momentum buffer starts empty at the switch,
as when you build a new optimizer by hand). Pick the second optimizer's lr for
its own scale: an SGD lr is usually 10-100x Adam's.

    first = mg.optim.Adam(model.parameters(), lr=1e-3)
    second = mg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    optimizer = mg.optim.SwitchOptimizer(first, second, switch_at=1000)

``param_groups`` are those of the optimizer in charge, so a scheduler built on
the SwitchOptimizer changes the lr of whichever is running. Doing it by hand is
the same thing: after ``switch_at`` steps, build the SGD optimizer on
``model.parameters()`` and keep training.
"""
from ..autograd import tracing as _tracing
from .optimizer import Optimizer


class SwitchOptimizer:
    """SwitchOptimizer(first, second, switch_at): ``first`` for ``switch_at`` steps, then ``second``."""

    def __init__(self, first, second, switch_at):
        for name, optimizer in (("first", first), ("second", second)):
            if not isinstance(optimizer, Optimizer):
                raise TypeError(f"{name} must be a minigrad optimizer, got {type(optimizer).__name__}")
        if not isinstance(switch_at, int) or switch_at < 0:
            raise ValueError(f"switch_at must be a non-negative int, got {switch_at!r}")
        ids = lambda optimizer: [id(p) for g in optimizer.param_groups for p in g["params"]]
        if set(ids(first)) != set(ids(second)):
            raise ValueError("first and second must optimize the same parameters")
        self.first, self.second, self.switch_at = first, second, switch_at
        self.steps_taken = 0

    @property
    def current(self):
        """The optimizer that the next ``step()`` runs."""
        return self.first if self.steps_taken < self.switch_at else self.second

    @property
    def param_groups(self):
        return self.current.param_groups

    @property
    def defaults(self):
        return self.current.defaults

    @_tracing.whole_call
    def step(self, closure=None):
        loss = self.current.step(closure)
        self.steps_taken += 1
        return loss

    @_tracing.whole_call
    def zero_grad(self, set_to_none=True):
        self.current.zero_grad(set_to_none)

    def state_dict(self):
        return {"steps_taken": self.steps_taken, "switch_at": self.switch_at,
                "first": self.first.state_dict(), "second": self.second.state_dict()}

    def load_state_dict(self, state_dict):
        missing = {"steps_taken", "first", "second"} - set(state_dict)
        if missing:
            raise ValueError(f"a SwitchOptimizer state_dict needs the keys {sorted(missing)}")
        self.first.load_state_dict(state_dict["first"])
        self.second.load_state_dict(state_dict["second"])
        self.steps_taken = int(state_dict["steps_taken"])

    def __repr__(self):
        return (f"SwitchOptimizer(switch_at={self.switch_at}, steps_taken={self.steps_taken},\n"
                f"first={self.first!r},\nsecond={self.second!r})")
