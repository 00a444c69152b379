"""Forecasting a sine wave with an LSTM, one step ahead and then on its own.

What it shows: a recurrent network (``mg.nn.LSTM``, batch-first) trained on
windows from ``mg.data.make_sine_sequences`` to predict the next value, and
then run autoregressively: fed its own predictions, it continues the wave.
RMSprop is the tutorials' suggestion for recurrent networks; we use it.

Experiment: 512 training windows of 30 noisy values (noise 0.05, period 20
steps, random phase) and 256 test windows; an LSTM with 32 units, whose last
hidden state goes through a linear head to the next value; MSE loss, RMSprop
(lr 0.01, cosine decay over the epochs), mini-batches of 64, 40 epochs.
Baselines on the test windows: repeating the last value, and the linear
extrapolation from the last two values (2·v_t - v_{t-1}).

What to look for: the one-step test MSE should fall below both baselines and
towards the noise floor (the noise variance 0.05² = 0.0025 is what no model
can predict). The right panel shows a 60-step free-running forecast from one
test window against the true continuation. Measured here with the defaults:
test MSE 0.0032 (noise floor 0.0025), against 0.0531 for "repeat the last
value" and 0.0185 for linear extrapolation; fed its own predictions for 60
steps, the forecast stays on the noiseless wave (MSE 0.0001). Without the
cosine decay (a constant lr 0.005) the test MSE stalled at 0.0076 and the
free-running forecast drifted (MSE 0.11): the last epochs at a small lr matter.
"""
import math
import sys

import numpy as np

import minigrad as mg
from minigrad import nn
from _common import example_parser, parse_args, plt, positive_int, save_figure

LR = 0.01
PERIOD = 20.0
NOISE = 0.05


class Forecaster(nn.Module):
    """The next value of a series from the LSTM's last hidden state."""

    def __init__(self, hidden_size):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, windows):
        _, (last_hidden, _) = self.lstm(windows)
        return self.head(last_hidden[-1])


def free_run(model, window, steps):
    """Extend ``window`` (1, T, 1) by ``steps`` values, each predicted from the ones before."""
    values = window
    predictions = []
    with mg.no_grad():
        for _ in range(steps):
            next_value = model(values[:, -window.shape[1]:])       # (1, 1)
            predictions.append(next_value.item())
            values = mg.cat([values, next_value.reshape(1, 1, 1)], dim=1)
    return np.array(predictions)


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs (default 40, smoke 3)")
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    epochs = args.epochs or (3 if args.smoke else 40)
    seq_len, horizon = 30, 60
    train_inputs, train_targets = mg.data.make_sine_sequences(
        128 if args.smoke else 512, seq_len=seq_len, noise=NOISE, period=PERIOD, seed=args.seed,
        device=args.device)
    test_inputs, test_targets = mg.data.make_sine_sequences(
        256, seq_len=seq_len, noise=NOISE, period=PERIOD, seed=args.seed + 1, device=args.device)

    model = Forecaster(hidden_size=32).to(args.device)
    optimizer = mg.optim.RMSprop(model.parameters(), lr=LR)
    scheduler = mg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_function = nn.MSELoss()
    loader = mg.data.DataLoader(mg.data.TensorDataset(train_inputs, train_targets), batch_size=64,
                                shuffle=True, seed=args.seed)

    def train_step(windows, targets):
        loss = loss_function(model(windows), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss
    if args.compile:  # the same numbers, less Python per step
        train_step = mg.compile(train_step)
    train_losses, test_losses = [], []
    for _ in range(epochs):
        batch_losses = []
        for windows, targets in loader:
            batch_losses.append(train_step(windows, targets).item())
        scheduler.step()
        train_losses.append(float(np.mean(batch_losses)))
        with mg.no_grad():
            test_losses.append(loss_function(model(test_inputs), test_targets).item())

    last, before_last = test_inputs[:, -1], test_inputs[:, -2]
    baselines = {"repeat the last value": loss_function(last, test_targets).item(),
                 "linear extrapolation": loss_function(2 * last - before_last, test_targets).item()}
    print(f"LSTM(32), RMSprop lr {LR} with cosine decay, {epochs} epochs: one-step test MSE "
          f"{test_losses[-1]:.4f} (noise floor {NOISE ** 2:.4f})")
    for name, value in baselines.items():
        print(f"  baseline, {name}: {value:.4f}")

    # A free-running forecast from the first test window; its true continuation is the sine
    # wave with the same phase, which we recover from the window's noiseless fit.
    window = test_inputs[:1]
    forecast = free_run(model, window, horizon)
    observed = window.detach().numpy().ravel()
    steps = np.arange(seq_len)
    angle = 2 * math.pi * steps / PERIOD
    design = np.stack([np.sin(angle), np.cos(angle)], axis=1)
    coefficients = np.linalg.lstsq(design, observed, rcond=None)[0]
    future = np.arange(seq_len, seq_len + horizon)
    truth = (coefficients[0] * np.sin(2 * math.pi * future / PERIOD)
             + coefficients[1] * np.cos(2 * math.pi * future / PERIOD))
    free_run_error = float(np.mean((forecast - truth) ** 2))
    print(f"  free-running forecast, {horizon} steps on its own: MSE {free_run_error:.4f} "
          "against the noiseless continuation")
    beats = test_losses[-1] < min(baselines.values())
    print(f"the LSTM {'beats' if beats else 'does not beat'} both baselines on this budget")

    figure, (loss_axes, forecast_axes) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
    epochs_axis = np.arange(1, epochs + 1)
    loss_axes.semilogy(epochs_axis, train_losses, label="training (mean over the epoch)")
    loss_axes.semilogy(epochs_axis, test_losses, label="test, one step ahead")
    for index, (name, value) in enumerate(baselines.items()):
        loss_axes.axhline(value, color=f"C{index + 2}", linestyle="--", label=f"baseline: {name}")
    loss_axes.axhline(NOISE ** 2, color="k", linestyle=":", label="noise floor σ²")
    loss_axes.set(title="MSE per epoch", xlabel="epoch", ylabel="MSE")
    loss_axes.legend(fontsize=8)
    forecast_axes.plot(steps, observed, "k.", label="the window it reads (noisy)")
    forecast_axes.plot(future, truth, "k-", linewidth=0.8, label="true continuation (noiseless)")
    forecast_axes.plot(future, forecast, "C1-", label="LSTM, fed its own predictions")
    forecast_axes.axvline(seq_len - 0.5, color="0.6", linestyle=":")
    forecast_axes.set(title=f"free-running forecast: {horizon} steps, MSE {free_run_error:.4f}",
                      xlabel="time step", ylabel="value")
    forecast_axes.legend(fontsize=8, loc="lower left")
    save_figure(figure, args.out)
    return dict(train_losses=train_losses, test_mse=test_losses[-1], baselines=baselines,
                free_run_mse=free_run_error)


if __name__ == "__main__":
    main(sys.argv[1:])
