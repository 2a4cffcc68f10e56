"""Linear layer as one op: y = x W^T + b."""
from ...autograd.function import Op
from ..._device import get_array_module
from ..._threads import matmul
from ...ops.autocast_hook import float32_compute


class LinearOp(Op):
    """y = x W^T + b;  dx = g W,  dW = g^T x,  db = sum of g over the batch (x flattened to 2-D)"""
    @staticmethod
    def forward(ctx, x, w, b):
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        low, (x, w, b) = float32_compute(x, w, b)     # float16/bfloat16: computed in float32, rounded once
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        y = matmul(get_array_module(x2), x2, w.T)        # the batch's rows shared among threads
        if b is not None:
            y += b
        y = y.reshape(x.shape[:-1] + (w.shape[0],)) if x.ndim != 2 else y
        return y if low is None else y.astype(low)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        g2 = grad.reshape(-1, grad.shape[-1]) if grad.ndim != 2 else grad
        gx = grad @ w if need[0] else None
        gw = None
        if need[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.mT @ x2
        gb = g2.sum(0) if need[2] else None
        return gx, gw, gb
