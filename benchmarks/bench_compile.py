"""``mg.compile``: recorded-and-replayed steps vs eager minigrad, PyTorch CPU eager and NumPy.

The workloads are the existing ones: the 1000-op elementwise chain of
``bench_overhead.py`` (forward + backward, µs per op) and the training steps of
``bench_nn.py`` (tiny 2-16-16-1 SGD, the 784-512-512-10 MLP with Adam, the LSTM
with Adam), each compiled with ``mg.compile`` after the same trajectory check,
and once more with ``fuse=False`` (no fused elementwise loops) to show what they
gain.
Frameworks are timed in rounds in a rotating order; the table gives medians over
rounds and the median of the per-round ratios. Run:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_compile.py

(A benchmark, not a test: timings depend on the machine and its load.)
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_nn  # noqa: E402
import bench_overhead  # noqa: E402

import minigrad as mg  # noqa: E402

TARGETS = {"chain": ("PyTorch", 0.5), "tiny": ("PyTorch", 1 / 3), "mlp": ("NumPy", 1.0),
           "lstm": ("PyTorch", 1.2)}


def training_steps(name):
    """{framework: step} for a bench_nn workload, plus minigrad's step compiled."""
    runs = {framework: step for framework, (step, _) in bench_nn.make_steps(name).items()}
    compiled_runs = bench_nn.make_steps(name)
    runs["compiled"] = mg.compile(compiled_runs["minigrad"][0])
    runs["unfused"] = mg.compile(bench_nn.make_steps(name)["minigrad"][0], fuse=False)
    # the compiled step must follow the same trajectory as PyTorch's (bench_nn's tolerance)
    reference = bench_nn.make_steps(name)
    for _ in range(3):
        runs_check = reference["PyTorch"][0]()
        runs["compiled"]()
    del runs_check
    expected, got = reference["PyTorch"][1](), compiled_runs["minigrad"][1]()
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=2e-3, atol=2e-5, err_msg=key)
    return runs, bench_nn.WORKLOADS[name][1]


def chain_steps():
    """The elementwise chain, forward + backward, with each framework's gradient call."""
    data = np.random.default_rng(0).standard_normal(bench_overhead.SIZE).astype(np.float32)
    length = bench_overhead.CHAIN_LENGTH
    x_mg = mg.tensor(data, requires_grad=True)
    x_torch = torch.tensor(data, requires_grad=True)

    def eager():
        return mg.autograd.grad(bench_overhead.chain(x_mg, length), x_mg)

    compiled = mg.compile(lambda x: mg.autograd.grad(bench_overhead.chain(x, length), x))
    unfused = mg.compile(lambda x: mg.autograd.grad(bench_overhead.chain(x, length), x),
                         fuse=False)
    got, expected = compiled(x_mg)[0], eager()[0]
    compiled(x_mg)
    np.testing.assert_array_equal(compiled(x_mg)[0].numpy(), expected.numpy())
    del got

    def numpy_chain():
        y, saved = data, []
        for step in range(length):
            kind = step % 4
            saved.append(y)
            y = y * np.float32(1.001) if kind == 0 else y + np.float32(0.001) if kind == 1 \
                else np.tanh(y) if kind == 2 else np.sin(y)
        g = np.ones_like(y)
        for step in reversed(range(length)):
            kind = step % 4
            if kind == 0:
                g = g * np.float32(1.001)
            elif kind == 2:
                t = np.tanh(saved[step])
                g = g * (1 - t * t)
            elif kind == 3:
                g = g * np.cos(saved[step])
        return g
    runs = {"minigrad": eager, "compiled": lambda: compiled(x_mg), "unfused": lambda: unfused(x_mg),
            "PyTorch": lambda: torch.autograd.grad(bench_overhead.chain(x_torch, length), x_torch),
            "NumPy": numpy_chain}
    return runs, 1


def time_rounds(runs, per_round, rounds, warmup=2):
    for step in runs.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in runs}
    order = list(runs)
    for index in range(rounds):
        shift = index % len(order)
        for name in order[shift:] + order[:shift]:
            start = time.perf_counter()
            for _ in range(per_round):
                runs[name]()
            times[name].append((time.perf_counter() - start) / per_round)
    return {name: np.array(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--only", choices=list(TARGETS), action="append")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"PyTorch {torch.__version__} CPU (1 thread), NumPy {np.__version__}, float32; "
          f"median of {args.rounds} rounds")
    header = (f"{'workload':8s} {'compiled':>11s} {'fuse=False':>11s} {'eager mg':>11s} "
              f"{'NumPy':>11s} {'PyTorch':>11s}"
              f"  {'c/PyTorch':>9s} {'c/NumPy':>8s}  target")
    print(header)
    print("-" * len(header))
    for name in args.only or list(TARGETS):
        runs, per_round = chain_steps() if name == "chain" else training_steps(name)
        times = time_rounds(runs, per_round, args.rounds)
        scale = 1 / bench_overhead.CHAIN_LENGTH if name == "chain" else 1
        to_torch = np.median(times["compiled"] / times["PyTorch"])
        to_numpy = np.median(times["compiled"] / times["NumPy"])
        reference, limit = TARGETS[name]
        ratio = to_torch if reference == "PyTorch" else to_numpy
        verdict = "met" if ratio <= limit else "NOT met"
        cells = " ".join(bench_nn.format_time(np.median(times[k]) * scale)
                         for k in ("compiled", "unfused", "minigrad", "NumPy", "PyTorch"))
        print(f"{name:8s} {cells}  {to_torch:8.2f}x {to_numpy:7.2f}x  "
              f"≤ {limit:.2f}x {reference}: {verdict}")
    print("\nchain: µs per op of the 1000-op chain (forward + backward); others: one training step;"
          "\nfuse=False: compiled without the fused elementwise loops")


if __name__ == "__main__":
    main()
