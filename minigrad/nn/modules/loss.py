"""``torch.nn.modules.loss``: the loss modules and their bases ``_Loss``, ``_WeightedLoss``."""
from ..loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss,
                    MSELoss, NLLLoss, SmoothL1Loss, _Loss, _WeightedLoss)
