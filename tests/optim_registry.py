"""The optimizer registry: one entry per optimizer drives the generic tests.

Like PyTorch's ``OptimizerInfo``: an ``OptimInfo`` names the minigrad class,
several hyperparameter sets (defaults and non-defaults), a reference that runs
the same algorithm in the implementation minigrad must equal (torch, optax or
schedulefree), and the constructor arguments that must be refused.
``tests/test_optim_generic.py`` runs every entry through every generic check.

Entries live in one file per optimizer family (``optim_registry_*.py``, each
exporting ``INFOS``); ``all_infos()`` gathers them.

The problem every trajectory is run on: a few parameters of different shapes
and a deterministic, time-varying, parameter-dependent gradient

    g_k(θ) = a ⊙ θ + 0.1 θ³ + n_k

(``a`` fixed positive scales, ``n_k`` fixed noise for step k), so the
trajectories depend on every earlier step. ``loss_fn`` is the matching loss
for optimizers that need a closure, and ``tensor_loss`` the same loss on
tensors (minigrad's or torch's), for optimizers that differentiate the
gradients once more (``create_graph``). Its Hessian is diagonal,
diag(a + 0.3 θ²).

The optimizers' fast path (``minigrad/optim/fast/``) packs a group's parameters
into flat buckets and updates them in slices of ``backend.elementwise_chunk``
elements (8 times more with a compiled kernel). ``SHAPES`` is small, so the
many trajectories stay quick: on the 'cpu' device its parameters share one
bucket and one slice, and the 'strict' device, as CUDA, takes each bucket
whole. ``LARGE_SHAPES`` is the second case, for a few steps: on 'cpu' one
parameter spans several array slices and one several kernel slices.
"""
import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Callable, Optional

import numpy as np

SHAPES = [(3, 4), (5,), (40, 60), (7,)]  # small: one bucket, one slice
# 266,240 elements (> 8 · 2¹⁵, a CPU kernel slice) and 40,000 (> 2¹⁵, an array slice)
LARGE_SHAPES = [(3, 4), (520, 512), (5,), (200, 200), (7,)]


@dataclasses.dataclass
class OptimInfo:
    name: str
    cls: type
    hyper_sets: list
    reference: Callable  # (hyper, init_params, grad_fn, steps, loss_fn=None) -> trajectory
    error_inputs: list = dataclasses.field(default_factory=list)
    make: Optional[Callable] = None
    zero_grad_is_identity: bool = True
    closure_loss: bool = False  # step(closure) with the problem's loss (LBFGS); loss_fn is passed
    # The gradients come from loss.backward(create_graph=True) on Problem.tensor_loss (SophiaH,
    # AdaHessian: the step differentiates them once more); the reference gets tensor_loss=.
    create_graph: bool = False
    rtol: float = 1e-6
    atol: float = 1e-10
    steps: int = 100
    supports_groups: bool = True

    def build(self, params, hyper):
        return self.make(params, hyper) if self.make is not None else self.cls(params, **hyper)

    def __str__(self):
        return self.name


def invalid(message):
    """The start of the expected error message (PyTorch's wording), as a regular expression."""
    return "^" + re.escape(message)


# Bad hyperparameters most optimizers share, with PyTorch's messages.
LR_ERRORS = [({"lr": -1e-3}, invalid("Invalid learning rate: -0.001"))]
EPS_ERRORS = [({"eps": -1e-8}, invalid("Invalid epsilon value: -1e-08"))]
WEIGHT_DECAY_ERRORS = [({"weight_decay": -0.1}, invalid("Invalid weight_decay value: -0.1"))]
BETAS_ERRORS = [
    ({"betas": (1.0, 0.999)}, invalid("Invalid beta parameter at index 0: 1.0")),
    ({"betas": (-0.1, 0.999)}, invalid("Invalid beta parameter at index 0: -0.1")),
    ({"betas": (0.9, 1.0)}, invalid("Invalid beta parameter at index 1: 1.0")),
]


class Problem:
    """Initial parameters and the gradient of step k, all in float64 NumPy."""

    def __init__(self, seed=0, shapes=SHAPES):
        rng = np.random.default_rng(seed)
        self.shapes = shapes
        self.init = [rng.standard_normal(s) for s in shapes]
        self.scales = [rng.uniform(0.5, 2.0, s) for s in shapes]
        self.noise = [[0.3 * rng.standard_normal(s) for s in shapes] for _ in range(8)]

    def grad_fn(self, step, params):
        noise = self.noise[step % len(self.noise)]
        return [a * p + 0.1 * p ** 3 + n for a, p, n in zip(self.scales, params, noise)]

    def subset(self, indices):
        """The same problem restricted to some of the parameters (for per-group references)."""
        part = Problem.__new__(Problem)
        part.shapes = [self.shapes[i] for i in indices]
        part.init = [self.init[i] for i in indices]
        part.scales = [self.scales[i] for i in indices]
        part.noise = [[noise[i] for i in indices] for noise in self.noise]
        return part

    def loss(self, step, params):
        noise = self.noise[step % len(self.noise)]
        return sum(float(np.sum(0.5 * a * p ** 2 + 0.025 * p ** 4 + n * p))
                   for a, p, n in zip(self.scales, params, noise))


    def tensor_loss(self, step, params, constant):
        """``loss`` on tensors of one framework (minigrad or torch), so that
        ``backward(create_graph=True)`` leaves gradients with a graph; ``constant(array)``
        makes one of that framework's tensors from a NumPy array."""
        noise = self.noise[step % len(self.noise)]
        return sum((constant(0.5 * a) * p ** 2 + 0.025 * p ** 4 + constant(n) * p).sum()
                   for a, p, n in zip(self.scales, params, noise))


def all_infos():
    infos = []
    folder = Path(__file__).parent
    for module in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if module.name.startswith("optim_registry_"):
            infos.extend(importlib.import_module(module.name).INFOS)
    return infos


def takes_the_fast_path(info, hyper):
    """Whether ``info``'s optimizer with ``hyper`` may run on the fast path: its rule is
    elementwise, and no option of the group makes ``update`` read each parameter whole
    (``cautious=True`` does: that group runs the plain loop)."""
    import minigrad as mg
    from minigrad.optim.fast.rule import permission
    optimizer = info.build([mg.tensor(np.zeros(2), requires_grad=True)], hyper)
    return (permission(optimizer).buckets
            and optimizer.whole_parameter_option(optimizer.param_groups[0]) is None)


def torch_reference(torch_cls, rename=None):
    """A reference that runs ``torch_cls`` in float64 with the given gradients.

    ``rename`` maps minigrad argument names to torch's where they differ.
    """
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import torch
        kwargs = {(rename or {}).get(k, k): v for k, v in hyper.items()}
        params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init_params]
        optimizer = torch_cls(params, **kwargs)
        trajectory = []
        for step in range(steps):
            def closure():
                values = [p.detach().numpy().copy() for p in params]
                for param, grad in zip(params, grad_fn(step, values)):
                    param.grad = torch.tensor(grad, dtype=torch.float64)
                return None if loss_fn is None else torch.tensor(loss_fn(step, values),
                                                                 dtype=torch.float64)

            if loss_fn is None:
                closure()
                optimizer.step()
            else:
                optimizer.step(closure)
            trajectory.append([p.detach().numpy().copy() for p in params])
        return trajectory
    return reference
