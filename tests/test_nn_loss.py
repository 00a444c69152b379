"""Loss functions (F.*) and loss modules (nn.*Loss) against PyTorch.

Each comparison runs minigrad and PyTorch in float64 on the same data, then
back-propagates the same random upstream gradient, and checks the loss and the
gradient of every differentiable argument (the input, and the target where
PyTorch differentiates it) to rtol 1e-6, for every reduction and every test
device. The fused operations (softmax cross-entropy, NLL, binary cross-entropy)
also pass gradcheck and gradgradcheck; logits of ±1e4 give finite losses and
gradients equal to PyTorch's; bad arguments raise errors that say what is wrong.
"""
import functools
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

close = functools.partial(mg.testing.assert_close, rtol=1e-6, atol=1e-12, equal_nan=True)
REDUCTIONS = ["mean", "sum", "none"]


def compare(mine, reference, arrays, device, differentiable=(0,), seed=0):
    """Call ``mine`` on minigrad tensors and ``reference`` on torch tensors made from
    the same ``arrays`` (None stays None); compare the results, then the gradients of
    the arguments in ``differentiable`` after backward of the same upstream gradient."""
    ours = [None if a is None else
            mg.tensor(a, device=device, requires_grad=i in differentiable)
            for i, a in enumerate(arrays)]
    theirs = [None if a is None else torch.tensor(a, requires_grad=i in differentiable)
              for i, a in enumerate(arrays)]
    result, expected = mine(*ours), reference(*theirs)
    assert result.device == device
    close(result, expected)
    upstream = np.asarray(np.random.default_rng(seed).standard_normal(tuple(expected.shape)))
    result.backward(mg.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    for i in differentiable:
        close(ours[i].grad, theirs[i].grad, msg=f"gradient of argument {i}")
    return result


def class_indices(rng, shape, classes, ignored=0, ignore_index=-100):
    """Random class indices; the first ``ignored`` (flat) entries set to ignore_index."""
    target = rng.integers(0, classes, size=shape)
    target.reshape(-1)[:ignored] = ignore_index
    return target


# ---------------------------------------------------------------- regression losses
REGRESSION = [
    ("mse", lambda x, y, r: F.mse_loss(x, y, reduction=r),
     lambda x, y, r: TF.mse_loss(x, y, reduction=r)),
    ("l1", lambda x, y, r: F.l1_loss(x, y, reduction=r),
     lambda x, y, r: TF.l1_loss(x, y, reduction=r)),
    ("huber-0.5", lambda x, y, r: F.huber_loss(x, y, reduction=r, delta=0.5),
     lambda x, y, r: TF.huber_loss(x, y, reduction=r, delta=0.5)),
    ("huber-2", lambda x, y, r: F.huber_loss(x, y, r, 2.0),
     lambda x, y, r: TF.huber_loss(x, y, r, 2.0)),
    ("smooth_l1-0.5", lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.5),
     lambda x, y, r: TF.smooth_l1_loss(x, y, reduction=r, beta=0.5)),
    ("smooth_l1-1", lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r),
     lambda x, y, r: TF.smooth_l1_loss(x, y, reduction=r)),
    ("smooth_l1-0", lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.0),
     lambda x, y, r: TF.smooth_l1_loss(x, y, reduction=r, beta=0.0)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, mine, reference", REGRESSION, ids=[r[0] for r in REGRESSION])
def test_regression_losses_match_torch(name, mine, reference, reduction, device, rng):
    x = rng.standard_normal((4, 5)) * 2
    y = rng.standard_normal((4, 5))
    y[0, 0] = x[0, 0]  # d = 0: the kink of |d|
    x[1, 1], y[1, 1] = 0.75, 0.25  # |d| = 0.5 exactly: the joint of huber-0.5 and smooth_l1-0.5
    compare(lambda a, b: mine(a, b, reduction), lambda a, b: reference(a, b, reduction),
            [x, y], device, differentiable=(0, 1))


