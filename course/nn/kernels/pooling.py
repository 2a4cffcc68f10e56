"""Max and average pooling over (kh x kw) windows, as ops.

Both loop over the offsets inside a window (never over pixels): offset j of every window is one strided
slice of the padded input.

* Max pooling is separable: the maximum of a window is the maximum of its row maxima. So the forward
  first takes, for every input row, the max over the kw columns of each window (``m1``, shape
  (N, C, H, ow)), then the max of those over the kh rows. It remembers which column won in each row and
  which row won (the first maximum on ties, the last NaN if there is one, like PyTorch); backward sends
  the gradient back through the same two choices (``MaxPoolScatter``) and nowhere else.
* Average pooling sums the slices and divides by the window size; backward spreads g / size back
  over the window (``AvgPoolScatter``).
"""
from ...autograd.function import Op
from ..._device import get_array_module
from ..._threads import over_batch
from ...ops.autocast_hook import as_float32
from ...ops.select import bits, keep_where
from .conv import _pad


def _slice(i, j, out_hw, stride, dilation):
    """The slice of the padded input that offset (i, j) of every window reads."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (slice(None), slice(None), slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _rows(i, oh, sh, dh):
    """Row i of every window, along the height axis: (..., rows i*d, i*d + s, ..., :)"""
    return (slice(None), slice(None), slice(i * dh, i * dh + sh * (oh - 1) + 1, sh))


def _cols(j, ow, sw, dw):
    """Column j of every window, along the width axis."""
    return (Ellipsis, slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def _crop(x, padding, shape):
    ph0, _, pw0, _ = padding
    return x[:, :, ph0:ph0 + shape[2], pw0:pw0 + shape[3]]


def running_max(slices, m, won=None, nan_aware=False):
    """m[...] = the elementwise max of equally shaped slices; won[...] = which slice won, per element
    (the first maximum; with nan_aware, the last NaN, as in PyTorch's kernel)."""
    xp = get_array_module(m)
    if won is not None:
        won[...] = 0
    best = slices[0]
    for k, s in enumerate(slices[1:], start=1):
        if won is not None:
            better = s > best                        # strictly greater: ties keep the earlier slice
            if nan_aware:
                better |= xp.isnan(s)
            xp.maximum(won, better * won.dtype.type(k), out=won)   # k grows: the last slice that did better wins
        xp.maximum(best, s, out=m)                   # NaN propagates
        best = m
    if len(slices) == 1:
        m[...] = best


def first_real(n_out, s, d, pad):
    """For each of n_out windows along one axis: the first offset whose position is not padding."""
    start = [o * s for o in range(n_out)]
    return [max(0, -(-(pad - w0) // d)) for w0 in start]        # ceil((pad - w0) / d), at least 0


def separable_max(xpad, kernel, out_hw, stride, dilation, with_index, padding=(0, 0, 0, 0)):
    """y = max over each window = max over its rows of (max over its columns); and the winners.

    Returns y (N, C, oh, ow) and, with_index, (col, row): col (N, C, H, ow) is the winning column of each
    window in every input row, row (N, C, oh, ow) the winning row of each window. padding (top, bottom,
    left, right) says which rows and columns of xpad are padding: a window whose real values are all -inf
    ties with its -inf padding, and then (as in PyTorch) its first real element wins, not the padding."""
    xp = get_array_module(xpad)
    (kh, kw), (oh, ow), (sh, sw), (dh, dw) = kernel, out_hw, stride, dilation
    N, C, H = xpad.shape[:3]
    y = xp.empty((N, C, oh, ow), dtype=xpad.dtype)
    index = xp.int8 if max(kh, kw) <= 127 else xp.int32          # a window offset, small as a rule
    col = xp.empty((N, C, H, ow), dtype=index) if with_index else None
    row = xp.empty((N, C, oh, ow), dtype=index) if with_index else None

    def part(lo, hi):                                # images lo..hi-1 (see course/_threads.py)
        x = as_float32(xpad[lo:hi])                 # numpy's float16 compares are slow; float32 is exact here
        m1 = xp.empty((hi - lo, C, H, ow), dtype=x.dtype)
        same = x.dtype == y.dtype
        m2 = y[lo:hi] if same else xp.empty((hi - lo, C, oh, ow), dtype=x.dtype)
        c, r = (col[lo:hi], row[lo:hi]) if with_index else (None, None)

        def columns_then_rows(nan_aware):
            running_max([x[_cols(j, ow, sw, dw)] for j in range(kw)], m1, c, nan_aware)
            running_max([m1[_rows(i, oh, sh, dh)] for i in range(kh)], m2, r, nan_aware)
        columns_then_rows(nan_aware=False)
        if with_index and xp.isnan(m2).any():       # a window holds a NaN: again, so that its last NaN wins
            columns_then_rows(nan_aware=True)
        if with_index and (padding[0] or padding[2]):
            real_wins_minus_inf_ties(m1, m2, c, r, out_hw, stride, dilation, padding)
        if not same:
            y[lo:hi] = m2                            # exact: every value came from a float16/bfloat16 input
    over_batch(part, N, xpad)
    return y, (col, row)


def real_wins_minus_inf_ties(m1, m2, col, row, out_hw, stride, dilation, padding):
    """Where a window's maximum is -inf, the padding (-inf too, and first in the window) may have won the tie.
    PyTorch's kernel starts each window at its first real element, so that one wins instead."""
    xp = get_array_module(m1)
    (oh, ow), (sh, sw), (dh, dw) = out_hw, stride, dilation
    tie = m2 == -xp.inf                              # a window that is all -inf: its first real row...
    if not tie.any():                                # (otherwise the winners are real values, above -inf)
        return
    first = xp.asarray(first_real(oh, sh, dh, padding[0]), dtype=row.dtype)[:, None]       # one per window row
    row[tie] = xp.broadcast_to(first, row.shape)[tie]
    tie = m1 == -xp.inf                              # ...and in that row (all -inf too), its first real column
    first = xp.asarray(first_real(ow, sw, dw, padding[2]), dtype=col.dtype)                # one per window column
    col[tie] = xp.broadcast_to(first, col.shape)[tie]


def scatter_to_windows(grad, won, part_of, k, n_out, s, d, full_len, out=None):
    """The adjoint of picking slice won[...] out of k strided slices along one axis (part_of: _rows or _cols):
    grad put back where it was taken from (added up where windows overlap), zeros elsewhere."""
    xp = get_array_module(grad)
    overlap = s < k * d
    if out is None:
        shape = list(grad.shape)
        shape[2 if part_of is _rows else 3] = full_len
        # windows that tile the axis exactly write every position below: no need to zero it first
        tiles = d == 1 and s == k and n_out * s == full_len
        out = (xp.empty if tiles else xp.zeros)(shape, dtype=grad.dtype)
    for i in range(k):
        dst = out[part_of(i, n_out, s, d)]
        if overlap:
            dst += keep_where(grad, won == i)
        else:
            keep_where(grad, won == i, out=dst)
    return out


class MaxPool2dOp(Op):
    """y = max over each window of x (padding counts as -inf);  dx gets g at the (first) arg-max of each window"""
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_hw):
        xp = get_array_module(x)
        xpad = _pad(xp, x, padding, value=-xp.inf)
        y, won = separable_max(xpad, kernel, out_hw, stride, dilation, with_index=ctx.needs_input_grad[0],
                               padding=padding)
        ctx.won, ctx.args = won, (tuple(x.shape), kernel, stride, padding, dilation)
        return y

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.won, *ctx.args)


class MaxPoolScatter(Op):
    """dx = zeros with g put back at the arg-max of each window (the rows step undone, then the columns step);
    backward picks gg at the same positions"""
    @staticmethod
    def forward(ctx, grad, won, x_shape, kernel, stride, padding, dilation):
        xp = get_array_module(grad)
        (col, row), (kh, kw), (sh, sw), (dh, dw) = won, kernel, stride, dilation
        N, C, oh, ow = grad.shape
        ph0, ph1, pw0, pw1 = padding
        Hp, Wp = x_shape[2] + ph0 + ph1, x_shape[3] + pw0 + pw1
        tiles = (sh, sw) == (kh, kw) and (dh, dw) == (1, 1) and (Hp, Wp) == (oh * sh, ow * sw)
        gx = (xp.empty if tiles else xp.zeros)((N, C, Hp, Wp), dtype=grad.dtype)   # tiling windows write it all

        def part(lo, hi):                            # images lo..hi-1: undo the rows step, then the columns step
            g1 = scatter_to_windows(grad[lo:hi], row[lo:hi], _rows, kh, oh, sh, dh, Hp)         # (n, C, H, ow)
            scatter_to_windows(g1, col[lo:hi], _cols, kw, ow, sw, dw, Wp, out=gx[lo:hi])       # (n, C, H, W)
        over_batch(part, N, gx)
        ctx.won, ctx.args = won, (x_shape, kernel, stride, padding, dilation)
        return _crop(gx, padding, x_shape)

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolSelect.apply(gg, ctx.won, *ctx.args), None


class MaxPoolSelect(Op):
    """y = x at the remembered arg-max of each window (the adjoint of MaxPoolScatter)"""
    @staticmethod
    def forward(ctx, x, won, x_shape, kernel, stride, padding, dilation):
        xp = get_array_module(x)
        (col, row), (kh, kw), (sh, sw), (dh, dw) = won, kernel, stride, dilation
        oh, ow = row.shape[2:]
        xpad = _pad(xp, x, padding)
        m1 = pick([xpad[_cols(j, ow, sw, dw)] for j in range(kw)], col)
        y = pick([m1[_rows(i, oh, sh, dh)] for i in range(kh)], row)
        ctx.won, ctx.args = won, (x_shape, kernel, stride, padding, dilation)
        return y

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.won, *ctx.args), None


def pick(slices, won):
    """out[...] = slices[won[...]][...]: the element of the winning slice, everywhere. Exactly one slice is
    kept per element, so or-ing the kept bit patterns together gives it exactly."""
    out = keep_where(slices[0], won == 0)
    for k, s in enumerate(slices[1:], start=1):
        bits(out)[...] |= bits(keep_where(s, won == k))
    return out


def flat_indices(won, x_shape, kernel, stride, padding, dilation):
    """PyTorch's return_indices: the position h * W + w of each window's maximum in its (H, W) plane (int64)."""
    xp = get_array_module(won[1])
    col, row = won
    oh, ow = row.shape[2:]
    h = xp.arange(oh).reshape(-1, 1) * stride[0] + row.astype(xp.int64) * dilation[0]          # padded rows
    w = xp.arange(ow) * stride[1] + xp.take_along_axis(col, h, axis=2).astype(xp.int64) * dilation[1]   # columns
    return (h - padding[0]) * x_shape[3] + (w - padding[2])


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
