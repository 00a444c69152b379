"""Per-operation overhead of the autograd machinery: minigrad vs PyTorch CPU.

A chain of 1000 elementwise operations on 10-element tensors, forward and
backward. With arrays this small the arithmetic is nothing; what is measured
is what each framework spends per operation on building the graph and walking
it back. Run:

    python benchmarks/bench_overhead.py

Prints µs per operation for both frameworks and the ratio minigrad / PyTorch.
(A benchmark, not a test: timings depend on the machine and its load.)
"""
import argparse
import time

import numpy as np

import minigrad as mg

CHAIN_LENGTH = 1000
SIZE = 10


def chain(x, steps):
    """y = x, then steps × (one of: ·1.001, +0.001, tanh, sin), in turn."""
    y = x
    for step in range(steps):
        kind = step % 4
        if kind == 0:
            y = y * 1.001
        elif kind == 1:
            y = y + 0.001
        elif kind == 2:
            y = y.tanh()
        else:
            y = y.sin()
    return y.sum()


def time_forward_backward(make_input):
    """Wall time of forward + backward of the chain, in µs per operation."""
    x = make_input()
    start = time.perf_counter()
    chain(x, CHAIN_LENGTH).backward()
    return (time.perf_counter() - start) / CHAIN_LENGTH * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    data = np.random.default_rng(0).standard_normal(SIZE).astype(np.float32)
    frameworks = {"minigrad": lambda: mg.tensor(data, requires_grad=True)}
    try:
        import torch
        torch.set_num_threads(1)
        frameworks["PyTorch"] = lambda: torch.tensor(data, requires_grad=True)
    except ImportError:
        print("PyTorch is not installed: no comparison (pip install torch==2.13.0)")

    # Interleave the frameworks so that a busy moment of the machine hits both,
    # and keep the best run of each (the least disturbed one). On a shared
    # machine a burst can still hit one framework's best run, so the median of
    # the per-round ratios is printed too: it is the steadier figure.
    runs = {name: [] for name in frameworks}
    for _ in range(args.repeats):
        for name, make_input in frameworks.items():
            runs[name].append(time_forward_backward(make_input))

    print(f"{CHAIN_LENGTH}-op elementwise chain on {SIZE}-element float32 tensors, "
          f"forward + backward, best of {args.repeats}:")
    for name, times in runs.items():
        print(f"  {name:9s} {min(times):6.2f} µs per op")
    if "PyTorch" in runs:
        best_ratio = min(runs["minigrad"]) / min(runs["PyTorch"])
        round_ratios = np.array(runs["minigrad"]) / np.array(runs["PyTorch"])
        print(f"  ratio minigrad / PyTorch: {best_ratio:.2f}x best-of, "
              f"{np.median(round_ratios):.2f}x median of rounds (target: at most 2x)")


if __name__ == "__main__":
    main()
