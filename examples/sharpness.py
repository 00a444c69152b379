"""Sharpness: the largest Hessian eigenvalue of the minima that SGD and Adam find.

The tutorials' claim: Adam converges to sharper minima than SGD, and SGD's
flatter minima generalise better. Exploratory: the literature is divided,
and toy problems may say anything. This example measures and reports.

Experiment: the setting of the Adam → SGD example (two spirals,
300 training points with 20% of the labels flipped, a 2-32-32-2 Tanh MLP,
full batch). Each optimizer (SGD with momentum 0.9 at lr 0.3, Adam at lr 0.01)
trains until the training loss falls below 0.3 (at most 4,000 steps), so both
are compared at the same training loss. Then the sharpness, the largest
eigenvalue λ_max of the training loss's Hessian, is found by power
iteration: v ← Hv / ‖Hv‖, where each Hessian-vector product is a double
backward pass,

    g = ∇L(θ)   (mg.autograd.grad with create_graph=True, so g has a graph)
    Hv = ∇(g · v)   (a second mg.autograd.grad through that graph),

and λ_max ≈ v · Hv once v has settled. Never forming H (here 1,200 × 1,200)
is what makes this work for any network.

What to look for: full-batch gradient descent with momentum μ and lr η is
unstable wherever λ_max > 2(1 + μ)/η (12.7 here), so SGD can only settle
where the loss is flatter than that; Adam divides by its running gradient
scale and has no such limit. Measured here with the defaults (5 runs):
λ_max 11.8 ± 1.2 for SGD, every run at or just under its limit of 12.7 (the
"edge of stability"), against 16.0 ± 9.4 for Adam, spread from 6 to 29; test
accuracy 0.846 ± 0.046 (SGD) against 0.852 ± 0.048 (Adam). Adam's minima were
sharper on average, but not in every run, and sharpness did not predict
test accuracy (Adam's sharpest run tested best): the claim held in part,
and weakly. Power iteration settles within a few iterations here; the
estimate agrees with the top eigenvalue of the full Hessian from torch
(checked once, on one model: 9.4003 both).
"""
import math
import sys

import numpy as np

import minigrad as mg
from minigrad import nn
from _common import (accuracy, example_parser, noisy_spirals, parse_args, plt, positive_int,
                     save_figure, tanh_mlp)

SGD_LR, MOMENTUM, ADAM_LR = 0.3, 0.9, 0.01
OPTIMIZERS = {"SGD": lambda parameters: mg.optim.SGD(parameters, lr=SGD_LR, momentum=MOMENTUM),
              "Adam": lambda parameters: mg.optim.Adam(parameters, lr=ADAM_LR)}


def largest_hessian_eigenvalue(loss, parameters, iterations, seed):
    """λ_max of the Hessian of ``loss`` by power iteration on Hessian-vector products.

    Returns the Rayleigh quotient v·Hv of every iteration (v of unit norm).
    """
    gradients = mg.autograd.grad(loss, parameters, create_graph=True)
    generator = np.random.default_rng(seed)
    vector = [mg.tensor(generator.standard_normal(p.shape), dtype=p.dtype, device=p.device)
              for p in parameters]
    estimates = []
    for _ in range(iterations):
        norm = math.sqrt(sum((v * v).sum().item() for v in vector))
        vector = [v / norm for v in vector]
        directional = sum((g * v).sum() for g, v in zip(gradients, vector))   # g · v
        hessian_vector = mg.autograd.grad(directional, parameters, retain_graph=True)  # Hv
        estimates.append(sum((h * v).sum() for h, v in zip(hessian_vector, vector)).item())
        vector = list(hessian_vector)
    return estimates