def test_regression_target_broadcasts_with_pytorchs_warning(rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal(4)
    with pytest.warns(UserWarning, match=r"target size \(4,\) that is different to the input "
                                         r"size \(3, 4\)"):
        compare(lambda a, b: F.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b.expand_as(a)),
                [x, y], "cpu", differentiable=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_gradient_is_pytorchs_bit_for_bit_in_float32(reduction, rng):
    """mse_loss is one operation whose backward computes PyTorch's c·(x − y)·g in
    PyTorch's order, c = 2/n rounded to float32: the same float32 gradients."""
    x, y = rng.standard_normal((7, 13)).astype(np.float32), rng.standard_normal((7, 13)).astype(np.float32)
    upstream = rng.standard_normal((7, 13) if reduction == "none" else ()).astype(np.float32)
    ours = [mg.tensor(v, requires_grad=True) for v in (x, y)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, y)]
    F.mse_loss(*ours, reduction=reduction).backward(mg.tensor(upstream))
    TF.mse_loss(*theirs, reduction=reduction).backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.grad.numpy(), reference.grad.numpy())


def test_regression_losses_are_twice_differentiable(rng):
    x = mg.tensor(rng.standard_normal((3, 4)) * 2, requires_grad=True)
    y = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    for loss in (lambda a, b: F.mse_loss(a, b), lambda a, b: F.huber_loss(a, b, delta=0.7),
                 lambda a, b: F.smooth_l1_loss(a, b, reduction="sum", beta=0.7)):
        assert mg.gradcheck(loss, (x, y))
        assert mg.gradgradcheck(loss, (x, y))


# ---------------------------------------------------------------- cross-entropy
def _probabilities(rng, shape):
    """Non-negative class weights that need not sum to 1 (PyTorch accepts any floats)."""
    return rng.random(shape)


CROSS_ENTROPY_CASES = {
    # name: (input shape, target maker(rng), options, weight?)
    "indices": ((6, 5), lambda rng: class_indices(rng, 6, 5), {}, False),
    "weights": ((6, 5), lambda rng: class_indices(rng, 6, 5), {}, True),
    "ignore_index": ((6, 5), lambda rng: class_indices(rng, 6, 5, ignored=2), {}, False),
    "ignore_a_real_class": ((6, 5), lambda rng: np.array([1, 0, 1, 4, 3, 1]),
                            {"ignore_index": 1}, True),
    "label_smoothing": ((6, 5), lambda rng: class_indices(rng, 6, 5), {"label_smoothing": 0.2},
                        False),
    "weights+ignore+smoothing": ((6, 5), lambda rng: class_indices(rng, 6, 5, ignored=2),
                                 {"label_smoothing": 0.3}, True),
    "probabilities": ((6, 5), lambda rng: _probabilities(rng, (6, 5)), {}, False),
    "probabilities+weights+smoothing": ((6, 5), lambda rng: _probabilities(rng, (6, 5)),
                                        {"label_smoothing": 0.15}, True),
    "extra_dims": ((3, 5, 2, 4), lambda rng: class_indices(rng, (3, 2, 4), 5, ignored=3),
                   {"label_smoothing": 0.1}, True),
    "extra_dims_no_smoothing": ((3, 5, 2, 4), lambda rng: class_indices(rng, (3, 2, 4), 5,
                                                                        ignored=3), {}, True),
    "extra_dims_probabilities": ((3, 5, 2, 4), lambda rng: _probabilities(rng, (3, 5, 2, 4)),
                                 {"label_smoothing": 0.1}, True),
    "one_sample": ((5,), lambda rng: np.array(3), {}, True),
    "one_sample_probabilities": ((5,), lambda rng: _probabilities(rng, 5),
                                 {"label_smoothing": 0.1}, False),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(CROSS_ENTROPY_CASES))
