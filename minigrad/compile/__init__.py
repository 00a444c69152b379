"""``minigrad.compile``: record a training step once, replay it as plain array calls.

``mg.compile(step)`` returns a callable. Its first call with given argument shapes
runs ``step`` eagerly while recording every array call it makes; later calls
replay that flat list on raw arrays (no Tensor, no graph node per op). See the
guide "Compiling a step" for the guards and what can't be compiled.
"""
from .compiled import Compiled
from .recorder import CompileError

__all__ = ["compile", "CompileError", "Compiled"]


def compile(fn=None, *, mode=None, fuse=True):
    """``fn`` recorded once, replayed afterwards. ``mode`` None (or "default", as in
    ``torch.compile``) replays; ``mode="check"`` replays and also
    runs ``fn`` eagerly from the same state, raising ``CompileError`` at the first
    difference. ``fuse=False`` replays the elementwise arithmetic op by op instead of
    in fused loops (the same numbers; to compare the speed). Usable as a decorator,
    with or without arguments."""
    if fn is None:
        return lambda f: Compiled(f, mode, fuse)
    return Compiled(fn, mode, fuse)
