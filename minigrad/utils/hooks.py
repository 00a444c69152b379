"""``minigrad.utils.hooks``: the handle a ``register_..._hook`` call returns, as
``torch.utils.hooks.RemovableHandle``.

Tensors (``register_hook``), modules (``register_forward_hook``,
``register_forward_pre_hook``) and optimizers (``register_step_pre_hook``,
``register_step_post_hook``) all return one; ``handle.remove()`` unregisters the hook.
"""
from ..autograd import tracing as _tracing


class RemovableHandle:
    """Returned by every ``register_..._hook``; ``handle.remove()`` unregisters the hook.

    ``hooks`` is the registry: a list the caller already appended the hook to (a
    tensor's hooks), or a dict, to which the handle adds the hook under its own
    id (modules' forward hooks, optimizers' step hooks: kept in order).
    """

    _next_id = 0

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        if isinstance(hooks, dict):
            hooks[self.id] = hook

    def remove(self):
        _tracing.configuration_changed()  # (a module's forward hook, perhaps)
        if isinstance(self._hooks, dict):
            self._hooks.pop(self.id, None)
        elif self._hook in self._hooks:
            self._hooks.remove(self._hook)
