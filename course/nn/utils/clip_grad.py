"""Gradient clipping: keep one bad batch from taking a huge step."""
import math

from ... import ops
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all the tensors taken together as one long vector."""
    norm_type = float(norm_type)
    if not tensors:
        from ..._creation import tensor
        return tensor(0.0)
    with no_grad():
        if math.isinf(norm_type):
            norms = [t.detach().abs().amax() for t in tensors]
            total = ops.stack(norms).amax()
        else:
            norms = [ops.norm(t.detach().float() if not t.is_floating_point() else t.detach(), norm_type)
                     for t in tensors]
            total = ops.norm(ops.stack(norms), norm_type)
    if error_if_nonfinite and not bool(ops.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by min(1, max_norm / total_norm) in place; returns the total norm before clipping."""
    grads = _grads(parameters)
    if not grads:
        from ..._creation import tensor
        return tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    coef = float(max_norm) / (float(total) + 1e-6)
    if coef < 1:
        with no_grad():
            for g in grads:
                g._fill_raw(g._data * g._data.dtype.type(coef))
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        g._fill_raw(g._data.clip(-clip_value, clip_value))
