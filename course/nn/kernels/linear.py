"""Linear layer as one op: y = x W^T + b."""
from ...autograd.function import Op
from ..._device import get_array_module
from ..._convert import astype
from ..._threads import matmul
from ...autograd.grad_mode import is_grad_enabled
from ...ops._util import wrap
from ...ops.autocast_hook import float32_compute


class LinearOp(Op):
    """y = x W^T + b;  dx = g W,  dW = g^T x,  db = sum of g over the batch (x flattened to 2-D)"""
    @staticmethod
    def forward(ctx, x, w, b):
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        ctx.b_shape = None if b is None else b.shape  # (out,), or (1,) / () broadcast over the outputs
        low, (x, w, b) = float32_compute(x, w, b)     # float16/bfloat16: computed in float32, rounded once
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        y = matmul(get_array_module(x2), x2, w.T)        # the batch's rows shared among threads
        if b is not None:
            y += b
        y = y.reshape(x.shape[:-1] + (w.shape[0],)) if x.ndim != 2 else y
        return y if low is None else astype(y, low)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        # The engine records backward's ops only for create_graph=True (it sets grad mode to create_graph)
        if not is_grad_enabled():           # a plain backward: the same three products, straight on the arrays
            return _grads_on_arrays(grad, x, w, need, ctx.b_shape)
        # create_graph=True: written with ops, so that the gradient is itself differentiable
        g2 = grad.reshape(-1, grad.shape[-1]) if grad.ndim != 2 else grad
        gx = grad @ w if need[0] else None
        gw = None
        if need[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.mT @ x2
        gb = _bias_grad(g2, ctx.b_shape) if need[2] else None
        return gx, gw, gb


def _grads_on_arrays(grad, x, w, need, b_shape):
    """LinearOp.backward when no graph is recorded for it (create_graph=False): the same products on raw arrays,
    without an op per product. float16/bfloat16 are converted to float32 once each and every result is
    rounded once, as the ops above would do one product at a time."""
    low, (g, xa, wa) = float32_compute(grad._data, None if x is None else x._data, None if w is None else w._data)
    g2 = g.reshape(-1, g.shape[-1])
    xp = get_array_module(g2)
    gx = matmul(xp, g2, wa).reshape(grad.shape[:-1] + (wa.shape[1],)) if need[0] else None
    gw = matmul(xp, g2.T, xa.reshape(-1, xa.shape[-1])) if need[1] else None
    gb = _bias_grad(g2, b_shape) if need[2] else None
    return tuple(None if a is None else wrap(a if low is None else astype(a, low)) for a in (gx, gw, gb))


def _bias_grad(g2, b_shape):
    """db: g summed over the batch (a tensor or an array); a bias of one number, broadcast over the outputs,
    gets the total."""
    gb = g2.sum(0)
    return gb if gb.shape == b_shape else gb.sum().reshape(b_shape)
