"""An MLP classifier on two spirals, and the decision boundary it learns.

What it shows: the whole training loop of a small network with ``mg.nn``,
``mg.optim`` and ``mg.data``. Two interleaved spirals cannot be separated by
a straight line (a logistic regression stays near 50%); a two-hidden-layer
MLP bends its decision boundary around them.

Experiment: 1,000 training and 1,000 test points (noise 0.05), a 2-64-64-2
Tanh MLP, cross-entropy, AdamW (peak lr 0.03, weight decay 0.01) with a linear
warm-up over the first 10 epochs and cosine decay after it
(``mg.optim.lr_scheduler.SequentialLR``), mini-batches of 64 from
``mg.data.DataLoader``, 60 epochs. A logistic regression (no hidden layer)
trained the same way is the baseline.

What to look for: the figure's left panel shows the decision regions and
the points; the right panel the loss and test accuracy per epoch. Measured
here with the defaults: the MLP reaches 98.1% train and 97.7% test accuracy
(the spirals' noise makes their centre ambiguous); the logistic regression
stays at 63.8% / 63.2%.
"""
import sys

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.optim import lr_scheduler
from _common import (accuracy, example_parser, parse_args, plt, positive_float, positive_int,
                     save_figure)


def make_model(hidden):
    """``hidden`` = 0 gives a logistic regression; otherwise a two-hidden-layer Tanh MLP."""
    if hidden == 0:
        return nn.Linear(2, 2)
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                         nn.Linear(hidden, 2))


def train(model, data, epochs, lr, seed, compile=False):
    """AdamW with warm-up + cosine; returns per-epoch training loss, train and test accuracy.
    ``compile=True`` records the step once per batch shape and replays it (``mg.compile``):
    the same numbers, less Python per step."""
    train_x, train_y, test_x, test_y = data
    optimizer = mg.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    loader = mg.data.DataLoader(mg.data.TensorDataset(train_x, train_y), batch_size=64,
                                shuffle=True, seed=seed)
    warmup = max(epochs // 6, 1)
    total_steps = epochs * len(loader)
    warmup_steps = warmup * len(loader)
    scheduler = lr_scheduler.SequentialLR(optimizer, [
        lr_scheduler.LinearLR(optimizer, start_factor=0.05, total_iters=warmup_steps),
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps)],
        milestones=[warmup_steps])
    loss_function = nn.CrossEntropyLoss()
    history = {"loss": [], "train": [], "test": []}

    def step(features, labels):
        loss = loss_function(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss
    if compile:
        step = mg.compile(step)
    for _ in range(epochs):
        model.train()
        batch_losses = []
        for features, labels in loader:
            batch_losses.append(step(features, labels).item())
        model.eval()
        history["loss"].append(float(np.mean(batch_losses)))
        history["train"].append(accuracy(model, train_x, train_y))
        history["test"].append(accuracy(model, test_x, test_y))
    return history


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs (default 60, smoke 8)")
    parser.add_argument("--hidden", type=positive_int, default=64,
                        help="units per hidden layer (default 64)")
    parser.add_argument("--lr", type=positive_float, default=0.03, help="AdamW's peak lr (default 0.03)")
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    epochs = args.epochs or (8 if args.smoke else 60)
    samples = 300 if args.smoke else 1000
    train_x, train_y = mg.data.make_spirals(samples, noise=0.05, seed=args.seed, device=args.device)
    test_x, test_y = mg.data.make_spirals(1000, noise=0.05, seed=args.seed + 1, device=args.device)
    data = (train_x, train_y, test_x, test_y)

    models, histories = {}, {}
    mlp_name = f"MLP 2-{args.hidden}-{args.hidden}-2"
    for name, hidden in (("logistic regression", 0), (mlp_name, args.hidden)):
        mg.manual_seed(args.seed)
        models[name] = make_model(hidden).to(args.device)
        histories[name] = train(models[name], data, epochs, args.lr, args.seed, args.compile)
        parameters = sum(p.numel() for p in models[name].parameters())
        history = histories[name]
        print(f"{name:20s} ({parameters:5d} parameters) after {epochs} epochs: loss "
              f"{history['loss'][-1]:.4f}, train accuracy {history['train'][-1]:.3f}, "
              f"test accuracy {history['test'][-1]:.3f}")
    baseline, mlp = (histories[name]["test"][-1] for name in models)
    print(f"the MLP beats the straight line by {100 * (mlp - baseline):.1f} points "
          "of test accuracy")

    figure, (boundary_axes, curve_axes) = plt.subplots(1, 2, figsize=(13, 5.5),
                                                       layout="constrained")
    model = models[mlp_name]
    xs, ys = np.meshgrid(np.linspace(-1.3, 1.3, 250), np.linspace(-1.3, 1.3, 250))
    grid = mg.tensor(np.stack([xs.ravel(), ys.ravel()], axis=1), dtype=mg.float32,
                     device=args.device)
    with mg.no_grad():
        probability = mg.softmax(model(grid), dim=1)[:, 1].detach().numpy().reshape(xs.shape)
    boundary_axes.contourf(xs, ys, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                           alpha=0.6)
    boundary_axes.contour(xs, ys, probability, levels=[0.5], colors="k", linewidths=1.2)
    points, labels = test_x.detach().numpy(), test_y.detach().numpy()
    for label, color in ((0, "C0"), (1, "C3")):
        boundary_axes.scatter(*points[labels == label].T, s=6, color=color,
                              label=f"class {label} (test)")
    boundary_axes.set(title=f"{mlp_name}: P(class 1) and the 0.5 boundary", xlabel="x₁",
                      ylabel="x₂", aspect="equal")
    boundary_axes.legend(loc="lower right", fontsize=8)
    epochs_axis = np.arange(1, epochs + 1)
    accuracy_axes = curve_axes.twinx()
    for index, (name, history) in enumerate(histories.items()):
        curve_axes.plot(epochs_axis, history["loss"], color=f"C{index}", label=f"{name}: loss")
        accuracy_axes.plot(epochs_axis, history["test"], color=f"C{index}", linestyle="--",
                           label=f"{name}: test accuracy")
    curve_axes.set(title="training loss (solid) and test accuracy (dashed)", xlabel="epoch",
                   ylabel="cross-entropy", yscale="log")
    accuracy_axes.set(ylabel="test accuracy", ylim=(0.4, 1.01))
    curve_axes.legend(loc="center right", fontsize=8)
    accuracy_axes.legend(loc="lower right", fontsize=8)
    save_figure(figure, args.out)
    return {name: history for name, history in histories.items()}


if __name__ == "__main__":
    main(sys.argv[1:])
