"""Kron: PSGD with a Kronecker-factored preconditioner, fitted from random probes.

pytorch-optimizer's ``Kron`` (version 4.1.0). PSGD (preconditioned SGD) steps
along P g, with the preconditioner P = Qᵀ Q fitted online so that, for a probe
v ~ N(0, I), P matches the gradient's scale: it minimises E[hᵀ P h + vᵀ P⁻¹ v]
along the way, whose minimum is P = (E[h hᵀ])^(−1/2) — Adagrad's/Shampoo's
square-root scaling, learned by gradient steps on Q instead of a matrix root.
For a parameter with k dimensions Q is a Kronecker product Q₁ ⊗ … ⊗ Q_k of one
factor per dimension: an upper-triangular matrix Q_i, or a diagonal (a vector
q_i) for a dimension that is too long (> ``max_size_triangular``), of size 1,
in a tensor of fewer than ``min_ndim_triangular`` dimensions (vectors), or
chosen by ``memory_save_mode``. At step t, with g the gradient:

    m ← μ m + (1 − μ) g;   m̂ = m / (1 − μᵗ)                     momentum (bias-corrected)
    with probability p(t) (see below), update the factors from a probe V ~ N(0, I):
        A = h ×₁ Q₁ ×₂ … ×_k Q_k         h = m̂ (or g without momentum_into_precondition_update)
        B = V ×₁ Q₁^(−T) … ×_k Q_k^(−T)
        for each dimension i (all terms from the Q before this update):
            T₁ = A_(i) A_(i)ᵀ,  T₂ = B_(i) B_(i)ᵀ          (unfolded along dimension i)
            Q_i ← Q_i − η · triu(T₁ − T₂) / (‖T₁ + T₂‖ + ε) · Q_i      triangular factor
            q_i ← q_i − η · (diag T₁ − diag T₂) ⊙ q_i / (max|diag(T₁ + T₂)| + ε)   diagonal one
    u = m̂ ×₁ Q₁ᵀQ₁ ×₂ … ×_k Q_kᵀQ_k                              precondition: P m̂
    u ← u · min(1, 1.1 / (RMS(u) + 1e-6))                           clip the update's RMS at 1.1
    u ← u + λ θ        (decoupled weight decay, on parameters with ≥ 2 dimensions only)
    θ ← θ − γ u

where ×_i multiplies dimension i by a matrix (a diagonal factor scales it),
η = ``precondition_lr`` (0.1), ε the smallest normal bfloat16 number, and ‖·‖
a cheap lower bound of the spectral norm (``norm_lower_bound``). With
``weight_decouple=False`` the decay is added to g instead (g ← g + λθ, again
only for parameters with ≥ 2 dimensions). On a step that updates the factors,
with probability ``balance_prob`` the factors of each matrix are first
rescaled to equal max-norms (their product is unchanged).

When the factors update. ``pre_conditioner_update_probability`` p is a number,
a function of the step count, or None for the default schedule
p(n) = clamp(exp(−0.001 (n − 500)), 0.03, 1) (computed in float32, as
pytorch-optimizer does): 1 for the first 500 steps, then decaying to 0.03. The
update is not drawn at random: a counter runs, and the factors update on the
step where it reaches 1/p (then it restarts) — every step while p = 1, every
⌈1/p⌉-th step otherwise. p and the counter belong to the optimizer (the first
param group holds them).

Randomness, and how to reproduce it. Each step draws, from ``generator`` (a
CPU ``mg.Generator``; None: minigrad's default CPU generator, which
``mg.manual_seed`` seeds), in this order:

1. one number ``mg.rand(1, generator=generator, dtype=mg.float64)``: the
   factors are balanced when it is below ``balance_prob`` (and they update);
2. on steps that update the factors, for each parameter with a gradient (group
   by group, in order), the probe ``mg.randn(*param.shape,
   generator=generator, dtype=mg.float64)``, cast to ``precondition_dtype``.

pytorch-optimizer draws the same things from NumPy's and torch's global
generators (``np.random.random()``, ``torch.randn_like``); a test that feeds
it minigrad's draws gets the same trajectory. The draws are made on the CPU and
copied to the parameter's device, so every device follows the same trajectory.
A generator given here has its position saved in ``state_dict()``
(``"generator_state"``) and restored by ``load_state_dict``, so a resumed run
continues exactly; the default generator is not saved, as PyTorch saves no
global generator.

Hyperparameters (pytorch-optimizer's names and defaults): lr = 1e-3 (γ),
momentum = 0.9 (μ, in [0, 1)), weight_decay = 0.0 (λ), weight_decouple = True,
pre_conditioner_update_probability = None, max_size_triangular = 8192,
min_ndim_triangular = 2, memory_save_mode = None ('one_diag': the longest
dimension diagonal, 'smart_one_diag': the same only where it is strictly the
longest, 'all_diag'), momentum_into_precondition_update = True, mu_dtype =
None (the momentum's dtype; None: the parameter's), precondition_dtype =
mg.float32 (the factors' dtype; None: the parameter's), balance_prob = 0.01,
maximize = False; and, as in pytorch-optimizer, ``precondition_lr`` = 0.1 (η)
and ``precondition_init_scale`` = 1.0 (the factors start at scale^(1/k) I)
settable per param group only. The dtypes are kept in the groups by name
(``"float32"``), so that ``mg.save`` can write them.

What pytorch-optimizer does beyond Li's PSGD papers, and minigrad follows: the
preconditioner is fitted on the bias-corrected momentum (not on Hessian-vector
products: the "whitening" variant), the update's RMS is clipped at 1.1, weight
decay skips vectors, and the update probability schedule and balancing above.

Differences from pytorch-optimizer:
- It solves the triangular systems for B in float32 whatever
  ``precondition_dtype`` is; here in ``precondition_dtype`` (the same for the
  default float32; for float64 the tests compare with it with that cast
  removed).
- A ``memory_save_mode`` it does not know raises ValueError at construction (it
  raises NotImplementedError at the first step), as does a
  ``precondition_dtype``/``mu_dtype`` that is not a floating dtype.
- The randomness comes from ``generator`` (above), not from global generators.

References: Xi-Lin Li, "Preconditioned Stochastic Gradient Descent" (IEEE
TNNLS 2018) and "Black Box Lie Group Preconditioners for SGD" (2022); Evan
Walters' ``kron_torch`` (2024), which pytorch-optimizer's follows;
implementation: pytorch-optimizer 4.1.0 ``pytorch_optimizer/optimizer/psgd.py``.
"""
import numpy as np

