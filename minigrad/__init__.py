"""minigrad: a from-scratch reverse-mode autograd framework with PyTorch's API.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([2., 4., 6.])

Layers, bottom up: ``backend`` (NumPy or CuPy arrays), ``tensor`` (Tensor),
``autograd`` (Function, the backward walk, grad mode, gradcheck), ``ops`` (the
differentiable functions).
"""
from .tensor import Tensor  # first: everything else is built on it
from . import autograd, cuda, testing
from . import nn, optim
from . import distributed
from .autograd import enable_grad, gradcheck, gradgradcheck, GradcheckError, no_grad, set_grad_enabled
from .autograd.grad_mode import inference_mode, is_grad_enabled, is_inference_mode_enabled
from .backend import Device as device
from .creation import (arange, empty, empty_like, eye, full, full_like, linspace, ones, ones_like,
                       rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros,
                       zeros_like)
from .dtypes import (bool_, double, float, float16, float32, float64, get_default_dtype, half,
                     int8, int16, int32, int64, long, set_default_dtype, uint8)
from .ops.elementwise import (abs, add, clamp, cos, div, erf, exp, gelu, leaky_relu, log, maximum,
                              minimum, mul, neg, pow, relu, sigmoid, sign, sin, softplus, sqrt, sub,
                              tanh, where)
from .ops.linalg import matmul
# more math, comparisons, matrix products and histograms
from .ops.elementwise import allclose, expm1, isclose, log10, log1p, log2
from .ops.linalg import bmm, einsum, mm
from .ops.histogram import histc, histogram
from .ops.reduction import (amax, amin, argmax, argmin, log_softmax, logsumexp, max, mean, min,
                            softmax, std, sum, var)
from .ops.shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, narrow, pad,
                        permute, reshape, split, squeeze, stack, sum_to, transpose, unsqueeze, view)
from .ops.shape import roll
from .ops.masking import masked_fill, tril, triu
from .ops.indexing import gather, scatter, scatter_add
from .ops.sorting import argsort, sort, topk
# more elementwise math: PyTorch's other spellings of arithmetic, trigonometry, exponentials
from .ops.elementwise import clone
from .ops.arithmetic import (clamp_max, clamp_min, float_power, lerp, negative, positive,
                             reciprocal, rsqrt, sgn, square, true_divide)
from .ops.trigonometric import acos, asin, atan, atan2, cosh, hypot, sinh, tan
from .ops.exponential import exp2, logaddexp, xlogy
from .ops.rounding import ceil, floor, floor_divide, fmod, frac, remainder, round, trunc
from .ops.nonfinite import isfinite, isinf, isnan, nan_to_num, signbit
from .ops.logical import logical_and, logical_not, logical_or, logical_xor
# Random streams, sampling, sharing NumPy memory, and torch.utils.data's namespace.
from .creation import as_tensor, from_numpy, normal
from .random import Generator, bernoulli, default_generator, manual_seed, multinomial
from . import utils
from .backend.threads import get_num_threads, set_num_threads
from . import data, models, viz
from .serialization import load, save
# More reductions: logical, cumulative, NaN-skipping, statistics.
from .ops.logical_reductions import all, any, count_nonzero
from .ops.cumulative import cumprod, cumsum, prod
from .ops.nan_reductions import nanmean, nansum
from .ops.statistics import aminmax, median, quantile, std_mean, var_mean
from .ops.norms import norm
from .ops.diagonals import diag, diagonal, trace
from .ops.vector_products import addmm, baddbmm, cdist, cross, dot, ger, outer
from . import linalg
# mixed precision: float16 matrix products inside autocast, loss scaling
from . import amp
from .amp import autocast
from .amp.autocast_mode import is_autocast_enabled

# repeating, rearranging and selecting (where(condition) alone is nonzero(as_tuple=True))
from .ops.repetition import repeat_interleave, tile
from .ops.rearranging import (flip, fliplr, flipud, moveaxis, movedim, swapaxes, swapdims,
                              unflatten)
from .ops.selection import argwhere, index_select, masked_select, nonzero, unique, where
from .creation import randint_like

bool = bool_
clip = clamp

__version__ = "0.1.0"
from .compile import compile, CompileError  # noqa: E402
