"""SAM and ASAM: take the gradient at the worst nearby point, then step from where you are.

Sharpness-aware minimisation looks for weights whose whole neighbourhood has
a low loss (a flat minimum) rather than a low point in a sharp valley. Each
step evaluates the gradient twice, and wraps any base optimizer (SGD, Adam...),
which makes the actual update:

    first_step:   g = ∇L(w)                         (computed by the caller)
                  ε = ρ g / (‖g‖ + ε₀)               SAM: the steepest ascent of length ρ
                  ε = ρ w² ⊙ g / (‖w ⊙ g‖ + ε₀)      ASAM (adaptive=True): scaled by |w|
                  w ← w + ε                          (the old w is remembered)
    (the caller)  g_SAM = ∇L(w + ε)                  the gradient at the perturbed point
    second_step:  w ← the remembered w, then one base-optimizer step with g_SAM

‖·‖ is the norm over all parameters of all groups (each group's |w| scaling
where that group is adaptive), ρ = ``rho`` is each group's own, ε₀ =
``perturb_eps``. ASAM's scaling makes the neighbourhood scale-invariant: a
weight that is ten times larger may move ten times further.

Use with a closure that zeroes the gradients, evaluates the loss and calls
``backward``; compute the gradient at w first, as with pytorch-optimizer::

    optimizer = mg.optim.SAM(model.parameters(), mg.optim.SGD, rho=0.05, lr=0.1, momentum=0.9)
    for inputs, targets in data:
        def closure():
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            return loss
        loss = closure()            # g = ∇L(w)
        optimizer.step(closure)     # first_step, closure at w + ε, second_step

or by hand: ``loss_fn(...).backward(); optimizer.first_step(zero_grad=True);
loss_fn(...).backward(); optimizer.second_step(zero_grad=True)``.
``step(closure)`` returns the closure's loss (the loss at w + ε);
``step()`` without a closure raises: SAM needs the second evaluation.

Layout, as in pytorch-optimizer: ``SAM(params, base_optimizer, rho, adaptive,
..., **kwargs)`` builds ``base_optimizer(params, **kwargs)`` itself (pass the
class, e.g. ``mg.optim.SGD``, and its hyperparameters as keyword arguments);
``param_groups`` and ``state`` are the base optimizer's own (each group also
holds ``rho`` and ``adaptive``), so schedulers work on the SAM, and
``state_dict()``/``load_state_dict()`` are the base optimizer's. Between
``first_step`` and ``second_step`` each perturbed parameter's state holds
``old_p`` (the remembered w).

Hyperparameters (pytorch-optimizer's names and defaults): rho = 0.05 (ρ ≥ 0),
adaptive = False (ASAM), use_gc = False (centralise each gradient of a
parameter with two or more dimensions, g ← g − mean over all but the first
dimension, before it makes ε; the norm is taken before centralising, as
pytorch-optimizer does), perturb_eps = 1e-12 (ε₀), foreach = None (passed to
the base optimizer when given, as pytorch-optimizer does).

Deviations of the implementation from the papers, followed here: ε₀ is added
to the norm; ASAM's T_w = |w| (Kwon et al.'s code uses |w| + η, η = 0.01,
for its normalisation operator); ‖·‖ is one norm over all groups. Differences
from pytorch-optimizer: the norm is computed in the parameters' dtype
(pytorch-optimizer computes it in float32); ``use_gc`` does not write the
centralised gradient into ``p.grad``; ``step(closure)`` returns the closure's
loss (pytorch-optimizer returns None).

References: Foret, Kleiner, Mobahi & Neyshabur, "Sharpness-Aware Minimization
for Efficiently Improving Generalization" (ICLR 2021); Kwon, Kim, Park & Choi,
"ASAM: Adaptive Sharpness-Aware Minimization for Scale-Invariant Learning of
Deep Neural Networks" (ICML 2021). Implementation matched: pytorch-optimizer
4.1.0 ``pytorch_optimizer.SAM`` (after davda54/sam); optax 0.2.8
``optax.contrib.sam`` is compared in the tests too.
"""
from ..autograd import tracing as _tracing
from ..autograd.grad_mode import enable_grad, no_grad
from ..backend import array_module
from ..tensor import new_tensor
from ._validation import boolean, check_kinds, real
from .optimizer import Optimizer


