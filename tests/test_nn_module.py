"""The Module machinery against torch.nn: registration, walking the tree, modes,
moving between dtypes and devices, state dicts, containers, reprs and hooks.

The models are defined once, by functions that take the framework's ``nn``
namespace (``mg.nn`` or ``torch.nn``), so the minigrad model and its PyTorch
twin are the same code. Their parameters are registered by hand with
``nn.Parameter``; no layer from either library is used.
"""
import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minigrad as mg


# ---------------------------------------------------------------- the twin models
def to_framework(nn, array):
    """A host array as a tensor of the framework whose ``nn`` this is."""
    return mg.tensor(array) if nn is mg.nn else torch.tensor(array)


def define(nn):
    """The model classes, written once for either framework."""

    class Affine(nn.Module):
        """x @ weight.T + bias, with PyTorch's Linear-style extra_repr."""

        def __init__(self, rng, n_in, n_out, bias=True):
            super().__init__()
            self.n_in, self.n_out = n_in, n_out
            self.weight = nn.Parameter(to_framework(nn, rng.standard_normal((n_out, n_in))))
            if bias:
                self.bias = nn.Parameter(to_framework(nn, rng.standard_normal(n_out)))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return (f"in_features={self.n_in}, out_features={self.n_out}, "
                    f"bias={self.bias is not None}")

    class Norm(nn.Module):
        """A parameter, a persistent buffer, a non-persistent buffer and a
        two-line extra_repr."""

        def __init__(self, rng, n):
            super().__init__()
            self.n = n
            self.gain = nn.Parameter(to_framework(nn, rng.standard_normal(n)))
            self.register_buffer("running_mean", to_framework(nn, np.zeros(n)))
            self.register_buffer("steps", to_framework(nn, np.array(0)))
            self.register_buffer("scratch", to_framework(nn, np.ones(n)), persistent=False)

        def forward(self, x):
            return x * self.gain

        def extra_repr(self):
            return f"n={self.n}\nkind=gain"

    class Plain(nn.Module):
        """No state, no extra_repr."""

        def forward(self, x):
            return x

    class Net(nn.Module):
        """Nested containers, a shared submodule and a direct parameter."""

        def __init__(self, rng):
            super().__init__()
            self.encoder = nn.Sequential(Affine(rng, 3, 4), Plain(), Norm(rng, 4))
            self.scale = nn.Parameter(to_framework(nn, rng.standard_normal(1)))
            self.heads = nn.ModuleList([Affine(rng, 4, 2), Affine(rng, 4, 2, bias=False)])
            self.extras = nn.ModuleDict(OrderedDict(
                [("skip", Plain()), ("proj", Affine(rng, 4, 4))]))
            self.tied = self.heads[0]            # the same module under two names
            self.register_buffer("counter", to_framework(nn, np.array([1.0, 2.0])))

        def forward(self, x):
            h = self.extras["proj"](self.encoder(x)) * self.scale
            return self.heads[0](h) + self.heads[1](h)

    return Affine, Norm, Plain, Net


MG = dict(zip(["Affine", "Norm", "Plain", "Net"], define(mg.nn)))
TORCH = dict(zip(["Affine", "Norm", "Plain", "Net"], define(torch.nn)))


def twin_nets():
    """The same Net, with the same values, in minigrad and in PyTorch."""
    return (MG["Net"](np.random.default_rng(0)).double(),
            TORCH["Net"](np.random.default_rng(0)).double())


def values(state):
    return {key: (value.detach().numpy() if isinstance(value, torch.Tensor) else value.detach().numpy())
            for key, value in state.items()}


# ---------------------------------------------------------------- registration and walks
def test_registration_order_and_names_match_torch():
    net, reference = twin_nets()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in reference.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == [n for n, _ in reference.named_buffers()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in reference.named_modules()]
    assert [n for n, _ in net.named_children()] == [n for n, _ in reference.named_children()]
    for (name, mine), (_, theirs) in zip(net.named_parameters(), reference.named_parameters()):
        assert isinstance(mine, mg.nn.Parameter) and mine.requires_grad
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy(), err_msg=name)


