"""Mixed precision: ``autocast`` runs matrix products in float16 and losses in
float32; ``GradScaler`` scales the loss so float16 gradients do not underflow.
As ``torch.amp``."""
from .autocast_mode import autocast, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "is_autocast_available", "GradScaler"]
