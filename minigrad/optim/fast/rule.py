"""Who may take the fast path: the rule, written once.

An optimizer's ``update(group, param, grad, state, step)`` is the rule of
record: it is what ``Optimizer.step`` runs, one parameter at a time. The fast
path runs the same rule faster, and it may only do so where it is provably the
same rule. Whether it is depends on *which class wrote what*, so the answer is
read off the class hierarchy:

- the **owner** of the rule is the class that defines the ``update`` that runs
  (the first class along the method resolution order with ``update`` in its own
  body);
- **flat buckets, slices and threads** (``update`` called on pieces of many
  parameters at once) are allowed only if the owner's own body declares
  ``elementwise = True``: whoever wrote the rule promised that each element's
  new value depends on that element alone, so cutting the arrays into pieces
  changes nothing;
- the **compiled kernel** is allowed only if, in addition, the owner's own body
  defines ``fused_kernel`` (and ``kernel_scalars`` is not redefined below the
  owner): the kernel was written next to the rule it repeats, and
  ``tests/test_optim_fast_path.py`` proves the two equal bit for bit.

So ``class MyAdam(mg.optim.Adam)`` that overrides ``update`` gets its own
``update``, per parameter, on whole arrays: no buckets, no slices, no kernel,
unless ``MyAdam`` itself also declares ``elementwise = True`` (then buckets and
slices) and its own ``fused_kernel`` (then the kernel). A subclass that changes
nothing of the rule (``AdamW`` over ``Adam``) keeps the fast path. Any of these
names set on the optimizer object itself (a patched ``optimizer.update``) is
the user's own rule too: that object takes the plain path.
"""
from functools import lru_cache
from typing import NamedTuple

_RULE_NAMES = frozenset({"update", "elementwise", "fused_kernel", "kernel_scalars"})


class Permission(NamedTuple):
    """What may stand in for a plain loop over ``update``."""

    owner: type     # the class whose update() is the rule that runs (None: set on the object)
    buckets: bool   # flat buckets, slices and threads, running update() on pieces
    kernel: bool    # the compiled fused kernel, running in update()'s place


def permission(optimizer):
    """The fast paths ``optimizer`` may take (see the module's docstring)."""
    if _RULE_NAMES.isdisjoint(vars(optimizer)):
        return _permission_of(type(optimizer))
    return Permission(owner=None, buckets=False, kernel=False)


@lru_cache(maxsize=None)
def _permission_of(cls):
    order = cls.__mro__

    def owner(name):
        return next(klass for klass in order if name in vars(klass))

    rule = owner("update")
    buckets = vars(rule).get("elementwise") is True and cls.elementwise is True
    kernel = (buckets and owner("fused_kernel") is rule
              and order.index(owner("kernel_scalars")) >= order.index(rule))
    return Permission(owner=rule, buckets=buckets, kernel=kernel)