@pytest.mark.parametrize("remove_duplicate", [True, False])
@pytest.mark.parametrize("prefix", ["", "model"])
def test_named_walks_with_prefix_and_duplicates_match_torch(prefix, remove_duplicate):
    net, reference = twin_nets()
    for walk in ("named_parameters", "named_buffers"):
        mine = getattr(net, walk)(prefix=prefix, remove_duplicate=remove_duplicate)
        theirs = getattr(reference, walk)(prefix=prefix, remove_duplicate=remove_duplicate)
        assert [n for n, _ in mine] == [n for n, _ in theirs], walk
    mine = net.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
    theirs = reference.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
    assert [n for n, _ in mine] == [n for n, _ in theirs]


def test_shared_parameters_and_modules_are_yielded_once():
    net, _ = twin_nets()
    params = list(net.parameters())
    assert len(params) == len({id(p) for p in params}) == 9
    assert sum(1 for m in net.modules() if m is net.tied) == 1
    assert len(list(net.named_parameters(remove_duplicate=False))) == 11   # tied.weight, tied.bias
    shared = mg.nn.Parameter(mg.ones(2))
    holder = mg.nn.Module()
    holder.a, holder.b = shared, shared
    assert list(holder.parameters()) == [shared]
    assert list(holder.state_dict()) == ["a", "b"]    # saved under both names, as in PyTorch


def test_recurse_false_gives_only_direct_members():
    net, reference = twin_nets()
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_buffers(recurse=False)] == ["counter"]
    assert ([n for n, _ in net.named_parameters(recurse=False)]
            == [n for n, _ in reference.named_parameters(recurse=False)])
    assert list(net.parameters(recurse=False)) == [net.scale]
    assert list(net.buffers(recurse=False)) == [net.counter]


def test_children_and_modules():
    net, _ = twin_nets()
    # tied is a direct child even though it is also heads[0], as in PyTorch
    assert list(net.children()) == [net.encoder, net.heads, net.extras, net.tied]
    modules = list(net.modules())
    assert modules[0] is net and modules[1] is net.encoder and modules[2] is net.encoder[0]
    assert len(modules) == 11


def test_non_persistent_buffer_is_a_buffer_but_not_saved():
    net, reference = twin_nets()
    names = [n for n, _ in net.named_buffers()]
    assert "encoder.2.scratch" in names
    assert "encoder.2.scratch" not in net.state_dict()
    assert list(net.state_dict()) == list(reference.state_dict())


def test_reassigning_keeps_the_place_in_the_order():
    def build(nn, c):
        net = c["Net"](np.random.default_rng(0))
        net.encoder = nn.Sequential(c["Plain"]())
        net.scale = nn.Parameter(to_framework(nn, np.ones(2)))
        return net

    mine, theirs = both(build)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in mine.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(mine.state_dict())[:2] == ["scale", "counter"] and mine.scale.shape == (2,)


def test_attribute_assignment_re_registers():
    module = mg.nn.Module()
    module.thing = mg.nn.Parameter(mg.ones(1))
    module.thing = MG["Plain"]()                 # a module replaces the parameter
    assert list(module.named_parameters()) == [] and list(module._modules) == ["thing"]
    module.thing = None                           # None keeps the slot, as in PyTorch
    assert module.thing is None and list(module.children()) == []
    module.register_buffer("stat", mg.zeros(2))
    module.stat = mg.ones(2)                      # a plain tensor for a buffer name stays a buffer
    assert [n for n, _ in module.named_buffers()] == ["stat"]
    del module.stat
    assert list(module.buffers()) == [] and not hasattr(module, "stat")


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    layer = MG["Affine"](np.random.default_rng(0), 2, 3)
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        layer.weight = mg.ones(3, 2)
    with pytest.raises(TypeError, match="cannot assign int as child module 'sub'"):
        layer.sub = MG["Plain"]()
        layer.sub = 3
    with pytest.raises(TypeError, match="cannot assign list as buffer 'stat'"):
        layer.register_buffer("stat", mg.zeros(1))
        layer.stat = [1.0]
    with pytest.raises(TypeError, match="cannot register Tensor as parameter 'w'"):
        layer.register_parameter("w", mg.ones(1))
    with pytest.raises(TypeError, match="cannot register ndarray as buffer 'b'"):
        layer.register_buffer("b", np.ones(1))
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        layer.add_module("m", 3)


@pytest.mark.parametrize("register", ["register_parameter", "register_buffer", "add_module"])
@pytest.mark.parametrize("name", ["a.b", "", "training", "forward"])
def test_bad_names_raise_key_error_as_in_torch(register, name):
    for framework in (mg.nn, torch.nn):
        with pytest.raises(KeyError):
            getattr(framework.Module(), register)(name, None)


