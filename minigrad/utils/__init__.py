"""``minigrad.utils``: PyTorch's ``torch.utils`` spelling.

- ``minigrad.utils.hooks``: ``RemovableHandle``, what every ``register_..._hook`` returns;
- ``minigrad.utils.data``: ``torch.utils.data``'s namespace; its objects are
  those of ``mg.data``.
"""
from . import data, hooks
