"""L-BFGS: a quasi-Newton method that remembers the last few steps instead of a Hessian.

PyTorch's ``torch.optim.LBFGS`` (torch 2.13) exactly, including its optional
strong-Wolfe line search. All parameters are treated as one flat vector x with
gradient g = ∇f(x). One call ``step(closure)`` runs up to ``max_iter``
iterations k = 1, 2, ... (``closure()`` re-evaluates f and its gradient):

    direction:
        the very first iteration:   d = −g,  H₀ = 1
        afterwards, with y = g − g_prev and s = t_prev d_prev (the last step):
            if yᵀs > 1e-10: remember (y, s, ρ = 1/yᵀs), forgetting the oldest pair
                            beyond history_size, and set H₀ = yᵀs / yᵀy
            d = −H g by the two-loop recursion over the remembered pairs (newest first):
                q = −g;  for i = newest..oldest:  αᵢ = ρᵢ sᵢᵀq,  q ← q − αᵢ yᵢ
                r = H₀ q; for i = oldest..newest: βᵢ = ρᵢ yᵢᵀr,  r ← r + (αᵢ − βᵢ) sᵢ
                d = r
        H is the BFGS inverse-Hessian estimate built from the pairs, starting at H₀ I.
    step length:
        t = min(1, 1/‖g‖₁) · lr on the very first iteration, t = lr afterwards;
        stop if the directional derivative gᵀd > −tolerance_change (not a descent direction)
        line_search_fn=None:           x ← x + t d  (then f, g re-evaluated, except at the
                                       last iteration)
        line_search_fn="strong_wolfe": t from the line search below, then x ← x + t d
    stop when: max_iter iterations, max_eval evaluations of f, max|g| ≤ tolerance_grad,
    max|t d| ≤ tolerance_change, or |f − f_prev| < tolerance_change.

The strong-Wolfe line search (Nocedal & Wright, "Numerical Optimization",
Algorithms 3.5 and 3.6, as Mark Schmidt's minFunc and torch do it) looks for a t
with sufficient decrease and a flat enough slope:

    f(x + t d) ≤ f(x) + c₁ t gᵀd        and   |∇f(x + t d)ᵀd| ≤ c₂ |gᵀd|      (c₁ = 1e-4, c₂ = 0.9)

It first brackets an interval that contains such a t (growing t up to 10× per
trial), then zooms in; each trial t is the minimiser of the cubic through the
two bracket ends' values and slopes (``cubic_interpolate``), moved 10% of the
bracket away from an end when it lands too close to one.

Hyperparameters (torch's names and defaults): lr = 1 (the initial step length),
max_iter = 20 (iterations per ``step``), max_eval = max_iter · 5 // 4 (function
evaluations per ``step``), tolerance_grad = 1e-7, tolerance_change = 1e-9,
history_size = 100 (pairs remembered), line_search_fn = None or "strong_wolfe".

As in torch: one parameter group only; the state lives under the first
parameter (``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``,
``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``); the loss and a few dot
products are read to the host (``float``) each iteration, since they steer the
control flow. Differences: an unknown ``line_search_fn`` raises ValueError at
construction (torch: RuntimeError at the first step); torch's scratch list
``al`` of the two-loop recursion is a local variable here, not state; ``ro``
and ``H_diag`` are Python numbers (torch: 0-d tensors); ``state_dict`` keeps
the history as lists (see ``LBFGS.state_dict``).

References: Nocedal, "Updating Quasi-Newton Matrices with Limited Storage"
(Math. Comp. 1980); Liu & Nocedal, "On the limited memory BFGS method for large
scale optimization" (Math. Programming 1989). Implementation: torch 2.13
``torch/optim/lbfgs.py`` (ported from Lua torch's ``optim.lbfgs``/``lswolfe``).
"""
from ..autograd import tracing as _tracing
import math
from collections import defaultdict

from ..autograd.grad_mode import enable_grad, no_grad
from ..backend import array_module
from ..tensor import Tensor, new_tensor
from ._validation import check_lr, integer
from .optimizer import Optimizer


