"""Bad input gets an error that names the problem, asserted by message."""
import numpy as np
import pytest

import minigrad as mg


def test_matmul_shape_mismatch_names_both_shapes_and_the_op(device):
    a, b = mg.ones(2, 3, device=device), mg.ones(4, 5, device=device)
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        a @ b


def test_batched_matmul_batch_mismatch(device):
    a, b = mg.ones(2, 3, 4, device=device), mg.ones(5, 4, 2, device=device)
    with pytest.raises(RuntimeError, match=r"MatMul.*\(2, 3, 4\).*\(5, 4, 2\)"):
        a @ b


def test_broadcast_mismatch_names_both_shapes_and_the_op(device):
    with pytest.raises(RuntimeError, match=r"Add.*\(3,\).*\(4,\)"):
        mg.ones(3, device=device) + mg.ones(4, device=device)
    with pytest.raises(RuntimeError, match=r"Mul.*\(2, 3\).*\(2,\)"):
        mg.ones(2, 3, device=device) * mg.ones(2, device=device)


def test_mixing_devices_names_both_and_suggests_to():
    a, b = mg.ones(3), mg.ones(3, device="strict")
    with pytest.raises(RuntimeError, match=r"cpu and strict.*\.to\("):
        a + b
    with pytest.raises(RuntimeError, match=r"strict.*cpu"):
        b.add_(a)


def test_in_place_change_of_a_saved_tensor(device):
    w = mg.ones(3, device=device, requires_grad=True)
    loss = (w.sin() * 2).sum()
    with mg.no_grad():
        w.mul_(3)
    with pytest.raises(RuntimeError, match=r"Sin.*modified by an in-place operation.*version 1"):
        loss.backward()


def test_requires_grad_on_an_integer_tensor(device):
    with pytest.raises(RuntimeError, match="only floating-point tensors can require gradients"):
        mg.tensor([1, 2, 3], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="int64"):
        mg.arange(3, device=device).requires_grad = True


def test_unknown_device_and_missing_gpu():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        mg.zeros(2, device="tpu")
    if not mg.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            mg.zeros(2, device="cuda")


def test_index_out_of_range(device):
    with pytest.raises(IndexError, match=r"shape \(3,\)"):
        mg.ones(3, device=device)[5]


def test_cat_and_stack_with_mismatched_shapes(device):
    with pytest.raises(RuntimeError, match=r"cat.*\(2, 3\).*\(2, 4\)"):
        mg.cat([mg.ones(2, 3, device=device), mg.ones(2, 4, device=device)])
    with pytest.raises(RuntimeError, match="same shape"):
        mg.stack([mg.ones(2, device=device), mg.ones(3, device=device)])


def test_reshape_to_a_wrong_size(device):
    with pytest.raises(RuntimeError, match=r"shape \(4, 2\) is invalid for a tensor of shape \(7,\)"):
        mg.ones(7, device=device).reshape(4, 2)


def test_bad_reduction_dim_and_pad(device):
    with pytest.raises(IndexError, match="dimension 3 is out of range"):
        mg.ones(2, 2, device=device).sum(3)
    with pytest.raises(ValueError, match="reflect padding"):
        mg.pad(mg.ones(2, 3, device=device), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="unknown mode"):
        mg.pad(mg.ones(2, 3, device=device), (1, 1), mode="mirror")


def test_gradcheck_without_inputs_that_require_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        mg.gradcheck(lambda x: x * 2, (mg.ones(2, dtype=mg.float64),))


def test_function_backward_returning_the_wrong_number_of_gradients():
    class TwoInputs(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad                                  # one gradient for two inputs
    a = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TwoInputs\.backward returned 1 gradients.*2 arguments"):
        TwoInputs.apply(a, a).sum().backward()


def test_function_backward_returning_a_wrong_shape():
    class BadShape(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return mg.ones(5)
    with pytest.raises(RuntimeError, match=r"BadShape\.backward returned a gradient of shape \(5,\)"):
        BadShape.apply(mg.ones(3, requires_grad=True)).sum().backward()


def test_errors_lose_nothing(device):
    """A failed op leaves its inputs and their gradients as they were."""
    x = mg.tensor(np.arange(3.0), device=device, requires_grad=True)
    (x * 2).sum().backward()
    with pytest.raises(RuntimeError):
        x + mg.ones(4, device=device)
    np.testing.assert_array_equal(x.numpy(), np.arange(3.0))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
