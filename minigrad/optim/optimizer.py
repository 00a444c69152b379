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

Where the subclass says ``elementwise = True`` (the update of each element
depends only on that element, as in SGD, Adam, RMSprop, Lion, ...), the base
class runs the same equations over *many parameters at once*: the parameters of
a group share one flat buffer (each parameter's array is a view into it), as
does each state statistic, and ``update`` is called on slices of these buffers.
On the CPU the slices are cache-sized, so the temporaries an update creates stay
in cache and the step streams through memory about once; on a GPU one slice is
the whole buffer. Python overhead then grows with the number of slices, not with
the number of parameter tensors. Everything else (non-elementwise optimizers,
parameters that skipped a step) takes the simple path: one ``update`` call per
parameter.
"""
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..autograd.reset_grads import reset_grads
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor, new_tensor
from ..utils.hooks import RemovableHandle
from ..backend import get_backend
from ..backend.threads import get_num_threads
from ._validation import check_kinds


class _Required:
    """Marks a hyperparameter that has no default (``Lookahead``'s base optimizer, ...)."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: param groups, lazily created state, ``step``, ``zero_grad``,
    ``state_dict`` / ``load_state_dict`` in PyTorch's layout, and step hooks."""

    elementwise = False

    def __init__(self, params, defaults):
        check_kinds(type(self), defaults)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._buckets = {}  # id(group) -> list of _Bucket (see below)
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
        self.param_groups.append(group)

    # -- the step -----------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized parameters: to None (default) or to zeros."""
        reset_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """One optimization step for every parameter that has a gradient.

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs
        with gradient recording on, and its loss is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def init_state(self, group, param):
        """The state of ``param`` before its first step: ``{name: array or number}``."""
        return {}

    def update(self, group, param, grad, state, step):
        """Apply the update rule in place; overridden by every optimizer."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    def update_scalars(self, group, state, step):
        """Advance scalar statistics once per step (before ``update``); most need none."""

    def fused_kernel(self, group):
        """The update as one fused GPU kernel (``optim/fused.py``) for this group's
        options, or None where the array form is used everywhere."""
        return None

    def kernel_scalars(self, group, step):
        """The scalar arguments of ``fused_kernel(group)`` at step ``step``."""
        return {}

    def _apply_update(self, group, backend, param, grad, state, step):
        """``update``, or its fused kernel where the optimizer has one and the device can
        run it (CuPy on a GPU; on the CPU, compiled by the C compiler)."""
        kernel = self.fused_kernel(group)
        compiled = kernel and backend.elementwise_kernel(kernel, param.dtype)
        if compiled is None or not (param.flags.c_contiguous and grad.flags.c_contiguous and all(
                state[name].flags.c_contiguous for name in kernel.state)):
            self.update(group, param, grad, state, step)
        else:
            compiled(*kernel.arguments(param, grad, state, self.kernel_scalars(group, step)))

    def _step_group(self, group):
        params = [p for p in group["params"] if p._grad is not None]
        buckets = self._buckets.get(id(group))
        if (self.elementwise and buckets and len(buckets) == 1 and _same(buckets[0].params, params)
                and buckets[0].is_intact(self.state, check_grads=True)):
            self._step_bucket(group, buckets[0])  # the usual step: the same bucket as last time
            return
        for param in params:
            if param.grad._array.shape != param._array.shape:
                raise RuntimeError(f"a parameter of shape {tuple(param.shape)} has a gradient of "
                                   f"shape {tuple(param.grad.shape)}")
            if param not in self.state:
                self._create_state(group, param)
        done = set()
        if self.elementwise:
            for bucket in self._buckets_for(group, params):
                self._step_bucket(group, bucket)
                done.update(id(p) for p in bucket.params)
        for param in params:
            if id(param) not in done:
                self._step_one(group, param)

    def _create_state(self, group, param):
        backend = param._backend
        state = {"step": 0.0}
        for name, value in self.init_state(group, param._array).items():
            state[name] = new_tensor(value, backend, None, 0) if backend.is_array(value) else value
        self.state[param] = state

    def _count_step(self, group, states):
        step = states[0]["step"] + 1
        for state in states:
            state["step"] = step
        return step

    def _step_one(self, group, param):
        """The simple path: one parameter, its own arrays."""
        state = self.state[param]
        step = self._count_step(group, [state])
        scalars = {k: v for k, v in state.items() if not isinstance(v, Tensor)}
        self.update_scalars(group, scalars, step)
        state.update(scalars)
        grad = param.grad._array
        if group.get("maximize", False):
            grad = -grad
        arrays = {k: v._array for k, v in state.items() if isinstance(v, Tensor)}
        arrays.update(scalars)
        chunk = self._slice_size(group, param._backend, param._array) if self.elementwise else None
        if chunk and param._array.flags.c_contiguous and param._array.size > chunk and all(
                v.flags.c_contiguous for v in arrays.values() if hasattr(v, "flags")):
            flat = {k: (v.reshape(-1) if hasattr(v, "flags") else v) for k, v in arrays.items()}
            self._update_in_chunks(group, param._backend, param._array.reshape(-1),
                                   grad.reshape(-1), flat, step, chunk)
        elif self.elementwise:
            self._apply_update(group, param._backend, param._array, grad, arrays, step)
        else:
            self.update(group, param._array, grad, arrays, step)
        param._version[0] += 1

    def _update_in_chunks(self, group, backend, flat_param, flat_grad, flat_state, step, chunk):
        arrays = {k: v for k, v in flat_state.items() if hasattr(v, "flags")}
        scalars = {k: v for k, v in flat_state.items() if k not in arrays}

        def update_slice(start):
            piece = {k: v[start:start + chunk] for k, v in arrays.items()}
            piece.update(scalars)
            self._apply_update(group, backend, flat_param[start:start + chunk],
                               flat_grad[start:start + chunk], piece, step)

        _for_each_slice(update_slice, range(0, flat_param.size, chunk))

    def _slice_size(self, group, backend, array):
        """How many elements one ``update`` call gets at most: the backend's cache-sized
        slice for the array form; a compiled kernel makes no temporaries, so its slices
        can be larger (fewer calls)."""
        kernel = self.fused_kernel(group)
        if backend.elementwise_chunk and kernel and backend.elementwise_kernel(kernel, array.dtype):
            return backend.elementwise_chunk * 8
        return backend.elementwise_chunk

    # -- many parameters at once ------------------------------------------------------
    def _buckets_for(self, group, params):
        """The flat buckets this step can use: parameters of one device and dtype that
        all have gradients and have taken the same number of steps."""
        partitions = defaultdict(list)
        for param in params:
            state = self.state[param]
            key = (id(param._backend), param._array.dtype.str, state["step"])
            partitions[key].append(param)
        old = self._buckets.get(id(group), [])
        kept = []
        for members in partitions.values():
            if len(members) < 2:
                continue
            match = next((b for b in old if _same(b.params, members) and b.is_intact(self.state)),
                         None)
            if match is None:
                chunk = self._slice_size(group, members[0]._backend, members[0]._array)
                match = _Bucket(members, self.state, chunk)
            kept.append(match)
        self._buckets[id(group)] = kept
        return kept

    def _step_bucket(self, group, bucket):
        states = [self.state[p] for p in bucket.params]
        step = self._count_step(group, states)
        scalars = {k: v for k, v in states[0].items() if not isinstance(v, Tensor)}
        self.update_scalars(group, scalars, step)
        for state in states:
            state.update(scalars)
        negate = group.get("maximize", False)
        backend = bucket.params[0]._backend
        grads = [p.grad._array.reshape(-1) for p in bucket.params]

        def update_slice(number):
            start, stop, pieces = bucket.chunks[number]
            if len(pieces) == 1:  # inside one parameter: its gradient, as it is
                index, low, high, _ = pieces[0]
                grad = grads[index][low:high]
                if negate:
                    grad = -grad
            else:  # across several small parameters: gather their gradients
                grad = bucket.scratch[number]
                for index, low, high, at in pieces:
                    grad[at:at + high - low] = grads[index][low:high]
                if negate:
                    grad *= -1
            arrays = {k: v[start:stop] for k, v in bucket.state.items()}
            arrays.update(scalars)
            self._apply_update(group, backend, bucket.param[start:stop], grad, arrays, step)

        _for_each_slice(update_slice, range(len(bucket.chunks)))
        for param in bucket.params:
            param._version[0] += 1

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


class _Bucket:
    """Parameters of one group, device and dtype packed into flat buffers.

    ``param`` is one flat array holding every parameter's values (each
    ``p._array`` becomes a view into it) and ``state[name]`` one flat array per
    state statistic (each ``optimizer.state[p][name]`` wraps a view into it).
    ``chunks`` cuts the buffers into slices of at most the backend's chunk size;
    a slice that spans several small parameters gathers their gradients into
    ``scratch`` first.
    """

    def __init__(self, params, all_state, chunk):
        backend = params[0]._backend
        xp = backend.xp
        self.params = list(params)
        sizes = [p._array.size for p in params]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        total = offsets[-1]
        dtype = params[0]._array.dtype
        self.param = xp.empty(total, dtype=dtype)
        names = [k for k, v in all_state[params[0]].items() if isinstance(v, Tensor)]
        self.state = {}
        for name in names:
            self.state[name] = xp.empty(total, dtype=all_state[params[0]][name]._array.dtype)
        self.views, self.state_views = [], []
        for param, start, stop in zip(params, offsets[:-1], offsets[1:]):
            view = self.param[start:stop].reshape(param._array.shape)
            view[...] = param._array
            param._array = view
            state = all_state[param]
            for name in names:
                state_view = self.state[name][start:stop].reshape(param._array.shape)
                state_view[...] = state[name]._array
                state[name] = new_tensor(state_view, backend, None, 0)
            self.views.append(view)
            self.state_views.append({name: state[name]._array for name in names})
        self.names = names
        chunk = chunk or total
        self.chunks = []  # (start, stop, pieces): a slice of a big parameter, or small ones
        pieces, first = [], 0
        for index, (low, high) in enumerate(zip(offsets[:-1], offsets[1:])):
            if pieces and high - first > chunk:  # the small parameters gathered so far
                self.chunks.append((first, low, pieces))
                pieces = []
            if high - low >= chunk:  # a big parameter: slices of it, gradients used in place
                for start in range(low, high, chunk):
                    stop = min(start + chunk, high)
                    self.chunks.append((start, stop, [(index, start - low, stop - low, 0)]))
                continue
            if not pieces:
                first = low
            pieces.append((index, 0, high - low, low - first))
        if pieces:
            self.chunks.append((first, offsets[len(params)], pieces))
        self.scratch = {number: xp.empty(stop - start, dtype=dtype)
                        for number, (start, stop, pieces) in enumerate(self.chunks)
                        if len(pieces) > 1}

    def is_intact(self, all_state, check_grads=False):
        """False once anything replaced a parameter's array or a state tensor (the
        bucket is then rebuilt from the current values), or, with ``check_grads``, once
        a gradient's shape differs from its parameter's."""
        for param, view, state_views in zip(self.params, self.views, self.state_views):
            if param._array is not view:
                return False
            if check_grads and param._grad._array.shape != view.shape:
                return False
            state = all_state.get(param)
            if state is None:
                return False
            for name, array in state_views.items():
                tensor = state.get(name)
                if not isinstance(tensor, Tensor) or tensor._array is not array:
                    return False
        return True


def _same(tensors, others):
    """The same tensors (by identity), in the same order."""
    return len(tensors) == len(others) and all(a is b for a, b in zip(tensors, others))


_pool = None


def _for_each_slice(function, items):
    """Call ``function(item)`` for every item, split between the CPU's cores.

    NumPy releases the interpreter lock while it computes, so threads working on
    disjoint slices of the flat buffers run truly in parallel (as PyTorch's CPU
    kernels do). Each thread takes one contiguous run of slices. At most
    ``mg.get_num_threads()`` threads work (the caller's included), as PyTorch's
    kernels follow ``torch.set_num_threads``; the slices are disjoint, so the
    result is the same for every count.
    """
    global _pool
    items = list(items)
    threads = min(get_num_threads(), _THREADS, len(items))
    if threads < 2:
        for item in items:
            function(item)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_THREADS - 1, thread_name_prefix="minigrad-optim")
    bounds = [len(items) * k // threads for k in range(threads + 1)]
    runs = [items[low:high] for low, high in zip(bounds[:-1], bounds[1:])]

    def work(run):
        for item in run:
            function(item)

    others = [_pool.submit(work, run) for run in runs[1:]]
    work(runs[0])
    for other in others:
        other.result()


_THREADS = max(1, min(os.cpu_count() or 1, 8))