def test_bad_name_errors_say_what_is_wrong():
    layer = MG["Affine"](np.random.default_rng(0), 2, 3)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.register_buffer("weight", mg.ones(3, 2))
    with pytest.raises(KeyError, match="module name can.*contain.*got: x.y"):
        layer.add_module("x.y", MG["Plain"]())
    with pytest.raises(KeyError, match="buffer name can.*be empty string"):
        layer.register_buffer("", None)
    with pytest.raises(TypeError, match="parameter name should be a string, got int"):
        layer.register_parameter(3, None)


def test_assigning_before_super_init_raises_a_clear_error():
    class Forgetful(mg.nn.Module):
        def __init__(self):
            self.weight = mg.nn.Parameter(mg.ones(1))
            super().__init__()

    class ForgetfulParent(mg.nn.Module):
        def __init__(self):
            self.child = MG["Plain"]()

    class ForgetfulBuffer(mg.nn.Module):
        def __init__(self):
            self.register_buffer("stat", mg.zeros(1))

    for cls, name in [(Forgetful, "weight"), (ForgetfulParent, "child"), (ForgetfulBuffer, "stat")]:
        with pytest.raises(AttributeError, match=f"cannot assign '{name}' before "
                                                 r"Module.__init__\(\) is called.*super\(\).__init__"):
            cls()


def test_get_submodule_and_get_parameter():
    net, reference = twin_nets()
    assert net.get_submodule("") is net
    assert net.get_submodule("encoder.2") is net.encoder[2]
    assert net.get_submodule("extras.proj") is net.extras["proj"]
    assert net.get_parameter("heads.1.weight") is net.heads[1].weight
    assert net.get_parameter("scale") is net.scale
    assert type(reference.get_submodule("encoder.2")).__name__ == "Norm"
    with pytest.raises(AttributeError, match="Sequential has no submodule '7'"):
        net.get_submodule("encoder.7")
    with pytest.raises(AttributeError, match="Norm has no parameter 'running_mean'"):
        net.get_parameter("encoder.2.running_mean")
    with pytest.raises(AttributeError, match="no submodule 'nowhere'"):
        net.get_parameter("nowhere.weight")


def test_apply_visits_children_first_like_torch():
    net, reference = twin_nets()
    seen, seen_torch = [], []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    reference.apply(lambda m: seen_torch.append(type(m).__name__))
    assert seen == seen_torch and seen[-1] == "Net"


def test_missing_attribute_error_names_the_class():
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'wieght'"):
        MG["Affine"](np.random.default_rng(0), 2, 3).wieght


def test_forward_without_definition_raises():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        mg.nn.Module()(mg.ones(1))


# ---------------------------------------------------------------- modes, grads, dtypes, devices
def test_train_and_eval_reach_every_module():
    net, _ = twin_nets()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.encoder.train()
    assert net.encoder[2].training and not net.training and not net.heads[0].training
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be a bool"):
        net.train("yes")


