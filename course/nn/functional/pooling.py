"""Pooling: max and average over windows, and adaptive average pooling to a fixed output size."""

import numpy as np

from ... import ops
from ..._device import get_array_module, to_device
from ...ops._util import wrap
from ..kernels.pooling import MaxPool2dOp, AvgPool2dOp, separable_max, flat_indices
from ..kernels.conv import _pad
from ._util import pair

__all__ = ["max_pool2d", "max_pool1d", "avg_pool2d", "avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_max_pool2d"]


def _pool_out(size, k, s, p, d, ceil_mode):
    """Output length; with ceil_mode the last window may hang over, but must start inside the input."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode):
    k = pair(kernel_size)
    s = pair(stride) if stride is not None and stride != [] and stride != () else k
    p, d = pair(padding), pair(dilation)
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    H, W = input.shape[-2:]
    oh = _pool_out(H, k[0], s[0], p[0], d[0], ceil_mode)
    ow = _pool_out(W, k[1], s[1], p[1], d[1], ceil_mode)
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[-3:]))}). Calculated output size: "
                           f"({input.shape[-3]}x{max(oh, 0)}x{max(ow, 0)}). Output size is too small")
    # padding as (top, bottom, left, right); the bottom/right grow to hold ceil_mode's last window
    extra_h = max(0, (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 - (H + 2 * p[0]))
    extra_w = max(0, (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 - (W + 2 * p[1]))
    pads = (p[0], p[0] + extra_h, p[1], p[1] + extra_w)
    return k, s, pads, d, (oh, ow)


def _batched(input, name):
    if input.dim() == 3:
        return input.unsqueeze(0), True
    if input.dim() != 4:
        raise RuntimeError(f"{name}: Expected 3D or 4D (batch mode) tensor for input, but got: {list(input.shape)}")
    return input, False


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y = the maximum of each (kh x kw) window (input (N, C, H, W) or (C, H, W))"""
    x, unbatched = _batched(input, "max_pool2d")
    k, s, pads, d, out_hw = _pool_geometry("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    y = MaxPool2dOp.apply(x, k, s, pads, d, out_hw)
    if return_indices:
        xp = get_array_module(x._data)
        xpad = x._data if not any(pads) else _pad(xp, x._data, pads, value=-xp.inf)
        _, won = separable_max(xpad, k, out_hw, s, d, with_index=True, padding=pads)
        idx = wrap(flat_indices(won, x.shape, k, s, pads, d))
        return (y.squeeze(0), idx.squeeze(0)) if unbatched else (y, idx)
    return y.squeeze(0) if unbatched else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """max_pool2d over a height-1 image: input (N, C, L)"""
    one = lambda v: (1, pair(v, 1)[0])  # noqa: E731
    out = max_pool2d(input.unsqueeze(-2), one(kernel_size), one(stride if stride is not None else kernel_size),
                     (0, pair(padding, 1)[0]), one(dilation), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def _window_counts(size, k, s, p, extra, out, include_pad):
    """How many cells each window covers (1-D): inside the padded input, or inside the input only."""
    mask = np.zeros(size + 2 * p + extra)
    if include_pad:
        mask[:size + 2 * p] = 1
    else:
        mask[p:p + size] = 1
    return np.array([mask[i * s:i * s + k].sum() for i in range(out)])


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """y = the mean of each (kh x kw) window (zero padding counts unless count_include_pad=False)"""
    x, unbatched = _batched(input, "avg_pool2d")
    k, s, pads, d, out_hw = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override:
        divisor = float(divisor_override)
    elif pads == (0, 0, 0, 0):
        divisor = float(k[0] * k[1])
    else:
        H, W = x.shape[-2:]
        ch = _window_counts(H, k[0], s[0], pads[0], pads[1] - pads[0], out_hw[0], count_include_pad)
        cw = _window_counts(W, k[1], s[1], pads[2], pads[3] - pads[2], out_hw[1], count_include_pad)
        divisor = to_device(np.outer(ch, cw).astype(x.dtype.np), x.device)
    y = AvgPool2dOp.apply(x, k, s, pads, divisor, out_hw)
    return y.squeeze(0) if unbatched else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    one = lambda v: (1, pair(v, 1)[0])  # noqa: E731
    return avg_pool2d(input.unsqueeze(-2), one(kernel_size), one(stride if stride is not None else kernel_size),
                      (0, pair(padding, 1)[0]), ceil_mode, count_include_pad).squeeze(-2)


def _adaptive_bounds(size, out):
    """Window i covers [floor(i * size / out), ceil((i + 1) * size / out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_output(input, output_size):
    oh, ow = pair(output_size)
    H, W = input.shape[-2:]
    return (H if oh is None else oh), (W if ow is None else ow)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling with the windows chosen so that the output is (oh, ow) whatever the input size"""
    oh, ow = _adaptive_output(input, output_size)
    H, W = input.shape[-2:]
    if (oh, ow) == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    if H % oh == 0 and W % ow == 0:                          # equal windows: ordinary average pooling
        return avg_pool2d(input, (H // oh, W // ow))
    rows = []
    for h0, h1 in _adaptive_bounds(H, oh):
        cells = [input[..., h0:h1, w0:w1].mean((-2, -1)) for w0, w1 in _adaptive_bounds(W, ow)]
        rows.append(ops.stack(cells, -1))
    return ops.stack(rows, -2)


def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, pair(output_size, 1)[0])).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size (windows as in adaptive_avg_pool2d)"""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d(return_indices=True) is not supported in course")
    oh, ow = _adaptive_output(input, output_size)
    H, W = input.shape[-2:]
    if H % oh == 0 and W % ow == 0:
        return max_pool2d(input, (H // oh, W // ow))
    rows = []
    for h0, h1 in _adaptive_bounds(H, oh):
        cells = [input[..., h0:h1, w0:w1].amax((-2, -1)) for w0, w1 in _adaptive_bounds(W, ow)]
        rows.append(ops.stack(cells, -1))
    return ops.stack(rows, -2)
