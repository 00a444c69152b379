"""Optimizer step time: minigrad against PyTorch CPU and against the memory floor.

An optimizer step on many parameters is memory-bound: every element of the
parameters, gradients and state must be read, and the parameters and state
written, once. The floor is therefore

    floor = bytes the update must read and write / measured copy bandwidth

where the copy bandwidth is measured here, in the same run, as bytes moved
(read + written) per second by ``np.copyto`` on a large array. This script
times ``optimizer.step()`` for SGD with momentum, Adam, AdamW and Lion on 10
million float32 parameters split into 50 tensors of mixed sizes, for minigrad
and for PyTorch (``foreach=True``, its multi-tensor path; PyTorch has no Lion,
so that row compares with the floor only), and for the elementwise optimizers
of the pytorch-optimizer package (ADOPT, Adan, Yogi, AdEMAMix) against that
package's own PyTorch implementation, interleaved round by round, and prints
the medians and the ratios.

    python benchmarks/bench_optim.py [--rounds 15]
"""
import argparse
import statistics
import time

import numpy as np

import minigrad as mg

# Bytes per parameter element that each update must move (float32 = 4 bytes):
# what it reads (param, grad, state) plus what it writes (param, state).
ARRAYS_MOVED = {
    "SGD (momentum 0.9)": 5,  # read p, g, buf; write p, buf
    "Adam": 7,                # read p, g, m, v; write p, m, v
    "AdamW": 7,
    "Lion": 5,                # read p, g, m; write p, m
    "ADOPT": 7,               # read p, g, m, v; write p, m, v
    "Adan": 11,               # read p, g, m, v, n, previous g; write p, m, v, n, previous g
    "Yogi": 7,                # read p, g, m, v; write p, m, v
    "AdEMAMix": 9,            # read p, g, m₁, m₂, v; write p, m₁, m₂, v
}


def tensor_sizes():
    """50 shapes, 10 million elements in all: big matrices, medium ones, small vectors."""
    shapes = [(512, 1024)] * 10 + [(256, 1024)] * 10 + [(1000, 180)] * 10 + [(8192,)] * 19
    used = sum(int(np.prod(s)) for s in shapes)
    shapes.append((10_000_000 - used,))
    return shapes


def copy_bandwidth(n_bytes=400_000_000, repeats=7):
    """Bytes read plus bytes written per second by one large copy (best of ``repeats``)."""
    source = np.ones(n_bytes // 4, dtype=np.float32)
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * n_bytes / best


def make_minigrad(name, arrays, grads):
    params = [mg.tensor(a, requires_grad=True) for a in arrays]
    for param, grad in zip(params, grads):
        param.grad = mg.tensor(grad)
    optimizers = {
        "SGD (momentum 0.9)": lambda: mg.optim.SGD(params, lr=1e-3, momentum=0.9),
        "Adam": lambda: mg.optim.Adam(params, lr=1e-3),
        "AdamW": lambda: mg.optim.AdamW(params, lr=1e-3),
        "Lion": lambda: mg.optim.Lion(params, lr=1e-4),
        "ADOPT": lambda: mg.optim.ADOPT(params, lr=1e-3),
        "Adan": lambda: mg.optim.Adan(params, lr=1e-3),
        "Yogi": lambda: mg.optim.Yogi(params, lr=1e-3),
        "AdEMAMix": lambda: mg.optim.AdEMAMix(params, lr=1e-3),
    }
    return optimizers[name]()


def make_torch(name, arrays, grads):
    import torch
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    for param, grad in zip(params, grads):
        param.grad = torch.tensor(grad)
    optimizers = {
        "SGD (momentum 0.9)": lambda: torch.optim.SGD(params, lr=1e-3, momentum=0.9, foreach=True),
        "Adam": lambda: torch.optim.Adam(params, lr=1e-3, foreach=True),
        "AdamW": lambda: torch.optim.AdamW(params, lr=1e-3, foreach=True),
    }
    try:
        import pytorch_optimizer  # the reference of the newer optimizers, on PyTorch
    except ImportError:
        pytorch_optimizer = None
    if pytorch_optimizer is not None:
        optimizers.update({
            "ADOPT": lambda: pytorch_optimizer.ADOPT(params, lr=1e-3),
            "Adan": lambda: pytorch_optimizer.Adan(params, lr=1e-3),
            "Yogi": lambda: pytorch_optimizer.Yogi(params, lr=1e-3),
            "AdEMAMix": lambda: pytorch_optimizer.AdEMAMix(params, lr=1e-3),
        })
    return optimizers[name]() if name in optimizers else None


def time_step(optimizer):
    # A pause first: PyTorch's OpenMP threads spin for a while after each parallel
    # region, and on a 2-core machine they would take the cores from whoever runs
    # next. The pause lets them go idle; one untimed step then warms the caches
    # again, and the next step is timed.
    time.sleep(0.02)
    optimizer.step()
    start = time.perf_counter()
    optimizer.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    import torch

    rng = np.random.default_rng(0)
    shapes = tensor_sizes()
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    n = sum(a.size for a in arrays)
    bandwidth = copy_bandwidth()
    print(f"{n:,} float32 parameters in {len(shapes)} tensors; copy bandwidth "
          f"{bandwidth / 1e9:.1f} GB/s (read + write); torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"{'optimizer':<20} {'minigrad ms':>12} {'torch ms':>10} {'floor ms':>9} "
          f"{'mg/floor':>9} {'mg/torch':>9}")
    for name, moved in ARRAYS_MOVED.items():
        ours = make_minigrad(name, arrays, grads)
        theirs = make_torch(name, arrays, grads)
        time_step(ours)  # the first step creates the state (and minigrad's flat buffers)
        if theirs is not None:
            time_step(theirs)
        ours_times, theirs_times, ratios = [], [], []
        for _ in range(args.rounds):
            ours_times.append(time_step(ours))
            if theirs is not None:
                theirs_times.append(time_step(theirs))
                ratios.append(ours_times[-1] / theirs_times[-1])
        floor = moved * 4 * n / bandwidth
        ours_ms = statistics.median(ours_times) * 1e3
        theirs_ms = statistics.median(theirs_times) * 1e3 if theirs_times else float("nan")
        vs_torch = f"{statistics.median(ratios):9.2f}" if ratios else f"{'—':>9}"
        print(f"{name:<20} {ours_ms:12.1f} {theirs_ms:10.1f} {floor * 1e3:9.1f} "
              f"{ours_ms / (floor * 1e3):9.2f} {vs_torch}")


if __name__ == "__main__":
    main()
