"""The Optimizer base class, as PyTorch's: construction, param groups, zero_grad,
closures, hooks, state_dict layout and loading, and the flat buckets behind the
multi-tensor update."""
import numpy as np
import pytest
import torch

import minigrad as mg


def params(*shapes, dtype=mg.float64, device="cpu"):
    rng = np.random.default_rng(0)
    return [mg.tensor(rng.standard_normal(s), dtype=dtype, device=device, requires_grad=True)
            for s in shapes]


# -- construction ----------------------------------------------------------------------
def test_params_must_be_an_ordered_iterable_of_leaf_float_tensors():
    a, = params((2,))
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        mg.optim.SGD(a)
    with pytest.raises(TypeError, match="ordered"):
        mg.optim.SGD({a})
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.SGD([])
    with pytest.raises(ValueError, match="non-leaf"):
        mg.optim.SGD([a * 2])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        mg.optim.SGD([a, 3.0])
    with pytest.raises(ValueError, match="appears twice"):
        mg.optim.SGD([a, a])
    with pytest.raises(ValueError, match="more than one parameter group"):
        mg.optim.SGD([{"params": [a]}, {"params": [a]}])


def test_groups_take_the_defaults_for_what_they_do_not_set():
    a, b = params((2,), (3,))
    optimizer = mg.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert optimizer.param_groups[0]["lr"] == 0.1 and optimizer.param_groups[1]["lr"] == 0.5
    assert all(g["momentum"] == 0.9 for g in optimizer.param_groups)
    c, = params((4,))
    optimizer.add_param_group({"params": [c], "momentum": 0.0})
    assert optimizer.param_groups[2]["lr"] == 0.1 and optimizer.param_groups[2]["momentum"] == 0.0


def test_named_parameters_go_to_param_names_like_pytorch():
    a, b = params((2,), (3,))
    optimizer = mg.optim.Adam([("w", a), ("b", b)])
    assert optimizer.param_groups[0]["param_names"] == ["w", "b"]
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


# -- the step -----------------------------------------------------------------------------
def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    a, = params((3,))
    optimizer = mg.optim.SGD([a], lr=0.1)

    def closure():
        assert mg.is_grad_enabled()
        optimizer.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == pytest.approx(float((np.random.default_rng(0).standard_normal(3) ** 2).sum()))


def test_zero_grad_sets_to_none_or_to_zeros():
    a, b = params((2,), (3,))
    optimizer = mg.optim.SGD([a, b])
    a.grad, b.grad = mg.ones_like(a), mg.ones_like(b)
    optimizer.zero_grad(set_to_none=False)
    assert a.grad.detach().numpy().tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_hooks_run_in_order_and_can_be_removed():
    a, = params((2,))
    optimizer = mg.optim.SGD([a], lr=0.1)
    calls = []
    first = optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))
    a.grad = mg.ones_like(a)
    optimizer.step()
    first.remove()
    optimizer.step()
    assert calls == ["pre", "post", "post"]


def test_a_gradient_of_the_wrong_shape_is_refused_by_name():
    a, b = params((2,), (3,))
    optimizer = mg.optim.Adam([a, b])
    a.grad, b.grad = mg.ones_like(a), mg.ones_like(b)
    optimizer.step()
    a._grad = mg.ones(3, dtype=mg.float64)  # bypasses the grad setter's own check
    with pytest.raises(RuntimeError, match=r"shape \(2,\) has a gradient of shape \(3,\)"):
        optimizer.step()


# -- state_dict -------------------------------------------------------------------------------
def test_state_dict_has_pytorchs_layout():
    a, b = params((2,), (3,))
    ours = mg.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.01}], amsgrad=True)
    twins = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in (a, b)]
    theirs = torch.optim.Adam([{"params": [twins[0]]}, {"params": [twins[1]], "lr": 0.01}],
                              amsgrad=True)
    for step in range(2):
        for p, t in zip((a, b), twins):
            p.grad, t.grad = mg.ones_like(p), torch.ones_like(t)
        ours.step()
        theirs.step()
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine["state"]) == list(reference["state"]) == [0, 1]
    assert set(mine["state"][0]) == set(reference["state"][0])
    assert mine["state"][0]["step"].dtype == mg.float32 and mine["state"][0]["step"].item() == 2
    assert [g["params"] for g in mine["param_groups"]] == [[0], [1]]
    assert set(mine["param_groups"][1]) <= set(reference["param_groups"][1]) | {"initial_lr"}
    np.testing.assert_allclose(mine["state"][1]["exp_avg_sq"].detach().numpy(),
                               reference["state"][1]["exp_avg_sq"].detach().numpy())


