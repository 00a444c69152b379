"""``Dropout``: randomly zero elements while training (a regulariser), identity in evaluation.

    training:   y = x ⊙ m / (1 − p),  m_i ~ Bernoulli(1 − p)  (E[y] = x)
    evaluation: y = x

Switch with ``model.train()`` / ``model.eval()``.
"""
from ..functional.dropout import check_probability, dropout
from ..module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1/(1 − p)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        check_probability(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
