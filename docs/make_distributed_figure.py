"""The timeline figure of docs/distributed.md, drawn from a real two-process run.

    python docs/make_distributed_figure.py              # writes docs/figures/ddp_timeline.png
    python docs/make_distributed_figure.py --out /tmp/check

It starts ``mpiexec -n 2`` on itself. Each rank trains the 784-512-512-10 MLP
(batch 128 per rank, one BLAS thread) under ``DistributedDataParallel`` with
``bucket_cap_mb=0.01``, so that the gradients fall into three buckets, and
after a few warm-up steps sends its ``last_backward_timeline`` back: when the
backward pass started and ended, and when each bucket's all-reduce was launched
and completed. The figure shows, for each rank, the backward pass as one bar
and each bucket's all-reduce as a bar below it; what lies left of the end of
the backward pass overlapped with computing the remaining gradients.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DOCS = Path(__file__).resolve().parent
BUCKET_CAP_MB = 0.01
WARMUP_STEPS = 5


def worker(folder):
    """On each rank: a few DDP steps, then this rank's last timeline to folder/rank<r>.json."""
    from threadpoolctl import threadpool_limits
    import minigrad as mg
    import minigrad.distributed as dist
    import minigrad.nn.functional as F
    from minigrad.nn.parallel import DistributedDataParallel
    dist.init_process_group(backend="mpi")
    rank = dist.get_rank()
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(784, 512), mg.nn.ReLU(), mg.nn.Linear(512, 512),
                             mg.nn.ReLU(), mg.nn.Linear(512, 10))
    ddp = DistributedDataParallel(model, bucket_cap_mb=BUCKET_CAP_MB)
    optimizer = mg.optim.SGD(ddp.parameters(), lr=0.01)
    rng = np.random.default_rng(rank)
    inputs = mg.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    targets = mg.tensor(rng.integers(0, 10, 128))
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(WARMUP_STEPS):
            dist.barrier()
            optimizer.zero_grad()
            F.cross_entropy(ddp(inputs), targets).backward()
            optimizer.step()
    (folder / f"rank{rank}.json").write_text(json.dumps(ddp.last_backward_timeline))
    dist.destroy_process_group()


def run_ranks():
    """The timelines of a two-rank run (this script as worker under mpiexec), by rank."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    mpiexec = beside if os.access(beside, os.X_OK) else "mpiexec"
    environ = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([mpiexec, "-n", "2", sys.executable, __file__, "--worker",
                                 folder], capture_output=True, text=True, env=environ,
                                timeout=300)
        files = [Path(folder) / f"rank{rank}.json" for rank in range(2)]
        if result.returncode != 0 or not all(file.exists() for file in files):
            sys.exit(f"the two-rank run failed:\n{result.stdout}\n{result.stderr}")
        return [json.loads(file.read_text()) for file in files]


def draw(timelines, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = sum(2 + len(timeline) for timeline in timelines)
    figure, axes = plt.subplots(figsize=(8, 0.32 * rows + 1.2))
    y, ticks, labels = 0, [], []
    for rank, timeline in enumerate(timelines):
        origin, end = timeline[0]["backward_start"], timeline[0]["backward_end"]

        def ms(seconds):
            return (seconds - origin) * 1e3
        axes.barh(y, ms(end), left=0, color="tab:blue", height=0.7)
        ticks.append(y)
        labels.append(f"rank {rank}: backward")
        first_row = y
        for bucket in timeline:
            y += 1
            launched, completed = ms(bucket["launched"]), ms(bucket["completed"])
            axes.barh(y, completed - launched, left=launched, color="tab:orange", height=0.7)
            ticks.append(y)
            labels.append(f"bucket {bucket['bucket']} ({bucket['bytes'] / 1024:.0f} KiB)")
        axes.vlines(ms(end), first_row - 0.5, y + 0.5, color="tab:blue", linestyle=":", lw=0.8)
        y += 2
    axes.set_yticks(ticks, labels)
    axes.invert_yaxis()
    axes.set_xlabel("milliseconds since the backward pass started")
    axes.set_title("One DDP step, 2 MPI ranks: each bucket's all-reduce starts while the "
                   "backward pass goes on", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=Path, metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=DOCS / "figures",
                        help="folder of the figure (default docs/figures)")
    args = parser.parse_args()
    if args.worker is not None:
        return worker(args.worker)
    args.out.mkdir(parents=True, exist_ok=True)
    draw(run_ranks(), args.out / "ddp_timeline.png")
    print(f"wrote {args.out / 'ddp_timeline.png'}")


if __name__ == "__main__":
    main()
