"""A small convolutional network reads handwritten digits.

What it shows: ``nn.Conv2d`` and ``nn.MaxPool2d`` at work in ``mg.models.DigitsCNN``
(conv 3×3 → ReLU → max-pool 2×2 → conv 3×3 → ReLU → max-pool 2×2 → linear) on the
1,797 8×8 digits that ship with minigrad (``mg.data.load_digits``), trained with Adam
on mini-batches, and what the first layer learned: its 16 filters, and the feature
maps they make of one digit.

Experiment: a seeded shuffle of the digits, the first 80 % to train on and the last
20 % (360 images) to test; batches of 32, Adam (lr 0.005, cosine decay), 30 epochs;
the test accuracy after every epoch.

What to look for: the test accuracy passes 97 % within a few epochs (measured here:
97.2 % after 3 epochs, 99.4 % after 30, about 20 seconds); the network has 6,090
weights, where the command line's MLP on the same images (64-64-64-10) has 8,970:
the filters are shared across positions. The first layer's filters are
small edge and blob detectors: the feature maps light up along the strokes of the
digit in different directions.
"""
import sys

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.models import DigitsCNN
from minigrad.optim import lr_scheduler
from _common import example_parser, parse_args, plt, positive_int, save_figure


def load_split(seed, device):
    """Images (N, 1, 8, 8) scaled to 0..1 and labels, shuffled by ``seed``, cut 80/20."""
    pixels, labels = mg.data.load_digits(device=device)
    images = pixels.reshape(-1, 1, 8, 8)
    order = np.random.default_rng(seed).permutation(len(labels))
    cut = int(0.8 * len(order))
    train, test = order[:cut].tolist(), order[cut:].tolist()
    return (images[train], labels[train]), (images[test], labels[test])


def accuracy(model, images, labels):
    model.eval()
    with mg.no_grad():
        correct = (model(images).argmax(dim=1) == labels).float().mean().item()
    model.train()
    return correct


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help="epochs (default 30, smoke 1)")
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    epochs = args.epochs or (1 if args.smoke else 30)

    (train_images, train_labels), (test_images, test_labels) = load_split(args.seed, args.device)
    model = DigitsCNN().to(args.device)
    loader = mg.data.DataLoader(mg.data.TensorDataset(train_images, train_labels),
                                batch_size=32, shuffle=True, seed=args.seed)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.005)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))

    def train_step(images, labels):
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss
    if args.compile:  # the same numbers, less Python per step
        train_step = mg.compile(train_step)
    accuracies = [accuracy(model, test_images, test_labels)]
    for _ in range(epochs):
        for images, labels in loader:
            train_step(images, labels)
        accuracies.append(accuracy(model, test_images, test_labels))
    parameters = sum(p.numel() for p in model.parameters())
    print(f"digits: {len(train_labels)} images to train on, {len(test_labels)} to test; "
          f"DigitsCNN, {parameters:,} parameters, {epochs} epochs")
    print(f"test accuracy {accuracies[0]:.1%} → {accuracies[-1]:.1%} "
          f"(best {max(accuracies):.1%})")

    filters = model[0].weight.detach().numpy()[:, 0]                 # (16, 3, 3)
    digit = test_images[:1]
    with mg.no_grad():
        maps = model[1](model[0](digit)).numpy()[0]                   # (16, 8, 8)
    figure = plt.figure(figsize=(14, 6), layout="constrained")
    curve, image, filter_grid, map_grid = figure.subfigures(1, 4, width_ratios=(1.3, 0.7, 1, 1))
    axes = curve.subplots()
    axes.plot(range(epochs + 1), [100 * a for a in accuracies], "o-", markersize=3)
    axes.axhline(97, color="k", linestyle=":", label="97 %")
    axes.set(title="test accuracy", xlabel="epoch", ylabel="% correct", ylim=(0, 100))
    axes.legend()
    axes = image.subplots()
    axes.imshow(digit.numpy()[0, 0], cmap="gray_r")
    axes.set(title=f"a test digit: {int(test_labels[0].item())}", xticks=[], yticks=[])
    for grid, pictures, title, cmap in ((filter_grid, filters, "the 16 filters of layer 1",
                                         "RdBu_r"),
                                        (map_grid, maps, "their ReLU maps of the digit",
                                         "magma")):
        grid.suptitle(title)
        for axes, picture in zip(grid.subplots(4, 4).flat, pictures):
            limit = np.abs(picture).max() or 1.0
            axes.imshow(picture, cmap=cmap, vmin=-limit if cmap == "RdBu_r" else 0, vmax=limit)
            axes.set(xticks=[], yticks=[])
    save_figure(figure, args.out)
    return dict(accuracies=accuracies, parameters=parameters, filters=filters)


if __name__ == "__main__":
    main(sys.argv[1:])
