"""Registry entries for SophiaH and AdaHessian (reference: pytorch-optimizer 4.1.0, torch float64).

Both estimate the Hessian's diagonal with Hutchinson's probes from the graph
that ``loss.backward(create_graph=True)`` leaves (``create_graph=True``
entries: the generic tests build the problem's ``tensor_loss`` on each side).

The probes: minigrad draws them with ``minigrad.optim.hutchinson.draw_probe``
from the optimizer's ``generator`` (here a ``mg.Generator`` seeded with
``PROBE_SEED``); pytorch-optimizer draws them with ``torch.randint_like`` /
``torch.randn_like``, parameter after parameter and sample after sample in the
same order. ``torch_draws_minigrad_probes`` replaces those two torch functions,
while the reference runs, by a replay: ``draw_probe`` with a generator seeded
the same way, so the oracle gets the very same z.

The problem's Hessian is diagonal, so a Rademacher probe gives it exactly
(zᵢ² = 1) whatever the draws; a Gaussian one gives zᵢ² Hᵢᵢ, which depends on
them. The Gaussian sets are the test of the replay. The first set (used by the
two-groups test, which draws for both groups from one stream where the two
references each start their own) and the last (the state_dict round trip,
where the resumed optimizer's fresh generator starts its stream again: the
stream's position is not optimizer state, in PyTorch either) are Rademacher.
tests/test_optim_sophia_adahessian.py compares on a loss whose Hessian is not
diagonal, and resumes a Gaussian run with the generator's state saved beside.
"""
import contextlib
import warnings

import minigrad as mg
from minigrad.optim.hutchinson import draw_probe
from optim_registry import OptimInfo, invalid
from optim_registry_second_order import torch_settings_for_reference

PROBE_SEED = 1234


def with_probe_generator(cls):
    """``make`` for the registry: the optimizer draws its probes from a generator on the
    parameters' device, seeded with ``PROBE_SEED``."""
    def make(params, hyper):
        first = params[0]["params"][0] if isinstance(params[0], dict) else params[0]
        generator = mg.Generator(first.device).manual_seed(PROBE_SEED)
        return cls(params, generator=generator, **hyper)
    return make


@contextlib.contextmanager
def torch_draws_minigrad_probes(seed=PROBE_SEED):
    """Inside: ``torch.randint_like(p, 0, 2)`` and ``torch.randn_like(p)`` (pytorch-optimizer's
    probe draws) return the probes minigrad's ``draw_probe`` draws from a generator seeded
    with ``seed``: (z + 1)/2 for a Rademacher z, so that the reference's 2·r − 1 is z."""
    import torch
    generator = mg.Generator().manual_seed(seed)
    originals = torch.randint_like, torch.randn_like

    def shaped_like(tensor):
        return mg.zeros(tuple(tensor.shape), dtype=mg.float64)

    def randint_like(tensor, low, high, **unused):
        assert (low, high) == (0, 2), "the replay knows Rademacher draws only"
        probe = draw_probe(shaped_like(tensor), "rademacher", generator).numpy()
        return torch.from_numpy((probe + 1.0) / 2.0).to(tensor.dtype)

    def randn_like(tensor, **unused):
        probe = draw_probe(shaped_like(tensor), "gaussian", generator).numpy()
        return torch.from_numpy(probe).to(tensor.dtype)

    torch.randint_like, torch.randn_like = randint_like, randn_like
    try:
        yield
    finally:
        torch.randint_like, torch.randn_like = originals


@contextlib.contextmanager
def pytorch_optimizer_settings():
    """Inside: torch in float64 on one thread, probes replayed from minigrad's, and without
    torch's warning that ``backward(create_graph=True)`` ties a parameter to its gradient
    (the runs reset every ``.grad`` to None before each backward, which breaks the tie)."""
    with torch_settings_for_reference(), torch_draws_minigrad_probes(), \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
        yield