def test_cross_entropy_matches_torch(case, reduction, device, rng):
    shape, make_target, options, weighted = CROSS_ENTROPY_CASES[case]
    logits = rng.standard_normal(shape) * 2
    target = make_target(rng)
    weight = rng.random(shape[0] if len(shape) == 1 else shape[1]) + 0.1 if weighted else None
    probabilities = target.dtype.kind == "f"
    result = compare(
        lambda x, t, w: F.cross_entropy(x, t, w, reduction=reduction, **options),
        lambda x, t, w: TF.cross_entropy(x, t, w, reduction=reduction, **options),
        [logits, target, weight], device, differentiable=(0, 1) if probabilities else (0,))
    assert result.dtype == mg.float64


@pytest.mark.parametrize("case", ["weights+ignore+smoothing", "extra_dims_probabilities",
                                  "one_sample"])
def test_cross_entropy_loss_module_matches_torch(case, device, rng):
    shape, make_target, options, weighted = CROSS_ENTROPY_CASES[case]
    weight = rng.random(shape[0] if len(shape) == 1 else shape[1]) + 0.1 if weighted else None
    mine = nn.CrossEntropyLoss(None if weight is None else mg.tensor(weight, device=device),
                               reduction="sum", **options)
    reference = torch.nn.CrossEntropyLoss(None if weight is None else torch.tensor(weight),
                                          reduction="sum", **options)
    compare(mine, reference, [rng.standard_normal(shape), make_target(rng)], device)


def test_cross_entropy_float32_stays_float32(device, rng):
    logits = rng.standard_normal((8, 3)).astype(np.float32)
    target = class_indices(rng, 8, 3)
    x = mg.tensor(logits, device=device, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor(target, device=device))
    loss.backward()
    x_ref = torch.tensor(logits, requires_grad=True)
    loss_ref = TF.cross_entropy(x_ref, torch.tensor(target))
    loss_ref.backward()
    assert loss.dtype == mg.float32 and x.grad.dtype == mg.float32
    mg.testing.assert_close(loss, loss_ref)
    mg.testing.assert_close(x.grad, x_ref.grad)


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1}])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cross_entropy_of_huge_logits_is_finite_and_matches_torch(options, dtype, device):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    target = np.array([1, 2, 0])
    probabilities = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], dtype=dtype)
    for t in (target, probabilities):
        x = mg.tensor(logits, device=device, requires_grad=True)
        loss = F.cross_entropy(x, mg.tensor(t, device=device), **options)
        loss.backward()
        x_ref = torch.tensor(logits, requires_grad=True)
        loss_ref = TF.cross_entropy(x_ref, torch.tensor(t), **options)
        loss_ref.backward()
        assert np.isfinite(loss.item()) and np.isfinite(x.grad.detach().numpy()).all()
        mg.testing.assert_close(loss, loss_ref, rtol=1e-6, atol=0)
        mg.testing.assert_close(x.grad, x_ref.grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("options, weight", [({}, None), ({"label_smoothing": 0.2}, None),
                                             ({}, [1.0, 2.0, 3.0])])
def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient(options, weight,
                                                                            device):
    """PyTorch: 0/0 for the mean loss, but no gradient reaches the ignored rows."""
    logits = np.arange(6.0).reshape(2, 3)
    target = np.array([-100, -100])
    w = None if weight is None else np.array(weight)
    x = mg.tensor(logits, device=device, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor(target, device=device),
                           None if w is None else mg.tensor(w, device=device), **options)
    loss.backward()
    x_ref = torch.tensor(logits, requires_grad=True)
    loss_ref = TF.cross_entropy(x_ref, torch.tensor(target), None if w is None else torch.tensor(w),
                                **options)
    loss_ref.backward()
    assert np.isnan(loss.item()) and np.isnan(loss_ref.item())
    close(x.grad, x_ref.grad)


CROSS_ENTROPY_GRADCHECK = {
    "indices": ((3, 4), lambda: np.array([0, 3, 1]), {}, False),
    "weights+ignore+smoothing": ((4, 3), lambda: np.array([2, -100, 0, 1]),
                                 {"label_smoothing": 0.25}, True),
    "probabilities+weights+smoothing": ((3, 4), lambda: np.random.default_rng(3).random((3, 4)),
                                        {"label_smoothing": 0.1}, True),
    "extra_dims": ((2, 3, 2), lambda: np.array([[0, 2], [1, -100]]), {}, True),
}


@pytest.mark.parametrize("case, reduction", [
    ("indices", "mean"), ("indices", "none"), ("weights+ignore+smoothing", "mean"),
    ("weights+ignore+smoothing", "sum"), ("probabilities+weights+smoothing", "mean"),
    ("probabilities+weights+smoothing", "none"), ("extra_dims", "mean")])
def test_fused_cross_entropy_passes_gradcheck_and_gradgradcheck(case, reduction, device):
    shape, make_target, options, weighted = CROSS_ENTROPY_GRADCHECK[case]
    rng = np.random.default_rng(1)
    logits = mg.tensor(rng.standard_normal(shape), device=device, requires_grad=True)
    target_array = make_target()
    probabilities = target_array.dtype.kind == "f"
    target = mg.tensor(target_array, device=device, requires_grad=probabilities)
    weight = mg.tensor(rng.random(shape[1]) + 0.5, device=device) if weighted else None

    def loss(x, t):
        return F.cross_entropy(x, t, weight, reduction=reduction, **options)

    assert mg.gradcheck(loss, (logits, target))
    assert mg.gradgradcheck(loss, (logits, target))


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.3}])
def test_cross_entropy_gradient_with_create_graph_equals_plain_gradient(options, device, rng):
    """backward builds the gradient from differentiable ops only when a graph is wanted;
    both ways give the same numbers."""
    x = mg.tensor(rng.standard_normal((5, 4)), device=device, requires_grad=True)
    target = mg.tensor(class_indices(rng, 5, 4, ignored=1), device=device)
    weight = mg.tensor(rng.random(4) + 0.5, device=device)
    plain, = mg.autograd.grad(F.cross_entropy(x, target, weight, **options), [x])
    graphed, = mg.autograd.grad(F.cross_entropy(x, target, weight, **options), [x],
                                create_graph=True)
    assert graphed.requires_grad and not plain.requires_grad
    close(graphed, plain.detach().numpy())