class SAM(Optimizer):
    """SAM(params, base_optimizer, rho=0.05, adaptive=False, use_gc=False, perturb_eps=1e-12,
    foreach=None, **kwargs): ``base_optimizer`` is a class, built on ``params`` with ``kwargs``."""

    def __init__(self, params, base_optimizer, rho=0.05, adaptive=False, use_gc=False,
                 perturb_eps=1e-12, foreach=None, **kwargs):
        if not (isinstance(base_optimizer, type) and issubclass(base_optimizer, Optimizer)):
            raise TypeError(f"SAM builds its base optimizer itself: pass the class (e.g. "
                            f"mg.optim.SGD) and its hyperparameters as keyword arguments, got "
                            f"{base_optimizer!r}")
        check_kinds(type(self), dict(rho=rho, adaptive=adaptive, use_gc=use_gc,
                                     perturb_eps=perturb_eps))
        _check_rho(rho)
        if not 0.0 <= perturb_eps:
            raise ValueError(f"perturb_eps must be non-negative, got {perturb_eps}")
        if foreach is not None:
            kwargs["foreach"] = foreach
        # No Optimizer.__init__: the groups and the state are the base optimizer's.
        self.base_optimizer = base_optimizer(params, **kwargs)
        self.use_gc, self.perturb_eps = use_gc, perturb_eps
        self.defaults = {**self.base_optimizer.defaults, "rho": rho, "adaptive": adaptive}
        for group in self.param_groups:
            _add_sam_options(group, self.defaults)
        self._buckets = {}
        self._step_pre_hooks = {}
        self._step_post_hooks = {}

    @property
    def param_groups(self):
        """The base optimizer's groups (each with ``rho`` and ``adaptive`` too)."""
        return self.base_optimizer.param_groups

    @property
    def state(self):
        """The base optimizer's state (plus ``old_p`` between the two steps)."""
        return self.base_optimizer.state

    def add_param_group(self, param_group):
        """Add a group to the base optimizer, with SAM's ``rho`` and ``adaptive`` defaults."""
        self.base_optimizer.add_param_group(param_group)
        _add_sam_options(self.param_groups[-1], self.defaults)

    @_tracing.whole_call
    def zero_grad(self, set_to_none=True):
        self.base_optimizer.zero_grad(set_to_none)

    def first_step(self, zero_grad=False):
        """w ← w + ε (see the module docstring), remembering w; the gradients at w must
        have been computed. ``zero_grad``: reset the gradients afterwards."""
        with no_grad():
            norm = self._gradient_norm()
            for group in self.param_groups:
                scale = group["rho"] / (norm + self.perturb_eps)
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = param.grad._array
                    if self.use_gc and grad.ndim > 1:
                        grad = grad - grad.mean(axis=tuple(range(1, grad.ndim)), keepdims=True)
                    x = param._array
                    self.state[param]["old_p"] = new_tensor(x.copy(), param._backend, None, 0)
                    perturbation = grad * scale
                    if group["adaptive"]:
                        perturbation *= x * x
                    x += perturbation
                    param._version[0] += 1
        if zero_grad:
            self.zero_grad()

    def second_step(self, zero_grad=False):
        """Back to the remembered w, then one step of the base optimizer with the gradients
        now held (those at w + ε). ``zero_grad``: reset the gradients afterwards."""
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    state = self.state.get(param)
                    if state is None or "old_p" not in state:
                        continue
                    param._array[...] = state.pop("old_p")._array
                    param._version[0] += 1
                    if not state:  # the base optimizer creates its state on its first step
                        del self.state[param]
        self.base_optimizer.step()
        if zero_grad:
            self.zero_grad()

    @_tracing.whole_call
    def step(self, closure=None):
        """``first_step``, ``closure()`` at w + ε (gradients on), ``second_step``; returns the
        closure's loss. The gradients at w must have been computed before."""
        if closure is None:
            raise RuntimeError(
                "SAM.step needs a closure that re-evaluates the loss and its gradients (zero "
                "the gradients, compute the loss, call backward, return the loss): it is run "
                "at the perturbed weights w + ε. Compute the gradients at w before calling "
                "step(closure), or call first_step() and second_step() yourself")
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        self.first_step(zero_grad=True)
        with enable_grad():
            loss = closure()
        self.second_step()
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _gradient_norm(self):
        """‖g‖ over all groups (‖w ⊙ g‖ in adaptive groups), a 0-d array in the
        parameters' dtype on their device: no host synchronisation."""
        total = 0.0
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad._array
                if group["adaptive"]:
                    grad = grad * array_module(grad).abs(param._array)
                total = total + (grad * grad).sum()
        return total ** 0.5

    def state_dict(self):
        """The base optimizer's ``state_dict()`` (its groups hold ``rho`` and ``adaptive``)."""
        return self.base_optimizer.state_dict()

    def load_state_dict(self, state_dict):
        self.base_optimizer.load_state_dict(state_dict)

    def __repr__(self):
        return (f"SAM(rho={self.defaults['rho']}, adaptive={self.defaults['adaptive']}) over "
                f"{self.base_optimizer!r}")


def _check_rho(rho):
    if not 0.0 <= real("rho", rho):
        raise ValueError(f"rho must be non-negative, got {rho}")


def _add_sam_options(group, defaults):
    """``rho`` and ``adaptive`` in ``group``: its own where it gives them, else the defaults."""
    group.setdefault("rho", defaults["rho"])
    group.setdefault("adaptive", defaults["adaptive"])
    _check_rho(group["rho"])
    boolean("adaptive", group["adaptive"])
