"""Op-table rows for pooling (max, average, adaptive average) and the normalizations
added beside batch and layer norm (batch norm of images, group norm, RMS norm).

tests/op_table.py adds these rows to its table, so they run every test the table
drives (forward and gradients against PyTorch in float64, gradcheck, gradgradcheck,
cpu and strict, non-contiguous inputs, graph release).
"""
import torch
import torch.nn.functional as TF

import minigrad as mg
from op_table import OpInfo, Sample, distinct

F = mg.nn.functional


def max_pool_samples(draw):
    """Batched and unbatched, tuple arguments, padding, dilation, ceil_mode, indices."""
    return [Sample((draw(2, 3, 6, 5), 2)),
            Sample((draw(2, 2, 7, 6), (3, 2)), {"stride": (2, 1), "padding": 1, "dilation": (1, 2)}),
            Sample((draw(2, 7, 7), 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
            Sample((draw(1, 2, 5, 5), 2), {"ceil_mode": True, "return_indices": True})]


def max_pool1d_samples(draw):
    return [Sample((draw(2, 3, 9), 3), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}),
            Sample((draw(3, 8), 2)),
            Sample((draw(2, 2, 7), 3), {"stride": 1, "padding": 1, "return_indices": True})]


def avg_pool_samples(draw):
    return [Sample((draw(2, 3, 6, 5), 2)),
            Sample((draw(2, 2, 7, 6), 3), {"stride": 2, "padding": 1, "ceil_mode": True,
                                            "count_include_pad": False}),
            Sample((draw(2, 2, 7, 6), 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
            Sample((draw(3, 5, 5), (2, 3)), {"stride": 1, "padding": (1, 1), "divisor_override": 5})]


def avg_pool1d_samples(draw):
    return [Sample((draw(2, 3, 9), 3), {"stride": 2, "padding": 1, "ceil_mode": True,
                                        "count_include_pad": False}),
            Sample((draw(3, 8), 4), {"stride": 3}),
            Sample((draw(2, 2, 6), 2), {"padding": 1})]


def adaptive_samples(draw):
    """Windows that overlap (7 → 3), that divide evenly, None, 1 and unbatched."""
    return [Sample((draw(2, 3, 7, 5), (3, 4))), Sample((draw(3, 6, 6), 2)),
            Sample((draw(2, 2, 5, 7), (None, 3))), Sample((draw(1, 2, 4, 4), 1))]


def group_norm_samples(draw):
    return [Sample((draw(2, 6, 4, 3), 3, draw(6), draw(6))), Sample((draw(3, 4), 2)),
            Sample((draw(2, 4, 5), 4, draw(4), None), {"eps": 1e-3}),
            Sample((draw(2, 4, 5), 1, draw(4)))]


def rms_norm_samples(draw):
    return [Sample((draw(2, 3, 4), (4,), draw(4))), Sample((draw(2, 3, 4), (3, 4))),
            Sample((draw(5, 2), [2], None, 1e-3))]


def batch_norm_4d_samples(draw):
    return [Sample((draw(3, 2, 4, 3), None, None, draw(2), draw(2)), {"training": True}),
            Sample((draw(2, 3, 2, 2), None, None), {"training": True, "eps": 1e-3})]


POOLING_NORMALIZATION_OPS = [
    OpInfo("max_pool2d", F.max_pool2d, TF.max_pool2d, max_pool_samples, distinct),
    OpInfo("max_pool1d", F.max_pool1d, TF.max_pool1d, max_pool1d_samples, distinct),
    OpInfo("avg_pool2d", F.avg_pool2d, TF.avg_pool2d, avg_pool_samples),
    OpInfo("avg_pool1d", F.avg_pool1d, TF.avg_pool1d, avg_pool1d_samples),
    OpInfo("adaptive_avg_pool2d", F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, adaptive_samples),
    OpInfo("group_norm", F.group_norm, TF.group_norm, group_norm_samples),
    OpInfo("rms_norm", F.rms_norm, TF.rms_norm, rms_norm_samples),
    OpInfo("batch_norm_4d", F.batch_norm, TF.batch_norm, batch_norm_4d_samples),
]

# The functions the table must cover (see op_table.REQUIRED), each with its row.
REQUIRED_POOLING_NORMALIZATION = {
    name: name for name in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
                            "adaptive_avg_pool2d", "group_norm", "rms_norm")}
REQUIRED_POOLING_NORMALIZATION["batch_norm (N, C, H, W)"] = "batch_norm_4d"