def test_cross_entropy_hessian_vector_product_matches_torch(rng):
    logits = rng.standard_normal((4, 3))
    target = np.array([2, 0, -100, 1])
    weight = rng.random(3) + 0.5
    vector = rng.standard_normal((4, 3))
    x = mg.tensor(logits, requires_grad=True)
    grad, = mg.autograd.grad(F.cross_entropy(x, mg.tensor(target), mg.tensor(weight),
                                             label_smoothing=0.1), [x], create_graph=True)
    hvp, = mg.autograd.grad((grad * mg.tensor(vector)).sum(), [x])
    x_ref = torch.tensor(logits, requires_grad=True)
    grad_ref, = torch.autograd.grad(TF.cross_entropy(x_ref, torch.tensor(target),
                                                     torch.tensor(weight), label_smoothing=0.1),
                                    [x_ref], create_graph=True)
    hvp_ref, = torch.autograd.grad((grad_ref * torch.tensor(vector)).sum(), [x_ref])
    close(hvp, hvp_ref)


# ---------------------------------------------------------------- negative log-likelihood
NLL_CASES = {
    "indices": ((6, 5), lambda rng: class_indices(rng, 6, 5), {}, False),
    "weights+ignore": ((6, 5), lambda rng: class_indices(rng, 6, 5, ignored=2), {}, True),
    "ignore_a_real_class": ((6, 5), lambda rng: np.array([1, 0, 1, 4, 3, 1]),
                            {"ignore_index": 1}, True),
    "extra_dims": ((3, 5, 2, 2), lambda rng: class_indices(rng, (3, 2, 2), 5, ignored=2), {},
                   True),
    "one_sample": ((5,), lambda rng: np.array(2), {}, True),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(NLL_CASES))