def test_train_calls_a_childs_own_train():
    calls = []

    class Recorder(mg.nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    parent = mg.nn.Sequential(mg.nn.Sequential(Recorder()))
    parent.eval()
    parent.train()
    assert calls == [False, True]


def forward_backward(net, device):
    x = mg.tensor(np.random.default_rng(1).standard_normal((5, 3)), dtype=net.scale.dtype,
                  device=device)
    net(x).sum().backward()


def test_to_dtype_keeps_parameter_identity_and_casts_grads():
    net = MG["Net"](np.random.default_rng(0))
    assert net.scale.dtype == mg.float64   # NumPy's standard_normal is float64
    net.float()
    forward_backward(net, "cpu")
    identities = [id(p) for p in net.parameters()]
    assert net.to(mg.float64) is net
    assert [id(p) for p in net.parameters()] == identities
    for param in net.parameters():
        assert param.dtype == mg.float64 and param.grad.dtype == mg.float64
    steps = net.encoder[2].steps
    assert steps.dtype == mg.int64                     # integer buffers keep their dtype
    assert net.encoder[2].scratch.dtype == mg.float64  # non-persistent buffers move too
    with pytest.raises(TypeError, match="only accepts floating point dtypes, got int64"):
        net.to(mg.int64)


def test_to_device_keeps_parameter_identity_and_moves_grads():
    net = MG["Net"](np.random.default_rng(0)).double()
    forward_backward(net, "cpu")
    before = {name: (p.detach().numpy().copy(), p.grad.detach().numpy().copy()) for name, p in net.named_parameters()}
    identities = [id(p) for p in net.parameters()]
    net.to("strict")
    assert [id(p) for p in net.parameters()] == identities
    for name, param in net.named_parameters():
        assert param.device == "strict" and param.grad.device == "strict"
        np.testing.assert_array_equal(param.detach().numpy(), before[name][0])
        np.testing.assert_array_equal(param.grad.detach().numpy(), before[name][1])
    assert all(b.device == "strict" for b in net.buffers())
    forward_backward(net, "strict")                     # it trains where it now lives
    net.to(mg.zeros(1, dtype=mg.float32))               # to(tensor): its device and dtype
    assert all(p.device == "cpu" and p.dtype == mg.float32 for p in net.parameters())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none, device):
    net = MG["Net"](np.random.default_rng(0)).double().to(device)
    forward_backward(net, device)
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=set_to_none)
    for param, grad in zip(net.parameters(), grads):
        if set_to_none:
            assert param.grad is None
        else:
            assert param.grad is grad and not param.grad.detach().numpy().any()
    net.zero_grad()                                 # default: to None
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_switches_every_parameter():
    net, _ = twin_nets()
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    assert all(p.requires_grad for p in net.parameters())


# ---------------------------------------------------------------- state dicts
def test_state_dict_keys_order_and_values_match_torch():
    net, reference = twin_nets()
    state, expected = net.state_dict(), reference.state_dict()
    assert list(state) == list(expected)
    for key, value in values(expected).items():
        np.testing.assert_array_equal(state[key].detach().numpy(), value, err_msg=key)
    assert all(not t.requires_grad and not isinstance(t, mg.nn.Parameter) for t in state.values())
    assert list(net.state_dict(prefix="model.")) == list(reference.state_dict(prefix="model."))
    kept = net.state_dict(keep_vars=True)
    assert kept["scale"] is net.scale


def test_state_dict_shares_memory_with_the_module():
    net, _ = twin_nets()
    state = net.state_dict()
    with mg.no_grad():
        net.scale.fill_(7.0)
    assert state["scale"].item() == 7.0


def test_load_state_dict_from_minigrad_round_trips(device):
    source = MG["Net"](np.random.default_rng(0)).double().to(device)
    target = MG["Net"](np.random.default_rng(5)).double().to(device)
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key].detach().numpy(), value.detach().numpy(), err_msg=key)
        assert target.state_dict()[key].device == device
    assert target.tied is target.heads[0]


@pytest.mark.parametrize("keep_vars", [False, True])
def test_load_state_dict_from_torch(keep_vars, device):
    """A PyTorch state dict (torch tensors, even Parameters) loads into the twin model,
    which then computes what PyTorch computes."""
    reference = TORCH["Net"](np.random.default_rng(3)).double()
    net = MG["Net"](np.random.default_rng(0)).float().to(device)
    net.load_state_dict(reference.state_dict(keep_vars=keep_vars))
    assert all(p.dtype == mg.float32 for p in net.parameters())   # values cast into place
    net.double()
    x = np.random.default_rng(2).standard_normal((4, 3))
    expected = reference(torch.tensor(x)).detach().numpy()
    mg.testing.assert_close(net(mg.tensor(x, device=device)), expected, rtol=1e-5, atol=1e-6)


def error_lines(error):
    """The problems in a load_state_dict error, one per line, without the header."""
    return [line.strip() for line in str(error).split("\n\t")[1:]]


