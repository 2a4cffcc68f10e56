"""Automatic differentiation: the graph (function.py), the backward walk (engine.py), grad modes,
gradcheck, and a drawing of the graph for teaching (graph.py)."""
from .function import Function, Node, once_differentiable
from .engine import backward, grad
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode, detect_anomaly,
                        set_detect_anomaly, is_anomaly_enabled)
from .gradcheck import gradcheck, gradgradcheck
from . import function, graph  # noqa: F401


def Variable(data, requires_grad=False, volatile=False):
    """PyTorch's old wrapper (now tensors record history themselves): a leaf sharing ``data``'s memory."""
    return data.detach().requires_grad_(requires_grad)

__all__ = ["Function", "Node", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode", "gradcheck", "gradgradcheck", "once_differentiable", "Variable", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled"]