def test_nll_loss_matches_torch(case, reduction, device, rng):
    shape, make_target, options, weighted = NLL_CASES[case]
    log_probs = rng.standard_normal(shape) - 2
    weight = rng.random(shape[0] if len(shape) == 1 else shape[1]) + 0.1 if weighted else None
    compare(lambda x, t, w: F.nll_loss(x, t, w, reduction=reduction, **options),
            lambda x, t, w: TF.nll_loss(x, t, w, reduction=reduction, **options),
            [log_probs, make_target(rng), weight], device)


def test_nll_loss_module_and_every_target_ignored(device):
    log_probs = np.log(np.full((2, 3), 1 / 3))
    loss = compare(nn.NLLLoss(ignore_index=0), torch.nn.NLLLoss(ignore_index=0),
                   [log_probs, np.array([0, 0])], device)
    assert np.isnan(loss.item())


def test_nll_of_log_softmax_equals_cross_entropy(device, rng):
    logits = mg.tensor(rng.standard_normal((5, 4)), device=device)
    target = mg.tensor(class_indices(rng, 5, 4), device=device)
    close(F.nll_loss(F.log_softmax(logits, 1), target), F.cross_entropy(logits, target).detach().numpy())


def test_nll_loss_passes_gradcheck_and_gradgradcheck(device):
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.standard_normal((4, 3)), device=device, requires_grad=True)
    target = mg.tensor(np.array([2, -100, 0, 1]), device=device)
    weight = mg.tensor(rng.random(3) + 0.5, device=device)
    for reduction in REDUCTIONS:
        def loss(x):
            return F.nll_loss(x, target, weight, reduction=reduction)
        assert mg.gradcheck(loss, (x,))
        assert mg.gradgradcheck(loss, (x,))


# ---------------------------------------------------------------- binary cross-entropy
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(reduction, weighted, device, rng):
    x = rng.uniform(0.05, 0.95, (4, 3))
    y = rng.random((4, 3))
    weight = rng.random(3) + 0.5 if weighted else None
    compare(lambda a, b, w: F.binary_cross_entropy(a, b, w, reduction=reduction),
            lambda a, b, w: TF.binary_cross_entropy(a, b, w, reduction=reduction),
            [x, y, weight], device, differentiable=(0, 1))


