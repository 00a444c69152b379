"""``python -m minigrad``: watch backpropagation train a network, from scratch.

An MLP (2 → 64 tanh → 64 tanh → 2) learns to separate two interleaved spirals,
a data set no straight line can split. Everything is visible: the parameters
are plain tensors, the loss is cross-entropy written out as log-softmax and
indexing, and the update is plain gradient descent, p ← p − lr · ∂L/∂p.
"""
import argparse
import math
import time

import numpy as np

import minigrad as mg


def two_spirals(points_per_class=200, noise=0.2, turns=1.75, seed=0):
    """Two spirals winding around each other: x of shape (2n, 2), labels 0/1."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(points_per_class)) * turns * 2 * math.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * math.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(scale=noise / 10, size=(2 * points_per_class, 2))
    y = np.concatenate([np.zeros(points_per_class), np.ones(points_per_class)]).astype(np.int64)
    return x.astype(np.float32), y


def init_mlp(sizes, seed):
    """Weights ~ U(-1/√fan_in, 1/√fan_in), as PyTorch's Linear layers start."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        params.append(mg.tensor(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                                requires_grad=True))
        params.append(mg.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                                requires_grad=True))
    return params


def forward(params, x):
    """Logits of the MLP: tanh hidden layers, linear output."""
    h = x
    for i in range(0, len(params) - 2, 2):
        h = (h @ params[i] + params[i + 1]).tanh()
    return h @ params[-2] + params[-1]


def cross_entropy(logits, labels):
    """L = −mean_i log softmax(logits_i)[label_i]"""
    log_probs = logits.log_softmax(dim=1)
    return -log_probs[mg.arange(len(labels)), labels].mean()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minigrad", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="gradient-descent steps (default 3000)")
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate (default 0.5)")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units (default 64)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x_np, y_np = two_spirals(seed=args.seed)
    x, labels = mg.tensor(x_np), mg.tensor(y_np)
    params = init_mlp([2, args.hidden, args.hidden, 2], args.seed)
    count = sum(p.numel() for p in params)
    print(f"two spirals: {len(y_np)} points; MLP 2-{args.hidden}-{args.hidden}-2 ({count} parameters); "
          f"full-batch gradient descent, lr={args.lr}")

    start = time.perf_counter()
    report_every = max(args.steps // 10, 1)
    for step in range(1, args.steps + 1):
        loss = cross_entropy(forward(params, x), labels)
        for p in params:
            p.grad = None
        loss.backward()
        with mg.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=args.lr)
        if step == 1 or step % report_every == 0:
            print(f"step {step:5d}  loss {loss.item():.4f}")

    with mg.no_grad():
        predictions = forward(params, x).argmax(dim=1)
    accuracy = float((predictions == labels).numpy().mean())
    print(f"final loss {loss.item():.4f}, accuracy {accuracy:.1%}, "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