def train_and_measure(name, target_loss, max_steps, iterations, seed, device, compile=False):
    """Train to ``target_loss``; return steps, λ_max estimates, test accuracy and the loss curve.
    The loop reads the loss between the backward and ``optimizer.step()``; ``compile=True`` runs
    the loss and its gradient through ``mg.compile``: the same numbers, less Python."""
    train_x, train_y, test_x, test_y = noisy_spirals(seed, device)
    mg.manual_seed(seed)
    model = tanh_mlp().to(device)
    parameters = list(model.parameters())
    optimizer = OPTIMIZERS[name](parameters)
    loss_function = nn.CrossEntropyLoss()

    def loss_and_gradient(features, labels):
        loss = loss_function(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        return loss
    if compile:
        loss_and_gradient = mg.compile(loss_and_gradient)
    losses = []
    for _ in range(max_steps):
        losses.append(loss_and_gradient(train_x, train_y).item())
        if losses[-1] < target_loss:
            break
        optimizer.step()
    estimates = largest_hessian_eigenvalue(loss_function(model(train_x), train_y), parameters,
                                           iterations, seed)
    return dict(steps=len(losses) - 1, final_loss=losses[-1], estimates=estimates,
                sharpness=estimates[-1], test_accuracy=accuracy(model, test_x, test_y),
                losses=np.array(losses))


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--runs", type=positive_int, default=None,
                        help="runs with different random starts per optimizer (default 5, smoke 1)")
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    repeats = args.runs or (1 if args.smoke else 5)
    target_loss, max_steps, iterations = (0.55, 400, 10) if args.smoke else (0.3, 4000, 20)
    limit = 2 * (1 + MOMENTUM) / SGD_LR

    print(f"noisy two spirals, 2-32-32-2 Tanh MLP, full batch; train until the loss < "
          f"{target_loss} (at most {max_steps} steps), then λ_max by {iterations} power "
          f"iterations; {repeats} run(s) with different random starts")
    results = {}
    for name in OPTIMIZERS:
        runs = [train_and_measure(name, target_loss, max_steps, iterations, args.seed + offset,
                                  args.device, args.compile) for offset in range(repeats)]
        sharpness = np.array([run["sharpness"] for run in runs])
        accuracies = np.array([run["test_accuracy"] for run in runs])
        results[name] = dict(runs=runs, sharpness=float(sharpness.mean()),
                             sharpness_std=float(sharpness.std()),
                             accuracy=float(accuracies.mean()),
                             accuracy_std=float(accuracies.std()))
        print(f"  {name:5s} λ_max {sharpness.mean():7.2f} ± {sharpness.std():5.2f}   test accuracy "
              f"{accuracies.mean():.3f} ± {accuracies.std():.3f}   steps "
              f"{', '.join(str(run['steps']) for run in runs)}   final training loss "
              f"{np.mean([run['final_loss'] for run in runs]):.3f}")
    print(f"  (full-batch GD with momentum {MOMENTUM} at lr {SGD_LR} is unstable where "
          f"λ_max > 2(1 + μ)/lr = {limit:.1f})")
    sharper = results["Adam"]["sharpness"] > results["SGD"]["sharpness"]
    better = results["SGD"]["accuracy"] > results["Adam"]["accuracy"]
    verdict = ("held" if sharper and better else "held in part" if sharper or better
               else "did not hold")
    print(f"Adam's minima were {'sharper' if sharper else 'not sharper'} than SGD's "
          f"({results['Adam']['sharpness']:.1f} vs {results['SGD']['sharpness']:.1f}); SGD's test "
          f"accuracy was {'higher' if better else 'not higher'} "
          f"({results['SGD']['accuracy']:.3f} vs {results['Adam']['accuracy']:.3f}); the claim "
          f"{verdict} on this budget")

    figure, (power_axes, scatter_axes) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    for color, (name, result) in zip(("C0", "C1"), results.items()):
        for index, run in enumerate(result["runs"]):
            power_axes.plot(run["estimates"], color=color, label=name if index == 0 else None)
        scatter_axes.scatter([run["sharpness"] for run in result["runs"]],
                             [run["test_accuracy"] for run in result["runs"]], color=color,
                             label=name)
    power_axes.axhline(limit, color="k", linestyle=":", linewidth=0.8,
                       label=f"2(1 + μ)/lr = {limit:.1f} (SGD's stability limit)")
    power_axes.set(yscale="log", title="power iteration: v·Hv per iteration", xlabel="iteration",
                   ylabel="estimate of λ_max")
    power_axes.legend()
    scatter_axes.set(xscale="log", title="sharpness vs test accuracy (one dot per run)",
                     xlabel="λ_max of the training loss", ylabel="test accuracy")
    scatter_axes.legend()
    save_figure(figure, args.out)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