def test_binary_cross_entropy_clamps_its_logs_at_minus_100_as_torch(device):
    """At x = 0 or 1 the loss is at most 100 and the gradient is (x − y) / 1e-12."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    loss = compare(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                   lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"), [x, y], device)
    assert loss.detach().numpy().max() == 100.0


def test_bce_loss_module_matches_torch(device, rng):
    weight = rng.random((4, 1)) + 0.5
    compare(nn.BCELoss(mg.tensor(weight, device=device), reduction="sum"),
            torch.nn.BCELoss(torch.tensor(weight), reduction="sum"),
            [rng.uniform(0.05, 0.95, (4, 3)), rng.random((4, 3))], device)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("with_pos_weight", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(reduction, with_pos_weight, weighted,
                                                        device, rng):
    x = rng.standard_normal((4, 3)) * 3
    y = rng.random((4, 3))
    weight = rng.random((4, 1)) + 0.5 if weighted else None
    pos_weight = rng.random(3) * 3 if with_pos_weight else None
    compare(lambda a, b, w, p: F.binary_cross_entropy_with_logits(a, b, w, reduction=reduction,
                                                                   pos_weight=p),
            lambda a, b, w, p: TF.binary_cross_entropy_with_logits(a, b, w, reduction=reduction,
                                                                    pos_weight=p),
            [x, y, weight, pos_weight], device,
            differentiable=(0, 1))  # PyTorch does not differentiate pos_weight


def test_bce_with_logits_of_huge_logits_is_finite_and_matches_torch(device):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 30.0]])
    y = np.array([[0.0, 1.0, 0.5], [0.0, 1.0, 1.0]])
    pos_weight = np.array([2.0, 0.5, 3.0])
    loss = compare(nn.BCEWithLogitsLoss(pos_weight=mg.tensor(pos_weight, device=device),
                                        reduction="none"),
                   torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight),
                                              reduction="none"), [x, y], device)
    assert np.isfinite(loss.detach().numpy()).all()


def test_binary_cross_entropies_pass_gradcheck_and_gradgradcheck(device):
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.uniform(0.1, 0.9, (3, 2)), device=device, requires_grad=True)
    logits = mg.tensor(rng.standard_normal((3, 2)), device=device, requires_grad=True)
    y = mg.tensor(rng.random((3, 2)), device=device, requires_grad=True)
    weight = mg.tensor(rng.random(2) + 0.5, device=device)
    pos_weight = mg.tensor(rng.random(2) + 0.5, device=device)  # not differentiated (PyTorch)

    def bce(a, b):
        return F.binary_cross_entropy(a, b, weight)

    def bce_with_logits(a, b):
        return F.binary_cross_entropy_with_logits(a, b, weight, reduction="sum",
                                                  pos_weight=pos_weight)

    for loss, inputs in ((bce, (x, y)), (bce_with_logits, (logits, y))):
        assert mg.gradcheck(loss, inputs)
        assert mg.gradgradcheck(loss, inputs)


# ---------------------------------------------------------------- modules
MODULES = [
    (lambda: nn.MSELoss(reduction="sum"), lambda: torch.nn.MSELoss(reduction="sum")),
    (lambda: nn.L1Loss(reduction="none"), lambda: torch.nn.L1Loss(reduction="none")),
    (lambda: nn.HuberLoss("sum", 0.3), lambda: torch.nn.HuberLoss("sum", 0.3)),
    (lambda: nn.SmoothL1Loss(beta=0.3), lambda: torch.nn.SmoothL1Loss(beta=0.3)),
    (lambda: nn.BCEWithLogitsLoss(), lambda: torch.nn.BCEWithLogitsLoss()),
]


@pytest.mark.parametrize("make, make_reference", MODULES,
                         ids=["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCEWithLogits"])
def test_elementwise_loss_modules_match_torch(make, make_reference, device, rng):
    compare(make(), make_reference(), [rng.standard_normal((3, 4)), rng.random((3, 4))], device,
            differentiable=(0, 1))


def test_loss_modules_keep_weights_as_buffers(device):
    weight = mg.tensor([1.0, 2.0, 3.0])
    loss_fn = nn.CrossEntropyLoss(weight, label_smoothing=0.1).to(device)
    assert list(loss_fn.state_dict()) == ["weight"] and loss_fn.weight.device == device
    assert list(nn.BCEWithLogitsLoss(pos_weight=weight).state_dict()) == ["pos_weight"]
    assert list(nn.MSELoss().state_dict()) == [] and repr(nn.MSELoss()) == "MSELoss()"
    logits = mg.tensor([[0.1, 0.2, 0.3]], device=device)
    expected = TF.cross_entropy(torch.tensor([[0.1, 0.2, 0.3]]), torch.tensor([2]),
                                torch.tensor([1.0, 2.0, 3.0]), label_smoothing=0.1)
    mg.testing.assert_close(loss_fn(logits, mg.tensor([2], device=device)), expected)


# ---------------------------------------------------------------- bad arguments
LOSSES_BY_NAME = {
    "mse_loss": lambda r: F.mse_loss(mg.ones(2), mg.ones(2), reduction=r),
    "l1_loss": lambda r: F.l1_loss(mg.ones(2), mg.ones(2), reduction=r),
    "huber_loss": lambda r: F.huber_loss(mg.ones(2), mg.ones(2), reduction=r),
    "smooth_l1_loss": lambda r: F.smooth_l1_loss(mg.ones(2), mg.ones(2), reduction=r),
    "cross_entropy": lambda r: F.cross_entropy(mg.ones(2, 3), mg.tensor([0, 1]), reduction=r),
    "nll_loss": lambda r: F.nll_loss(mg.ones(2, 3), mg.tensor([0, 1]), reduction=r),
    "binary_cross_entropy": lambda r: F.binary_cross_entropy(mg.ones(2) / 2, mg.ones(2),
                                                             reduction=r),
    "bce_with_logits": lambda r: F.binary_cross_entropy_with_logits(mg.ones(2), mg.ones(2),
                                                                    reduction=r),
}


@pytest.mark.parametrize("name", list(LOSSES_BY_NAME))
def test_unknown_reduction_is_named(name):
    with pytest.raises(ValueError, match="'?average'? is not a valid value for reduction"):
        LOSSES_BY_NAME[name]("average")


@pytest.mark.parametrize("target, bad", [([0, 5, 1], "5"), ([0, -1, 1], "-1")])
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_index_out_of_range_names_the_value_and_the_classes(loss, target, bad):
    with pytest.raises(IndexError, match=rf"Target {bad} is out of bounds.*\[0, 4\)"):
        loss(mg.zeros(3, 4), mg.tensor(target))


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1}])
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_index_out_of_range_on_a_device_gives_nan_without_reading_back(loss, options):
    """A check on a device would wait for it (PyTorch's CUDA kernels do not check either):
    the loss and the gradient come out nan instead of reading another row's class."""
    from minigrad.backend.strict_backend import forbid_host_reads
    if options and loss is F.nll_loss:
        pytest.skip("nll_loss has no label smoothing")
    x = mg.zeros(3, 4, device="strict", requires_grad=True)
    with forbid_host_reads():
        value = loss(x, mg.tensor([0, 5, 1], device="strict"), **options)
        value.backward()
    assert np.isnan(value.item()) and np.isnan(x.grad.detach().numpy()).any()


def test_losses_read_nothing_back_from_a_device(rng):
    from minigrad.backend.strict_backend import forbid_host_reads
    logits = mg.tensor(rng.standard_normal((4, 3, 2)), device="strict", requires_grad=True)
    indices = mg.tensor(class_indices(rng, (4, 2), 3, ignored=1), device="strict")
    weight = mg.tensor(rng.random(3) + 0.5, device="strict")
    probabilities = mg.tensor(rng.random((4, 3, 2)), device="strict")
    with forbid_host_reads():
        total = (F.cross_entropy(logits, indices, weight, label_smoothing=0.1)
                 + F.cross_entropy(logits, indices, reduction="sum")
                 + F.cross_entropy(logits, probabilities, weight)
                 + F.nll_loss(F.log_softmax(logits, 1), indices, weight)
                 + F.binary_cross_entropy(logits.sigmoid(), probabilities)
                 + F.binary_cross_entropy_with_logits(logits, probabilities)
                 + F.huber_loss(logits, probabilities) + F.smooth_l1_loss(logits, probabilities))
        total.backward()
    assert np.isfinite(logits.grad.detach().numpy()).all()


def test_cross_entropy_target_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"expected target shape \(3,\).*input shape \(3, 4\), "
                                         r"got target shape \(2,\)"):
        F.cross_entropy(mg.zeros(3, 4), mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"expected target shape \(2, 5\).*input shape "
                                           r"\(2, 4, 5\), got target shape \(2, 6\)"):
        F.cross_entropy(mg.zeros(2, 4, 5), mg.zeros(2, 6, dtype=mg.int64))
    with pytest.raises(RuntimeError, match=r"expected target shape \(\).*input shape \(4,\)"):
        F.nll_loss(mg.zeros(4), mg.tensor([1]))


