"""2-D convolution as one big matrix product (im2col), with its two gradients as ops of their own.

For an input x (N, C, H, W) and weight W (O, C/groups, kh, kw):

* im2col copies every (kh x kw) window of the padded input into a column: ``cols`` has shape
  (C*kh*kw, N*oh*ow), laid out so one matrix product does the whole batch;
* forward:      out = W (O, C*kh*kw) @ cols                        -> (N, O, oh, ow)
* weight grad:  dW  = g (O, N*oh*ow) @ cols^T
* input grad:   dcols = W^T @ g, then col2im adds each column back onto the window it came from.

The windows are read with ``as_strided`` (no Python loop over pixels); col2im loops only over the
kh*kw kernel offsets, adding one strided slice each time.
"""
from ...autograd.function import Op
from ..._device import get_array_module
from ...ops.autocast_hook import lowp_matmul, float32_compute   # float16/bfloat16: float32 accumulation


def out_size(size, pad_total, k, stride, dilation):
    """floor((size + padding - dilation*(k-1) - 1) / stride) + 1"""
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


def _geometry(x_shape, w_shape, stride, padding, dilation):
    (N, C, H, W), (O, _, kh, kw) = x_shape, w_shape
    (ph0, ph1, pw0, pw1) = padding
    oh = out_size(H, ph0 + ph1, kh, stride[0], dilation[0])
    ow = out_size(W, pw0 + pw1, kw, stride[1], dilation[1])
    return N, C, H, W, O, kh, kw, oh, ow


def _pad(xp, x, padding, value=0):
    ph0, ph1, pw0, pw1 = padding
    if not any(padding):
        return x
    N, C, H, W = x.shape
    out = xp.full((N, C, H + ph0 + ph1, W + pw0 + pw1), value, dtype=x.dtype)
    out[:, :, ph0:ph0 + H, pw0:pw0 + W] = x
    return out


def windows(x, k, out_hw, stride, dilation):
    """A strided view (N, C, kh, kw, oh, ow) of x: [n, c, i, j, y, z] = x[n, c, y*s + i*d, z*s + j*d]"""
    xp = get_array_module(x)
    sN, sC, sH, sW = x.strides
    shape = x.shape[:2] + tuple(k) + tuple(out_hw)
    strides = (sN, sC, sH * dilation[0], sW * dilation[1], sH * stride[0], sW * stride[1])
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


def im2col(x, w_shape, stride, padding, dilation):
    """cols (C*kh*kw, N*oh*ow): row (c, i, j) holds input pixel (c, y*s + i*d, z*s + j*d) for every (n, y, z)"""
    xp = get_array_module(x)
    N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w_shape, stride, padding, dilation)
    win = windows(_pad(xp, x, padding), (kh, kw), (oh, ow), stride, dilation)
    cols = xp.empty((C, kh, kw, N, oh, ow), dtype=x.dtype)
    cols[...] = win.transpose(1, 2, 3, 0, 4, 5)
    return cols.reshape(C * kh * kw, N * oh * ow)


def col2im(cols, x_shape, w_shape, stride, padding, dilation):
    """The adjoint of im2col: add each column entry back onto the input pixel it was copied from."""
    xp = get_array_module(cols)
    N, C, H, W, O, kh, kw, oh, ow = _geometry(x_shape, w_shape, stride, padding, dilation)
    ph0, ph1, pw0, pw1 = padding
    # accumulate in (C, N, H, W) order, the order the rows of cols come in, then transpose once
    acc = xp.zeros((C, N, H + ph0 + ph1, W + pw0 + pw1), dtype=cols.dtype)
    c6 = cols.reshape(C, kh, kw, N, oh, ow)
    (sh, sw), (dh, dw) = stride, dilation
    for i in range(kh):
        for j in range(kw):
            acc[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw] += c6[:, i, j]
    out = xp.empty((N, C, H, W), dtype=cols.dtype)
    out[...] = acc[:, :, ph0:ph0 + H, pw0:pw0 + W].transpose(1, 0, 2, 3)
    return out


def _matmul_by_group(a, b):
    """a[i] @ b[i] for each group i, as 2-D products (numpy's stacked matmul can be far slower)."""
    xp = get_array_module(a)
    if a.shape[0] == 1:
        return lowp_matmul(xp, a[0], b[0])[None]
    return xp.stack([lowp_matmul(xp, a[i], b[i]) for i in range(a.shape[0])])


