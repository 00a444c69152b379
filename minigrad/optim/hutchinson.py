"""Hutchinson's estimator of a Hessian's diagonal, and the step that SophiaH and
AdaHessian share around it.

For a loss L(θ) with Hessian H = ∇²L, and a random probe vector z with
E[z zᵀ] = I,

    E[z ⊙ (H z)]ᵢ = Σⱼ Hᵢⱼ E[zᵢ zⱼ] = Hᵢᵢ,

so diag(H) ≈ (1/S) Σₛ zₛ ⊙ (H zₛ) over S probes (``num_samples``). Two
distributions (``hessian_distribution``):

- ``"rademacher"``: each zᵢ is −1 or +1 with probability ½. Then zᵢ² = 1, and the
  estimate of Hᵢᵢ is Hᵢᵢ + Σ_{j≠i} Hᵢⱼ zᵢ zⱼ: exact where H is diagonal, and the
  lowest variance of all probes;
- ``"gaussian"``: z ~ N(0, I). The estimate is zᵢ² Hᵢᵢ + Σ_{j≠i} Hᵢⱼ zᵢ zⱼ, noisier
  (zᵢ² itself varies), but unbiased too.

H z is one Hessian-vector product, never H itself: with g = ∇L(θ) kept as a
graph by ``loss.backward(create_graph=True)``, H z = ∇_θ (gᵀz), which is
``mg.autograd.grad(grads, params, grad_outputs=z)``: one more backward pass,
through the backward of the first. That works for any model because every
backward in minigrad is written with minigrad's own differentiable operations.

The probes are drawn by ``draw_probe``, parameter after parameter in param-group
order, all parameters for one sample before the next sample, from the
optimizer's ``generator`` (a ``mg.Generator`` on the parameters' device;
without one, the device's default generator, which ``mg.manual_seed`` seeds).
Giving the optimizer a seeded generator makes its probes reproducible; a test
that replays them through ``draw_probe`` with an equally seeded generator feeds
another implementation the very same z (tests/optim_registry_sophia_adahessian.py
does this for pytorch-optimizer, whose ``compute_hutchinson_hessian`` draws in
the same order).
"""
from ..autograd import tracing as _tracing
import numpy as np

from ..autograd.grad import grad as autograd_grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..creation import randint_like, randn_like
from ..random import Generator
from ..tensor import Tensor, new_tensor
from ._validation import boolean, integer, real
from .optimizer import Optimizer

DISTRIBUTIONS = ("gaussian", "rademacher")


def draw_probe(param, distribution, generator=None):
    """One probe z shaped like ``param`` (a tensor), of its dtype and device: Rademacher
    (±1, drawn as 2·randint(0, 2) − 1) or standard Gaussian, from ``generator``."""
    if distribution == "rademacher":
        return randint_like(param, 0, 2, generator=generator) * 2.0 - 1.0
    return randn_like(param, generator=generator)


def hessian_diagonal(params, num_samples, distribution, generator=None):
    """Hutchinson's estimate (1/S) Σₛ zₛ ⊙ (H zₛ) of the Hessian's diagonal, one backend
    array per parameter, from the graphs of the parameters' ``.grad`` (which
    ``loss.backward(create_graph=True)`` leaves: each gradient must have one); the last
    sample frees those graphs."""
    grads = [param.grad for param in params]
    estimates = [param._backend.xp.zeros_like(param._array) for param in params]
    for sample in range(num_samples):
        with no_grad():
            probes = [draw_probe(param, distribution, generator) for param in params]
        products = autograd_grad(grads, params, grad_outputs=probes,
                                 retain_graph=sample < num_samples - 1, allow_unused=True)
        for estimate, probe, product in zip(estimates, probes, products):
            if product is not None:  # None: no gradient depends on this parameter, H z = 0
                estimate += product._array * probe._array * (1.0 / num_samples)
    return estimates


