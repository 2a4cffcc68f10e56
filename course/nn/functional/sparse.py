"""Embedding lookup, one-hot encoding and padding."""
import numpy as np

from ... import ops, _dtype
from ..._device import get_array_module, to_device
from ...ops._util import wrap
from ..kernels.embedding import EmbeddingOp
from ..kernels.pad import ConstantPadOp

__all__ = ["embedding", "one_hot", "pad"]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Row input[i] of weight for every index: output shape input.shape + (embedding_dim,)"""
    if input.dtype.is_floating_point:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    num = weight.shape[0]
    idx = input._data
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = EmbeddingOp.apply(weight, idx, padding_idx)
    if scale_grad_by_freq and out.requires_grad:    # each row's gradient divided by its count in this batch
        xp = get_array_module(idx)
        counts = xp.bincount(idx.reshape(-1), minlength=num)[idx]
        scale = wrap((1.0 / counts)[..., None].astype(weight._data.dtype))
        out.register_hook(lambda g: g * scale)
    return out


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Rescale (in place, untracked) the looked-up rows whose norm exceeds max_norm."""
    xp = get_array_module(weight._data)
    rows = xp.unique(idx)
    w = weight._data[rows]
    norms = (xp.abs(w) ** norm_type).sum(-1, keepdims=True) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[rows] = w * scale


def one_hot(tensor, num_classes=-1):
    """(*,) class indices -> (*, num_classes) int64 tensor with a 1 at each index"""
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = get_array_module(tensor._data)
    idx = tensor._data
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and int(idx.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and int(idx.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return wrap(out)


def pad(input, pad, mode="constant", value=None):
    """Pad the last dims: pad = (left, right) for the last dim, then (top, bottom) for the one before, ...

    mode: 'constant' (with value, default 0), 'reflect', 'replicate' or 'circular'.
    """
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    widths = [(0, 0)] * input.dim()
    for i in range(len(pad) // 2):
        widths[input.dim() - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        crop = tuple(slice(-a if a < 0 else None, b if b < 0 else None) for a, b in widths)
        x = input[crop] if any(a < 0 or b < 0 for a, b in widths) else input
        return ConstantPadOp.apply(x, tuple((max(a, 0), max(b, 0)) for a, b in widths), value or 0)
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if np_mode is None:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    out = input
    for d, (a, b) in enumerate(widths):
        if a or b:
            size = input.shape[d]
            if mode == "reflect" and (a >= size or b >= size):
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({a}, {b}) at dimension {d} of input "
                                   f"{list(input.shape)}")
            src = np.pad(np.arange(size), (a, b), mode=np_mode)       # which input position each output reads
            out = ops.index_select(out, d, wrap(to_device(src.astype(np.int64), input.device)))
    return out