def _grad_by_group(grad, groups):
    """g (N, O, oh, ow) -> (groups, O/groups, N*oh*ow), the layout the matrix products need."""
    N, O, oh, ow = grad.shape
    xp = get_array_module(grad)
    g = xp.empty((O, N, oh, ow), dtype=grad.dtype)
    g[...] = grad.transpose(1, 0, 2, 3)
    return g.reshape(groups, O // groups, N * oh * ow)


class Conv2dOp(Op):
    """out[n, o] = b[o] + sum over c, i, j of W[o, c, i, j] * x_padded[n, c, y*s + i*d, z*s + j*d]"""
    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        xp = get_array_module(x)
        ctx.save_for_backward(x, w)
        low, (x, w, b) = float32_compute(x, w, b)     # float16/bfloat16: computed in float32, rounded once
        N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w.shape, stride, padding, dilation)
        cols = im2col(x, w.shape, stride, padding, dilation)                   # (C*kh*kw, N*L)
        out = _matmul_by_group(w.reshape(groups, O // groups, -1), cols.reshape(groups, -1, N * oh * ow))
        y = xp.empty((N, O, oh, ow), dtype=out.dtype)
        out = out.reshape(O, N, oh, ow).transpose(1, 0, 2, 3)          # back to (N, O, oh, ow)
        if b is not None:
            xp.add(out, b.reshape(1, O, 1, 1), out=y)                   # the copy and the bias in one pass
        else:
            y[...] = out
        ctx.args = (stride, padding, dilation, groups)
        # reused by the weight gradient (in low precision recomputed from x instead: it is the biggest array)
        ctx.cols = cols if ctx.needs_input_grad[1] and low is None else None
        return y if low is None else y.astype(low)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = Conv2dInputGrad.apply(grad, w, tuple(x.shape), *ctx.args) if need[0] else None
        gw = Conv2dWeightGrad.apply(x, grad, tuple(w.shape), *ctx.args, cols=ctx.cols) if need[1] else None
        gb = grad.sum((0, 2, 3)) if need[2] else None
        return gx, gw, gb


class Conv2dInputGrad(Op):
    """dx = col2im(W^T @ g): the gradient of conv2d with respect to its input (a transposed convolution)"""
    @staticmethod
    def forward(ctx, grad, w, x_shape, stride, padding, dilation, groups):
        xp = get_array_module(grad)
        ctx.save_for_backward(grad, w)
        low, (grad, w) = float32_compute(grad, w)
        O = w.shape[0]
        gcols = _matmul_by_group(w.reshape(groups, O // groups, -1).transpose(0, 2, 1), _grad_by_group(grad, groups))
        ctx.args = (stride, padding, dilation, groups)
        gx = col2im(gcols.reshape(-1, gcols.shape[-1]), x_shape, w.shape, stride, padding, dilation)
        return gx if low is None else gx.astype(low)

    @staticmethod
    def backward(ctx, ggx):
        # the op is linear in grad and in w: d/dgrad is conv2d(ggx, w), d/dw is the weight gradient of ggx
        grad, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gg = Conv2dOp.apply(ggx, w, None, *ctx.args) if need[0] else None
        gw = Conv2dWeightGrad.apply(ggx, grad, tuple(w.shape), *ctx.args) if need[1] else None
        return gg, gw


class Conv2dWeightGrad(Op):
    """dW = g @ im2col(x)^T: the gradient of conv2d with respect to its weight"""
    @staticmethod
    def forward(ctx, x, grad, w_shape, stride, padding, dilation, groups, cols=None):
        xp = get_array_module(x)
        ctx.save_for_backward(x, grad)
        low, (x, grad) = float32_compute(x, grad)
        if cols is None:
            cols = im2col(x, w_shape, stride, padding, dilation)
        g = _grad_by_group(grad, groups)                                       # (G, O/G, N*L)
        cg = cols.reshape(groups, -1, cols.shape[-1])
        gw = _matmul_by_group(g, cg.transpose(0, 2, 1))
        ctx.args = (stride, padding, dilation, groups)
        return gw.reshape(w_shape) if low is None else gw.reshape(w_shape).astype(low)

    @staticmethod
    def backward(ctx, ggw):
        x, grad = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = Conv2dInputGrad.apply(grad, ggw, tuple(x.shape), *ctx.args) if need[0] else None
        gg = Conv2dOp.apply(x, ggw, None, *ctx.args) if need[1] else None
        return gx, gg
