"""Which ops autocast runs in which precision: PyTorch's lists, for the ops minigrad has.

Each device type maps an op's name to a kind (see ``autograd/autocast_hook.py``):

- ``"lower"``: run in the region's dtype (float16). Matrix products and
  convolutions: their sums of products are accumulated in float32 by the kernels
  and float16 halves the memory traffic, so they gain speed and lose little.
- ``"fp32"``: run in float32. Losses, reductions, exponentials and logarithms:
  float16 holds numbers only up to 65504 with 11 significant bits, so sums over
  many terms, ``exp`` of moderate inputs and ``log`` near zero overflow or lose
  accuracy.
- ``"promote"``: run in the widest floating dtype among the inputs (``cat`` of a
  float16 and a float32 tensor is float32).
- ``"banned"``: refuse, with the message below.

An op on no list runs in the dtype of its inputs. PyTorch's CPU lists are much
shorter than its CUDA lists (on the CPU, ``softmax``, ``layer_norm`` and ``exp``
of a float16 tensor stay float16); minigrad copies both. The strict device stands
in for CUDA, so it follows the CUDA lists.
"""

# einsum is not on PyTorch's CPU list, but it runs through bmm there, which is.
_CPU_LOWER = ["conv1d", "conv2d", "bmm", "mm", "baddbmm", "addmm", "linear", "matmul",
              "scaled_dot_product_attention", "einsum"]
_CPU_FP32 = ["prod", "quantile", "cdist", "trace", "mse_loss", "nll_loss", "smooth_l1_loss",
             "cross_entropy", "l1_loss", "huber_loss", "binary_cross_entropy",
             "binary_cross_entropy_with_logits"]
_CPU_PROMOTE = ["stack", "cat"]

_CUDA_LOWER = ["conv1d", "conv2d", "addmm", "matmul", "einsum", "mm", "linear", "baddbmm", "bmm",
               "scaled_dot_product_attention"]
# PyTorch's fp32 list, its "fp32 unless a dtype is given" list (prod ... sum), norm,
# and cross_entropy (in PyTorch it is float32 because its log_softmax is).
_CUDA_FP32 = ["acos", "asin", "cosh", "exp", "expm1", "log", "log10", "log2", "log1p",
              "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm", "group_norm",
              "norm", "nll_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "mse_loss",
              "binary_cross_entropy_with_logits", "cdist", "logsumexp",
              "prod", "softmax", "log_softmax", "cumprod", "cumsum", "sum", "cross_entropy"]
_CUDA_PROMOTE = ["atan2", "cross", "dot", "scatter_add", "stack", "cat"]
_CUDA_BANNED = ["binary_cross_entropy"]


def _policy(lower, fp32, promote, banned=()):
    kinds = {}
    for kind, names in (("lower", lower), ("fp32", fp32), ("promote", promote),
                        ("banned", banned)):
        kinds.update(dict.fromkeys(names, kind))
    return kinds


POLICIES = {
    "cpu": _policy(_CPU_LOWER, _CPU_FP32, _CPU_PROMOTE),
    "cuda": _policy(_CUDA_LOWER, _CUDA_FP32, _CUDA_PROMOTE, _CUDA_BANNED),
}
POLICIES["strict"] = POLICIES["cuda"]

BANNED_MESSAGES = {
    "binary_cross_entropy": (
        "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
        "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
        "In this case, combine the two layers using "
        "torch.nn.functional.binary_cross_entropy_with_logits\n"
        "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
        "safe to autocast.").replace("torch.", "minigrad."),
}
