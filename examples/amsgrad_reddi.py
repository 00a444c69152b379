"""AMSGrad on Reddi et al.'s counterexample, where Adam heads the wrong way.

The tutorials' claim: AMSGrad fixes cases where Adam behaves oddly. Reddi,
Kale & Kumar ("On the Convergence of Adam and Beyond", ICLR 2018) built an
online problem on which Adam converges to the *worst* point.

Experiment: at step t the loss is f_t(x) = 1010·x once every
101 steps and -10·x otherwise, with x kept in [-1, 1] (after each step x is
clamped back: projected gradient descent). Over a period the gradients sum to
1010 - 100·10 = +10 > 0, so the best x is -1. Adam and AMSGrad
(``Adam(amsgrad=True)``) with betas (0.9, 0.99) and lr 0.01 see the same
gradients; the gradient is written into ``x.grad`` directly.

Why Adam fails: a gradient of -10 pushes x up, the rare +1010 pushes it
down, and the sum over a period (+10) says "down". Adam's v forgets within
about 100 steps (β2 = 0.99): right after the large gradient √v is near 100
and steps are small, but v decays again, so most of the 100 small gradients
get steps close to the full lr and the drift is up. AMSGrad divides by the
*largest* v seen so far (√v ≈ 100 for good), so every step is scaled alike:
a period moves x up by 100 · lr·10/100 = 0.1 and down by lr·1010/100 = 0.101,
a net -0.001 that follows the sign of the sum: slowly, towards -1.

What to look for: Adam sits near x = +1 (the worst point) for the whole run;
AMSGrad drifts steadily down towards -1. The tutorials' measurement (PyTorch,
200k steps): Adam +0.94...+0.97 throughout; AMSGrad 0.58 / 0.18 / -0.22 /
-0.61 at 50k / 100k / 150k / 200k steps. The default budget here is 100k steps
(about 15 s); ``--steps 200000`` runs the tutorials' full length.

Measured here with the defaults: Adam +0.965 / +0.967 / +0.970 / +0.953 and
AMSGrad +0.771 / +0.580 / +0.385 / +0.176 at 25k / 50k / 75k / 100k steps,
the same as PyTorch and as the tutorials' measurement; the claim held.
"""
import sys

import numpy as np

import minigrad as mg
from _common import example_parser, parse_args, plt, positive_int, save_figure

PERIOD = 101
LARGE, SMALL = 1010.0, -10.0


def main(argv=None):
    parser = example_parser(__doc__, __file__)
    parser.add_argument("--steps", type=positive_int, default=None,
                        help="steps (default 100000, smoke 10000)")
    args = parse_args(parser, argv)
    steps = args.steps or (10000 if args.smoke else 100000)

    names = ("Adam", "AMSGrad")
    points = {name: mg.zeros(1, dtype=mg.float64, device=args.device, requires_grad=True)
              for name in names}
    optimizers = {name: mg.optim.Adam([points[name]], lr=0.01, betas=(0.9, 0.99),
                                      amsgrad=name == "AMSGrad") for name in names}
    gradients = {value: mg.tensor([value], dtype=mg.float64, device=args.device)
                 for value in (LARGE, SMALL)}
    record_every = max(steps // 500, 1)
    recorded_at, history = [], {name: [] for name in names}
    for step in range(1, steps + 1):
        gradient = gradients[LARGE if step % PERIOD == 0 else SMALL]
        for name in names:
            points[name].grad = gradient
            optimizers[name].step()
            with mg.no_grad():
                points[name].clamp_(-1.0, 1.0)  # the projection onto [-1, 1]
        if step % record_every == 0:
            recorded_at.append(step)
            for name in names:
                history[name].append(points[name].item())

    print(f"f_t(x) = {LARGE:g}·x every {PERIOD}st step, {SMALL:g}·x otherwise, x in [-1, 1]; "
          f"the optimum is x = -1; {steps} steps, lr 0.01, betas (0.9, 0.99)")
    checkpoints = [steps * k // 4 for k in range(1, 5)]
    recorded = np.array(recorded_at)
    for name in names:
        values = [history[name][int(np.searchsorted(recorded, c))] for c in checkpoints]
        print(f"  {name:8s} x at steps {', '.join(f'{c}' for c in checkpoints)}: "
              f"{', '.join(f'{v:+.3f}' for v in values)}")
    final = {name: history[name][-1] for name in names}
    halfway = {name: history[name][len(history[name]) // 2] for name in names}
    held = final["AMSGrad"] < final["Adam"] and final["AMSGrad"] < halfway["AMSGrad"]
    print(f"the claim {'held' if held else 'did not hold'} on this budget: AMSGrad "
          f"{'moves' if held else 'does not move'} towards -1 while Adam stays near +1")

    figure, axes = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for name in names:
        axes.plot(recorded_at, history[name], label=f"{name}: x = {final[name]:+.3f} at the end")
    axes.axhline(-1.0, color="k", linestyle=":", linewidth=0.8, label="optimum x = -1")
    axes.set(title="Reddi et al.'s online problem: Adam vs AMSGrad", xlabel="step", ylabel="x",
             ylim=(-1.05, 1.05))
    axes.legend()
    save_figure(figure, args.out)
    return dict(final=final, history=history, recorded_at=recorded_at)


if __name__ == "__main__":
    main(sys.argv[1:])
