"""``Optimizer``: the base class every optimizer in ``minigrad.optim`` builds on.

An optimizer holds

- ``param_groups``: a list of dicts, each with ``"params"`` (a list of tensors)
  and that group's hyperparameters (``lr``, ``weight_decay``, ...); constructor
  arguments are the defaults for every group, as in PyTorch;
- ``state``: a dict from parameter to that parameter's running statistics
  (``"step"``, ``"exp_avg"``, ...), created on the first step in which the
  parameter has a gradient.

A subclass writes down its algorithm and nothing else:

- ``init_state(group, param)`` returns the fresh state of one parameter (arrays
  shaped like it, and Python numbers for scalar statistics);
- ``update(group, param, grad, state, step)`` applies one step of the update
  rule, in place, on backend arrays; ``step`` is t, counted from 1;
- ``update_scalars(group, state, step)`` (optional) advances scalar statistics
  such as NAdam's running product of momentum coefficients, once per step.

``step()`` runs each param group one of two ways:

- the plain loop: ``update`` on each parameter that has a gradient, on its
  whole arrays. This is the rule of record: what a learner reads in ``sgd.py``
  or ``adam.py`` is what runs;
- the fast path (``optim/fast/``, which a learner can skip): the same rule over
  many parameters at once, through flat buffers, slices, threads and, where
  the optimizer wrote one beside its ``update``, a compiled kernel. It runs
  only where it is provably the same rule (``optim/fast/rule.py``: the class
  that defines ``update`` declares ``elementwise = True``), and
  ``foreach``/``fused`` choose between the two as in PyTorch
  (``optim/fast/choice.py``).
"""
import contextlib
from collections import defaultdict

from ..autograd import tracing as _tracing
import numpy as np

from ..autograd.reset_grads import reset_grads
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor, new_tensor
from ..utils.hooks import RemovableHandle
from ..backend import get_backend
from . import fast
from ._validation import check_kinds


