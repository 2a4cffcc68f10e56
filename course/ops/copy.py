"""Copies and dtype conversions: clone, contiguous, to(dtype). The gradient passes straight through."""
from ..autograd.function import Op
from ._util import wrap
from .._device import get_array_module, to_device, device_of
from .._convert import astype

__all__ = ["clone", "cast", "to_device_op"]


class Clone(Op):
    """y = a copy of x;  dy/dx = 1"""
    @staticmethod
    def forward(ctx, x):
        return get_array_module(x).array(x, copy=True, order="C")

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Op):
    """y = x converted to another dtype;  the gradient is converted back to x's dtype"""
    grad_fn_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype, x_dtype):
        ctx.x_dtype = x_dtype
        return astype(x, dtype.np)            # big arrays: split across course's threads

    @staticmethod
    def backward(ctx, grad):
        return cast(grad, ctx.x_dtype)


class ToDevice(Op):
    """y = x copied to another device;  the gradient is copied back to x's device"""
    @staticmethod
    def forward(ctx, x, dev):
        ctx.device = device_of(x)
        return to_device(x, dev)

    @staticmethod
    def backward(ctx, grad):
        return to_device_op(grad, ctx.device)


def clone(input, *, memory_format=None):
    return Clone.apply(input)


def cast(input, dtype):
    """input as ``dtype`` (returns input itself when it already has it, like Tensor.to)."""
    if input.dtype is dtype:
        return input
    if not input.requires_grad or not dtype.is_floating_point:   # nothing to record (ints carry no gradient)
        return wrap(astype(input._data, dtype.np))  # (quietly, as in PyTorch: see course/_convert.py)
    return Cast.apply(input, dtype, input.dtype)


def to_device_op(input, dev):
    if input.device == dev:
        return input
    return ToDevice.apply(input, dev)
