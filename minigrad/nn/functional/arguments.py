"""Argument checks shared by the functions of ``F`` and the layers that call them:
the same ``check_tensor`` as every op (see ``minigrad.ops.arguments``)."""
from ...ops.arguments import check_tensor

__all__ = ["check_tensor"]