class LBFGS(Optimizer):
    """LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)"""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_lr(lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"line_search_fn must be None or 'strong_wolfe', "
                             f"got {line_search_fn!r}")
        if integer("max_iter", max_iter) < 1:
            raise ValueError(f"max_iter must be at least 1, got {max_iter}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        elif integer("max_eval", max_eval) < 1:
            raise ValueError(f"max_eval must be at least 1 (or None), got {max_eval}")
        if integer("history_size", history_size) < 1:
            raise ValueError(f"history_size must be at least 1, got {history_size}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        """Only the first group is accepted: L-BFGS optimizes one flat vector."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # -- the parameters as one flat vector ---------------------------------------------
    def _gather_flat_grad(self):
        xp = self._params[0]._backend.xp
        return xp.concatenate([
            p.grad._array.reshape(-1) if p.grad is not None
            else xp.zeros(p._array.size, dtype=p._array.dtype) for p in self._params])

    def _move_params(self, step_size, direction):
        """x ← x + step_size · direction, parameter by parameter."""
        offset = 0
        for param in self._params:
            size = param._array.size
            param._array += step_size * direction[offset:offset + size].reshape(param._array.shape)
            param._version[0] += 1
            offset += size

    def _copy_params(self):
        return [param._array.copy() for param in self._params]

    def _restore_params(self, arrays):
        for param, array in zip(self._params, arrays):
            param._array[...] = array
            param._version[0] += 1

    def _evaluate(self, closure):
        with enable_grad():
            return float(closure())

    def _directional_evaluate(self, closure, x, t, d):
        """f and ∇f at x + t d; the parameters are put back to x afterwards."""
        self._move_params(t, d)
        loss = self._evaluate(closure)
        flat_grad = self._gather_flat_grad()
        self._restore_params(x)
        return loss, flat_grad

    # -- the step ---------------------------------------------------------------------------
    @_tracing.whole_call
    def step(self, closure=None):
        """Up to ``max_iter`` L-BFGS iterations; ``closure()`` must zero the gradients,
        compute the loss, call ``backward()`` and return the loss. Returns the loss
        at the starting point (the closure's first return value)."""
        if closure is None:
            raise TypeError("LBFGS.step() needs a closure: a function that zeroes the gradients, "
                            "computes the loss, calls loss.backward() and returns the loss "
                            "(L-BFGS evaluates the loss several times per step)")
        for hook in list(self._step_pre_hooks.values()):
            hook(self, (), {})
        with no_grad():
            orig_loss = self._run(closure)
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})
        return orig_loss

    def _run(self, closure):
        xp = self._params[0]._backend.xp
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        if float(xp.max(xp.abs(flat_grad))) <= tolerance_grad:
            return orig_loss

        d, t = _array(state.get("d")), state.get("t")
        old_dirs, old_stps = _arrays(state.get("old_dirs")), _arrays(state.get("old_stps"))
        ro, H_diag = state.get("ro"), state.get("H_diag")
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y @ y)
                d = _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag)

            prev_flat_grad = flat_grad
            prev_loss = loss

            # step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break

            if group["line_search_fn"] == "strong_wolfe":
                x_init = self._copy_params()

                def objective(x, step_length, direction):
                    return self._directional_evaluate(closure, x, step_length, direction)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    objective, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._move_params(t, d)
                opt_cond = float(xp.max(xp.abs(flat_grad))) <= tolerance_grad
            else:
                self._move_params(t, d)
                ls_func_evals = 0
                opt_cond = False
                if n_iter != max_iter:
                    # no use re-evaluating at the last iteration: the next step() will
                    loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    opt_cond = float(xp.max(xp.abs(flat_grad))) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # stopping conditions
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.max(xp.abs(d * t))) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        backend = self._params[0]._backend
        state.update(d=_tensor(d, backend), t=t, old_dirs=_tensors(old_dirs, backend),
                     old_stps=_tensors(old_stps, backend), ro=ro, H_diag=H_diag,
                     prev_flat_grad=_tensor(prev_flat_grad, backend), prev_loss=prev_loss)
        return orig_loss

    # -- saving and resuming ------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {0: {...}}, "param_groups": [{..., "params": [0, 1, ...]}]}``, the
        base class's layout, with L-BFGS's single state entry as torch keeps it: the
        history as lists (``old_dirs``, ``old_stps``: flat tensors; ``ro``: numbers),
        ``d`` and ``prev_flat_grad`` as flat tensors spanning all parameters, the
        counters, ``H_diag``, ``t`` and ``prev_loss`` as Python numbers (torch keeps
        ``ro`` and ``H_diag`` as 0-d tensors). The base class cannot hold lists (and
        would turn every number into a 0-d tensor), hence this override."""
        group = self.param_groups[0]
        packed_group = {k: v for k, v in group.items() if k != "params"}
        packed_group["params"] = list(range(len(self._params)))
        state = self.state.get(self._params[0])
        packed_state = {}
        if state:
            packed_state[0] = {k: list(v) if isinstance(v, list) else v for k, v in state.items()}
        return {"state": packed_state, "param_groups": [packed_group]}

    def load_state_dict(self, state_dict):
        """Restore ``state_dict()``'s output: the base class checks the groups and restores
        their hyperparameters; tensors in the state (also inside the history lists) are
        copied to the first parameter's device and, when floating, its dtype."""
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError("an optimizer state_dict needs the keys 'state' and 'param_groups'")
        saved_state = state_dict["state"]
        if any(int(index) != 0 for index in saved_state):
            raise ValueError("an LBFGS state_dict keeps its state under parameter 0 only, got "
                             f"parameters {sorted(int(index) for index in saved_state)}")
        super().load_state_dict({"state": {}, "param_groups": state_dict["param_groups"]})
        first = self._params[0]
        self.state = defaultdict(dict, {
            first: {name: _restore(value, first) for name, value in saved.items()}
            for saved in saved_state.values()})


