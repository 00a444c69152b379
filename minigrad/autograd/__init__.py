"""Reverse-mode automatic differentiation: the graph, its walk, and checks.

- ``Function``: define an operation with its own backward (function.py);
- ``grad``: gradients of outputs with respect to chosen inputs (grad.py);
- ``no_grad`` / ``enable_grad`` / ``inference_mode``: switch graph recording (grad_mode.py);
- ``detect_anomaly``: find the op whose gradient became NaN (anomaly.py);
- ``gradcheck`` / ``gradgradcheck``: compare with finite differences (gradcheck.py).
"""
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function
from .grad import grad
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "is_inference_mode_enabled",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "gradcheck",
           "gradgradcheck", "GradcheckError"]