def pytorch_optimizer_reference(name):
    """The reference: pytorch-optimizer's ``name`` on torch float64 tensors, each step after
    ``tensor_loss(...).backward(create_graph=True)``, with minigrad's probes."""
    def reference(hyper, init_params, grad_fn, steps, tensor_loss):
        import pytorch_optimizer
        import torch
        params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init_params]
        optimizer = getattr(pytorch_optimizer, name)(params, **hyper)
        trajectory = []
        with pytorch_optimizer_settings():
            for step in range(steps):
                for param in params:
                    param.grad = None
                loss = tensor_loss(step, params, lambda a: torch.tensor(a, dtype=torch.float64))
                loss.backward(create_graph=True)
                optimizer.step()
                trajectory.append([p.detach().numpy().copy() for p in params])
        return trajectory
    return reference


COMMON_ERRORS = [
    ({"lr": -1e-3}, invalid("learning rate must be non-negative, got -0.001")),
    ({"betas": (1.0, 0.9)}, invalid("beta1 must be in the range [0, 1), got 1.0")),
    ({"betas": (0.9, -0.1)}, invalid("beta2 must be in the range [0, 1), got -0.1")),
    ({"weight_decay": -0.1}, invalid("weight_decay must be non-negative, got -0.1")),
    ({"eps": -1e-8}, invalid("eps must be non-negative, got -1e-08")),
    ({"update_period": 0}, invalid("update_period must be positive, got 0")),
    ({"num_samples": 0}, invalid("num_samples must be positive, got 0")),
    ({"hessian_distribution": "uniform"},
     invalid("hessian_distribution must be 'gaussian' or 'rademacher', got 'uniform'")),
]

INFOS = [
    OptimInfo(
        name="SophiaH", cls=mg.optim.SophiaH, create_graph=True,
        make=with_probe_generator(mg.optim.SophiaH),
        reference=pytorch_optimizer_reference("SophiaH"),
        hyper_sets=[
            {"hessian_distribution": "rademacher"},
            {},
            {"lr": 0.1, "p": 0.5, "betas": (0.9, 0.95), "update_period": 1, "num_samples": 3,
             "weight_decay": 0.1, "weight_decouple": False},
            {"lr": 0.05, "p": 1.0, "update_period": 3, "num_samples": 2, "weight_decay": 0.05,
             "fixed_decay": True, "maximize": True},
            {"lr": 0.2, "p": 0.2, "update_period": 2, "eps": 1e-3, "weight_decay": 0.01,
             "hessian_distribution": "rademacher"},
        ],
        error_inputs=COMMON_ERRORS + [
            ({"p": -0.5}, invalid("p (the clip of the update) must be non-negative, got -0.5")),
        ]),
    OptimInfo(
        name="AdaHessian", cls=mg.optim.AdaHessian, create_graph=True,
        make=with_probe_generator(mg.optim.AdaHessian),
        reference=pytorch_optimizer_reference("AdaHessian"),
        hyper_sets=[
            {},
            {"lr": 0.01, "hessian_distribution": "gaussian", "num_samples": 2, "eps": 1e-2},
            {"lr": 0.01, "hessian_power": 0.5, "betas": (0.8, 0.99), "weight_decay": 0.1,
             "weight_decouple": False, "update_period": 3, "hessian_distribution": "gaussian",
             "eps": 0.1},
            {"lr": 0.002, "maximize": True, "weight_decay": 0.05, "fixed_decay": True,
             "eps": 1e-2, "hessian_distribution": "gaussian"},
            {"lr": 0.05, "update_period": 2, "hessian_power": 0.8, "weight_decay": 0.02,
             "eps": 1e-6},
        ],
        error_inputs=COMMON_ERRORS + [
            ({"hessian_power": 0.0}, invalid("hessian_power must be in the range (0, 1], got 0.0")),
            ({"hessian_power": 1.5}, invalid("hessian_power must be in the range (0, 1], got 1.5")),
        ]),
]