class HessianDiagonalOptimizer(Optimizer):
    """What SophiaH and AdaHessian share, as pytorch-optimizer 4.1.0 does it:

    - ``step(closure=None, hessian=None)``: on a step where the Hessian's diagonal is
      refreshed, each parameter's ``update`` receives a fresh estimate ĥ: ``hessian``
      (one array-like per parameter of every group, in order) when given, else
      Hutchinson's estimate from the gradients' graphs. The refresh happens when
      ``hessian`` is given, and every ``update_period`` steps otherwise (steps 1,
      1 + k, 1 + 2k, ...); on the other steps ĥ is None;
    - steps are counted per param group, in ``group["step"]`` (saved with the groups
      in ``state_dict``), not per parameter; the refresh schedule follows the first
      group's count;
    - ``maximize`` negates the gradient after the estimate: ĥ stays the Hessian of the
      loss itself;
    - weight decay λ: decoupled, θ ← θ(1 − λγ) (θ ← θ(1 − λ) with ``fixed_decay``),
      when ``weight_decouple``; otherwise L2, g ← g + λθ.

    A subclass gives ``init_state`` and ``update(group, param, grad, state, step, hessian)``
    on backend arrays.
    """

    # The gradients must come from loss.backward(create_graph=True): training loops that
    # serve any optimizer (the command line's) read this through needs_gradient_graph.
    needs_gradient_graph = True

    def __init__(self, params, defaults, update_period, num_samples, hessian_distribution,
                 maximize, generator):
        if integer("update_period", update_period) < 1:
            raise ValueError(f"update_period must be positive, got {update_period}")
        if integer("num_samples", num_samples) < 1:
            raise ValueError(f"num_samples must be positive, got {num_samples}")
        if hessian_distribution not in DISTRIBUTIONS:
            raise ValueError(f"hessian_distribution must be 'gaussian' or 'rademacher', got "
                             f"{hessian_distribution!r}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a mg.Generator or None, got "
                            f"{type(generator).__name__}")
        self.update_period = update_period
        self.num_samples = num_samples
        self.hessian_distribution = hessian_distribution
        self.maximize = boolean("maximize", maximize)
        self.generator = generator
        super().__init__(params, defaults)

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        self.param_groups[-1].setdefault("step", 0)

    def _create_state(self, group, param):
        # Only the arrays of init_state: the step count lives in the group.
        self.state[param] = {name: new_tensor(value, param._backend, None, 0)
                             for name, value in self.init_state(group, param._array).items()}

    @_tracing.whole_call
    def step(self, closure=None, hessian=None):
        """One step for every parameter that has a gradient. ``closure`` (optional)
        re-evaluates the loss, and must call ``loss.backward(create_graph=True)`` where
        this step estimates the Hessian; ``hessian`` (optional) is an estimate of the
        Hessian's diagonal, one array-like per parameter of every group, in order.
        Returns the closure's loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        groups = [(group, self._params_with_grads(group)) for group in self.param_groups]
        params = [param for _, with_grads in groups for param in with_grads]
        if hessian is not None:
            estimates = self._given_estimates(hessian)
        elif self.param_groups[0]["step"] % self.update_period == 0 and params:
            self._check_graphs(params)
            estimates = dict(zip(map(id, params), hessian_diagonal(
                params, self.num_samples, self.hessian_distribution, self.generator)))
        else:
            estimates = {}
        with no_grad():
            for group, with_grads in groups:
                group["step"] += 1
                for param in with_grads:
                    self._step_param(group, param, estimates.get(id(param)))
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _check_graphs(self, params):
        """Refuse gradients without a graph (a plain ``backward()``), saying what to do."""
        for param in params:
            if not param.grad.requires_grad:
                index = [id(p) for g in self.param_groups for p in g["params"]].index(id(param))
                raise RuntimeError(
                    f"{type(self).__name__} estimates the Hessian's diagonal from the gradients' "
                    f"graph, but the gradient of parameter {index} has none: compute the "
                    f"gradients with loss.backward(create_graph=True), or pass an estimate as "
                    f"step(hessian=[...]) (a loss linear in a parameter leaves it a constant "
                    f"gradient without a graph: optimize that one with another optimizer)")

    def _step_param(self, group, param, estimate):
        grad = param.grad._array
        if self.maximize:
            grad = -grad
        array = param._array
        weight_decay = group["weight_decay"]
        if weight_decay != 0:
            if group["weight_decouple"]:
                array *= 1.0 - weight_decay * (1.0 if group["fixed_decay"] else group["lr"])
            else:
                grad = grad + weight_decay * array
        state = {name: value._array for name, value in self.state[param].items()}
        self.update(group, array, grad, state, group["step"], estimate)
        param._version[0] += 1

    def _given_estimates(self, hessian):
        """``step(hessian=...)``'s estimates by parameter, each checked for its shape."""
        params = [p for group in self.param_groups for p in group["params"]]
        hessian = list(hessian)
        if len(hessian) != len(params):
            raise ValueError(f"hessian must hold one estimate per parameter ({len(params)}), "
                             f"got {len(hessian)}")
        estimates = {}
        for index, (param, estimate) in enumerate(zip(params, hessian)):
            array = _as_array(estimate, param)
            if array.shape != param._array.shape:
                raise ValueError(f"the shape of parameter {index} and its hessian do not match: "
                                 f"{tuple(param.shape)} vs {tuple(array.shape)}")
            estimates[id(param)] = array
        return estimates

    def update(self, group, param, grad, state, step, hessian):
        """Apply the rule in place; ``hessian`` is this step's fresh estimate, or None."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")


def needs_gradient_graph(optimizer):
    """Whether ``optimizer`` (or the optimizer a ``Lookahead`` wraps) differentiates the
    gradients once more, so that its training loop must call
    ``loss.backward(create_graph=True)``."""
    inner = getattr(optimizer, "base_optimizer", None)
    return bool(getattr(optimizer, "needs_gradient_graph", False)
                or getattr(inner, "needs_gradient_graph", False))


def check_common(lr, betas, weight_decay, eps):
    """The range checks SophiaH and AdaHessian share (pytorch-optimizer's wording, with
    ValueError throughout)."""
    if not 0.0 <= real("lr (the learning rate)", lr):
        raise ValueError(f"learning rate must be non-negative, got {lr}")
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of floats (beta1, beta2) in [0, 1), got {betas!r}")
    for index, beta in enumerate(betas):
        if not 0.0 <= real(f"betas[{index}]", beta) < 1.0:
            raise ValueError(f"beta{index + 1} must be in the range [0, 1), got {beta}")
    if real("weight_decay", weight_decay) < 0:
        raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
    if real("eps", eps) < 0:
        raise ValueError(f"eps must be non-negative, got {eps}")


def _as_array(estimate, param):
    """A given estimate (a tensor or a NumPy array) as an array on ``param``'s device, in
    its dtype."""
    if isinstance(estimate, Tensor):
        return estimate.detach().to(device=param.device, dtype=param.dtype)._array
    return param._backend.from_host(np.asarray(estimate, dtype=param._array.dtype))
