"""``minigrad.utils``: PyTorch's ``torch.utils`` spelling for what minigrad keeps elsewhere.

``minigrad.utils.data`` is ``torch.utils.data``'s namespace; its objects are
those of ``mg.data``.
"""
from . import data