def test_loading_pytorchs_state_dict_continues_pytorchs_run():
    a, = params((4,))
    twin = torch.tensor(a.detach().numpy(), requires_grad=True)
    theirs = torch.optim.Adam([twin], lr=0.05)
    for _ in range(3):
        twin.grad = torch.ones_like(twin) * 0.5
        theirs.step()
    ours = mg.optim.Adam([mg.tensor(twin.detach().numpy(), requires_grad=True)], lr=0.05)
    ours.load_state_dict(theirs.state_dict())
    param = ours.param_groups[0]["params"][0]
    param.grad = mg.tensor(np.full(4, 0.5))
    twin.grad = torch.ones_like(twin) * 0.5
    ours.step()
    theirs.step()
    np.testing.assert_allclose(param.detach().numpy(), twin.detach().numpy(), rtol=1e-12)


def test_loaded_state_takes_the_parameters_dtype_and_device():
    a, = params((3,), dtype=mg.float32, device="strict")
    optimizer = mg.optim.Adam([a])
    saved = {"state": {0: {"step": 4.0, "exp_avg": np.ones(3), "exp_avg_sq": np.ones(3)}},
             "param_groups": [dict(optimizer.state_dict()["param_groups"][0], lr=0.5)]}
    optimizer.load_state_dict(saved)
    state = optimizer.state[a]
    assert state["exp_avg"].dtype == mg.float32 and str(state["exp_avg"].device) == "strict"
    assert state["step"] == 4.0 and optimizer.param_groups[0]["lr"] == 0.5


def test_load_state_dict_refuses_what_does_not_fit_and_changes_nothing():
    a, b = params((2,), (3,))
    optimizer = mg.optim.SGD([a, b], lr=0.1, momentum=0.9)
    good = optimizer.state_dict()
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optimizer.load_state_dict({"state": {}})
    with pytest.raises(ValueError, match="2 parameter groups, but the optimizer has 1"):
        optimizer.load_state_dict({"state": {}, "param_groups": good["param_groups"] * 2})
    bad_group = [dict(good["param_groups"][0], params=[0])]
    with pytest.raises(ValueError, match="group 0 of 1 parameters"):
        optimizer.load_state_dict({"state": {}, "param_groups": bad_group})
    wrong = {"state": {0: {"step": 1.0, "momentum_buffer": np.ones(5)}},
             "param_groups": good["param_groups"]}
    with pytest.raises(ValueError, match="momentum_buffer"):
        optimizer.load_state_dict(wrong)
    assert optimizer.param_groups[0]["lr"] == 0.1 and len(optimizer.state) == 0


def test_repr_lists_each_group_like_pytorch():
    a, = params((2,))
    text = repr(mg.optim.SGD([a], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in text


# -- the flat buckets -------------------------------------------------------------------------
def test_parameters_become_views_of_one_buffer_and_stay_in_place_for_the_model():
    model = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Tanh(), mg.nn.Linear(4, 2))
    before = [p for p in model.parameters()]
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    x = mg.randn(5, 3)
    for _ in range(3):
        optimizer.zero_grad()
        model(x).sum().backward()
        optimizer.step()
    after = list(model.parameters())
    assert all(p is q for p, q in zip(before, after))  # same Parameter objects
    buffers = {id(p._array.base) for p in after}
    assert len(buffers) == 1, "one flat buffer behind all parameters of the group"


def test_replacing_a_parameters_array_rebuilds_the_bucket_from_the_new_values():
    a, b = params((2,), (3,))
    optimizer = mg.optim.SGD([a, b], lr=1.0)
    a.grad, b.grad = mg.zeros_like(a), mg.zeros_like(b)
    optimizer.step()
    a.data = mg.tensor([10.0, 20.0], dtype=mg.float64)  # the user swaps the values under the optimizer
    a.grad = mg.ones_like(a)
    optimizer.step()
    np.testing.assert_allclose(a.detach().numpy(), [9.0, 19.0])