def test_load_state_dict_reports_every_problem_at_once_like_torch():
    net, reference = twin_nets()
    bad = OrderedDict(reference.state_dict())
    del bad["encoder.0.bias"], bad["heads.1.weight"]
    bad["encoder.0.weight"] = torch.zeros(9, 9, dtype=torch.float64)
    bad["extras.proj.bogus"] = torch.zeros(1)
    bad["nonsense"] = torch.zeros(1)
    bad["counter"] = torch.zeros(3, dtype=torch.float64)
    before = values(net.state_dict())
    with pytest.raises(RuntimeError) as mine:
        net.load_state_dict(bad)
    with pytest.raises(RuntimeError) as theirs:
        reference.load_state_dict(bad)
    assert str(mine.value).startswith("Error(s) in loading state_dict for Net:\n\t")
    lines, torch_lines = error_lines(mine.value), error_lines(theirs.value)
    # The missing and unexpected lines are PyTorch's, word for word and in its order.
    assert lines[:2] == torch_lines[:2] == [
        'Missing key(s) in state_dict: "encoder.0.bias", "heads.1.weight".',
        'Unexpected key(s) in state_dict: "nonsense", "extras.proj.bogus".']
    # Then the size mismatches, in PyTorch's order (its shapes print as torch.Size).
    assert lines[2:] == [
        "size mismatch for counter: copying a param with shape (3,) from checkpoint, "
        "the shape in current model is (2,).",
        "size mismatch for encoder.0.weight: copying a param with shape (9, 9) from checkpoint, "
        "the shape in current model is (4, 3)."]
    assert [line.replace("torch.Size([", "(").replace("])", ")").replace("(3)", "(3,)")
            .replace("(2)", "(2,)") for line in torch_lines[2:]] == lines[2:]
    for key, value in values(net.state_dict()).items():   # nothing was copied
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_load_state_dict_non_strict_returns_the_incompatible_keys_like_torch():
    net, reference = twin_nets()
    partial = OrderedDict(reference.state_dict())
    del partial["scale"], partial["encoder.2.running_mean"]
    partial["extra.weight"] = torch.ones(1)
    partial["encoder.0.weight"] = torch.full((4, 3), 2.0, dtype=torch.float64)
    result = net.load_state_dict(partial, strict=False)
    expected = reference.load_state_dict(partial, strict=False)
    assert result.missing_keys == expected.missing_keys == ["scale", "encoder.2.running_mean"]
    assert result.unexpected_keys == expected.unexpected_keys == ["extra.weight"]
    assert (net.encoder[0].weight.detach().numpy() == 2.0).all()
    partial["encoder.0.weight"] = torch.ones(1)      # shapes are checked even when not strict
    with pytest.raises(RuntimeError, match="size mismatch for encoder.0.weight"):
        net.load_state_dict(partial, strict=False)


def test_load_state_dict_rejects_values_that_are_not_arrays():
    net, _ = twin_nets()
    state = net.state_dict()
    state["scale"] = "not an array"
    with pytest.raises(RuntimeError, match='While copying the parameter named "scale", '
                                           "expected a tensor or array, got str"):
        net.load_state_dict(state)
    with pytest.raises(TypeError, match="expected a dict-like state_dict, got list"):
        net.load_state_dict([1, 2])


def test_save_and_load_round_trip(tmp_path, device):
    net = MG["Net"](np.random.default_rng(0)).float().to(device)
    path = tmp_path / "net.mg"
    mg.save(net.state_dict(), path)
    loaded = mg.load(path)
    assert list(loaded) == list(net.state_dict())
    fresh = MG["Net"](np.random.default_rng(9)).float().to(device)
    fresh.load_state_dict(loaded)
    x = mg.tensor(np.random.default_rng(2).standard_normal((4, 3)), dtype=mg.float32, device=device)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), net(x).detach().numpy())


def test_deepcopy_gives_an_independent_model():
    net, _ = twin_nets()
    clone = copy.deepcopy(net)
    assert list(clone.state_dict()) == list(net.state_dict())
    assert clone.tied is clone.heads[0] and clone.scale is not net.scale
    with mg.no_grad():
        clone.scale.fill_(3.0)
    assert net.scale.item() != 3.0


# ---------------------------------------------------------------- containers
def both(build):
    """``build(nn, classes)`` run for minigrad and for PyTorch."""
    return build(mg.nn, MG), build(torch.nn, TORCH)


def names_and_types(container):
    return [(name, type(module).__name__) for name, module in container.named_children()]


def test_sequential_runs_its_modules_in_order():
    rng = np.random.default_rng(0)
    first, second = MG["Affine"](rng, 3, 4), MG["Affine"](rng, 4, 2)
    x = mg.tensor(rng.standard_normal((5, 3)))
    np.testing.assert_array_equal(mg.nn.Sequential(first, second)(x).detach().numpy(),
                                  second(first(x)).detach().numpy())
    named = mg.nn.Sequential(OrderedDict([("inp", first), ("out", second)]))
    assert [n for n, _ in named.named_children()] == ["inp", "out"] and named.out is second


