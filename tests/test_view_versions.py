"""Views share their base's version counter, as in PyTorch.

A view (a slice, ``.T``, ``transpose``, ``permute``, ``reshape``/``view`` that
needs no copy, ``expand``, ``unsqueeze``, ``squeeze``, ``narrow``, a piece of
``split``/``chunk``, ``flatten``) shares its base's memory. An in-place change
to the base after the forward pass changes the values a saved view holds, and
an in-place change through a view changes the base: either way backward()
must refuse, as PyTorch does, instead of using the changed values. A result
that is a copy (advanced indexing, a reshape that must copy) is independent.
Each scenario runs on both libraries and must raise (or not) in both.
"""
import numpy as np
import pytest
import torch

import minigrad as mg

BASE = np.arange(24.0).reshape(2, 3, 4) / 10 + 0.5

VIEWS = {   # name: a view of a (2, 3, 4) tensor, written the same way for both libraries
    "slice": lambda lib, a: a[1:],
    "int": lambda lib, a: a[1],
    "0-d element": lambda lib, a: a[1, 2, 3],
    "step": lambda lib, a: a[:, ::2],
    "none": lambda lib, a: a[None],
    "ellipsis": lambda lib, a: a[..., 1],
    "T": lambda lib, a: a[0].T,
    "mT": lambda lib, a: a.mT,
    "transpose": lambda lib, a: a.transpose(0, 2),
    "permute": lambda lib, a: a.permute(2, 0, 1),
    "reshape": lambda lib, a: a.reshape(6, 4),
    "view": lambda lib, a: a.view(-1),
    "flatten": lambda lib, a: a.flatten(1),
    "expand": lambda lib, a: a[:, :1].expand(2, 5, 4),
    "unsqueeze": lambda lib, a: a.unsqueeze(1),
    "squeeze": lambda lib, a: a[:1].squeeze(0),
    "narrow": lambda lib, a: lib.narrow(a, 2, 1, 2),
    "split": lambda lib, a: lib.split(a, 2, 2)[1],
    "chunk": lambda lib, a: lib.chunk(a, 3, 1)[2],
    "view of a view": lambda lib, a: a.transpose(0, 1)[1:].reshape(2, 2, 4)[..., 0],
}
WRITABLE = sorted(set(VIEWS) - {"expand"})  # an expanded view has overlapping elements
COPIES = {   # results that do not share memory: changing the base later is harmless
    "int array": lambda lib, a: a[[1, 0, 1]],
    "mask": lambda lib, a: a[a > 1.0],
    "reshape of a transpose": lambda lib, a: a.transpose(0, 2).reshape(-1),
}

INPLACE = "modified by an in-?place operation"


def run(lib, view, modify, base_requires_grad):
    """Forward through ``view`` of a base, change something in place, then backward."""
    new = mg.tensor if lib is mg else torch.tensor
    base = new(BASE.copy(), requires_grad=base_requires_grad)
    weight = new(np.full((), 1.5), requires_grad=True)
    product = view(lib, base) * weight      # Mul saves the view for weight's gradient
    loss = (product * product).sum()
    with lib.no_grad():
        modify(base)
    loss.backward()
    return weight.grad


@pytest.mark.parametrize("name", sorted(VIEWS))
@pytest.mark.parametrize("base_requires_grad", [False, True], ids=["plain base", "leaf base"])
def test_changing_the_base_in_place_is_seen_by_the_views_consumer(name, base_requires_grad):
    view = VIEWS[name]
    with pytest.raises(RuntimeError, match="modified (by an )?inplace"):
        run(torch, view, lambda base: base.add_(1.0), base_requires_grad)
    with pytest.raises(RuntimeError, match=INPLACE):
        run(mg, view, lambda base: base.add_(1.0), base_requires_grad)


@pytest.mark.parametrize("name", sorted(COPIES))
def test_a_copy_is_independent_of_later_changes_to_the_base(name):
    view = COPIES[name]
    expected = run(torch, view, lambda base: base.add_(1.0), False)
    got = run(mg, view, lambda base: base.add_(1.0), False)
    mg.testing.assert_close(got, expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", WRITABLE)
@pytest.mark.parametrize("change", ["mul_", "setitem", "fill_"])
def test_changing_a_view_in_place_is_seen_by_the_bases_consumer(name, change):
    """x's consumer saved x; an in-place change through a view of x under no_grad
    changes x's values and its version: backward refuses, and x holds the new values."""
    def modify(view):
        if change == "mul_":
            view.mul_(2.0)
        elif change == "fill_":
            view.fill_(3.0)
        else:
            view[...] = 3.0

    results = {}
    for lib in (torch, mg):
        new = mg.tensor if lib is mg else torch.tensor
        x = new(BASE.copy(), requires_grad=True)
        loss = (x * x).sum()
        with lib.no_grad():
            modify(VIEWS[name](lib, x))
        with pytest.raises(RuntimeError, match=INPLACE):
            loss.backward()
        results[lib.__name__] = x.detach().numpy()
    np.testing.assert_array_equal(results["minigrad"], results["torch"])


@pytest.mark.parametrize("name", WRITABLE)
def test_a_view_made_under_no_grad_still_shares_the_version(name):
    x = mg.tensor(BASE.copy(), requires_grad=True)
    with mg.no_grad():
        view = VIEWS[name](mg, x)
    loss = (x * x).sum()
    with mg.no_grad():
        view.add_(1.0)
    with pytest.raises(RuntimeError, match=INPLACE):
        loss.backward()


def test_without_in_place_changes_views_backward_as_before():
    for name, view in VIEWS.items():
        expected = run(torch, view, lambda base: None, True)
        got = run(mg, view, lambda base: None, True)
        mg.testing.assert_close(got, expected, rtol=1e-14, atol=0, msg=name)
