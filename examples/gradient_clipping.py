"""Gradient clipping rescues training from exploding gradients.

The tutorials' claim: when gradients explode, clipping their norm keeps training
alive. ``mg.nn.utils.clip_grad_norm_(params, max_norm)`` rescales all
gradients together so that their joint L2 norm is at most ``max_norm`` (and
returns the norm before clipping): the direction is kept, the step length is
capped.

Experiment 1: a scalar chain y = w^50 with loss (y - 1)², w0 = 1.5, SGD lr
0.01, 500 steps, with and without clipping to norm 1. At w0 = 1.5 the gradient
100·w^49·(w^50 - 1) is about 10^17: one unclipped step throws w to about
-10^15, and the next forward pass overflows. The tutorials' measurement
(PyTorch): without clipping w is NaN after the first steps; with clipping w =
1.0007 and the loss 1.4e-3.

Experiment 2: a recurrent network whose gradients explode. A ReLU RNN (32
units) reads 50 random inputs and must output the sum of the last five; its
recurrent weight starts as 1.5 × an orthogonal matrix (spectral radius 1.5),
so activations and gradients grow geometrically through the 50 steps (the
first gradient norm is about 3,000). SGD with momentum 0.9 and lr 0.05, with
and without ``clip_grad_norm_(…, 1.0)``.

What to look for: without clipping both runs reach inf/NaN within two steps;
with clipping the scalar settles near w = 1 and the RNN's loss falls by orders
of magnitude. (A tanh RNN is a weaker demonstration: its activations stay
bounded, and at spectral radius 3, where its first gradient norm is 7e5, an
unclipped step saturates every unit and leaves the loss stuck rather than
non-finite.)

Measured here with the defaults: the scalar chain without clipping is
non-finite after one step (w jumped to -2.7e17); clipped, w = 1.0007 and the
loss 1.4e-3 after 500 steps (the tutorials' numbers). Near w = 1 a clipped
step has the fixed length lr · 1, so w then hops between two points around 1
and the loss alternates between 1.4e-3 and 0.14 (the left panel's band):
clipping caps steps, it does not shrink them; a decaying lr would. The RNN
without clipping is non-finite after one step; clipped, its loss falls from
44.5 to 1.9e-4 in 200 steps. The claim held.
"""
import math
import sys
import warnings

import numpy as np

import minigrad as mg
from minigrad import nn
from _common import example_parser, parse_args, plt, save_figure


def train(parameters, loss_function, optimizer, steps, max_norm, compile=False):
    """Run ``steps`` steps; return the losses (before each step and after the last one)
    and the gradient norms before clipping.

    Stops at the first non-finite loss, before stepping from it: the loop reads the
    loss between the clipped gradient and ``optimizer.step()``. ``max_norm=None``
    means no clipping (the norm is still measured, with ``max_norm=inf``, which
    leaves gradients as they are). ``compile=True`` runs the loss and the clipped
    gradient through ``mg.compile``: the same numbers, less Python.
    """
    def loss_and_clipped_gradient():
        loss = loss_function()
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(parameters, math.inf if max_norm is None else max_norm)
        return loss, norm
    if compile:
        loss_and_clipped_gradient = mg.compile(loss_and_clipped_gradient)
    losses, norms = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow: the unclipped run's point
        for step in range(steps + 1):
            loss, norm = loss_and_clipped_gradient()
            losses.append(loss.item())
            if step == steps or not math.isfinite(losses[-1]):
                break
            norms.append(norm.item())
            optimizer.step()
    return np.array(losses), np.array(norms)


def scalar_chain(max_norm, steps, device, compile=False):
    """Experiment 1: y = w^50, loss (y - 1)², from w = 1.5."""
    w = mg.tensor([1.5], dtype=mg.float64, device=device, requires_grad=True)
    optimizer = mg.optim.SGD([w], lr=0.01)
    losses, norms = train([w], lambda: ((w ** 50 - 1) ** 2).sum(), optimizer, steps, max_norm,
                          compile)
    return losses, norms, w.item()


class LastStepRNN(nn.Module):
    """A ReLU RNN with an explosive recurrent weight, read out at the last step."""

    def __init__(self, hidden_size, spectral_radius):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, nonlinearity="relu", batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        with mg.no_grad():
            nn.init.orthogonal_(self.rnn.weight_hh_l0)
            self.rnn.weight_hh_l0.mul_(spectral_radius)

    def forward(self, sequences):
        outputs, _ = self.rnn(sequences)
        return self.head(outputs[:, -1])


