"""Shared test fixtures.

``device``: every test that takes it runs on the CPU (NumPy), on the 'strict'
stand-in backend (NumPy arrays that refuse implicit conversion, as CuPy does,
so device-agnosticism is proven without a GPU), and on CUDA where available.
``MINIGRAD_TEST_DEVICE=cuda pytest`` runs the whole suite on the GPU instead.
"""
import os

# One BLAS/OpenMP thread per process: on a busy 2-core machine a thread pool that
# spins while another job holds the other core makes small matrix products ~100x
# slower. Set before NumPy and torch are imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import pytest

import minigrad as mg


def _devices():
    """The test devices: cpu, strict, and cuda where CuPy sees a GPU. Without one, the
    cuda variants are not generated at all (rather than some 10,000 skipped tests, a
    second of the suite per thousand); the report's header says so."""
    chosen = os.environ.get("MINIGRAD_TEST_DEVICE")
    if chosen:
        return [chosen]
    return ["cpu", "strict"] + (["cuda"] if mg.cuda.is_available() else [])


@pytest.fixture(params=_devices())
def device(request):
    return request.param


@pytest.fixture
def rng():
    """Test data comes from NumPy on the host, then moves to the device."""
    return np.random.default_rng(0)


def pytest_report_header(config):
    devices = _devices()
    missing = "" if os.environ.get("MINIGRAD_TEST_DEVICE") or "cuda" in devices else (
        " (CUDA is not available: no CuPy or no GPU, so no test runs on 'cuda')")
    return f"minigrad test devices: {devices}{missing}"
