"""Max and average pooling over (kh x kw) windows, as ops.

Both loop over the kh*kw offsets inside a window (never over pixels): offset (i, j) of every window
is one strided slice of the padded input.

* max pooling remembers, per window, which offset held the maximum (the first one on ties, like
  PyTorch); backward sends the gradient there (``MaxPoolScatter``) and nowhere else.
* average pooling sums the slices and divides by the window size; backward spreads g / size back
  over the window (``AvgPoolScatter``).
"""
from ...autograd.function import Op
from ..._device import get_array_module
from ...ops.autocast_hook import float32_compute
from .conv import _pad


def _slice(i, j, out_hw, stride, dilation):
    """The slice of the padded input that offset (i, j) of every window reads."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (slice(None), slice(None), slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _crop(x, padding, shape):
    ph0, _, pw0, _ = padding
    return x[:, :, ph0:ph0 + shape[2], pw0:pw0 + shape[3]]


def window_max(xpad, kernel, out_hw, stride, dilation):
    """y = the elementwise maximum of the kh*kw window slices (NaN propagates, like PyTorch)."""
    xp = get_array_module(xpad)
    kh, kw = kernel
    y = xpad[_slice(0, 0, out_hw, stride, dilation)].copy()
    for i in range(kh):
        for j in range(kw):
            if i or j:
                xp.maximum(y, xpad[_slice(i, j, out_hw, stride, dilation)], out=y)
    return y


def window_argmax(xpad, y, kernel, stride, dilation):
    """For each window, the offset i * kw + j of the first element equal to its maximum y."""
    xp = get_array_module(xpad)
    kh, kw = kernel
    idx = xp.full(y.shape, kh * kw - 1, dtype=xp.int16)
    found = xp.zeros(y.shape, dtype=bool)
    y_nan = xp.isnan(y)
    for i in range(kh):
        for j in range(kw):
            if i == kh - 1 and j == kw - 1:
                break
            s = xpad[_slice(i, j, y.shape[2:], stride, dilation)]
            hit = s == y
            hit |= y_nan & xp.isnan(s)
            hit &= ~found
            xp.copyto(idx, i * kw + j, where=hit)
            found |= hit
    return idx


class MaxPool2dOp(Op):
    """y = max over each window of x (padding counts as -inf);  dx gets g at the (first) arg-max of each window"""
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_hw):
        xp = get_array_module(x)
        xpad = _pad(xp, x, padding, value=-xp.inf)
        y = window_max(xpad, kernel, out_hw, stride, dilation)
        ctx.args = (tuple(x.shape), kernel, stride, padding, dilation)
        if ctx.needs_input_grad[0]:
            ctx.xpad, ctx.y = xpad, y         # the arg-max is found in backward, only when needed
        return y

    @staticmethod
    def backward(ctx, grad):
        x_shape, kernel, stride, padding, dilation = ctx.args
        if tuple(stride) == tuple(kernel) and not any(padding) and tuple(dilation) == (1, 1):
            return _tiled_backward(grad, ctx.xpad, ctx.y, kernel)
        idx = window_argmax(ctx.xpad, ctx.y, kernel, stride, dilation)
        return MaxPoolScatter.apply(grad, idx, *ctx.args)


def _tiled_backward(grad, x, y, kernel):
    return TiledMaxPoolScatter.apply(grad, x, y, kernel)


class TiledMaxPoolScatter(Op):
    """Max-pool backward when the windows tile the input (stride = kernel, no padding, the usual 2x2 case):
    offset (i, j) of every window gets g where it holds the window's first maximum, else 0."""
    @staticmethod
    def forward(ctx, grad, x, y, kernel):
        xp = get_array_module(grad)
        ctx.x, ctx.y, ctx.kernel = x, y, kernel
        low, (grad, x, y) = float32_compute(grad, x, y)    # numpy's float16 compares are slow: use float32
        (kh, kw), (N, C, oh, ow) = kernel, y.shape
        xr = x[:, :, :oh * kh, :ow * kw].reshape(N, C, oh, kh, ow, kw)
        gx = xp.zeros((N, C) + x.shape[2:], dtype=grad.dtype)
        gr = gx[:, :, :oh * kh, :ow * kw].reshape(N, C, oh, kh, ow, kw)   # a view when nothing is cropped
        seen = xp.zeros(y.shape, dtype=bool)
        y_nan = xp.isnan(y)
        for i in range(kh):
            for j in range(kw):
                hit = xr[:, :, :, i, :, j] == y
                if y_nan.any():
                    hit |= y_nan & xp.isnan(xr[:, :, :, i, :, j])
                hit &= ~seen                          # ties: only the first maximum gets the gradient
                seen |= hit
                xp.multiply(grad, hit, out=gr[:, :, :, i, :, j])
        if gr.base is not gx and gr.base is not gx.base:
            gx[:, :, :oh * kh, :ow * kw] = gr.reshape(N, C, oh * kh, ow * kw)
        return gx if low is None else gx.astype(low)

    @staticmethod
    def backward(ctx, gg):
        k = ctx.kernel
        idx = window_argmax(ctx.x, ctx.y, k, k, (1, 1))
        return MaxPoolSelect.apply(gg, idx, ctx.x.shape, k, k, (0, 0, 0, 0), (1, 1))


