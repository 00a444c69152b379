"""Comparing a refusal with PyTorch's: the same exception type (and, where given, words)."""
import pytest


def assert_raises_like_torch(theirs, ours, match=None):
    """``theirs()`` (the PyTorch call) must raise; ``ours()`` (minigrad's) must raise an
    exception of the same type, whose message matches ``match`` when one is given."""
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(expected.type, match=match):
        ours()