def test_sequential_indexing_and_editing_match_torch():
    def build(nn, c):
        rng = np.random.default_rng(0)
        return nn.Sequential(c["Affine"](rng, 2, 3), c["Plain"](), c["Norm"](rng, 3),
                             c["Affine"](rng, 3, 1))

    mine, theirs = both(build)
    assert len(mine) == len(theirs) == 4
    assert mine[-1] is list(mine)[3] and mine[1] is mine._modules["1"]
    assert type(mine[1:3]) is mg.nn.Sequential and list(mine[1:3]) == [mine[1], mine[2]]
    assert names_and_types(mine[::2]) == names_and_types(theirs[::2])
    with pytest.raises(IndexError, match="index 4 is out of range"):
        mine[4]
    with pytest.raises(IndexError):
        mine[-5]
    mine[0], theirs[0] = MG["Plain"](), TORCH["Plain"]()
    mine.append(MG["Plain"]()), theirs.append(TORCH["Plain"]())
    mine.insert(1, MG["Plain"]()), theirs.insert(1, TORCH["Plain"]())
    mine.insert(-1, MG["Norm"](np.random.default_rng(0), 2))
    theirs.insert(-1, TORCH["Norm"](np.random.default_rng(0), 2))
    del mine[2], theirs[2]
    del mine[:1], theirs[:1]
    assert type(mine.pop(-2)).__name__ == type(theirs.pop(-2)).__name__
    mine.extend([MG["Plain"]()]), theirs.extend([TORCH["Plain"]()])
    assert names_and_types(mine) == names_and_types(theirs)
    assert repr(mine) == repr(theirs)
    assert names_and_types(mine + mine) == names_and_types(theirs + theirs)
    with pytest.raises(IndexError, match="Index out of range: 9"):
        mine.insert(9, MG["Plain"]())


def test_module_list_behaves_like_torch():
    def build(nn, c):
        rng = np.random.default_rng(0)
        return nn.ModuleList([c["Affine"](rng, 2, 2) for _ in range(3)] + [c["Plain"]()])

    mine, theirs = both(build)
    assert len(mine) == 4 and mine[-1] is mine[3] and list(mine)[0] is mine[0]
    assert type(mine[1:]) is mg.nn.ModuleList and len(mine[1:]) == 3
    assert len(list(mine.parameters())) == 6
    mine.append(MG["Plain"]()), theirs.append(TORCH["Plain"]())
    mine.extend([MG["Norm"](np.random.default_rng(0), 2)])
    theirs.extend([TORCH["Norm"](np.random.default_rng(0), 2)])
    mine.insert(0, MG["Plain"]()), theirs.insert(0, TORCH["Plain"]())
    mine += [MG["Plain"]()]
    theirs += [TORCH["Plain"]()]
    del mine[-3], theirs[-3]
    del mine[1:3], theirs[1:3]
    mine[0], theirs[0] = MG["Norm"](np.random.default_rng(0), 1), TORCH["Norm"](np.random.default_rng(0), 1)
    assert type(mine.pop(1)).__name__ == type(theirs.pop(1)).__name__
    assert names_and_types(mine) == names_and_types(theirs)
    assert repr(mine) == repr(theirs)
    assert names_and_types(mine + [MG["Plain"]()]) == names_and_types(theirs + [TORCH["Plain"]()])
    with pytest.raises(IndexError, match="out of range"):
        mine[10]
    with pytest.raises(TypeError, match="extend should be called with an iterable, but got int"):
        mine.extend(3)
    with pytest.raises(TypeError, match="cannot assign int as child module '0'"):
        mine[0] = 3


