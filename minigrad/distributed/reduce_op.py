"""``ReduceOp``: how an all-reduce combines the ranks' tensors, as ``torch.distributed.ReduceOp``.

With ranks r = 0 … W−1 each holding x_r, element by element:

- ``SUM``: Σ_r x_r
- ``AVG``: (Σ_r x_r) / W  (what data-parallel training does to gradients)
- ``PRODUCT``: Π_r x_r
- ``MAX`` / ``MIN``: max_r x_r / min_r x_r
"""
import enum


class ReduceOp(enum.Enum):
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MAX = "max"
    MIN = "min"
