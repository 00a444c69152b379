"""``DigitsCNN``: a small convolutional network for the 8×8 handwritten digits.

    (N, 1, 8, 8) → Conv2d(1, 16, 3, padding=1) → ReLU → MaxPool2d(2)   → (N, 16, 4, 4)
                 → Conv2d(16, 32, 3, padding=1) → ReLU → MaxPool2d(2)  → (N, 32, 2, 2)
                 → flatten → Linear(128, 10)                            → (N, 10) logits

Each convolution slides 3×3 filters over the image (padding keeps its size), each
pooling keeps the largest of every 2×2 block (halving the size), and the linear layer
reads the 32 feature maps of 2×2 as one vector of 128. About 6,000 parameters, where an
MLP of the same accuracy needs several times more: the filters are shared across
positions.
"""
from ..nn.layers.activation import ReLU
from ..nn.layers.convolution import Conv2d
from ..nn.layers.flatten import Flatten
from ..nn.layers.linear import Linear
from ..nn.layers.pooling import MaxPool2d
from ..nn.containers import Sequential


class DigitsCNN(Sequential):
    """``forward(images)`` maps (N, 1, 8, 8) images (pixels scaled to 0..1) to (N, 10)
    logits. A ``Sequential``, so its parameters are named as PyTorch's
    ``nn.Sequential`` of the same layers names them (``0.weight``, ``3.weight``, ...)."""

    def __init__(self, channels=(16, 32), classes=10, device=None, dtype=None):
        first, second = channels
        factory = {"device": device, "dtype": dtype}
        super().__init__(
            Conv2d(1, first, 3, padding=1, **factory), ReLU(), MaxPool2d(2),
            Conv2d(first, second, 3, padding=1, **factory), ReLU(), MaxPool2d(2),
            Flatten(), Linear(second * 2 * 2, classes, **factory))
