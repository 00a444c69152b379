"""The fast path of the optimizers: a fenced place that a learner can skip.

``Optimizer.step`` runs each param group one of two ways. The plain loop calls
the optimizer's ``update(group, param, grad, state, step)`` on each parameter:
that is the rule, and reading ``sgd.py`` or ``adam.py`` tells you everything
``step()`` computes. This package runs *the same rule* faster, and only where
it is provably the same rule:

- ``rule.py``: who may take the fast path (the class that defines ``update``
  must also declare ``elementwise = True``, and for the compiled kernel its own
  ``fused_kernel``), written once;
- ``choice.py``: ``foreach`` / ``fused``, PyTorch's arguments for choosing, read
  from each param group;
- ``step.py``: one group's step on the fast path;
- ``buckets.py``: many parameters packed into flat buffers;
- ``thread_pool.py``: slices of those buffers updated by several threads;
- ``kernel.py``: an update as one fused elementwise kernel (the C statements
  for one element that an optimizer writes next to its ``update``);
- ``c_compiler.py``: such kernels compiled by the machine's C compiler for the
  CPU; ``cupy_compiler.py``: by CuPy for a GPU.

``tests/test_optim_fast_path.py`` proves the fast path equal to the plain loop,
bit for bit, for every optimizer that takes it.
"""
from .choice import check_choice, path_for
from .step import step_group

__all__ = ["check_choice", "path_for", "step_group"]
