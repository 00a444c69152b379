"""``Flatten``: merge the dimensions start_dim..end_dim into one.

An input of shape (N, C, H, W) gives (N, C·H·W) with the defaults start_dim=1,
end_dim=-1: the batch dimension stays, the rest become one feature vector.
"""
from ...ops.shape import flatten
from ..functional.arguments import check_tensor
from ..module import Module


class Flatten(Module):
    """y = x reshaped so that dimensions start_dim..end_dim (inclusive) become one."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        check_tensor("flatten", "input", input, 1)
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
