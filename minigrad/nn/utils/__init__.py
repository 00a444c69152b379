"""``minigrad.nn.utils``: helpers that act on a model's parameters and gradients.

- ``clip_grad_norm_`` / ``clip_grad_value_``: tame exploding gradients before a step;
- ``parameters_to_vector`` / ``vector_to_parameters``: view all weights as one flat vector.
"""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