from ..backend import array_module
from ..creation import rand, randn
from ..random import Generator
from ..tensor import Tensor
from ._validation import real
from .optimizer import Optimizer

MEMORY_SAVE_MODES = (None, "one_diag", "smart_one_diag", "all_diag")
EPSILON = 2.0 ** -126  # the smallest normal bfloat16 number (and float32's): floors the norms


class Kron(Optimizer):
    """Kron(params, lr=1e-3, momentum=0.9, weight_decay=0.0, weight_decouple=True,
    pre_conditioner_update_probability=None, max_size_triangular=8192, min_ndim_triangular=2,
    memory_save_mode=None, momentum_into_precondition_update=True, mu_dtype=None,
    precondition_dtype=mg.float32, balance_prob=0.01, maximize=False, *, generator=None)"""

    def __init__(self, params, lr=1e-3, momentum=0.9, weight_decay=0.0, weight_decouple=True,
                 pre_conditioner_update_probability=None, max_size_triangular=8192,
                 min_ndim_triangular=2, memory_save_mode=None,
                 momentum_into_precondition_update=True, mu_dtype=None,
                 precondition_dtype=np.dtype("float32"), balance_prob=0.01, maximize=False, *,
                 generator=None):
        if real("lr (the learning rate)", lr) < 0.0:
            raise ValueError(f"learning rate must be positive. ({lr} > 0)")
        if not 0.0 <= real("momentum", momentum) < 1.0:
            raise ValueError("momentum must be in the range [0.0, 1.0)")
        if real("weight_decay", weight_decay) < 0.0:
            raise ValueError("weight_decay must be non-negative")
        probability = pre_conditioner_update_probability
        if probability is not None and not callable(probability) \
                and not 0.0 <= real("pre_conditioner_update_probability", probability) <= 1.0:
            raise ValueError(f"pre_conditioner_update_probability must be in [0, 1], a "
                             f"function of the step or None, got {probability}")
        if memory_save_mode not in MEMORY_SAVE_MODES:
            raise ValueError(f"invalid memory_save_mode {memory_save_mode}. it must be one of "
                             "[None, `one_diag`, `smart_one_diag`, `all_diag`]")
        if not 0.0 <= real("balance_prob", balance_prob) <= 1.0:
            raise ValueError(f"balance_prob must be in [0, 1], got {balance_prob}")
        if generator is not None and (not isinstance(generator, Generator)
                                      or generator.device.type != "cpu"):
            raise TypeError(f"generator must be a CPU mg.Generator or None, got {generator!r}")
        self.balance_prob = balance_prob
        self.generator = generator
        super().__init__(params, dict(
            lr=lr, momentum=momentum, weight_decay=weight_decay, weight_decouple=weight_decouple,
            pre_conditioner_update_probability=probability,
            max_size_triangular=max_size_triangular, min_ndim_triangular=min_ndim_triangular,
            memory_save_mode=memory_save_mode,
            momentum_into_precondition_update=momentum_into_precondition_update,
            precondition_lr=0.1, precondition_init_scale=1.0, mu_dtype=mu_dtype,
            precondition_dtype=precondition_dtype, maximize=maximize))

    def add_param_group(self, param_group):
        """As the base class; the dtypes are kept by name (``"float32"``, or None)."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for name in ("mu_dtype", "precondition_dtype"):
            group[name] = _dtype_name(name, group[name])

    # -- state ------------------------------------------------------------------------------
    def init_state(self, group, param):
        """The momentum m, and the factors ``Q_0``, ``Q_1``, ... (a matrix, or a vector
        for a diagonal factor) at scale^(1/k) times the identity."""
        xp = array_module(param)
        shape = param.shape or (1,)  # a scalar is a vector of one element
        dtype = group["precondition_dtype"] or param.dtype
        scale = group["precondition_init_scale"] ** (1 / len(shape))
        state = {"momentum_buffer": xp.zeros(param.shape, dtype=group["mu_dtype"] or param.dtype)}
        for dim, diagonal in enumerate(diagonal_dims(shape, group)):
            size = shape[dim]
            factor = xp.ones(size, dtype=dtype) if diagonal else xp.eye(size, dtype=dtype)
            state[f"Q_{dim}"] = scale * factor
        return state

    def state_dict(self):
        """The base class's, plus ``"generator_state"`` when a generator was given."""
        state_dict = super().state_dict()
        if self.generator is not None:
            state_dict["generator_state"] = self.generator.get_state()
        return state_dict

    def load_state_dict(self, state_dict):
        """The base class's; the factors and the momentum get back their own dtypes, and a
        saved generator position is restored into this optimizer's generator."""
        state_dict = dict(state_dict)
        generator_state = state_dict.pop("generator_state", None)
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            for param in group["params"]:
                for name, value in self.state.get(param, {}).items():
                    if name.startswith("Q_"):
                        dtype = group["precondition_dtype"] or param.dtype
                    elif name == "momentum_buffer":
                        dtype = group["mu_dtype"] or param.dtype
                    else:
                        continue
                    value._array = value._array.astype(dtype)
        if generator_state is not None and self.generator is not None:
            self.generator.set_state(generator_state)

    # -- the step ---------------------------------------------------------------------------
    def _step_groups(self):
        """One step of every parameter that has a gradient (``Optimizer.step`` runs the
        closure and the hooks around it). The optimizer decides once per step whether
        the factors update (and whether they are balanced), then runs ``update`` on
        each parameter."""
        first = self.param_groups[0]
        probability = update_probability(first["pre_conditioner_update_probability"],
                                         first.get("step", 0))
        counter = first.get("update_counter", 0) + 1
        fit = bool(probability > 0 and counter >= 1 / probability)
        first["update_counter"] = 0 if fit else counter
        coin = rand(1, generator=self.generator, dtype=np.float64).item()
        balance = coin < self.balance_prob and fit
        for group in self.param_groups:
            group["step"] = group.get("step", 0) + 1
            for param in self._params_with_grads(group):
                self._step_one(group, param, fit, balance)

    def _step_one(self, group, param, fit, balance):
        """``update`` on one parameter's arrays, with a probe drawn where the factors update."""
        state = self.state[param]
        state["step"] += 1
        probe = None
        if fit:
            drawn = randn(*param.shape, generator=self.generator, dtype=np.float64)
            dtype = group["precondition_dtype"] or param.dtype
            probe = param._backend.from_host(drawn.numpy().astype(dtype))
        grad = param.grad._array
        if group["maximize"]:
            grad = -grad
        arrays = {k: v._array for k, v in state.items() if isinstance(v, Tensor)}
        self.update(group, param._array, grad, arrays, group["step"], probe=probe,
                    balance=balance)
        param._version[0] += 1

    def update(self, group, param, grad, state, step, probe=None, balance=False):
        """One step of ``param`` (module docstring); the factors update where a ``probe``
        is given, after balancing where ``balance``. ``step`` is the group's step count."""
        xp = array_module(param)
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if param.ndim >= 2 and not group["weight_decouple"] and weight_decay > 0:
            grad = grad + weight_decay * param
        buffer = state["momentum_buffer"]
        buffer *= momentum
        buffer += (1 - momentum) * grad
        factor_dtype = group["precondition_dtype"] or param.dtype
        debiased = (buffer / (1 - momentum ** step)).astype(factor_dtype)
        shape = param.shape or (1,)
        factors = [state[f"Q_{dim}"] for dim in range(len(shape))]
        if param.ndim > 1 and balance:
            balance_factors(factors)
        if probe is not None:
            fitted = debiased if group["momentum_into_precondition_update"] else grad
            update_factors(factors, probe.reshape(shape), fitted.reshape(shape),
                           group["precondition_lr"])
        direction = precondition(factors, debiased.reshape(shape)).reshape(param.shape)
        direction = direction.astype(param.dtype)
        direction *= xp.minimum(1.1 / (xp.sqrt(xp.mean(direction * direction)) + 1e-6), 1.0)
        if weight_decay != 0 and param.ndim >= 2 and group["weight_decouple"]:
            direction += weight_decay * param
        param -= lr * direction


