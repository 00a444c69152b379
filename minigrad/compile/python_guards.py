"""Guards on the Python values a recorded step read: a change records it again.

A replay repeats array calls, so every Python value the step read while it was
recorded is fixed in the record: a dropout's ``p``, a loss's ``reduction``, a
layer's parameters (the objects), a learning rate kept in a global of the step's
code. Where such a value changes, the eager step would compute something else,
so the replay is refused and the step recorded again. Watched are:

- each module the step called: its plain attributes (numbers, strings, booleans,
  tuples of them: ``training``, ``p``, ``eps``, ``kernel_size``), and its other
  attributes, parameters, buffers, submodules and forward hooks as objects (a
  parameter or a layer replaced, a tensor or a function assigned as an
  attribute, a hook registered or removed);
- each tensor the step read without making it (a parameter): whether it has
  gradient hooks, which a replay can't run (registered since, the step is
  recorded again, and the recording refuses them);
- the step function's own code: the values it reads from its globals and from
  the variables of the functions around it (its closure): the same objects (the
  model, the optimizer), or equal plain values (``lr = 0.1`` at the top of a
  script).

Values read deeper, by other functions the step calls, are not watched (see the
guide, "What breaks a trace").
"""
import operator
import types

from ..autograd import tracing

_PLAIN = (bool, int, float, complex, str, type(None))


def _is_plain(value):
    if type(value) is tuple:
        return all(_is_plain(item) for item in value)
    return type(value) in _PLAIN


class Configuration:
    """What the modules a step called may read besides their tensors' values, as it
    was at recording: each module's plain attributes (by value) and its other
    attributes, parameters, buffers and submodules (the objects, by identity: a
    function or a tensor assigned as an attribute, a parameter replaced), and its
    forward hooks; and which of the tensors the step read have gradient hooks (a
    replay can't run them: a hook registered since records again, which refuses it).
    ``hold()`` tells whether all of it is unchanged; it compares them only when a
    module or a hook somewhere changed since it last looked
    (``tracing.configuration_changes``), so a replay usually pays one comparison of
    two numbers."""

    def __init__(self, modules, tensors):
        self.modules, self.tensors = modules, tensors
        self.plain, self.objects = self._current()
        self.seen = tracing.configuration_changes

    def _current(self):
        plain, objects = [], []
        for module in self.modules:
            attributes = vars(module)
            for name, value in attributes.items():
                if _is_plain(value):
                    plain.append((name, value))
                else:
                    objects.append(value)
            objects += attributes["_parameters"].values()
            objects += attributes["_buffers"].values()
            objects += attributes["_modules"].values()
            plain.append((tuple(attributes["_forward_pre_hooks"]),
                          tuple(attributes["_forward_hooks"])))
        plain += [bool(t._hooks or t._post_accumulate_grad_hooks) for t in self.tensors]
        return plain, objects

    def hold(self):
        if tracing.configuration_changes == self.seen:
            return True
        plain, objects = self._current()
        # (the objects by identity: a Tensor's == is elementwise)
        if plain != self.plain or len(objects) != len(self.objects) \
                or not all(map(operator.is_, objects, self.objects)):
            return False
        self.seen = tracing.configuration_changes  # (a change elsewhere, or undone: model.train())
        return True


class StepValues:
    """The values ``fn``'s own code reads from its globals and its closure (the model,
    the optimizer, a learning rate kept in a global), as they were at recording;
    ``hold()`` tells whether each is still the same object, or a plain value equal to
    it (of the same type: 1 is not 1.0 for the arithmetic, nor -0.0 0.0)."""

    def __init__(self, fn):
        self.names, self.namespace, self.cells, self.cell_names = [], {}, [], []
        if isinstance(fn, types.MethodType):
            fn = fn.__func__
        if isinstance(fn, types.FunctionType):  # (a callable object, a partial: not read)
            self.namespace = fn.__globals__
            self.names = sorted(name for name in _global_names(fn.__code__)
                                if name in self.namespace)
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
                if _assigned(cell):
                    self.cells.append(cell)
                    self.cell_names.append(name)
        self.values = self._current()
        self.sizes = [len(v) if type(v) in (list, dict, set) else None for v in self.values]

    def _current(self):
        namespace = self.namespace
        return [namespace[name] for name in self.names] + [c.cell_contents for c in self.cells]

    def hold(self):
        if not self.values:
            return True
        try:
            now = self._current()
        except (KeyError, ValueError):  # a global deleted, a variable of the closure too
            return False
        if all(map(operator.is_, now, self.values)):
            return True
        return all(map(_same, now, self.values))

    def changed(self):
        """The names of the values that are no longer what they were, and of the lists,
        dicts and sets among them that grew or shrank (``losses.append(loss)``)."""
        try:
            now = self._current()
        except (KeyError, ValueError):
            return ["a global or a variable deleted"]
        return [name for name, a, b, size in zip(self.names + self.cell_names, now,
                                                 self.values, self.sizes)
                if not _same(a, b) or size is not None and len(a) != size]


def _same(a, b):
    return a is b or (_is_plain(a) and type(a) is type(b) and repr(a) == repr(b))


def _assigned(cell):
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _global_names(code):
    """The global names read by ``code`` and the code nested in it (comprehensions, lambdas)."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return names
