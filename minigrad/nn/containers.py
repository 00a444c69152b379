"""Containers: modules that hold other modules.

- ``Sequential(a, b, c)``: ``forward(x)`` is ``c(b(a(x)))``; children are named "0", "1", ...
- ``ModuleList([...])``: a list whose modules are registered (so their parameters are found).
- ``ModuleDict({...})``: the same for a dict, in insertion order.

Indexing, slicing, deletion and their reprs behave as PyTorch's containers do:
after a deletion the children are renumbered "0", "1", ... again.
"""
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..autograd import tracing as _tracing
from .module import Module


def _checked_index(index, length):
    """``index`` (negative counts from the end) as a position in ``range(length)``."""
    index = int(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a container of {length} modules")
    return index % length


def _renumber(container, modules):
    """Make ``modules`` the container's children, named "0", "1", ..."""
    _tracing.configuration_changed()
    container._modules.clear()
    for position, module in enumerate(modules):
        container._modules[str(position)] = module


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children "0", "1", ... in order."""

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_checked_index(index, len(modules))]
        _renumber(self, modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def pop(self, index):
        module = self[index]
        del self[index]
        return module


class Sequential(_ModuleSequence):
    """Chain modules: the output of each is the input of the next.

    ``Sequential(m0, m1, ...)`` names the children "0", "1", ...;
    ``Sequential(OrderedDict(name=module, ...))`` keeps the given names.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        """A child by position, or a new ``Sequential`` (same names) for a slice."""
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(items[index]))
        return items[_checked_index(index, len(items))][1]

    def __setitem__(self, index, module):
        name = list(self._modules)[_checked_index(index, len(self._modules))]
        setattr(self, name, module)

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other).__name__} is given.")
        return Sequential(*self, *other)

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (``-len <= index <= len``)."""
        if not isinstance(module, Module):
            raise TypeError(f"module should be a Module, got {type(module).__name__}")
        modules = list(self._modules.values())
        if not -len(modules) <= index <= len(modules):
            raise IndexError(f"Index out of range: {index}")
        modules.insert(index, module)
        _renumber(self, modules)
        return self


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters belong to the parent module.

    It has no ``forward``: the parent decides how to call its entries.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(modules[index])
        return modules[_checked_index(index, len(modules))]

    def __setitem__(self, index, module):
        setattr(self, str(_checked_index(index, len(self._modules))), module)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def extend(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``, as ``list.insert`` does."""
        if not isinstance(module, Module):
            raise TypeError(f"module should be a Module, got {type(module).__name__}")
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)

    def __repr__(self):
        """PyTorch's compressed form: a run of equal entries prints once, as ``(0-2): 3 x ...``."""
        if not self._modules:
            return f"{type(self).__name__}()"
        runs = []  # [first index, last index, repr]
        for index, module in enumerate(self._modules.values()):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = index
            else:
                runs.append([index, index, text])
        lines = [(f"({first}): {text}" if first == last
                  else f"({first}-{last}): {last - first + 1} x {text}").replace("\n", "\n  ")
                 for first, last, text in runs]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules (insertion order) whose parameters belong to the parent module."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        _tracing.configuration_changed()
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def clear(self):
        _tracing.configuration_changed()
        self._modules.clear()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def update(self, modules):
        """Add or replace entries from a mapping or an iterable of ``(key, module)`` pairs."""
        if isinstance(modules, Mapping) or isinstance(modules, ModuleDict):
            pairs = list(modules.items())
        elif isinstance(modules, Iterable):
            pairs = list(modules)
            for position, pair in enumerate(pairs):
                if not isinstance(pair, Iterable):
                    raise TypeError(f"ModuleDict update sequence element #{position} should be "
                                    f"Iterable; is {type(pair).__name__}")
                if len(pair) != 2:
                    raise ValueError(f"ModuleDict update sequence element #{position} has length "
                                     f"{len(pair)}; 2 is required")
        else:
            raise TypeError("ModuleDict.update should be called with an iterable of key/value "
                            f"pairs, but got {type(modules).__name__}")
        for key, module in pairs:
            self[key] = module