def test_module_dict_behaves_like_torch():
    def build(nn, c):
        rng = np.random.default_rng(0)
        return nn.ModuleDict({"b": c["Affine"](rng, 2, 2), "a": c["Plain"]()})

    mine, theirs = both(build)
    assert list(mine) == list(mine.keys()) == ["b", "a"] == list(theirs)
    assert "a" in mine and "z" not in mine and len(mine) == 2
    assert [type(v).__name__ for v in mine.values()] == ["Affine", "Plain"]
    assert [(k, type(v).__name__) for k, v in mine.items()] == [("b", "Affine"), ("a", "Plain")]
    mine.update([("c", MG["Plain"]()), ("b", MG["Plain"]())])     # replaces "b" in place
    theirs.update([("c", TORCH["Plain"]()), ("b", TORCH["Plain"]())])
    mine["d"], theirs["d"] = MG["Norm"](np.random.default_rng(0), 2), TORCH["Norm"](np.random.default_rng(0), 2)
    assert type(mine.pop("a")).__name__ == type(theirs.pop("a")).__name__ == "Plain"
    del mine["c"], theirs["c"]
    assert names_and_types(mine) == names_and_types(theirs)
    assert repr(mine) == repr(theirs)
    with pytest.raises(KeyError):
        mine["missing"]
    with pytest.raises(ValueError, match="element #0 has length 3; 2 is required"):
        mine.update([("x", MG["Plain"](), 1)])
    with pytest.raises(TypeError, match="iterable of key/value pairs, but got int"):
        mine.update(3)
    mine.clear()
    assert len(mine) == 0 and list(mine.parameters()) == []


# ---------------------------------------------------------------- repr
@pytest.mark.parametrize("build", [
    lambda nn, c: c["Net"](np.random.default_rng(0)),
    lambda nn, c: c["Norm"](np.random.default_rng(0), 2),
    lambda nn, c: c["Plain"](),
    lambda nn, c: nn.Sequential(),
    lambda nn, c: nn.ModuleList(),
    lambda nn, c: nn.ModuleDict(),
    lambda nn, c: nn.ModuleList([c["Plain"](), c["Plain"](), c["Affine"](np.random.default_rng(0), 1, 2),
                                 nn.Sequential(c["Plain"]()), nn.Sequential(c["Plain"]())]),
    lambda nn, c: nn.Sequential(nn.ModuleList([c["Norm"](np.random.default_rng(0), 2)] * 3)),
], ids=["nested", "multi-line-extra", "plain", "empty-sequential", "empty-list", "empty-dict",
        "list-runs", "list-in-sequential"])
def test_repr_matches_torch(build):
    mine, theirs = both(build)
    assert repr(mine) == repr(theirs)


def test_parameter_basics():
    data = mg.tensor([1.0, 2.0])
    param = mg.nn.Parameter(data)
    assert isinstance(param, mg.Tensor) and param.requires_grad and param.is_leaf
    with mg.no_grad():
        data.fill_(5.0)
    assert param.tolist() == [5.0, 5.0]            # shares memory, as in PyTorch
    assert repr(param) == repr(torch.nn.Parameter(torch.tensor([5.0, 5.0])))
    assert not mg.nn.Parameter(mg.ones(1), requires_grad=False).requires_grad
    assert mg.nn.Parameter().shape == (0,) and mg.nn.Parameter().dtype == mg.float32
    assert type(param * 2) is mg.Tensor and type(param.detach()) is mg.Tensor


# ---------------------------------------------------------------- hooks
def test_forward_hooks_and_pre_hooks_match_torch():
    def run(nn, c):
        layer = c["Affine"](np.random.default_rng(0), 2, 2)
        log = []
        handles = [
            layer.register_forward_pre_hook(lambda m, args: log.append(("pre", len(args)))),
            layer.register_forward_pre_hook(lambda m, args: args[0] * 2),     # single value
            layer.register_forward_hook(lambda m, args, out: log.append(("post", args[0].tolist()))),
            layer.register_forward_hook(lambda m, args, out: out + 1),
        ]
        x = to_framework(nn, np.array([[1.0, -1.0]]))
        out = layer(x).tolist()
        for handle in handles[1:]:
            handle.remove()
        plain = layer(x).tolist()
        handles[1].remove()          # removing twice is harmless
        return log, out, plain

    (log, out, plain), (torch_log, torch_out, torch_plain) = both(run)
    assert log == torch_log == [("pre", 1), ("post", [[2.0, -2.0]]), ("pre", 1)]
    np.testing.assert_allclose(out, torch_out, rtol=1e-12)
    np.testing.assert_allclose(plain, torch_plain, rtol=1e-12)
    assert not np.allclose(out, plain)


def test_pre_hook_can_replace_several_arguments():
    class Pair(mg.nn.Module):
        def forward(self, a, b):
            return a - b

    pair = Pair()
    pair.register_forward_pre_hook(lambda m, args: (args[1], args[0]))
    assert pair(mg.tensor(1.0), mg.tensor(3.0)).item() == 2.0
