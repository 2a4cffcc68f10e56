"""2-D convolution as one big matrix product (im2col), with its two gradients as ops of their own.

For an input x (N, C, H, W) and weight W (O, C/groups, kh, kw):

* im2col copies every (kh x kw) window of the padded input into a column: ``cols`` has shape
  (C*kh*kw, N*oh*ow), laid out so one matrix product does the whole batch;
* forward:      out = W (O, C*kh*kw) @ cols                        -> (N, O, oh, ow)
* weight grad:  dW  = g (O, N*oh*ow) @ cols^T
* input grad:   dcols = W^T @ g, then col2im adds each column back onto the window it came from.

The windows are read with ``as_strided`` (no Python loop over pixels); col2im loops only over the
kh*kw kernel offsets, adding one strided slice each time.

A thin convolution (few input channels, like the first layer on a grey image: C*kh*kw <= THIN) makes a
product too small to be worth the transposes. It keeps the batch axis first instead: image n gets its own
(C*kh*kw, oh*ow) matrix, one stacked product does all images, and the result is already (N, O, oh, ow).

With two or more threads (course/_threads.py) each op splits the batch: a thread builds the columns of
its images, multiplies them and writes its images' part of the result (the weight gradient: its images'
share of the sum, added up at the end), the way data-parallel training splits a batch across GPUs.
"""
from ...autograd.function import Op
from ..._device import get_array_module
from ..._convert import astype
from ..._threads import over_batch
from ...ops.autocast_hook import float32_compute, as_float32, LOW_DTYPES   # float16/bfloat16: float32 sums


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


def im2col(x, w_shape, stride, padding, dilation, out=None):
    """cols (C*kh*kw, N*oh*ow): row (c, i, j) holds input pixel (c, y*s + i*d, z*s + j*d) for every (n, y, z)

    out: a (C, kh, kw, N, oh, ow) array to fill instead of a new one."""
    xp = get_array_module(x)
    N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w_shape, stride, padding, dilation)
    win = windows(_pad(xp, x, padding), (kh, kw), (oh, ow), stride, dilation)
    cols = xp.empty((C, kh, kw, N, oh, ow), dtype=x.dtype) if out is None else out
    cols[...] = win.transpose(1, 2, 3, 0, 4, 5)
    return cols.reshape(C * kh * kw, N * oh * ow)


THIN = 32          # C/groups*kh*kw up to this: one product per image (``im2col_per_image``)


def im2col_per_image(x, w_shape, stride, padding, dilation, groups, out=None):
    """cols (N, groups, C/groups*kh*kw, oh*ow): image n's columns as a matrix of its own (no transpose)"""
    xp = get_array_module(x)
    N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w_shape, stride, padding, dilation)
    win = windows(_pad(xp, x, padding), (kh, kw), (oh, ow), stride, dilation)       # (N, C, kh, kw, oh, ow)
    cols = xp.empty(win.shape, dtype=x.dtype) if out is None else out.reshape(win.shape)
    cols[...] = win
    return cols.reshape(N, groups, C // groups * kh * kw, oh * ow)


def col2im(cols, x_shape, w_shape, stride, padding, dilation, out=None):
    """The adjoint of im2col: add each column entry back onto the input pixel it was copied from
    (into out, an (N, C, H, W) array, when given)."""
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
    out = xp.empty((N, C, H, W), dtype=cols.dtype) if out is None else out
    out[...] = acc[:, :, ph0:ph0 + H, pw0:pw0 + W].transpose(1, 0, 2, 3)
    return out


def _matmul_by_group(a, b):
    """a[i] @ b[i] for each group i, as 2-D products (numpy's stacked matmul can be far slower)."""
    xp = get_array_module(a)
    if a.shape[0] == 1:
        return xp.matmul(a[0], b[0])[None]
    return xp.stack([xp.matmul(a[i], b[i]) for i in range(a.shape[0])])


def _grad_by_group(grad, groups):
    """g (N, O, oh, ow) -> (groups, O/groups, N*oh*ow), the layout the matrix products need."""
    N, O, oh, ow = grad.shape
    xp = get_array_module(grad)
    g = xp.empty((O, N, oh, ow), dtype=grad.dtype)
    g[...] = grad.transpose(1, 0, 2, 3)
    return g.reshape(groups, O // groups, N * oh * ow)


def _products_per_image(x, wg, w_shape, stride, padding, dilation, groups, cols=None):
    """conv(x, W) without bias for a thin convolution: W @ cols[n] for each image n, already (n, O, oh, ow)"""
    N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w_shape, stride, padding, dilation)
    c = im2col_per_image(x, w_shape, stride, padding, dilation, groups, out=cols)      # (n, G, C/G*kh*kw, L)
    return get_array_module(x).matmul(wg, c).reshape(N, O, oh, ow)


def _product_of_columns(x, wg, w_shape, stride, padding, dilation, groups, cols=None):
    """conv(x, W) without bias: one product W @ cols for all the images, transposed back to (n, O, oh, ow)"""
    N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w_shape, stride, padding, dilation)
    c = im2col(x, w_shape, stride, padding, dilation, out=cols)
    out = _matmul_by_group(wg, c.reshape(groups, -1, c.shape[-1]))
    return out.reshape(O, N, oh, ow).transpose(1, 0, 2, 3)


