"""The reference models (``minigrad.models``) against the same models built in PyTorch
with the same weights: the GPT's first 20 training steps and the CNN's outputs and
gradients."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.models import CharGPT, DigitsCNN, causal_mask
from minigrad.optim.schedules import WarmupCosineLR

from torch_models import TorchCharGPT, load_from_minigrad, torch_digits_cnn

VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, BATCH = 65, 32, 32, 2, 4, 4
STEPS, WARMUP, LR, CLIP = 20, 5, 3e-3, 1.0


def gpt_losses_minigrad(model, batches):
    optimizer = mg.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.99), weight_decay=0.1)
    scheduler = WarmupCosineLR(optimizer, WARMUP, STEPS)
    losses = []
    for x, y in batches:
        logits = model(mg.tensor(x))
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), mg.tensor(y).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def gpt_losses_torch(model, batches):
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.99), weight_decay=0.1)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [
        torch.optim.lr_scheduler.LinearLR(optimizer, 0.01, 1.0, WARMUP),
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, STEPS - WARMUP)],
        milestones=[WARMUP])
    losses = []
    for x, y in batches:
        logits = model(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB),
                                                 torch.from_numpy(y).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def test_char_gpt_first_20_steps_follow_pytorch_to_float32_precision():
    """The same GPT, the same weights (copied through state_dict), the same batches of
    tiny Shakespeare, AdamW + warm-up/cosine + gradient clipping: the loss curves agree
    to float32 precision, and so do the weights after the 20 steps."""
    mg.manual_seed(0)
    model = CharGPT(VOCAB, CONTEXT, WIDTH, LAYERS, HEADS)
    reference = load_from_minigrad(TorchCharGPT(VOCAB, CONTEXT, WIDTH, LAYERS, HEADS), model)
    corpus = mg.data.load_shakespeare()
    generator = mg.Generator().manual_seed(1)
    batches = [tuple(t.numpy() for t in corpus.get_batch("train", BATCH, CONTEXT, generator))
               for _ in range(STEPS)]
    ours, theirs = gpt_losses_minigrad(model, batches), gpt_losses_torch(reference, batches)
    assert ours[0] == pytest.approx(np.log(VOCAB), rel=0.05)    # starts near uniform guessing
    assert ours[-1] < ours[0] - 0.5                              # and learns
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)
    for name, value in reference.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name].numpy(), value.numpy(), rtol=1e-3,
                                   atol=2e-5, err_msg=name)


def test_char_gpt_matches_pytorch_in_float64_forward_and_backward():
    mg.manual_seed(3)
    model = CharGPT(VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, dtype=mg.float64)
    reference = load_from_minigrad(TorchCharGPT(VOCAB, CONTEXT, WIDTH, LAYERS, HEADS).double(),
                                   model)
    x = np.random.default_rng(0).integers(0, VOCAB, (3, 17))
    out = model(mg.tensor(x))
    expected = reference(torch.from_numpy(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.square().mean().backward()
    expected.square().mean().backward()
    grads = dict(reference.named_parameters())
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), grads[name].grad.numpy(), rtol=1e-8,
                                   atol=1e-12, err_msg=name)


def test_char_gpt_attends_only_to_the_past():
    """Changing character t changes no logit before t."""
    mg.manual_seed(0)
    model = CharGPT(VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, dtype=mg.float64).eval()
    x = np.random.default_rng(1).integers(0, VOCAB, (1, 12))
    changed = x.copy()
    changed[0, 7] = (x[0, 7] + 1) % VOCAB
    before, after = model(mg.tensor(x)).detach().numpy(), model(mg.tensor(changed)).detach().numpy()
    np.testing.assert_array_equal(before[:, :7], after[:, :7])
    assert not np.allclose(before[:, 7:], after[:, 7:])
    np.testing.assert_array_equal(causal_mask(3).numpy(), [[0, 1, 1], [0, 0, 1], [0, 0, 0]])


def test_char_gpt_refuses_a_sequence_longer_than_its_context():
    model = CharGPT(VOCAB, context=8, width=16, layers=1, heads=2)
    with pytest.raises(ValueError, match="9 characters is longer than the model's context of 8"):
        model(mg.zeros(1, 9, dtype=mg.int64))


def test_char_gpt_generates_characters_of_its_vocabulary():
    mg.manual_seed(0)
    model = CharGPT(VOCAB, context=8, width=16, layers=1, heads=2)
    start = mg.zeros(2, 1, dtype=mg.int64)
    text = model.generate(start, 20, generator=mg.Generator().manual_seed(0))
    assert text.shape == (2, 21) and model.training
    assert 0 <= int(text.min().item()) and int(text.max().item()) < VOCAB
    again = model.generate(start, 20, generator=mg.Generator().manual_seed(0))
    np.testing.assert_array_equal(text.numpy(), again.numpy())


def test_digits_cnn_matches_pytorch_in_float64():
    mg.manual_seed(0)
    model = DigitsCNN(dtype=mg.float64)
    reference = load_from_minigrad(torch_digits_cnn().double(), model)
    images = np.random.default_rng(0).random((5, 1, 8, 8))
    out, expected = model(mg.tensor(images)), reference(torch.from_numpy(images))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    labels = np.array([0, 3, 9, 2, 2])
    nn.functional.cross_entropy(out, mg.tensor(labels)).backward()
    torch.nn.functional.cross_entropy(expected, torch.from_numpy(labels)).backward()
    grads = dict(reference.named_parameters())
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), grads[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-14, err_msg=name)
