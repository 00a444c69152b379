"""``F.dropout``: zero elements with probability p while training, scale the rest by 1/(1 − p).

    y = x ⊙ m / (1 − p),  m_i ~ Bernoulli(1 − p)      (training)
    y = x                                             (evaluation, or p = 0)

``inplace=True`` is accepted so that PyTorch code runs unchanged; minigrad
returns a new tensor and leaves the input as it was.
"""
from ...ops.dropout import Dropout
from .arguments import check_tensor


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout with drop probability ``p`` (0 ≤ p ≤ 1); the identity unless ``training``.

    An integer or boolean input, as in PyTorch, passes through unchanged when nothing
    is dropped (evaluation, p = 0), becomes zeros for p = 1, and is refused otherwise:
    its survivors, scaled by 1/(1 − p), would not be integers."""
    check_tensor("dropout", "input", input, 1)
    check_probability(p)
    if not training or p == 0:
        return input
    if input.dtype.kind not in "fc" and p < 1:
        raise RuntimeError(f"dropout: result type float can't be cast to the desired output type "
                           f"{input.dtype}: dropout with p={p} scales the kept elements by "
                           f"1/(1 - p); convert the input to a floating dtype first (x.float())")
    return Dropout.apply(input, p=float(p))


def check_probability(p):
    """Raise ValueError unless p is a probability, as PyTorch does."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