class _Required:
    """Marks a hyperparameter that has no default (``Lookahead``'s base optimizer, ...)."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: param groups, lazily created state, ``step``, ``zero_grad``,
    ``state_dict`` / ``load_state_dict`` in PyTorch's layout, and step hooks."""

    elementwise = False  # True where each element's update depends on that element alone

    def __init__(self, params, defaults):
        check_kinds(type(self), defaults)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._buckets = {}  # id(group) -> the fast path's flat buckets (optim/fast/)
        self._step_pre_hooks = {}
        self._step_post_hooks = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        if isinstance(params, (set, frozenset)):
            raise TypeError("params argument given to the optimizer should be an ordered "
                            "iterable (a list), not a set: the order of parameters matters for "
                            "state_dict()")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- param groups -------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (missing ones take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs; use a list")
        params = list(params)
        names = []
        for index, entry in enumerate(params):
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
                names.append(entry[0])
                params[index] = entry[1]
        if names and len(names) != len(params):
            raise ValueError("all parameters in a group should be given with names, or none")
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed from others); "
                                 "optimize the leaf it came from, or .detach().requires_grad_()")
            if param._array.dtype.kind != "f":
                raise ValueError(f"can only optimize floating-point tensors, got dtype "
                                 f"{param._array.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears twice in one parameter group")
        group["params"] = params
        if names:
            group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        existing = {id(p) for other in self.param_groups for p in other["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        fast.check_choice(self, group)  # foreach / fused: of the right kind, and able to run
        self.param_groups.append(group)

    # -- the step -----------------------------------------------------------------
    @_tracing.whole_call
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized parameters: to None (default) or to zeros."""
        reset_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    @_tracing.whole_call
    def step(self, closure=None):
        """One optimization step for every parameter that has a gradient, group by
        group (``_step_group``: the plain loop over ``update``, or the fast path).

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs
        with gradient recording on, and its loss is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        with no_grad(), self._device_scope():
            self._step_groups()
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _device_scope(self):
        """The GPU made current for the step (state, temporaries and kernels land on it)
        when every parameter on a GPU is on the same one; otherwise nothing here, and
        ``_step_group`` makes each parameter's GPU current in turn."""
        backends = {p._backend for group in self.param_groups for p in group["params"]
                    if p._backend.scope is not None}
        if len(backends) == 1:
            return next(iter(backends)).scope
        return contextlib.nullcontext()

    def _step_groups(self):
        """The step itself, between the hooks and under ``no_grad``: each group in turn.
        An optimizer whose step couples its groups (one step size estimated over all of
        them, a decision taken once per step) overrides this, not ``step``, and so keeps
        the closure and the hooks as they are."""
        for group in self.param_groups:
            self._step_group(group)

    def _step_group(self, group):
        """One step of one param group: the plain loop, or the fast path where it runs
        the same rule (``foreach``/``fused`` choose, as in PyTorch)."""
        params = self._params_with_grads(group)
        fast_path = fast.path_for(self, group)
        if len({p._backend for p in params if p._backend.scope is not None}) > 1:
            self._step_on_devices(group, params, fast_path)  # several GPUs: each current in turn
        elif fast_path is None:
            for param in params:
                self._step_param(group, param)
        else:
            fast.step_group(self, group, params, fast_path)

    def _step_on_devices(self, group, params, fast_path):
        """``_step_group``'s work for parameters on GPUs: the parameters of each device in
        turn, with that device current (state, temporaries and kernels land on it)."""
        by_device = {}
        for param in params:
            by_device.setdefault(param._backend, []).append(param)
        for backend, members in by_device.items():
            with backend.scope or contextlib.nullcontext():
                if fast_path is None:
                    for param in members:
                        self._step_param(group, param)
                else:
                    fast.step_group(self, group, members, fast_path)

    def _step_param(self, group, param):
        """The plain loop's step of one parameter: ``update`` on its whole arrays."""
        step, scalars = self._advance_step(group, [param])
        grad = param.grad._array
        if group.get("maximize", False):
            grad = -grad
        state = {k: v._array for k, v in self.state[param].items() if isinstance(v, Tensor)}
        state.update(scalars)
        self.update(group, param._array, grad, state, step)
        param._version[0] += 1

    def _params_with_grads(self, group):
        """The group's parameters that have a gradient, each given its state on its
        first step; a gradient of the wrong shape is refused."""
        params = [p for p in group["params"] if p._grad is not None]
        for param in params:
            if param._grad._array.shape != param._array.shape:
                raise RuntimeError(f"a parameter of shape {tuple(param.shape)} has a gradient of "
                                   f"shape {tuple(param.grad.shape)}")
            if param not in self.state:
                with param._backend.scope or contextlib.nullcontext():  # a GPU: state on it
                    self._create_state(group, param)
        return params

    def _advance_step(self, group, params):
        """Count one more step for ``params`` (all at the same count so far) and advance
        the scalar statistics once; returns ``(step, scalars)``, the scalar state
        entries (``"step"`` among them) that ``update`` receives with the arrays."""
        states = [self.state[p] for p in params]
        step = states[0]["step"] + 1
        scalars = {k: v for k, v in states[0].items() if not isinstance(v, Tensor)}
        scalars["step"] = step
        self.update_scalars(group, scalars, step)
        for state in states:
            state.update(scalars)
        return step, scalars

    def _create_state(self, group, param):
        backend = param._backend
        state = {"step": 0.0}
        for name, value in self.init_state(group, param._array).items():
            state[name] = new_tensor(value, backend, None, 0) if backend.is_array(value) else value
        self.state[param] = state

    # -- what a subclass defines -----------------------------------------------------
    def init_state(self, group, param):
        """The state of ``param`` before its first step: ``{name: array or number}``."""
        return {}

    def update(self, group, param, grad, state, step):
        """Apply the update rule in place; overridden by every optimizer."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    def update_scalars(self, group, state, step):
        """Advance scalar statistics once per step (before ``update``); most need none."""

    def whole_parameter_option(self, group):
        """The option of ``group`` under which ``update`` reads each parameter whole (a sum
        over its elements), as text for messages, or None where ``update`` is elementwise
        with this group's options. ``cautious=True`` is such an option (``cautious.py``:
        the mask is rescaled by a sum over the parameter). The fast path, which cuts
        parameters into slices and packs many into one buffer, does not run such a group:
        ``step()`` takes the plain loop (``optim/fast/choice.py``)."""
        return "cautious=True" if group.get("cautious") else None

    def fused_kernel(self, group):
        """Optional: the update as one fused elementwise kernel (``optim/fast/kernel.py``)
        for this group's options, compiled by the C compiler on the CPU and by CuPy on a
        GPU; None where there is none. Used only where defined in the same class as
        ``update`` (``optim/fast/rule.py``)."""
        return None

    def kernel_scalars(self, group, step):
        """The scalar arguments of ``fused_kernel(group)`` at step ``step``."""
        return {}

    # -- hooks ------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs before every ``step``; returns a handle."""
        return RemovableHandle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs after every ``step``; returns a handle."""
        return RemovableHandle(self._step_post_hooks, hook)

    # -- saving and resuming -----------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered in order across groups, as in PyTorch, so the dict
        holds no tensors of the model itself. ``"step"`` is a 0-d float32 tensor.
        """
        index_of, groups = {}, []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                packed["params"].append(index_of[id(param)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                if param in self.state:
                    state[index_of[id(param)]] = {
                        k: (v if isinstance(v, Tensor) else _scalar_tensor(k, v))
                        for k, v in self.state[param].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore state and per-group hyperparameters from ``state_dict()``'s output.

        Floating state is cast to each parameter's dtype and device. The groups must
        match this optimizer's in number and size; everything is checked before
        anything changes.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError("an optimizer state_dict needs the keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but the optimizer has {len(self.param_groups)}")
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group {number} of "
                                 f"{len(saved['params'])} parameters, but the optimizer's group "
                                 f"has {len(group['params'])}")
        param_of = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for index, param in zip(saved["params"], group["params"]):
                param_of[index] = param
        group_of = {id(p): g for g in self.param_groups for p in g["params"]}
        new_state = {}
        for index, saved_state in state_dict["state"].items():
            key = int(index)
            if key not in param_of:
                raise ValueError(f"loaded state refers to parameter {key}, which no group holds")
            param = param_of[key]
            fresh = self.init_state(group_of[id(param)], param._array)
            new_state[param] = {
                name: _state_value(name, value, param, key, fresh.get(name))
                for name, value in saved_state.items()}
        self.state = defaultdict(dict, new_state)
        self._buckets = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = value

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            for name in sorted(group):
                if name != "params":
                    lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)


def apply_weight_decay(group, param, grad):
    """Weight decay λ = ``group["weight_decay"]`` as the Adam family applies it, before
    the moments: decoupled, θ ← θ(1 − γλ) in place (AdamW), when
    ``group["decoupled_weight_decay"]``; otherwise L2, g ← g + λθ. Returns the
    gradient the update goes on with (a new array: the caller's is never written)."""
    weight_decay = group["weight_decay"]
    if weight_decay == 0:
        return grad
    if group["decoupled_weight_decay"]:
        param *= 1 - group["lr"] * weight_decay
        return grad
    return grad + weight_decay * param


def _scalar_tensor(name, value):
    """A scalar statistic as a 0-d CPU tensor (``"step"`` is float32, as in PyTorch)."""
    array = np.array(value, dtype=np.float32 if name == "step" else np.float64)
    return new_tensor(array, get_backend("cpu"), None, 0)


def _state_value(name, value, param, index, fresh):
    """A saved state entry, made ready for ``param``: arrays take its dtype and device,
    scalar statistics (``"step"``, ...) become Python numbers. ``fresh`` is the entry
    as ``init_state`` makes it: an array gives the expected shape (Adafactor's row
    statistics are not shaped like the parameter), anything else means the parameter's."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    is_array = param._backend.is_array(fresh)
    host = value.detach().numpy() if isinstance(value, Tensor) else np.asarray(value)
    if not is_array and host.ndim == 0:
        return host.item()
    expected = tuple(fresh.shape) if is_array else tuple(param.shape)
    if host.shape != expected and host.size != 1:
        raise ValueError(f"loaded state '{name}' of parameter {index} has shape "
                         f"{host.shape}, but a parameter of shape {tuple(param.shape)} needs "
                         f"{expected}")
    if host.dtype.kind == "f":
        host = host.astype(param._array.dtype)
    return new_tensor(param._backend.from_host(host.copy()), param._backend, None, 0)
