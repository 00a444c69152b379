"""``mg.testing.assert_close``: dtype-aware tolerances and a message that locates the worst element."""
import numpy as np
import pytest
import torch

import minigrad as mg


def test_accepts_tensors_arrays_torch_tensors_and_numbers():
    mg.testing.assert_close(mg.tensor([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32))
    mg.testing.assert_close(mg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    mg.testing.assert_close(mg.tensor(3.0).sum(), 3.0)


def test_tolerances_depend_on_the_dtype():
    mg.testing.assert_close(np.float32(1.0), np.float32(1.0 + 1e-6))
    with pytest.raises(AssertionError):
        mg.testing.assert_close(np.float64(1.0), np.float64(1.0 + 1e-6))
    mg.testing.assert_close(np.float64(1.0), np.float64(1.0 + 1e-6), rtol=1e-5, atol=0)


def test_failure_message_locates_the_worst_mismatch():
    with pytest.raises(AssertionError) as caught:
        mg.testing.assert_close(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.5], [3.0, 4.1]]))
    message = str(caught.value)
    assert "Mismatched elements: 2 / 4" in message and "at index (0, 1)" in message
    with pytest.raises(AssertionError, match=r"shapes differ: actual \(2,\), expected \(3,\)"):
        mg.testing.assert_close(np.ones(2), np.ones(3))