def test_cross_entropy_target_dtype_is_checked():
    with pytest.raises(RuntimeError, match=r"class indices of an integer dtype.*input's shape "
                                           r"\(3, 4\).*got dtype float32 and shape \(3,\)"):
        F.cross_entropy(mg.zeros(3, 4), mg.zeros(3))
    with pytest.raises(RuntimeError, match="floating point type for target with class "
                                           "probabilities, got int64"):
        F.cross_entropy(mg.zeros(3, 4), mg.zeros(3, 4, dtype=mg.int64))
    with pytest.raises(RuntimeError, match="integer dtype.*got dtype bool"):
        F.nll_loss(mg.zeros(3, 4), mg.tensor([True, False, True]))
    with pytest.raises(RuntimeError, match="input must be floating point, got dtype int64"):
        F.cross_entropy(mg.zeros(3, 4, dtype=mg.int64), mg.tensor([0, 1, 2]))


def test_cross_entropy_options_are_checked():
    logits, target = mg.zeros(3, 4), mg.tensor([0, 1, 2])
    with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(logits, target, label_smoothing=1.5)
    with pytest.raises(RuntimeError, match=r"for all 4 classes .* shape: \[3\]"):
        F.cross_entropy(logits, target, mg.ones(3))
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point"):
        F.cross_entropy(logits, mg.zeros(3, 4), ignore_index=1)
    with pytest.raises(RuntimeError, match="derivative for 'weight' is not implemented"):
        F.cross_entropy(logits, target, mg.ones(4, requires_grad=True))
    with pytest.raises(ValueError, match="class dimension"):
        F.cross_entropy(mg.tensor(1.0), mg.tensor(0))


