"""How many CPU threads minigrad's matrix products use: ``mg.set_num_threads(n)`` and
``mg.get_num_threads()``, as in PyTorch.

On the CPU a matrix product is NumPy's, which hands it to a BLAS library
(OpenBLAS, MKL, ...). BLAS splits a large enough product between threads, and
for some shapes (a long dot product, a matrix-vector product with a long inner
dimension) each thread sums its own part and the parts are added at the end:
the order of the additions, and so the last bits of the result, depend on the
number of threads. A training run amplifies such differences step after step,
so the same script prints other numbers on a machine with another number of
cores (an L-BFGS run on 16,000 parameters differs after five epochs between 1
and 2 threads). On the small matrices of the tutorials (64 × 64) threads also
cost more than they save, and far more on a busy machine, where BLAS threads
wait for cores held by other programs.

The policy:

- the library itself does not change the thread count unless asked: it is the
  BLAS library's default (usually one thread per core, or what
  ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` say), as for NumPy;
- ``set_num_threads(n)`` sets it, for every BLAS library loaded in the process
  (through ``threadpoolctl``, the maintained library for this), as
  ``torch.set_num_threads`` sets PyTorch's;
- the ``minigrad`` command, the examples and ``docs/make_figures.py`` run with
  one thread unless ``--threads N`` asks for more: they then print the same
  numbers on every machine.

With CuPy the GPU does the work, and this setting does not apply.
"""

_threads = {"count": None,        # None: not set here; the BLAS library's own count
            "blas_default": None}  # that count, read once (asking threadpoolctl takes ~1 ms)


def _controller():
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def set_num_threads(num_threads):
    """Use ``num_threads`` (a positive int) threads for the CPU's matrix products."""
    if isinstance(num_threads, bool) or not isinstance(num_threads, int):
        raise RuntimeError(f"set_num_threads expects an int, but got "
                           f"{type(num_threads).__name__}")
    if num_threads < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _controller().limit(limits=num_threads, user_api="blas")
    _threads["count"] = num_threads


def get_num_threads():
    """The number of threads the CPU's matrix products use: the last ``set_num_threads``,
    or else the BLAS library's own count (read the first time it is asked for).
    The optimizers' own worker threads use at most this many too."""
    if _threads["count"] is not None:
        return _threads["count"]
    if _threads["blas_default"] is None:
        libraries = _controller().select(user_api="blas").lib_controllers
        _threads["blas_default"] = max((library.num_threads for library in libraries), default=1)
    return _threads["blas_default"]