def update_probability(probability, step):
    """p at ``step`` (the steps taken so far): a number as given, a function of the step
    called, or None for the default schedule (``update_probability_schedule``)."""
    if probability is None:
        return update_probability_schedule(step)
    if callable(probability):
        return float(probability(step))
    return probability


def update_probability_schedule(step, max_prob=1.0, min_prob=0.03, decay=0.001, flat_start=500):
    """clamp(max_prob · exp(−decay · (step − flat_start)), min_prob, max_prob), in float32
    as pytorch-optimizer computes it."""
    exponent = np.float32(-decay) * (np.float32(step) - np.float32(flat_start))
    value = np.float32(max_prob) * np.exp(np.float32(exponent))
    return float(np.clip(value, np.float32(min_prob), np.float32(max_prob)))


def diagonal_dims(shape, group):
    """For each dimension, whether its factor is diagonal: size 1, longer than
    ``max_size_triangular``, a tensor of fewer than ``min_ndim_triangular`` dimensions, or
    chosen by ``memory_save_mode`` (the longest dimension, or all)."""
    mode = group["memory_save_mode"]
    chosen = [False] * len(shape)
    longest = int(np.argsort(shape)[::-1][0])
    if mode == "one_diag":
        chosen[longest] = True
    elif mode == "smart_one_diag":
        ordered = sorted(shape)
        if len(shape) >= 2 and ordered[-1] > ordered[-2]:
            chosen[longest] = True
    elif mode == "all_diag":
        chosen = [True] * len(shape)
    return [size == 1 or size > group["max_size_triangular"]
            or len(shape) < group["min_ndim_triangular"] or chosen[dim]
            for dim, size in enumerate(shape)]


