"""Adam, AMSGrad and AdamW: adaptive moment estimation.

PyTorch's ``torch.optim.Adam`` / ``AdamW`` exactly. For each parameter θ with
gradient g, at step t = 1, 2, ...:

    θ ← θ (1 − γ λ)            if decoupled_weight_decay (AdamW): shrink θ directly
    g ← g + λ θ                otherwise (L2: the decay goes through the moments)
    m ← β₁ m + (1 − β₁) g       first moment (a running mean of g)
    v ← β₂ v + (1 − β₂) g²      second moment (a running mean of g²)
    v_max ← max(v_max, v)       if amsgrad; then v_max is used in place of v
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)       bias corrections (m and v start at 0)
    θ ← θ − γ m̂ / (√v̂ + ε)

The first step is ≈ γ·sign(g) for every coordinate. ε sits outside the square
root, after bias correction. AMSGrad takes the maximum of the raw v (not of v̂).
Adam's ``weight_decay`` is L2 regularisation, which the normalisation by √v̂
mostly cancels; AdamW's decoupled decay shrinks every weight by the same factor.

References: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015);
Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018) for
AMSGrad; Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019)
for AdamW. ``maximize=True`` ascends (g ← −g first).
"""
import math

from ..backend import array_module
from ._validation import check_betas, check_eps, check_lr, check_weight_decay
from .fast.kernel import FusedKernel
from .optimizer import Optimizer, apply_weight_decay

_SCALARS = [("float64", "lr"), ("float64", "beta1"), ("float64", "beta2"), ("float64", "eps"),
            ("float64", "weight_decay"), ("int32", "decoupled"),
            ("float64", "sqrt_bias_correction2"), ("float64", "step_size")]
# The update below as a fused kernel: one element at a time, in the same order of operations
# (compiled for the CPU or a GPU by optim/fast/).
_KERNEL_BODY = """
T g = grad;
if (weight_decay != 0) {
    if (decoupled) param = param * (T)(1.0 - lr * weight_decay);
    else g = g + (T)weight_decay * param;
}
exp_avg = exp_avg + (g - exp_avg) * (T)(1.0 - beta1);
exp_avg_sq = exp_avg_sq * (T)beta2;
exp_avg_sq = exp_avg_sq + (T)(1.0 - beta2) * g * g;
T v = exp_avg_sq;
AMSGRAD
T denominator = sqrt(v);
denominator = denominator / (T)sqrt_bias_correction2;
denominator = denominator + (T)eps;
param = param - (T)step_size * (exp_avg / denominator);
"""
_AMSGRAD = """
max_exp_avg_sq = max_exp_avg_sq > v ? max_exp_avg_sq : v;
v = max_exp_avg_sq;
"""
_ADAM_KERNEL = FusedKernel("adam", ["exp_avg", "exp_avg_sq"], _SCALARS,
                           _KERNEL_BODY.replace("AMSGRAD", ""))
_AMSGRAD_KERNEL = FusedKernel("adam_amsgrad", ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
                              _SCALARS, _KERNEL_BODY.replace("AMSGRAD", _AMSGRAD))


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    *, maximize=False, foreach=None, fused=None, decoupled_weight_decay=False)"""

    elementwise = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False, foreach=None, fused=None,
                 decoupled_weight_decay=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        check_weight_decay(weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def init_state(self, group, param):
        xp = array_module(param)
        state = {"exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        return state

    def update(self, group, param, grad, state, step):
        xp = array_module(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        grad = apply_weight_decay(group, param, grad)
        m += (grad - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * grad * grad
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denominator = xp.sqrt(v)
        denominator /= math.sqrt(bias_correction2)
        denominator += eps
        param -= (lr / bias_correction1) * (m / denominator)

    def fused_kernel(self, group):
        return _AMSGRAD_KERNEL if group["amsgrad"] else _ADAM_KERNEL

    def kernel_scalars(self, group, step):
        (beta1, beta2), lr = group["betas"], group["lr"]
        return dict(lr=lr, beta1=beta1, beta2=beta2, eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    decoupled=int(group["decoupled_weight_decay"]),
                    sqrt_bias_correction2=math.sqrt(1 - beta2 ** step),
                    step_size=lr / (1 - beta1 ** step))


class AdamW(Adam):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
    *, maximize=False, foreach=None, fused=None): Adam with decoupled weight decay,
    θ ← θ(1 − γλ) before each step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, fused=fused, decoupled_weight_decay=True)
