"""L2 inside Adam is not weight decay: Adam(weight_decay) vs AdamW(weight_decay).

The tutorials' claim: adding λθ to the
gradient before Adam's normalisation (``Adam(weight_decay=λ)``, an L2 penalty)
does not shrink weights the way weight decay should; AdamW's decoupled decay
θ ← θ(1 - γλ) does.

Experiment 1: no data at all (the gradient of the loss is zero), θ0 = (1, 10,
100), lr γ = 0.01, 100 steps, λ = 0.1 and λ = 0.001. Adam sees only the
penalty's gradient λθ, and divides it by its own root mean square: every
coordinate moves by about γ per step towards 0, whatever λ and whatever its
size. AdamW multiplies θ by (1 - γλ) each step: after 100 steps, θ0 · (1 -
γλ)^100 exactly, a relative shrinkage the same for every coordinate and set by
λ. The tutorials' measurement (PyTorch): Adam+L2 gives (0.224, 9.017, 99.002)
for both λ; AdamW ×0.9048 (λ = 0.1) and ×0.9990 (λ = 0.001).

Experiment 2 (follow-up): linear regression y = x₁ + x₂ + noise whose two
features have scales 1 and 100 (so the true weights are 1 and 0.01), full
batch, MSE, 3000 steps of each with λ = 0.1. We report each final weight
divided by the unregularised least-squares weight. With L2 the optimum is
ridge regression, which shrinks a feature's weight by s/(s + λ/2) where s is
its mean square (1 and 10⁴): the small-scale feature is shrunk, the
large-scale one is not. AdamW minimises no penalised loss: its decay works
against Adam's *normalised* data gradient, so where it ends up depends on
Adam's running averages.

What to look for: in the left panel Adam+L2's curves for λ = 0.1 and λ = 0.001
lie on top of each other (λ does not matter); in the middle panel AdamW's are
straight lines whose slope is set by λ alone. Measured here: Adam+L2 (0.2244,
9.0174, 99.0017) for both λ, AdamW exactly θ0·0.9048 and θ0·0.9990: the claim
held. Regression (--seed 0): Adam+L2 lands on the ridge solution (scale-1
weight ×0.9536, scale-100 weight ×1.0005, ridge: ×0.9536 and ×1.0000); AdamW
with the same λ shrinks the scale-1 weight ten times less (×0.9952) and leaves
the scale-100 weight alone (×1.0000); its end point is still drifting (×0.977
after 600 steps, the smoke budget), as a decay fighting a normalised gradient
has no fixed optimum to settle on. The two are different regularisers, not the
same one written twice.
"""
import sys

import numpy as np

import minigrad as mg
from _common import example_parser, parse_args, plt, save_figure

START = (1.0, 10.0, 100.0)
LR = 0.01
DECAYS = (0.1, 0.001)


def decay_without_data(optimizer_class, weight_decay, steps, device):
    """θ under ``steps`` optimizer steps with a zero data gradient; returns (steps + 1, 3)."""
    theta = mg.tensor(START, dtype=mg.float64, device=device, requires_grad=True)
    optimizer = optimizer_class([theta], lr=LR, weight_decay=weight_decay)
    path = [theta.detach().numpy().copy()]
    for _ in range(steps):
        theta.grad = mg.zeros_like(theta)  # the loss does not depend on θ: only the decay acts
        optimizer.step()
        path.append(theta.detach().numpy().copy())
    return np.array(path)


