"""Flat buckets: many parameters of a group packed into one buffer each.

Python costs about the same per ``update`` call whether the call updates ten
numbers or ten million, so a model of many small tensors spends its optimizer
step in the interpreter. A bucket packs the parameters of one group, device and
dtype that have taken the same number of steps into one flat array, each
parameter's array becoming a view into it (the model keeps its ``Parameter``
objects; their ``_array`` moves), and does the same for each state statistic.
The update then runs over slices of these buffers: the number of calls grows
with the number of slices, not with the number of tensors.
"""
from collections import defaultdict

import numpy as np

from ...tensor import Tensor, new_tensor


class Bucket:
    """Parameters of one group, device and dtype packed into flat buffers.

    ``param`` is one flat array holding every parameter's values (each
    ``p._array`` becomes a view into it) and ``state[name]`` one flat array per
    state statistic (each ``optimizer.state[p][name]`` wraps a view into it).
    ``chunks`` cuts the buffers into slices of at most ``chunk`` elements (None:
    one slice): a big parameter is cut into slices whose gradients are used in
    place, and small parameters are gathered into one slice, whose gradients are
    copied into ``scratch`` first.
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
        chunk = chunk or max(total, 1)
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


def the_same_bucket(buckets, params, all_state):
    """The one bucket of last step, if it still holds exactly ``params``, intact: the
    usual step, which needs no sorting of parameters."""
    if buckets and len(buckets) == 1 and same(buckets[0].params, params) \
            and buckets[0].is_intact(all_state, check_grads=True):
        return buckets[0]
    return None


def buckets_for(old, params, all_state, chunk_of):
    """The buckets this step uses: parameters of one device and dtype that have taken
    the same number of steps, two or more of them (a parameter alone needs no packing).
    ``old`` buckets that still fit are kept; ``chunk_of(first_param)`` gives a new
    bucket's slice size."""
    partitions = defaultdict(list)
    for param in params:
        key = (id(param._backend), param._array.dtype.str, all_state[param]["step"])
        partitions[key].append(param)
    kept = []
    for members in partitions.values():
        if len(members) < 2:
            continue
        match = next((b for b in old if same(b.params, members) and b.is_intact(all_state)),
                     None)
        kept.append(match or Bucket(members, all_state, chunk_of(members[0])))
    return kept


def same(tensors, others):
    """The same tensors (by identity), in the same order."""
    return len(tensors) == len(others) and all(a is b for a, b in zip(tensors, others))
