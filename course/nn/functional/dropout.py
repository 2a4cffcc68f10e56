"""Dropout: during training, zero each element with probability p and scale the rest by 1 / (1 - p)."""
from ..._device import to_device
from ...ops._util import wrap
from ...random import _rng

__all__ = ["dropout", "dropout1d", "dropout2d", "alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(shape, p, input):
    """keep / (1 - p) with keep ~ Bernoulli(1 - p), drawn from course's generator (course.manual_seed)."""
    keep = _rng().random(shape) >= p
    scale = (keep / (1.0 - p)) if p < 1 else keep * 0.0
    return wrap(to_device(scale.astype(input.dtype.np), input.device))


def dropout(input, p=0.5, training=True, inplace=False):
    """Training: x * mask / (1 - p) (mask ~ Bernoulli(1 - p)); evaluation: x unchanged"""
    _check_p(p)
    if not training or p == 0:
        return input
    out = input * _mask(tuple(input.shape), p, input)
    return input._inplace(out) if inplace else out


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels: one mask value per (sample, channel) of an (N, C, H, W) input"""
    _check_p(p)
    if not training or p == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    out = input * _mask(shape, p, input)
    return input._inplace(out) if inplace else out


dropout1d = dropout2d


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    raise NotImplementedError("alpha_dropout is not implemented in course")
