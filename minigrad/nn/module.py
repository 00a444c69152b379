"""``Module``: the base class of every layer and model.

A module is a function with state. Its state is

- parameters: ``Parameter`` tensors the optimizer trains (``self.weight = Parameter(...)``);
- buffers: tensors that are saved but not trained, such as batch norm's running
  statistics (``self.register_buffer("running_mean", ...)``);
- submodules: other modules assigned as attributes (``self.fc1 = Linear(2, 16)``).

Assigning an attribute registers it, in order, so ``named_parameters()`` yields
``"fc1.weight", "fc1.bias", "fc2.weight", ...`` exactly as PyTorch does, and a
PyTorch ``state_dict`` loads into the same model written with minigrad.
Calling the module runs ``forward``.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from ..autograd import tracing as _tracing
from ..autograd.reset_grads import reset_grads
from ..backend import get_backend
from ..conversion import to_arguments
from ..tensor import Tensor
from ..utils.hooks import RemovableHandle
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class for layers and models: subclass it, build parts in ``__init__``,
    compute in ``forward``."""

    training = True

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args, **kwargs):
        if _tracing.recorder is not None:  # mg.compile: the module's configuration is a guard
            _tracing.recorder.module(self)
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in self._forward_pre_hooks.values():
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook in self._forward_hooks.values():
            changed = hook(self, args, output)
            if changed is not None:
                output = changed
        return output

    # -- registering state ---------------------------------------------------------
    def _check_setup(self, name):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called; "
                                 "call super().__init__() first in your __init__")

    def __setattr__(self, name, value):
        _tracing.configuration_changed()
        if isinstance(value, Parameter):
            self._check_setup(name)
            self._forget(name, keep=self._parameters)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_setup(name)
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                "(mg.nn.Parameter or None expected)")
            self._parameters[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} "
                                "(a Tensor or None expected)")
            self._buffers[name] = value
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} "
                                "(a Module or None expected)")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Drop ``name`` from wherever else it was registered before it goes into ``keep``.

        Within ``keep`` the entry is replaced where it stands, so re-assigning
        ``self.fc1`` keeps its place in ``named_parameters()`` and ``state_dict()``.
        """
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):  # only called when normal lookup fails
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        _tracing.configuration_changed()
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_new_name(self, kind, name, registry):
        """A name for a new entry of ``registry``: a non-empty string without '.', not
        already an attribute of another kind."""
        self._check_setup(name)
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        self._check_new_name("parameter", name, self.__dict__.get("_parameters", ()))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r} "
                            "(mg.nn.Parameter or None expected)")
        _tracing.configuration_changed()
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a tensor that is part of the state but not trained.

        Persistent buffers are saved in ``state_dict()``.
        """
        self._check_new_name("buffer", name, self.__dict__.get("_buffers", ()))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot register {type(tensor).__name__} as buffer {name!r} "
                            "(a Tensor or None expected)")
        _tracing.configuration_changed()
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` as the child ``name`` (what ``self.name = module`` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_new_name("module", name, self.__dict__.get("_modules", ()))
        _tracing.configuration_changed()
        self._modules[name] = module

    register_module = add_module

    def register_forward_hook(self, hook):
        """``hook(module, args, output)`` runs after ``forward``; a non-None result replaces the output."""
        _tracing.configuration_changed()
        return RemovableHandle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` runs before ``forward``; a non-None result replaces the args."""
        _tracing.configuration_changed()
        return RemovableHandle(self._forward_pre_hooks, hook)

    # -- walking the tree ----------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(name, module)`` for this module and every descendant, depth first."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                                remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted name, Parameter)`` in registration order; shared parameters once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target):
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} "
                                     f"(looking for {target!r})")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r}")
        return module._parameters[name]

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first), then on this one."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes -----------------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (dropout active, batch norm uses batch statistics) for the whole tree."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {mode!r}")
        self.training = mode
        for module in self.children():  # each child's own train(), in case it overrides it
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    @_tracing.whole_call
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter: to None (default) or to zeros."""
        reset_grads(self.parameters(), set_to_none)

    # -- moving between devices and dtypes --------------------------------------------
    def to(self, *args, device=None, dtype=None):
        """Move every parameter and buffer to ``device`` and/or cast floating ones to ``dtype``.

        Works in place (the Parameter objects stay the same, so an optimizer built
        afterwards sees them), as ``torch.nn.Module.to`` does.
        """
        device, dtype = to_arguments(args, device, dtype)
        target = get_backend(device) if device is not None else None
        if dtype is not None and np.dtype(dtype).kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {np.dtype(dtype)}")

        def convert(array, backend):
            if target is not None and target is not backend:
                array, backend = target.from_host(backend.to_host(array)), target
            if dtype is not None and array.dtype.kind == "f" and array.dtype != np.dtype(dtype):
                array = array.astype(dtype)
            return array, backend

        for module in self.modules():
            for tensor in list(module._parameters.values()) + list(module._buffers.values()):
                if tensor is None:
                    continue
                tensor._array, tensor._backend = convert(tensor._array, tensor._backend)
                if tensor.grad is not None:
                    grad = tensor.grad
                    grad._array, grad._backend = convert(grad._array, grad._backend)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # -- saving and loading ---------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict ``{"dotted.name": tensor}`` of parameters and persistent buffers.

        The tensors are detached and share memory with the module (as in PyTorch);
        ``mg.save`` writes them to a file. A submodule used in two places is saved
        under both names, as in PyTorch.
        """
        destination = OrderedDict() if destination is None else destination
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."),
                                                        remove_duplicate=False):
            dot = module_prefix + "." if module_prefix else ""
            for name, param in module._parameters.items():
                if param is not None:
                    destination[dot + name] = param if keep_vars else param.detach()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers:
                    destination[dot + name] = buffer if keep_vars else buffer.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Values may be minigrad tensors, NumPy arrays or anything NumPy can convert
        (a PyTorch tensor works). Every key and shape is checked before anything is
        copied: on an error the module is unchanged. With ``strict=True`` missing
        and unexpected keys are errors; otherwise they are returned as
        ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"expected a dict-like state_dict, got {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = self._unexpected_keys(state_dict)
        problems = []
        if strict and missing:
            problems.append("Missing key(s) in state_dict: "
                            + ", ".join(f'"{key}"' for key in missing) + ". ")
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: "
                            + ", ".join(f'"{key}"' for key in unexpected) + ". ")
        updates = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value.detach().numpy() if isinstance(value, Tensor) else _host_array(value)
            if array is None:
                problems.append(f'While copying the parameter named "{key}", expected a tensor or '
                                f"array, got {type(value).__name__}.")
            elif array.shape != tuple(target.shape):
                problems.append(f"size mismatch for {key}: copying a param with shape "
                                f"{tuple(array.shape)} from checkpoint, the shape in current model "
                                f"is {tuple(target.shape)}.")
            else:
                updates.append((target, array))
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(problems))
        for target, array in updates:
            target._array[...] = target._backend.from_host(np.asarray(array, dtype=target._array.dtype))
            target._version[0] += 1
        return IncompatibleKeys(missing, unexpected)

    def _unexpected_keys(self, state_dict):
        """Keys of ``state_dict`` that name nothing here, in PyTorch's order: module by
        module (depth first), each taking the keys that start with its prefix."""
        unexpected = []
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            dot = module_prefix + "." if module_prefix else ""
            names = {name for name, value in module._parameters.items() if value is not None}
            names |= {name for name, value in module._buffers.items()
                      if value is not None and name not in module._non_persistent_buffers}
            for key in state_dict:
                if not key.startswith(dot):
                    continue
                head, deeper, _ = key[len(dot):].partition(".")
                if head not in (module._modules if deeper else names):
                    unexpected.append(key)
        return unexpected

    # -- printing ----------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (its arguments)."""
        return ""

    def __repr__(self):
        """PyTorch's layout: ``Name(extra)`` on one line, or one line per extra and child."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(module).replace("\n", "\n  ")
                       for name, module in self._modules.items()]
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        if not extra_lines + child_lines:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n  " + "\n  ".join(extra_lines + child_lines) + "\n)"


def _host_array(value):
    """A NumPy array from a value a state dict may hold, or None if it is not array-like.

    A PyTorch tensor that requires grad (a ``torch.nn.Parameter`` from
    ``state_dict(keep_vars=True)``) is detached first, as NumPy cannot read it otherwise.
    """
    if hasattr(value, "detach"):
        value = value.detach()
    try:
        array = np.asarray(value)
    except Exception:
        return None
    return array if array.dtype.kind in "biuf" else None
