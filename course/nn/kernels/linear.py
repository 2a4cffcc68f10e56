"""Linear layer as one op: y = x W^T + b."""
from ...autograd.function import Op
from ..._device import get_array_module
from ..._convert import astype
from ..._dtype import from_numpy_dtype
from ..._threads import matmul
from ...autograd.grad_mode import is_grad_enabled
from ...ops._util import wrap
from ...ops.copy import cast
from ...ops.autocast_hook import float32_compute, rounded_float32, in_dtype


class LinearOp(Op):
    """y = x W^T + b;  dx = g W,  dW = g^T x,  db = sum of g over the batch (x flattened to 2-D)

    ``low`` (given by autocast): the 16-bit dtype the op computes in. Each input is rounded to it here, as if
    it had been cast to ``low`` first, and each gradient comes back rounded to ``low``, in its input's own
    dtype (what the cast's backward would give)."""
    @staticmethod
    def forward(ctx, x, w, b, low=None):
        need = ctx.needs_input_grad
        ctx.b_shape = None if b is None else b.shape  # (out,), or (1,) / () broadcast over the outputs
        ctx.low, ctx.dtypes = low, None
        if low is None:
            ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
            low, (x, w, b) = float32_compute(x, w, b)     # float16/bfloat16: computed in float32, rounded once
        else:
            ctx.dtypes = x.dtype, w.dtype, None if b is None else b.dtype
            kept = _kept(x, low, need[1], need[0]), _kept(w, low, need[0], need[1])
            ctx.save_for_backward(*kept)
            # an input kept as its copy in low is widened from that copy (fresh in the cache; the input may not be)
            x, w = (k if k is not None and k.dtype == low else a for a, k in zip((x, w), kept))
            x, w, b = (None if a is None else rounded_float32(a, low) for a in (x, w, b))
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
        low = ctx.low
        # The engine records backward's ops only for create_graph=True (it sets grad mode to create_graph)
        if not is_grad_enabled():           # a plain backward: the same three products, straight on the arrays
            return _grads_on_arrays(grad, x, w, need, ctx.b_shape, low, ctx.dtypes)
        # create_graph=True: written with ops, so that the gradient is itself differentiable
        if low is not None:                 # autocast: the casts to low and back, as ops
            x, w = (None if t is None else cast(t, from_numpy_dtype(low)) for t in (x, w))
        g2 = grad.reshape(-1, grad.shape[-1]) if grad.ndim != 2 else grad
        gx = grad @ w if need[0] else None
        gw = None
        if need[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.mT @ x2
        gb = _bias_grad(g2, ctx.b_shape) if need[2] else None
        if low is not None:
            gx, gw, gb = (None if g is None else cast(g, from_numpy_dtype(d)) for g, d in zip((gx, gw, gb), ctx.dtypes))
        return gx, gw, gb


def _kept(a, low, needed, requires_grad):
    """What autocast's LinearOp keeps of input ``a`` for backward: nothing if not needed; the input itself
    if it is already in ``low`` or requires grad (a weight: so that a second derivative reaches it); else its
    copy in ``low``, half the memory of a float32 input (the cast PyTorch would keep)."""
    if not needed:
        return None
    return a if requires_grad or a.dtype == low else astype(a, low)


def _grads_on_arrays(grad, x, w, need, b_shape, low=None, dtypes=None):
    """LinearOp.backward when no graph is recorded for it (create_graph=False): the same products on raw arrays,
    without an op per product. float16/bfloat16 are converted to float32 once each and every result is
    rounded once, as the ops above would do one product at a time. Under autocast (``low``) the saved float32
    inputs are rounded to low as the forward did, and each result is rounded to low, then given in its input's
    dtype (``dtypes``)."""
    xa, wa = (None if t is None else t._data for t in (x, w))
    if low is None:
        low, (g, xa, wa) = float32_compute(grad._data, xa, wa)
        dtypes = (low, low, low)
    else:                                   # autocast: the inputs as the forward rounded them
        g, xa, wa = (None if a is None else rounded_float32(a, low) for a in (grad._data, xa, wa))
    g2 = g.reshape(-1, g.shape[-1])
    xp = get_array_module(g2)
    gx = matmul(xp, g2, wa).reshape(grad.shape[:-1] + (wa.shape[1],)) if need[0] else None
    gw = matmul(xp, g2.T, xa.reshape(-1, xa.shape[-1])) if need[1] else None
    gb = _bias_grad(g2, b_shape) if need[2] else None
    return tuple(None if a is None else wrap(a if low is None else in_dtype(a, low, d))
                 for a, d in zip((gx, gw, gb), dtypes))


def _bias_grad(g2, b_shape):
    """db: g summed over the batch (a tensor or an array); a bias of one number, broadcast over the outputs,
    gets the total."""
    gb = g2.sum(0)
    return gb if gb.shape == b_shape else gb.sum().reshape(b_shape)
