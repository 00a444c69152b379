"""``ZeroRedundancyOptimizer``: each rank keeps the optimizer state of only its share of the parameters.

Under data parallelism every rank holds the same parameters and, after the
all-reduce, the same gradients, so every rank would compute the same update
and keep the same optimizer state (Adam: two arrays per parameter, twice the
model's size). ZeRO's first stage (Rajbhandari et al., 2020) removes that
redundancy: the parameters are split between the W ranks, rank r builds the
wrapped optimizer over its share only, steps it, and then every parameter is
broadcast from the rank that owns it. Each rank stores about 1/W of the state;
the trajectory is the unsharded optimizer's.

The split is PyTorch's: in each param group, parameters are taken from the
largest to the smallest and each goes to the rank with the fewest elements so
far (ties to the lowest rank).
"""
import numpy as np

from ..collectives import broadcast
from ..process_group import _check_group
from ...optim.optimizer import Optimizer
from ...tensor import Tensor


class ZeroRedundancyOptimizer(Optimizer):
    """Wrap ``optimizer_class`` (any minigrad optimizer) so that each rank keeps the state of its
    shard of ``params`` only; ``**defaults`` are that optimizer's hyperparameters.

    ``step()`` steps the local shard (``optim``, an ``optimizer_class``), then
    broadcasts every parameter from its owner. Hyperparameters changed in
    ``param_groups`` (by a scheduler) reach the local optimizer at each step.
    ``consolidate_state_dict(to=0)`` gathers the full state on rank ``to``,
    whose ``state_dict()`` then returns it in the unsharded optimizer's layout;
    ``load_state_dict`` takes such a dict on every rank and keeps its shard.
    """

    def __init__(self, params, optimizer_class, process_group=None,
                 parameters_as_bucket_view=False, overlap_with_ddp=False, **defaults):
        if parameters_as_bucket_view or overlap_with_ddp:
            raise ValueError("ZeroRedundancyOptimizer: parameters_as_bucket_view and "
                             "overlap_with_ddp are not supported; leave them False")
        self._group = _check_group(process_group)
        self.optimizer_class = optimizer_class
        super().__init__(params, defaults)
        self.rank, self.world_size = self._group.rank, self._group.world_size
        self._owner = {}  # id(param) -> the rank that updates it
        shards = self._partition_parameters()
        local_groups = [dict(group, params=shard[self.rank])
                        for group, shard in zip(self.param_groups, shards)]
        self.optim = optimizer_class(local_groups, **defaults)
        self._all_params = [p for group in self.param_groups for p in group["params"]]
        self._global_index = {id(p): i for i, p in enumerate(self._all_params)}
        self._local_to_global = [self._global_index[id(p)]
                                 for group in self.optim.param_groups for p in group["params"]]
        self._consolidated = None

    def _partition_parameters(self):
        """Per param group, one list of parameters per rank: largest first, to the lightest rank."""
        shards = []
        for group in self.param_groups:
            per_rank = [[] for _ in range(self.world_size)]
            sizes = [0] * self.world_size
            for param in sorted(group["params"], key=lambda p: p.numel(), reverse=True):
                rank = sizes.index(min(sizes))
                per_rank[rank].append(param)
                sizes[rank] += param.numel()
                self._owner[id(param)] = rank
            shards.append(per_rank)
        return shards

    def _step_groups(self):
        """Step the local shard, then copy every parameter from its owner to all ranks."""
        _copy_hyperparameters(self.param_groups, self.optim.param_groups)
        self.optim.step()
        for param in self._all_params:
            broadcast(param, src=self._owner[id(param)])
        _copy_hyperparameters(self.optim.param_groups, self.param_groups)

    # -- saving and resuming ----------------------------------------------------------
    def consolidate_state_dict(self, to=0):
        """Gather every rank's shard of the state on rank ``to`` (all ranks must call it)."""
        local = self.optim.state_dict()["state"]
        mine = {self._local_to_global[int(index)]: {name: _to_host(value) for name, value in values.items()}
                for index, values in local.items()}
        gathered = self._group.comm.gather(mine, root=to)
        self._consolidated = None
        if self.rank == to:
            state = {}
            for shard in gathered:
                state.update(shard)
            self._consolidated = {index: {name: Tensor(value) for name, value in values.items()}
                                  for index, values in sorted(state.items())}

    def state_dict(self):
        """The full state (after ``consolidate_state_dict`` on this rank), as the unsharded optimizer's."""
        if self._consolidated is None:
            raise RuntimeError("Optimizer state has not been consolidated on this rank. Please call "
                               "`consolidate_state_dict(to=...)` on all ranks beforehand if you "
                               "meant to save the global state.")
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [self._global_index[id(p)] for p in group["params"]]
            groups.append(packed)
        return {"state": dict(self._consolidated), "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a full (consolidated) state dict; this rank keeps the state of its own shard."""
        if len(state_dict["param_groups"]) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(state_dict['param_groups'])} parameter "
                             f"groups, but the optimizer has {len(self.param_groups)}")
        for saved, group in zip(state_dict["param_groups"], self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = value
        local_of = {g: local for local, g in enumerate(self._local_to_global)}
        local_state = {local_of[int(index)]: values for index, values in state_dict["state"].items()
                       if int(index) in local_of}
        local_groups = []
        for local_group in self.optim.param_groups:
            packed = {k: v for k, v in local_group.items() if k != "params"}
            packed["params"] = [local_of[self._global_index[id(p)]] for p in local_group["params"]]
            local_groups.append(packed)
        _copy_hyperparameters(self.param_groups, local_groups)
        self.optim.load_state_dict({"state": local_state, "param_groups": local_groups})
        self._consolidated = None


def _copy_hyperparameters(source_groups, target_groups):
    for source, target in zip(source_groups, target_groups):
        for name, value in source.items():
            if name not in ("params", "param_names"):
                target[name] = value


def _to_host(value):
    """A state entry as a NumPy array, for sending to another rank."""
    if isinstance(value, Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)