def _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag):
    """d = −H g, H the L-BFGS inverse Hessian of the pairs (y = old_dirs, s = old_stps,
    ρ = ro) starting from H_diag · I. The αᵢ, βᵢ stay on the device (no host reads)."""
    alphas = [None] * len(old_dirs)
    q = -flat_grad
    for i in range(len(old_dirs) - 1, -1, -1):
        alphas[i] = (old_stps[i] @ q) * ro[i]
        q -= alphas[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        beta = (old_dirs[i] @ r) * ro[i]
        r += (alphas[i] - beta) * old_stps[i]
    return r


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2,
    clamped to ``bounds`` (default: [min(x1, x2), max(x1, x2)]); the middle of the
    bounds when the cubic has no minimum."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """A step length t along ``d`` from ``x`` satisfying the strong Wolfe conditions.

    ``obj_func(x, t, d)`` returns (f, ∇f) at x + t d; ``f``, ``g``, ``gtd`` are the
    value, gradient and slope gᵀd at t = 0. Returns (f_new, g_new, t, evaluations).
    Scalars are Python floats; gradients are flat device arrays (never modified).
    """
    xp = array_module(d)
    d_norm = float(xp.max(xp.abs(d)))
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate: the cubic's minimiser, between 1.01 t and 10 t
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous_t = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                              bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous_t, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1

    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point satisfies the criteria
    insufficient_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        # a trial too close to an end of the bracket is moved 10% of the bracket inside,
        # unless the previous trial was not already that close
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # not enough decrease, or not below the low end: t becomes the high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high end becomes the new low end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _array(value):
    """The backend array inside a state entry (state holds tensors); numbers and None pass."""
    return value._array if isinstance(value, Tensor) else value


def _arrays(values):
    return None if values is None else [_array(value) for value in values]


def _tensor(value, backend):
    """A state entry: backend arrays are wrapped as tensors, numbers and None pass."""
    return new_tensor(value, backend, None, 0) if backend.is_array(value) else value


def _tensors(values, backend):
    return None if values is None else [_tensor(value, backend) for value in values]


def _restore(value, param):
    """A loaded state entry on ``param``'s device (floating tensors in its dtype)."""
    if isinstance(value, (list, tuple)):
        return [_restore(item, param) for item in value]
    if not isinstance(value, Tensor):
        return value
    host = value.detach().numpy()
    if host.dtype.kind == "f":
        host = host.astype(param._array.dtype)
    return new_tensor(param._backend.from_host(host.copy()), param._backend, None, 0)