def test_binary_cross_entropy_errors():
    half = mg.full((3,), 0.5)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([0.5, 1.5, 0.2]), half)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([0.5, float("nan"), 0.2]), half)
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(half, mg.tensor([0.5, -0.1, 0.2]))
    with pytest.raises(ValueError, match=r"target size \(3, 1\) must be the same as input size "
                                         r"\(3,\)"):
        F.binary_cross_entropy(half, mg.full((3, 1), 0.5))
    with pytest.raises(ValueError, match=r"target size \(2,\) must be the same as input size"):
        F.binary_cross_entropy_with_logits(half, mg.ones(2))
    with pytest.raises(RuntimeError, match="target has dtype float64 but input has dtype float32"):
        F.binary_cross_entropy(half, half.double())
    with pytest.raises(RuntimeError, match="target must be floating point, got dtype int64"):
        F.binary_cross_entropy_with_logits(half, mg.tensor([0, 1, 1]))
    with pytest.raises(RuntimeError, match=r"pos_weight of shape \(2,\) does not broadcast to "
                                           r"the input shape \(3,\)"):
        F.binary_cross_entropy_with_logits(half, half, pos_weight=mg.ones(2))
    with pytest.raises(RuntimeError, match=r"weight of shape \(3, 1\) does not broadcast"):
        F.binary_cross_entropy(half, half, mg.ones(3, 1))


def test_binary_cross_entropy_input_outside_0_1_on_a_device_gives_nan():
    """On a device the range is not checked (that would wait for it): the loss is nan."""
    loss = F.binary_cross_entropy(mg.tensor([2.0, 0.5], device="strict"),
                                  mg.tensor([1.0, 0.5], device="strict"))
    assert np.isnan(loss.item())


def test_regression_loss_errors():
    with pytest.raises(RuntimeError, match=r"mse_loss: target shape \(5,\) does not broadcast "
                                           r"with input shape \(3, 4\)"):
        F.mse_loss(mg.zeros(3, 4), mg.zeros(5))
    with pytest.raises(RuntimeError, match="non-positive values for delta, got delta=0"):
        F.huber_loss(mg.zeros(3), mg.zeros(3), delta=0)
    with pytest.raises(RuntimeError, match="negative values for beta, got beta=-1"):
        F.smooth_l1_loss(mg.zeros(3), mg.zeros(3), beta=-1)
    with pytest.raises(TypeError, match=r"argument 'target' \(position 2\) must be Tensor, not float"):
        F.l1_loss(mg.zeros(3), 1.0)