def multiply_dimension(tensor, factor, dim, transpose=False):
    """``tensor`` with dimension ``dim`` multiplied by ``factor`` (Q, or Qᵀ where
    ``transpose``); a vector ``factor`` is a diagonal one and scales that dimension."""
    xp = array_module(tensor)
    if factor.ndim == 1:
        return tensor * factor.reshape([-1 if d == dim else 1 for d in range(tensor.ndim)])
    matrix = factor.T if transpose else factor
    return xp.moveaxis(xp.tensordot(matrix, tensor, axes=([1], [dim])), 0, dim)


def precondition(factors, tensor):
    """P m = m ×₁ Q₁ᵀQ₁ ×₂ … ×_k Q_kᵀQ_k."""
    for dim, factor in enumerate(factors):
        tensor = multiply_dimension(tensor, factor, dim)
        tensor = multiply_dimension(tensor, factor, dim, transpose=True)
    return tensor


def divide_dimension(tensor, factor, dim):
    """``tensor`` with dimension ``dim`` multiplied by Q⁻ᵀ (solving with the triangular Q:
    x Q⁻¹ along that dimension), or divided by a diagonal factor."""
    xp = array_module(tensor)
    if factor.ndim == 1:
        return tensor / factor.reshape([-1 if d == dim else 1 for d in range(tensor.ndim)])
    moved = xp.moveaxis(tensor, dim, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    solved = xp.linalg.solve(factor.T, rows.T).T  # X Q⁻¹ = Y  ⇔  Qᵀ Yᵀ = Xᵀ
    return xp.moveaxis(solved.reshape(moved.shape), -1, dim)


def update_factors(factors, probe, fitted, precondition_lr):
    """One gradient step of each factor towards P = (E[h hᵀ])^(−1/2) (module docstring),
    all terms computed from the factors before any of them changes."""
    xp = array_module(fitted)
    a, b = fitted, probe
    for dim, factor in enumerate(factors):
        a = multiply_dimension(a, factor, dim)
        b = divide_dimension(b, factor, dim)
    terms = []
    for dim, factor in enumerate(factors):
        unfolded_a = xp.moveaxis(a, dim, 0).reshape(a.shape[dim], -1)
        unfolded_b = xp.moveaxis(b, dim, 0).reshape(b.shape[dim], -1)
        if factor.ndim == 1:
            terms.append(((unfolded_a * unfolded_a).sum(axis=1),
                          (unfolded_b * unfolded_b).sum(axis=1)))
        else:
            terms.append((unfolded_a @ unfolded_a.T, unfolded_b @ unfolded_b.T))
    for factor, (term1, term2) in zip(factors, terms):
        change = (term1 - term2) * precondition_lr
        if factor.ndim == 1:
            change *= factor
            change /= xp.max(xp.abs(term1 + term2)) + EPSILON
        else:
            change = xp.triu(change)
            change /= norm_lower_bound(term1 + term2) + EPSILON
            change = change @ factor
        factor -= change


def norm_lower_bound(matrix):
    """A cheap lower bound of the spectral norm ‖A‖₂ (pytorch-optimizer's
    ``norm_lower_bound``): scale A by its largest |entry|, take its column (or row) of
    largest norm c, and return ‖(cᵀA / ‖cᵀA‖) Aᵀ‖ times that scale — one step of power
    iteration from the most promising start."""
    xp = array_module(matrix)
    tiny = float(np.finfo(matrix.dtype).tiny)
    largest = xp.max(xp.abs(matrix))
    a = matrix / xp.where(largest > 0, largest, 1.0)
    squares = a * a
    column_sums, row_sums = squares.sum(axis=0), squares.sum(axis=1)
    column = xp.take(a, xp.argmax(column_sums), axis=1)
    row = xp.take(a, xp.argmax(row_sums), axis=0)
    x0 = column @ a
    bound0 = xp.linalg.norm((x0 / xp.maximum(xp.linalg.norm(x0), tiny)) @ a.T)
    x1 = a @ row
    bound1 = xp.linalg.norm(a.T @ (x1 / xp.maximum(xp.linalg.norm(x1), tiny)))
    return largest * xp.where(xp.max(column_sums) > xp.max(row_sums), bound0, bound1)


def balance_factors(factors):
    """Rescale the factors to equal max-norms, their geometric mean (the product, and so
    P, is unchanged)."""
    xp = array_module(factors[0])
    norms = xp.stack([xp.max(xp.abs(factor)) for factor in factors])
    geometric_mean = xp.prod(norms) ** (1 / len(factors))
    for factor, norm in zip(factors, norms):
        factor *= geometric_mean / norm


def _dtype_name(argument, dtype):
    """A dtype argument (None, a floating dtype or its name) as its name, or None."""
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{argument} must be a floating dtype (mg.float32, mg.float64, "
                         f"...) or None, got {dtype!r}") from None
    if dtype.kind != "f":
        raise ValueError(f"{argument} must be a floating dtype (mg.float32, mg.float64, ...) "
                         f"or None, got {dtype}")
    return dtype.name