class MaxPoolScatter(Op):
    """dx = zeros with dx[argmax of window] += g;  backward picks gg at the same positions"""
    @staticmethod
    def forward(ctx, grad, idx, x_shape, kernel, stride, padding, dilation):
        xp = get_array_module(grad)
        ph0, ph1, pw0, pw1 = padding
        N, C, H, W = x_shape
        out = xp.zeros((N, C, H + ph0 + ph1, W + pw0 + pw1), dtype=grad.dtype)
        kh, kw = kernel
        non_overlapping = tuple(stride) == (kh, kw) and tuple(dilation) == (1, 1)
        for i in range(kh):
            for j in range(kw):
                sl = _slice(i, j, grad.shape[2:], stride, dilation)
                hit = idx == i * kw + j
                if non_overlapping:
                    xp.copyto(out[sl], grad, where=hit)
                else:
                    out[sl] += xp.where(hit, grad, 0)
        ctx.idx, ctx.args = idx, (x_shape, kernel, stride, padding, dilation)
        return _crop(out, padding, x_shape)

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolSelect.apply(gg, ctx.idx, *ctx.args), None


class MaxPoolSelect(Op):
    """y = x at the remembered arg-max of each window (the adjoint of MaxPoolScatter)"""
    @staticmethod
    def forward(ctx, x, idx, x_shape, kernel, stride, padding, dilation):
        xp = get_array_module(x)
        xpad = _pad(xp, x, padding)
        y = xp.zeros(idx.shape, dtype=x.dtype)
        kh, kw = kernel
        for i in range(kh):
            for j in range(kw):
                xp.copyto(y, xpad[_slice(i, j, idx.shape[2:], stride, dilation)], where=idx == i * kw + j)
        ctx.idx, ctx.args = idx, (x_shape, kernel, stride, padding, dilation)
        return y

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.idx, *ctx.args), None


class AvgPool2dOp(Op):
    """y = (sum of x over each window) / divisor (divisor: one value per output position)"""
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, divisor, out_hw):
        xp = get_array_module(x)
        xpad = _pad(xp, x, padding)
        kh, kw = kernel
        y = xp.zeros(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                y += xpad[_slice(i, j, out_hw, stride, (1, 1))]
        y /= divisor
        ctx.args = (tuple(x.shape), kernel, stride, padding, divisor)
        return y

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolScatter.apply(grad, *ctx.args)


class AvgPoolScatter(Op):
    """dx[window] += g / divisor for every window;  its adjoint is average pooling itself"""
    @staticmethod
    def forward(ctx, grad, x_shape, kernel, stride, padding, divisor):
        xp = get_array_module(grad)
        ph0, ph1, pw0, pw1 = padding
        N, C, H, W = x_shape
        out = xp.zeros((N, C, H + ph0 + ph1, W + pw0 + pw1), dtype=grad.dtype)
        g = grad / divisor
        kh, kw = kernel
        for i in range(kh):
            for j in range(kw):
                out[_slice(i, j, grad.shape[2:], stride, (1, 1))] += g
        ctx.args = (kernel, stride, padding, divisor, tuple(grad.shape[2:]))
        return _crop(out, padding, x_shape)

    @staticmethod
    def backward(ctx, gg):
        return AvgPool2dOp.apply(gg, *ctx.args)
