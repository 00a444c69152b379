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
    with pytest.raises(RuntimeError, match=r"Add got tensors on cpu and strict.*\.to\('cpu'\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"Mul got tensors on strict and cpu.*\.to\('strict'\)"):
        b * a
    with pytest.raises(RuntimeError, match=r"strict.*cpu"):
        b.add_(a)


@pytest.mark.parametrize("name, mix", [
    ("MatMul", lambda cpu, strict: cpu.reshape(3, 1) @ strict.reshape(1, 3)),
    ("Cat", lambda cpu, strict: mg.cat([cpu, strict])),
    ("Where", lambda cpu, strict: mg.where(cpu > 0, cpu, strict)),
    ("Maximum", lambda cpu, strict: mg.maximum(strict, cpu)),
    ("Pow", lambda cpu, strict: cpu ** strict),
    ("Sub", lambda cpu, strict: cpu - mg.tensor(1.0, device="strict")),   # even a 0-d tensor
])
def test_every_op_refuses_mixed_devices(name, mix):
    cpu = mg.ones(3, requires_grad=True)
    strict = mg.ones(3, device="strict", requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name} got tensors on .*(cpu and strict|strict and cpu).*\.to\("):
        mix(cpu, strict)


def test_other_mixed_device_uses_name_both_devices():
    cpu, strict = mg.ones(3, requires_grad=True), mg.ones(3, device="strict")
    with pytest.raises(RuntimeError, match=r"compare tensors on cpu and strict.*\.to\("):
        cpu < strict
    with pytest.raises(RuntimeError, match=r"index tensor on strict.*\.to\('cpu'\)"):
        cpu[mg.tensor([0, 1], device="strict")]
    with pytest.raises(RuntimeError, match=r"gradient given for this tensor is on strict.*cpu"):
        (cpu * 2).backward(mg.ones(3, device="strict"))
    with pytest.raises(RuntimeError, match=r"assigned grad is on strict.*cpu"):
        cpu.grad = mg.ones(3, device="strict")


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
    with pytest.raises(ValueError, match=r"unknown device 'gpu': expected 'cpu', 'cuda', 'cuda:N'"):
        mg.tensor([1.0], device="gpu")
    with pytest.raises(ValueError, match="unknown device 'mps'"):
        mg.ones(2).to("mps")
    with pytest.raises(ValueError, match="bad CUDA device index"):
        mg.device("cuda:one")
    with pytest.raises(TypeError, match="device must be a string"):
        mg.device(1.5)
    if not mg.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            mg.zeros(2, device="cuda")


def test_index_out_of_range(device):
    with pytest.raises(IndexError, match=r"out of range.*shape \(3,\).*index 5"):
        mg.ones(3, device=device)[5]
    with pytest.raises(IndexError, match=r"shape \(3, 2\).*index 7"):
        mg.ones(3, 2, device=device, requires_grad=True)[1, 7]
    with pytest.raises(IndexError, match=r"shape \(3,\).*index -4"):
        mg.ones(3, device=device)[-4]
    message = r"shape \(3,\): index 3 is out of bounds for dimension 0 with size 3"
    index = mg.tensor([0, 3], device=device)
    if device == "cpu":
        with pytest.raises(IndexError, match=message):
            mg.ones(3, device=device)[index]
    else:  # a device reports it at the next read, without waiting at the lookup
        picked = mg.ones(3, device=device)[index]
        with pytest.raises(IndexError, match=message + ".*first read after the operation"):
            picked.numpy()
        picked.numpy()  # reported once


def test_cat_and_stack_with_mismatched_shapes(device):
    with pytest.raises(RuntimeError, match=r"cat.*\(2, 3\).*\(2, 4\)"):
        mg.cat([mg.ones(2, 3, device=device), mg.ones(2, 4, device=device)])
    with pytest.raises(RuntimeError, match="same shape"):
        mg.stack([mg.ones(2, device=device), mg.ones(3, device=device)])


def test_reshape_to_a_wrong_size(device):
    with pytest.raises(RuntimeError, match=r"shape \(4, 2\) is invalid for a tensor of shape \(7,\)"):
        mg.ones(7, device=device).reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"shape \(-1, 2\) is invalid for a tensor of shape \(7,\)"):
        mg.ones(7, device=device, requires_grad=True).view(-1, 2)


def test_requires_grad_message_names_floating_point_and_the_dtype(device):
    with pytest.raises(RuntimeError, match=r"floating.point.*int64.*\.to\(mg\.float32\)"):
        mg.tensor([1, 2], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"floating.point.*bool"):
        mg.tensor([True], device=device).requires_grad_()


def test_converting_a_tensor_of_many_elements_to_one_number(device):
    x = mg.ones(2, 2, device=device)
    with pytest.raises(RuntimeError, match=r"one element.*shape \(2, 2\)"):
        x.item()
    with pytest.raises(RuntimeError, match="4 elements is ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="0-d"):
        len(mg.tensor(1.0, device=device))


def test_in_place_change_of_a_tensor_requiring_grad_under_grad_mode(device):
    w = mg.ones(3, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_: a tensor that requires grad.*mg\.no_grad\(\)"):
        w.add_(1)
    with pytest.raises(RuntimeError, match=r"__setitem__.*requires grad"):
        w[0] = 5.0


def test_bad_reduction_dim_and_pad(device):
    with pytest.raises(IndexError, match=r"sum: Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"):
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
    np.testing.assert_array_equal(x.detach().numpy(), np.arange(3.0))
    np.testing.assert_array_equal(x.grad.detach().numpy(), [2.0, 2.0, 2.0])


def test_a_bad_gather_or_index_select_index_costs_no_wait_on_a_device(device):
    """CPU: the error at the call. A device: the lookup clamps and counts on the device
    (no read inside forbid_host_reads), and the next read raises the same error."""
    from minigrad.backend.strict_backend import forbid_host_reads
    x = mg.ones(2, 3, device=device)
    cases = [
        (lambda: x.gather(1, mg.tensor([[0, 3]], device=device)), RuntimeError,
         "gather: index 3 is out of bounds for dimension 1 with size 3"),
        (lambda: x.index_select(0, mg.tensor([-1], device=device)), IndexError,
         r"index_select\(\): index out of range in self: index -1 for dimension 0 of size 2"),
    ]
    for call, error, message in cases:
        if device == "cpu":
            with pytest.raises(error, match=message):
                call()
            continue
        with forbid_host_reads():
            result = call()
        with pytest.raises(error, match=message):
            result.tolist()
        result.tolist()  # reported once


def test_writing_through_an_out_of_range_index_array(device):
    """x[idx] = v: the CPU raises at once; a device at the next read."""
    message = r"shape \(3, 2\): index 5 is out of bounds for dimension 0 with size 3"
    for key in (mg.tensor([0, 5], device=device), (mg.tensor([5], device=device), 1)):
        x = mg.zeros(3, 2, device=device)
        if device == "cpu":
            with pytest.raises(IndexError, match=message):
                x[key] = 1.0
            continue
        x[key] = 1.0
        with pytest.raises(IndexError, match=r"index 5 is out of bounds"):
            x.numpy()