class Conv2dOp(Op):
    """out[n, o] = b[o] + sum over c, i, j of W[o, c, i, j] * x_padded[n, c, y*s + i*d, z*s + j*d]"""
    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        xp = get_array_module(x)
        ctx.save_for_backward(x, w)
        low, (w, b) = float32_compute(w, b)          # float16/bfloat16: computed in float32, rounded once
        N, C, H, W, O, kh, kw, oh, ow = _geometry(x.shape, w.shape, stride, padding, dilation)
        # the weight gradient reuses the columns (in low precision they are recomputed from x: too big to keep)
        keep = ctx.needs_input_grad[1] and low is None
        thin = C // groups * kh * kw <= THIN
        cols = None
        if keep:
            cols = xp.empty((N, C, kh, kw, oh, ow) if thin else (C, kh, kw, N, oh, ow), dtype=x.dtype)
        wg = w.reshape(groups, O // groups, -1)
        b4 = None if b is None else b.reshape(1, O, 1, 1)
        y = xp.empty((N, O, oh, ow), dtype=x.dtype)

        def part(lo, hi):                             # images lo..hi-1 (see course/_threads.py)
            products = _products_per_image if thin else _product_of_columns
            out = products(as_float32(x[lo:hi]), wg, w.shape, stride, padding, dilation, groups,
                           cols=None if cols is None else (cols[lo:hi] if thin else cols[:, :, :, lo:hi]))
            if b4 is None:
                astype(out, y.dtype, out=y[lo:hi])
            elif low is None:
                xp.add(out, b4, out=y[lo:hi])                                 # the copy and the bias in one pass
            else:
                astype(out + b4, low, out=y[lo:hi])                           # rounded to float16 once, here
        over_batch(part, N, y, work=y.size + x.size * kh * kw)        # the output and the columns
        ctx.args = (stride, padding, dilation, groups)
        if cols is not None:
            shape = (N, groups, C // groups * kh * kw, oh * ow) if thin else (C * kh * kw, N * oh * ow)
            cols = cols.reshape(shape)
        ctx.cols = cols
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        # float16/bfloat16: the gradient is converted to float32 once; the three gradients are computed from
        # it in float32, and each is rounded to its input's dtype at the end
        g = grad.float() if grad._data.dtype in LOW_DTYPES else grad
        gx = Conv2dInputGrad.apply(g, w, tuple(x.shape), *ctx.args).to(x.dtype) if need[0] else None
        gw = Conv2dWeightGrad.apply(x, g, tuple(w.shape), *ctx.args, cols=ctx.cols).to(w.dtype) if need[1] else None
        gb = Conv2dBiasGrad.apply(g).to(w.dtype) if need[2] else None
        return gx, gw, gb


class Conv2dBiasGrad(Op):
    """db[o] = sum of g[n, o, y, z] over n, y, z (in float32 for float16/bfloat16 g);  its backward broadcasts"""
    grad_fn_name = "SumBackward1"

    @staticmethod
    def forward(ctx, grad):
        ctx.shape = grad.shape
        xp = get_array_module(grad)
        acc = xp.float32 if grad.dtype in LOW_DTYPES else grad.dtype
        sums = over_batch(lambda lo, hi: grad[lo:hi].sum((0, 2, 3), dtype=acc), grad.shape[0], grad)
        return astype(sum(sums[1:], sums[0]), grad.dtype)

    @staticmethod
    def backward(ctx, gg):
        return gg.reshape(1, -1, 1, 1).expand(ctx.shape)


class Conv2dInputGrad(Op):
    """dx = col2im(W^T @ g): the gradient of conv2d with respect to its input (a transposed convolution)"""
    @staticmethod
    def forward(ctx, grad, w, x_shape, stride, padding, dilation, groups):
        xp = get_array_module(grad)
        ctx.save_for_backward(grad, w)
        low = grad.dtype if grad.dtype in LOW_DTYPES else None    # computed in float32, returned in grad's dtype
        w = astype(w, "float32" if low else grad.dtype)
        O = w.shape[0]
        wt = w.reshape(groups, O // groups, -1).transpose(0, 2, 1)
        gx = xp.empty(x_shape, dtype=grad.dtype)

        def part(lo, hi):                             # images lo..hi-1
            gcols = _matmul_by_group(wt, _grad_by_group(as_float32(grad[lo:hi]), groups))
            n_shape = (hi - lo,) + tuple(x_shape[1:])
            dx = col2im(gcols.reshape(-1, gcols.shape[-1]), n_shape, w.shape, stride, padding, dilation,
                        out=gx[lo:hi] if low is None else None)
            if low is not None:
                astype(dx, low, out=gx[lo:hi])        # float32 sums, rounded once to float16/bfloat16
        over_batch(part, x_shape[0], gx, work=grad.size + gx.size * w.shape[2] * w.shape[3])
        ctx.args = (stride, padding, dilation, groups)
        return gx

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
        L = grad.shape[2] * grad.shape[3]

        thin = w_shape[1] * w_shape[2] * w_shape[3] <= THIN

        def part(lo, hi):                             # images lo..hi-1: their share of the sum over the batch
            if thin:                                  # per image: g[n] @ cols[n]^T, summed over the images
                c = cols[lo:hi] if cols is not None else \
                    im2col_per_image(as_float32(x[lo:hi]), w_shape, stride, padding, dilation, groups)
                g = as_float32(grad[lo:hi]).reshape(hi - lo, groups, w_shape[0] // groups, L)
                return xp.matmul(g, c.transpose(0, 1, 3, 2)).sum(0)
            if cols is None:
                c = im2col(as_float32(x[lo:hi]), w_shape, stride, padding, dilation)
            else:
                c = cols[:, lo * L:hi * L]
            g = _grad_by_group(as_float32(grad[lo:hi]), groups)                     # (G, O/G, n*L)
            return _matmul_by_group(g, c.reshape(groups, -1, c.shape[-1]).transpose(0, 2, 1))
        parts = over_batch(part, x.shape[0], grad, work=grad.size + x.size * w_shape[2] * w_shape[3])
        gw = sum(parts[1:], parts[0]).reshape(w_shape)
        ctx.args = (stride, padding, dilation, groups)
        return astype(gw, grad.dtype)                 # float32 sums, in grad's dtype

    @staticmethod
    def backward(ctx, ggw):
        x, grad = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = Conv2dInputGrad.apply(grad, ggw, tuple(x.shape), *ctx.args) if need[0] else None
        gg = Conv2dOp.apply(x, ggw, None, *ctx.args) if need[1] else None
        return gx, gg
