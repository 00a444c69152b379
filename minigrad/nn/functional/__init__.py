"""``minigrad.nn.functional`` (``F``): the functions behind the layers, without state.

``F.linear(x, weight, bias)``, ``F.relu(x)``, ``F.cross_entropy(logits, target)``, ...
mirror ``torch.nn.functional``. Each family lives in its own file; this module
gathers them under one name.
"""
from .attention import scaled_dot_product_attention
from .activation import (gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus,
                         tanh)
from .convolution import conv1d, conv2d
from .dropout import dropout
from .embedding import embedding
from .linear import linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   huber_loss, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from .normalization import batch_norm, group_norm, layer_norm, rms_norm
from .pooling import (adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d,
                      max_pool2d)
from ...ops.indexing import one_hot