def exploding_rnn(max_norm, steps, seed, device, compile=False):
    """Experiment 2: sum the last five of 50 inputs with a spectral-radius-1.5 ReLU RNN."""
    mg.manual_seed(seed)
    model = LastStepRNN(hidden_size=32, spectral_radius=1.5).to(device)
    rng = np.random.default_rng(seed)
    inputs = mg.tensor(rng.standard_normal((64, 50, 1)), dtype=mg.float32, device=device)
    targets = inputs[:, -5:, 0].sum(dim=1, keepdim=True)
    parameters = list(model.parameters())
    optimizer = mg.optim.SGD(parameters, lr=0.05, momentum=0.9)
    loss_function = lambda: ((model(inputs) - targets) ** 2).mean()  # noqa: E731
    return train(parameters, loss_function, optimizer, steps, max_norm, compile)


def describe(name, losses, norms):
    """One line: where a run went non-finite, or how far its loss fell."""
    if not math.isfinite(losses[-1]):
        return (f"  {name:22s} loss non-finite after {len(losses) - 1} step(s) "
                f"(first gradient norm {norms[0]:.3g})")
    return (f"  {name:22s} loss {losses[0]:.3g} → {losses[-1]:.3g} after {len(norms)} steps "
            f"(gradient norm before clipping: first {norms[0]:.3g}, largest {norms.max():.3g})")


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    chain_steps, rnn_steps = (100, 40) if args.smoke else (500, 200)

    results = {}
    print(f"1. y = w^50, loss (y - 1)², w0 = 1.5, SGD lr 0.01, {chain_steps} steps")
    for name, max_norm in (("no clipping", None), ("clip_grad_norm_ 1.0", 1.0)):
        losses, norms, w = scalar_chain(max_norm, chain_steps, args.device, args.compile)
        results["chain", name] = dict(losses=losses, norms=norms, w=w)
        print(describe(name, losses, norms) + f", w = {w:.5g}")
    print(f"2. ReLU RNN, spectral radius 1.5, 50 steps, sum of the last five inputs; SGD lr 0.05 "
          f"momentum 0.9, {rnn_steps} steps")
    for name, max_norm in (("no clipping", None), ("clip_grad_norm_ 1.0", 1.0)):
        losses, norms = exploding_rnn(max_norm, rnn_steps, args.seed, args.device,
                                     args.compile)
        results["rnn", name] = dict(losses=losses, norms=norms)
        print(describe(name, losses, norms))
    clipped_finite = all(np.all(np.isfinite(results[task, "clip_grad_norm_ 1.0"]["losses"]))
                         for task in ("chain", "rnn"))
    unclipped_blew_up = all(not np.isfinite(results[task, "no clipping"]["losses"][-1])
                            for task in ("chain", "rnn"))
    rnn_clipped = results["rnn", "clip_grad_norm_ 1.0"]["losses"]
    held = clipped_finite and unclipped_blew_up and rnn_clipped[-1] < rnn_clipped[0] / 10
    print(f"the claim {'held' if held else 'did not hold'} on this budget")

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
    for (task, name), result in results.items():
        finite = np.isfinite(result["losses"])
        loss_axes = axes[0] if task == "chain" else axes[1]
        marker = "x" if not finite.all() else None
        loss_axes.semilogy(np.flatnonzero(finite), result["losses"][finite], marker=marker,
                           label=name + ("" if finite.all() else " (then inf/NaN)"))
        if task == "rnn":
            axes[2].semilogy(result["norms"], marker=marker, label=name)
    axes[0].set(title="y = w^50: loss", xlabel="step", ylabel="(w^50 - 1)²")
    axes[1].set(title="ReLU RNN, radius 1.5: loss", xlabel="step", ylabel="MSE")
    axes[2].set(title="ReLU RNN: gradient norm before clipping", xlabel="step", ylabel="‖g‖")
    for axis in axes:
        axis.legend()
    save_figure(figure, args.out)
    return {f"{task}/{name}": result for (task, name), result in results.items()}


if __name__ == "__main__":
    main(sys.argv[1:])
