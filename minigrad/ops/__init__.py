"""The differentiable operations, grouped by kind.

Each primitive is a small ``Function`` subclass: ``forward`` on arrays,
``backward`` written with these same operations (so it is differentiable
again). Composite functions (``softmax`` of a shifted input, ``stack`` as
``cat`` of ``unsqueeze``, ...) get their gradients from the primitives.
"""
