"""Data-parallel training on MPI: all-reduce bandwidth, and how much of it DDP hides.

Two measurements, each run by MPI ranks this script starts itself with ``mpiexec``
(the one next to this Python, else the one on PATH):

1. ``all_reduce`` of float32 tensors from 4 KiB to 16 MiB between 2 ranks: the
   time per call (median over repetitions) and the bandwidths. The algorithm
   bandwidth is bytes / time; the bus bandwidth multiplies it by 2(R − 1)/R,
   the share of the data each rank must send and receive in a ring all-reduce
   of R ranks (NCCL's convention), so that it compares with the link's speed.
2. One DDP training step of the W1 MLP (784-512-512-10, ReLU, cross-entropy,
   batch 128 per rank, SGD) at 1 and 2 ranks, each rank on one BLAS thread
   (threadpoolctl), with DDP's default buckets (as PyTorch: a first bucket of 1 MiB, then 25 MB
   ones, so the 2.7 MB of gradients make two) and with ``bucket_cap_mb=0.25``
   (also two: a bucket closes as soon as it holds more than the cap, so each
   weight matrix larger than it ends one). From DDP's ``last_backward_timeline``: the time the
   all-reduces took, and the fraction of it hidden behind the backward pass,
   i.e. spent while the backward was still computing gradients of earlier
   layers rather than after it ended.

Run (takes about a minute):

    python benchmarks/bench_distributed.py
    python benchmarks/bench_distributed.py --steps 10 --repeats 5    # shorter

(A benchmark, not a test: timings depend on the machine and its load.)
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SIZES = [4 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20]
BUCKET_CAPS = ("default", 0.25)  # default: 25 MB after a 1 MiB first bucket


# ================================================================ on every rank
def allreduce_worker(args):
    import minigrad as mg
    import minigrad.distributed as dist
    dist.init_process_group(backend="mpi")
    results = []
    for size in args.sizes:
        tensor = mg.ones(size // 4, dtype=mg.float32)
        for _ in range(3):
            dist.all_reduce(tensor)
        times = []
        for _ in range(args.repeats):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(tensor)
            times.append(time.perf_counter() - start)
        results.append({"bytes": size, "seconds": float(np.median(times))})
    report(dist, {"world": dist.get_world_size(), "allreduce": results})


def mlp_and_batch(mg, rank):
    """The W1 MLP (the same weights on every rank) and this rank's batch of 128."""
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(784, 512), mg.nn.ReLU(), mg.nn.Linear(512, 512),
                             mg.nn.ReLU(), mg.nn.Linear(512, 10))
    rng = np.random.default_rng(rank)
    inputs = mg.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    targets = mg.tensor(rng.integers(0, 10, 128))
    return model, inputs, targets


def hidden_fraction(timeline):
    """(seconds of all-reduce, the fraction of them before the backward pass ended), from
    DDP's timeline: one entry per bucket with its all-reduce's ``launched`` and
    ``completed`` times and the backward's ``backward_end``."""
    total = hidden = 0.0
    for bucket in timeline:
        launched, completed = bucket["launched"], bucket["completed"]
        total += completed - launched
        hidden += max(0.0, min(completed, bucket["backward_end"]) - launched)
    return total, (hidden / total if total > 0 else float("nan"))


def ddp_worker(args):
    from threadpoolctl import threadpool_limits
    import minigrad as mg
    import minigrad.distributed as dist
    import minigrad.nn.functional as F
    from minigrad.nn.parallel import DistributedDataParallel
    dist.init_process_group(backend="mpi")
    mg.set_num_threads(1)
    model, inputs, targets = mlp_and_batch(mg, dist.get_rank())
    caps = {} if args.bucket_cap_mb == "default" else {"bucket_cap_mb": float(args.bucket_cap_mb)}
    ddp = DistributedDataParallel(model, **caps)
    optimizer = mg.optim.SGD(ddp.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad()
        F.cross_entropy(ddp(inputs), targets).backward()
        optimizer.step()

    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(3):
            step()
        times, reduce_seconds, fractions = [], [], []
        for _ in range(args.steps):
            dist.barrier()
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
            seconds, fraction = hidden_fraction(ddp.last_backward_timeline)
            reduce_seconds.append(seconds)
            fractions.append(fraction)
    report(dist, {"world": dist.get_world_size(), "bucket_cap_mb": args.bucket_cap_mb,
                  "buckets": len(ddp.last_backward_timeline),
                  "step": float(np.median(times)), "allreduce": float(np.median(reduce_seconds)),
                  "hidden": float(np.median(fractions))})


def report(dist, result):
    """Rank 0 prints the result as one JSON line for the launching process."""
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps(result), flush=True)
    dist.destroy_process_group()


# ================================================================ the launching process
def find_mpiexec():
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(beside, os.X_OK):
        return beside
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, "mpiexec")
        if os.access(candidate, os.X_OK):
            return candidate
    sys.exit('bench_distributed.py needs mpiexec and mpi4py: pip install "minigrad[distributed]"')


def launch(ranks, *worker_args):
    """Run this script's worker on ``ranks`` MPI ranks; return rank 0's result."""
    environ = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = [find_mpiexec(), "-n", str(ranks), sys.executable, os.path.abspath(__file__),
               *map(str, worker_args)]
    result = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=600)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(lines[0][len("RESULT "):])


def format_bytes(size):
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=("allreduce", "ddp"), help=argparse.SUPPRESS)
    parser.add_argument("--bucket-cap-mb", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES,
                        help="message sizes in bytes (default 4 KiB ... 16 MiB)")
    parser.add_argument("--repeats", type=int, default=20, help="all-reduces timed per size")
    parser.add_argument("--steps", type=int, default=30, help="DDP steps timed per setting")
    args = parser.parse_args()
    if args.worker == "allreduce":
        return allreduce_worker(args)
    if args.worker == "ddp":
        return ddp_worker(args)

    common = ["--repeats", args.repeats, "--steps", args.steps]
    result = launch(2, "--worker", "allreduce", "--sizes", *args.sizes, *common)
    print(f"all_reduce (SUM, float32) between {result['world']} MPI ranks on one machine; "
          f"median of {args.repeats}")
    header = f"{'size':>8s} {'time':>10s} {'algbw':>11s} {'busbw':>11s}"
    print(header + "\n" + "-" * len(header))
    ring_share = 2 * (result["world"] - 1) / result["world"]
    for row in result["allreduce"]:
        algorithm = row["bytes"] / row["seconds"] / 1e9
        print(f"{format_bytes(row['bytes']):>8s} {row['seconds'] * 1e6:8.1f} µs "
              f"{algorithm:7.2f} GB/s {algorithm * ring_share:7.2f} GB/s")
    print()
    print(f"DDP step of the 784-512-512-10 MLP, batch 128 per rank, SGD, one BLAS thread per "
          f"rank; median of {args.steps} steps")
    header = (f"{'ranks':>5s} {'bucket_cap_mb':>13s} {'buckets':>7s} {'step':>9s} "
              f"{'samples/s':>9s} {'all-reduce':>10s} {'hidden':>6s}")
    print(header + "\n" + "-" * len(header))
    for ranks in (1, 2):
        for cap in BUCKET_CAPS:
            row = launch(ranks, "--worker", "ddp", "--bucket-cap-mb", cap, *common)
            print(f"{ranks:5d} {cap:>13} {row['buckets']:7d} {row['step'] * 1e3:6.2f} ms "
                  f"{128 * ranks / row['step']:9.0f} {row['allreduce'] * 1e3:7.2f} ms "
                  f"{100 * row['hidden']:5.0f}%")


if __name__ == "__main__":
    main()
