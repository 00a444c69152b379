"""The reference models of ``minigrad.models`` built in PyTorch with the same module
names, so a minigrad ``state_dict`` loads into them (tests and benchmarks share these)."""
import torch
from torch import nn


class TorchCharGPT(nn.Module):
    """``minigrad.models.CharGPT`` in PyTorch."""

    def __init__(self, vocab_size, context=128, width=128, layers=4, heads=4, dropout=0.0):
        super().__init__()
        self.context = context
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(context, width)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(width, heads, 4 * width, dropout, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab_size, bias=False)

    def forward(self, indices):
        length = indices.shape[-1]
        positions = torch.arange(length)
        x = self.dropout(self.token_embedding(indices) + self.position_embedding(positions))
        mask = torch.ones(length, length, dtype=torch.bool).triu(1)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))


def torch_digits_cnn(channels=(16, 32), classes=10):
    """``minigrad.models.DigitsCNN`` in PyTorch."""
    first, second = channels
    return nn.Sequential(
        nn.Conv2d(1, first, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(first, second, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(second * 2 * 2, classes))


def load_from_minigrad(torch_model, minigrad_model):
    """Copy minigrad's weights into the PyTorch twin through their state_dicts (strict:
    every name must match)."""
    state = {name: torch.from_numpy(value.numpy().copy())
             for name, value in minigrad_model.state_dict().items()}
    torch_model.load_state_dict(state, strict=True)
    return torch_model
