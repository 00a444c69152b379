"""The optimizer's worker threads: slices of the flat buffers updated in parallel.

NumPy, and a compiled kernel (``c_compiler.py``), release the interpreter lock
while they compute, so threads working on disjoint slices of the flat
buffers run truly in parallel (as PyTorch's CPU kernels do). At most
``mg.get_num_threads()`` threads work (the caller's included), as PyTorch's
kernels follow ``torch.set_num_threads``; the slices are disjoint and each
element's update depends on that element alone, so the result is the same for
every count.
"""
import os
from concurrent.futures import ThreadPoolExecutor

from ...backend.threads import get_num_threads

_THREADS = max(1, min(os.cpu_count() or 1, 8))  # the most threads this machine gets
_pool = None


def for_each_slice(function, items):
    """Call ``function(item)`` for every item, split between the CPU's cores: each
    thread takes one contiguous run of the items."""
    global _pool
    items = list(items)
    threads = min(get_num_threads(), _THREADS, len(items))
    if threads < 2:
        for item in items:
            function(item)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_THREADS - 1, thread_name_prefix="minigrad-optim")
    bounds = [len(items) * k // threads for k in range(threads + 1)]
    runs = [items[low:high] for low, high in zip(bounds[:-1], bounds[1:])]

    def work(run):
        for item in run:
            function(item)

    others = [_pool.submit(work, run) for run in runs[1:]]
    work(runs[0])
    for other in others:
        other.result()
