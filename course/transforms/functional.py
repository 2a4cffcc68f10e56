"""The image operations behind ``course.transforms``, on tensors of shape (..., H, W) (numpy / CuPy inside).

Geometry uses pixel centres: pixel (row i, column j) sits at (x, y) = (j, i), and an image of height H
and width W has its centre at ((W - 1) / 2, (H - 1) / 2).
"""
import math

import numpy as np

from .._tensor import Tensor
from .._device import get_array_module


class InterpolationMode:
    """How to read an image between pixels: the nearest pixel, or a weighted mix of the 4 around."""
    NEAREST = "nearest"
    BILINEAR = "bilinear"


def _check_image(img, name):
    if not isinstance(img, Tensor):
        raise TypeError(f"{name}: img should be a Tensor (..., H, W). Got {type(img).__name__}")
    if img.dim() < 2:
        raise ValueError(f"{name}: expected a tensor image of size (..., H, W). Got tensor.size() = {img.size()}")
    return img._data


def _like(result, img):
    """Back to a tensor of ``img``'s dtype (integer images are rounded and clipped to their range)."""
    dtype = img._data.dtype
    if dtype.kind in "iub" and result.dtype != dtype:
        xp = get_array_module(result)
        info = np.iinfo(dtype) if dtype.kind != "b" else None
        result = xp.round(result)
        if info is not None:
            result = xp.clip(result, info.min, info.max)
    return Tensor._make(result.astype(dtype, copy=False))


def to_tensor(pic):
    """uint8 (H, W) or (H, W, C) array/tensor -> float32 (C, H, W) in [0, 1]. Other dtypes keep their values."""
    from .. import as_tensor, get_default_dtype
    if isinstance(pic, Tensor):
        array = pic._data
    elif isinstance(pic, np.ndarray):
        array = pic
    elif hasattr(pic, "mode") and hasattr(pic, "size"):            # a PIL image
        array = np.asarray(pic)
    else:
        raise TypeError(f"pic should be PIL Image, ndarray or Tensor. Got {type(pic)}")
    if array.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
    if array.ndim == 2:
        array = array[:, :, None]
    xp = get_array_module(array)
    chw = xp.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return Tensor._make((chw.astype(get_default_dtype().np) / 255).astype(get_default_dtype().np, copy=False))
    return as_tensor(chw) if isinstance(chw, np.ndarray) else Tensor._make(chw)


def normalize(tensor, mean, std, inplace=False):
    """(x - mean[c]) / std[c] for each channel c of a float (..., C, H, W) tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    a = tensor._data
    xp = get_array_module(a)
    mean = xp.asarray(mean, dtype=a.dtype).reshape(-1, 1, 1)
    std = xp.asarray(std, dtype=a.dtype).reshape(-1, 1, 1)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if inplace:
        a -= mean
        a /= std
        tensor._version.value += 1
        return tensor
    return Tensor._make((a - mean) / std)


def hflip(img):
    """Mirror left-right (reverse the last dimension)."""
    a = _check_image(img, "hflip")
    return Tensor._make(a[..., ::-1].copy())


def vflip(img):
    """Mirror top-bottom (reverse the second-to-last dimension)."""
    a = _check_image(img, "vflip")
    return Tensor._make(a[..., ::-1, :].copy())


def pad(img, padding, fill=0, padding_mode="constant"):
    """Add pixels around the image. ``padding``: all sides, (left/right, top/bottom) or (left, top, right, bottom)."""
    a = _check_image(img, "pad")
    if isinstance(padding, int):
        left = top = right = bottom = padding
    elif len(padding) == 1:
        left = top = right = bottom = padding[0]
    elif len(padding) == 2:
        left = right = padding[0]
        top = bottom = padding[1]
    elif len(padding) == 4:
        left, top, right, bottom = padding
    else:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    xp = get_array_module(a)
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return Tensor._make(xp.pad(a, widths, mode="constant", constant_values=fill))
    return Tensor._make(xp.pad(a, widths, mode=padding_mode))


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` window whose top-left pixel is (top, left)."""
    a = _check_image(img, "crop")
    return Tensor._make(a[..., top:top + height, left:left + width].copy())


