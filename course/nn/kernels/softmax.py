"""Softmax and log-softmax along one dim, computed stably by subtracting the max first."""
from ...autograd.function import Op
from ..._device import get_array_module


class SoftmaxOp(Op):
    """y_i = e^(x_i - m) / sum_j e^(x_j - m)  (m = max x);  dx = y * (g - sum(g * y))"""
    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True))


class LogSoftmaxOp(Op):
    """y_i = x_i - m - log sum_j e^(x_j - m)  (m = max x);  dx = g - e^y * sum(g)"""
    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        shifted -= xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(shifted)
        return shifted

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True)