def regression_weights(optimizer_class, weight_decay, features, targets, steps, compile=False):
    """Full-batch MSE regression without bias; returns the final weights as a NumPy array.
    ``compile=True`` runs the step through ``mg.compile``: the same numbers, less Python."""
    weights = mg.zeros(features.shape[1], dtype=mg.float64, device=features.device,
                       requires_grad=True)
    optimizer = optimizer_class([weights], lr=LR, weight_decay=weight_decay)

    def train_step(features, targets):
        loss = ((features @ weights - targets) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss
    if compile:
        train_step = mg.compile(train_step)
    for _ in range(steps):
        train_step(features, targets)
    return weights.detach().numpy()


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--compile", action="store_true",
                        help="train with mg.compile (the same numbers, faster steps)")
    args = parse_args(parser, argv)
    steps = 100
    regression_steps = 600 if args.smoke else 3000

    print(f"1. zero data gradient, θ0 = {START}, lr {LR}, {steps} steps")
    paths = {}
    for weight_decay in DECAYS:
        for name, optimizer_class in (("Adam+L2", mg.optim.Adam), ("AdamW", mg.optim.AdamW)):
            path = decay_without_data(optimizer_class, weight_decay, steps, args.device)
            paths[name, weight_decay] = path
            ratio = path[-1] / np.array(START)
            theta = ", ".join(f"{value:.4f}" for value in path[-1])
            relative = ", ".join(f"{value:.4f}" for value in ratio)
            print(f"  {name:8s} λ = {weight_decay:<6g} θ = ({theta})   θ/θ0 = ({relative})")
    adam_same = np.allclose(paths["Adam+L2", DECAYS[0]][-1], paths["Adam+L2", DECAYS[1]][-1],
                            atol=1e-3)
    adamw_exact = all(np.allclose(paths["AdamW", decay][-1],
                                  np.array(START) * (1 - LR * decay) ** steps) for decay in DECAYS)
    print(f"  Adam+L2 ends at the same θ for both λ: {adam_same}; AdamW is θ0·(1 - γλ)^{steps} "
          f"for both: {adamw_exact}")

    rng = np.random.default_rng(args.seed)
    scales = np.array([1.0, 100.0])
    raw = rng.standard_normal((256, 2))
    features_host = raw * scales
    targets_host = raw.sum(axis=1) + 0.1 * rng.standard_normal(256)
    least_squares = np.linalg.lstsq(features_host, targets_host, rcond=None)[0]
    variance = (features_host ** 2).mean(axis=0)
    ridge = least_squares * variance / (variance + DECAYS[0] / 2)  # features nearly uncorrelated
    features = mg.tensor(features_host, device=args.device)
    targets = mg.tensor(targets_host, device=args.device)
    print(f"2. regression y = x1 + x2 + noise, feature scales {scales.tolist()}, λ = {DECAYS[0]}, "
          f"{regression_steps} full-batch steps; weight / least-squares weight per feature")
    shrinkage = {}
    for name, optimizer_class in (("Adam+L2", mg.optim.Adam), ("AdamW", mg.optim.AdamW)):
        weights = regression_weights(optimizer_class, DECAYS[0], features, targets,
                                     regression_steps, args.compile)
        shrinkage[name] = weights / least_squares
        print(f"  {name:8s} scale 1: {shrinkage[name][0]:.4f}   "
              f"scale 100: {shrinkage[name][1]:.4f}")
    print(f"  (ridge regression, the L2 optimum: scale 1: {ridge[0] / least_squares[0]:.4f}   "
          f"scale 100: {ridge[1] / least_squares[1]:.4f})")
    print("the claim " + ("held" if adam_same and adamw_exact else "did not hold")
          + " on this budget")

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
    for decay_axes, name in zip(axes, ("Adam+L2", "AdamW")):
        for weight_decay, style in zip(DECAYS, ("-", "--")):
            for coordinate, start in enumerate(START):
                decay_axes.plot(paths[name, weight_decay][:, coordinate] / start, style,
                                color=f"C{coordinate}",
                                label=f"θ0 = {start:g}, λ = {weight_decay:g}")
        decay_axes.set(title=f"{name}, no data: θ/θ0", xlabel="step", ylabel="θ / θ0",
                       ylim=(0, 1.05))
        decay_axes.legend(fontsize=8)
    regression_axes = axes[2]
    positions = np.arange(2)
    for offset, (name, values) in zip((-0.2, 0.2), shrinkage.items()):
        regression_axes.bar(positions + offset, values, width=0.4, label=name)
    regression_axes.plot(positions, ridge / least_squares, "k_", markersize=40,
                         label="ridge (L2 optimum)")
    regression_axes.set(xticks=positions, xticklabels=["feature scale 1", "feature scale 100"],
                        ylabel="weight / least-squares weight", ylim=(0.9, 1.01),
                        title=f"regression, λ = {DECAYS[0]}, {regression_steps} steps")
    regression_axes.legend(fontsize=8, loc="lower right")
    save_figure(figure, args.out)
    return dict(adam_l2={decay: paths["Adam+L2", decay][-1] for decay in DECAYS},
                adamw={decay: paths["AdamW", decay][-1] for decay in DECAYS}, shrinkage=shrinkage)


if __name__ == "__main__":
    main(sys.argv[1:])