def center_crop(img, output_size):
    """The window of ``output_size`` (int or (h, w)) in the middle of the image."""
    a = _check_image(img, "center_crop")
    th, tw = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    h, w = a.shape[-2:]
    if th > h or tw > w:
        img = pad(img, [max(0, (tw - w) // 2), max(0, (th - h) // 2), max(0, (tw - w + 1) // 2),
                        max(0, (th - h + 1) // 2)])
        h, w = img.shape[-2:]
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def _sample(a, sx, sy, mode, fill):
    """Read image ``a`` (..., H, W) at source coordinates (sx, sy) (arrays of the output's H x W shape).

    Outside the image reads ``fill``. Bilinear mixes the 4 surrounding pixels with weights from the
    fractional parts; near the border some of those 4 are outside and count as ``fill``.
    """
    xp = get_array_module(a)
    h, w = a.shape[-2:]
    work = a.astype(np.float32) if a.dtype.kind in "iub" else a
    padded = xp.pad(work, [(0, 0)] * (a.ndim - 2) + [(1, 1), (1, 1)], mode="constant", constant_values=fill)
    if mode == InterpolationMode.NEAREST:
        x, y = xp.rint(sx).astype(np.int64), xp.rint(sy).astype(np.int64)
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        x, y = xp.where(inside, x + 1, 0), xp.where(inside, y + 1, 0)   # padded[0, 0] holds fill
        return padded[..., y, x]
    if mode != InterpolationMode.BILINEAR:
        raise ValueError(f"interpolation should be 'nearest' or 'bilinear', got {mode!r}")
    sx, sy = xp.clip(sx + 1, 0, w + 1), xp.clip(sy + 1, 0, h + 1)         # into padded coordinates
    x0, y0 = xp.floor(sx).astype(np.int64), xp.floor(sy).astype(np.int64)
    x1, y1 = xp.minimum(x0 + 1, w + 1), xp.minimum(y0 + 1, h + 1)
    wx, wy = (sx - x0).astype(work.dtype), (sy - y0).astype(work.dtype)
    top = padded[..., y0, x0] * (1 - wx) + padded[..., y0, x1] * wx
    bottom = padded[..., y1, x0] * (1 - wx) + padded[..., y1, x1] * wx
    return top * (1 - wy) + bottom * wy


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre).

    Each output pixel p reads the input at R(-angle) (p - c) + c, where c is the centre and R the
    rotation: we rotate the *coordinates* backwards instead of pushing pixels forwards, so every output
    pixel gets exactly one value. Corners that come from outside the image get ``fill``.
    """
    a = _check_image(img, "rotate")
    if expand:
        raise NotImplementedError("rotate: expand=True is not supported by course; use expand=False")
    xp = get_array_module(a)
    h, w = a.shape[-2:]
    cx, cy = ((w - 1) / 2, (h - 1) / 2) if center is None else (center[0], center[1])
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    y, x = xp.meshgrid(xp.arange(h, dtype=np.float64), xp.arange(w, dtype=np.float64), indexing="ij")
    dx, dy = x - cx, y - cy
    sx = cos * dx - sin * dy + cx                  # image rows grow downwards, hence these signs
    sy = sin * dx + cos * dy + cy
    return _like(_sample(a, sx, sy, interpolation, fill), img)


def _output_size(h, w, size, max_size=None):
    """PyTorch's rule: an int (or [int]) sets the shorter side, keeping the aspect ratio; (h, w) is exact."""
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return int(size[0]), int(size[1])
    size = size[0] if isinstance(size, (list, tuple)) else size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    if max_size is not None and new_long > max_size:
        new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize the last two dimensions to ``size`` (bilinear by default, half-pixel centres like PyTorch).

    Output pixel i reads the input at (i + 0.5) * in / out - 0.5 (clamped at 0). Downscaling does not
    low-pass filter first (PyTorch's ``antialias=True`` does), so it can alias on fine patterns.
    """
    a = _check_image(img, "resize")
    xp = get_array_module(a)
    h, w = a.shape[-2:]
    out_h, out_w = _output_size(h, w, size, max_size)
    if (out_h, out_w) == (h, w):
        return Tensor._make(a.copy())

    def source(n_out, n_in):
        s = (xp.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
        return xp.maximum(s, 0.0)

    sy, sx = source(out_h, h), source(out_w, w)
    if interpolation == InterpolationMode.NEAREST:         # PyTorch's 'nearest': floor(i * in / out)
        rows = xp.minimum(xp.floor(xp.arange(out_h) * (h / out_h)).astype(np.int64), h - 1)
        cols = xp.minimum(xp.floor(xp.arange(out_w) * (w / out_w)).astype(np.int64), w - 1)
        return Tensor._make(a[..., rows[:, None], cols[None, :]])
    work = a.astype(np.float32) if a.dtype.kind in "iub" else a
    y0 = xp.minimum(xp.floor(sy).astype(np.int64), h - 1)
    x0 = xp.minimum(xp.floor(sx).astype(np.int64), w - 1)
    y1, x1 = xp.minimum(y0 + 1, h - 1), xp.minimum(x0 + 1, w - 1)
    wy = (sy - y0).astype(work.dtype)[:, None]
    wx = (sx - x0).astype(work.dtype)[None, :]
    rows0, rows1 = work[..., y0, :], work[..., y1, :]
    top = rows0[..., x0] * (1 - wx) + rows0[..., x1] * wx
    bottom = rows1[..., x0] * (1 - wx) + rows1[..., x1] * wx
    return _like(top * (1 - wy) + bottom * wy, img)
