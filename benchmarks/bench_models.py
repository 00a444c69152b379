"""Training steps of the toy models: minigrad against the same models in PyTorch CPU.

Two workloads, each one full training step (forward, cross-entropy loss, backward,
optimizer step, zero_grad), in float32:

    cnn    ``mg.models.DigitsCNN`` (conv 1→16 → ReLU → pool → conv 16→32 → ReLU →
           pool → linear 128→10), a batch of 128 images of 1×8×8, AdamW
    gpt    ``mg.models.CharGPT`` (4 layers, 4 heads, 128 wide, vocabulary 65), a batch
           of 32 sequences of 64 characters, AdamW

The PyTorch twin of each model (``tests/torch_models.py``) is given minigrad's initial
weights through ``state_dict``, so both compute the same thing; the first steps are
checked to agree before timing. Both run with the same number of BLAS threads: the
script sets PyTorch's intra-op threads (``torch.set_num_threads``) and NumPy's BLAS
(``threadpoolctl``) to ``--threads`` and prints what each reports. The frameworks are
timed in rounds, alternating which goes first, so that a busy moment of a shared
machine hits both; the table gives the median time per step and the median of the
per-round ratios minigrad / PyTorch. Run:

    python benchmarks/bench_models.py                  # both workloads, 1 thread
    python benchmarks/bench_models.py --only gpt --rounds 30 --threads 2

(A benchmark, not a test: timings depend on the machine and its load.)
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

import minigrad as mg
import minigrad.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from torch_models import TorchCharGPT, load_from_minigrad, torch_digits_cnn  # noqa: E402

LR = 1e-3
# name: (description, full size, the tiny size of a smoke run)
WORKLOADS = {
    "cnn": ("DigitsCNN, batch 128 of 1x8x8, AdamW",
            {"batch": 128}, {"batch": 4}),
    "gpt": ("CharGPT 4 layers x 4 heads x 128 wide, vocab 65, batch 32, context 64, AdamW",
            {"batch": 32, "context": 64, "width": 128, "layers": 4, "heads": 4},
            {"batch": 2, "context": 8, "width": 16, "layers": 1, "heads": 2}),
}


def make_models(name, size, rng):
    """(minigrad model, PyTorch twin with the same weights, inputs (mg, torch),
    targets (mg, torch), number of classes)."""
    mg.manual_seed(0)
    if name == "cnn":
        ours = mg.models.DigitsCNN()
        theirs = load_from_minigrad(torch_digits_cnn(), ours)
        inputs = rng.random((size["batch"], 1, 8, 8), dtype=np.float32)
        targets = rng.integers(0, 10, size["batch"])
        return ours, theirs, (mg.tensor(inputs), torch.from_numpy(inputs)), \
            (mg.tensor(targets), torch.from_numpy(targets)), 10
    vocab = 65
    shape = dict(context=size["context"], width=size["width"], layers=size["layers"],
                 heads=size["heads"])
    ours = mg.models.CharGPT(vocab, **shape)
    theirs = load_from_minigrad(TorchCharGPT(vocab, **shape), ours)
    indices = rng.integers(0, vocab, (size["batch"], size["context"] + 1))
    inputs, targets = indices[:, :-1], indices[:, 1:].reshape(-1)
    return ours, theirs, (mg.tensor(inputs), torch.from_numpy(inputs)), \
        (mg.tensor(targets), torch.from_numpy(targets)), vocab


def make_steps(name, size):
    """{"minigrad": step, "PyTorch": step}; each step returns the loss as a float."""
    ours, theirs, inputs, targets, classes = make_models(name, size, np.random.default_rng(0))
    ours_opt = mg.optim.AdamW(ours.parameters(), lr=LR)
    theirs_opt = torch.optim.AdamW(theirs.parameters(), lr=LR)

    def minigrad_step():
        loss = F.cross_entropy(ours(inputs[0]).reshape(-1, classes), targets[0])
        loss.backward()
        ours_opt.step()
        ours_opt.zero_grad()
        return loss

    def torch_step():
        loss = torch.nn.functional.cross_entropy(theirs(inputs[1]).reshape(-1, classes),
                                                 targets[1])
        loss.backward()
        theirs_opt.step()
        theirs_opt.zero_grad()
        return loss

    return {"minigrad": minigrad_step, "PyTorch": torch_step}


def check_same_losses(name, size, steps=3):
    """The first ``steps`` losses agree: both frameworks compute the same thing."""
    runs = make_steps(name, size)
    ours = [float(runs["minigrad"]().item()) for _ in range(steps)]
    theirs = [float(runs["PyTorch"]().item()) for _ in range(steps)]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, err_msg=f"{name}: losses differ")


def time_workload(name, size, rounds, warmup=2):
    """Per-round seconds per step of each framework, alternating which goes first."""
    runs = make_steps(name, size)
    for step in runs.values():
        for _ in range(warmup):
            step()
    times = {framework: [] for framework in runs}
    order = list(runs)
    for round_index in range(rounds):
        for framework in order[round_index % 2:] + order[:round_index % 2]:
            start = time.perf_counter()
            runs[framework]()
            times[framework].append(time.perf_counter() - start)
    return {framework: np.array(values) for framework, values in times.items()}


def format_time(seconds):
    return f"{seconds * 1e3:8.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed steps per workload")
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append",
                        help="run only this workload (may be repeated)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads of NumPy and intra-op threads of PyTorch")
    parser.add_argument("--tiny", action="store_true",
                        help="tiny sizes (a smoke run of the script's code, not a measurement)")
    args = parser.parse_args()
    names = args.only or list(WORKLOADS)

    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas = sorted({(pool["internal_api"], pool["num_threads"])
                       for pool in threadpool_info() if pool["user_api"] == "blas"})
        blas_text = ", ".join(f"{api} {threads}" for api, threads in blas) or "none found"
        print(f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} intra-op threads; "
              f"NumPy {np.__version__}, BLAS threads: {blas_text}; minigrad "
              f"{mg.__version__}; float32; median of {args.rounds} steps")
        sizes = {name: WORKLOADS[name][2 if args.tiny else 1] for name in names}
        for name in names:
            check_same_losses(name, sizes[name])
        header = (f"{'workload':8s} {'minigrad':>11s} {'PyTorch':>11s}   "
                  f"{'mg/PyTorch':>10s}")
        print(header)
        print("-" * len(header))
        for name in names:
            times = time_workload(name, sizes[name], args.rounds)
            ratio = np.median(times["minigrad"] / times["PyTorch"])
            print(f"{name:8s} {format_time(np.median(times['minigrad']))} "
                  f"{format_time(np.median(times['PyTorch']))}   {ratio:9.2f}x")
    print()
    for name in names:
        print(f"{name:8s} {WORKLOADS[name][0]}")


if __name__ == "__main__":
    main()
