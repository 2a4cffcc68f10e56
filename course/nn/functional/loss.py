"""Loss functions: how far predictions are from targets, reduced with 'mean', 'sum' or 'none'."""
import warnings

from ... import ops
from ..._device import get_array_module
from ...ops.autocast_hook import maybe_autocast
from ...ops._util import wrap, quiet
from ...autograd.function import Op
from .activation import log_softmax, softplus
from ._util import type_name

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "margin_ranking_loss",
           "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss", "soft_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss"]


def _reduction(size_average, reduce, reduction):
    """The legacy size_average / reduce flags, mapped onto reduction."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size(input, target, stacklevel=3):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=stacklevel)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(x - y)^2"""
    input, target = maybe_autocast("mse_loss", input, target)
    _warn_size(input, target)
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|x - y|"""
    input, target = maybe_autocast("l1_loss", input, target)
    _warn_size(input, target)
    loss = ops.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where d = |x - y| < beta, d - 0.5 beta elsewhere"""
    input, target = maybe_autocast("smooth_l1_loss", input, target)
    _warn_size(input, target)
    d = ops.abs(input - target)
    if beta == 0:
        loss = d
    else:
        loss = ops.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where d = |x - y| < delta, delta (d - 0.5 delta) elsewhere"""
    input, target = maybe_autocast("huber_loss", input, target)
    _warn_size(input, target)
    d = ops.abs(input - target)
    loss = ops.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


class BinaryCrossEntropy(Op):
    """l = -(y log x + (1 - y) log(1 - x)), each log clamped at -100;
    dl/dx = (x - y) / max(x (1 - x), 1e-12) (finite at x = 0 and 1, as PyTorch);  dl/dy = log(1 - x) - log(x)"""
    grad_fn_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y):
        xp = get_array_module(x)
        ctx.save_for_backward(x, y)
        with quiet():
            out = -(y * xp.maximum(xp.log(x), -100) + (1 - y) * xp.maximum(xp.log(1 - x), -100))
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = grad * (x - y) / (x * (1 - x)).clamp(min=1e-12) if ctx.needs_input_grad[0] else None
        gy = grad * (ops.log(1 - x) - ops.log(x)) if ctx.needs_input_grad[1] else None
        return gx, gy


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 (x are probabilities)"""
    input, target = maybe_autocast("binary_cross_entropy", input, target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if x.size and (float(x.min()) < 0 or float(x.max()) > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    y = target._data
    if y.size and (float(y.min()) < 0 or float(y.max()) > 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """BCE of sigmoid(x), computed stably: (1 - y) x + (1 + (pw - 1) y) * log(1 + e^-x)"""
    input, target = maybe_autocast("binary_cross_entropy_with_logits", input, target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    log1p_exp_neg = softplus(-input, 1.0, float("inf"))          # log(1 + e^-x) without overflow
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * log1p_exp_neg
    else:
        loss = (1 - target) * input + log1p_exp_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def _check_class_target(input, target):
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target.dtype)}")
    if input.dim() == 1:
        if target.dim() != 0:
            raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported")
        return
    if target.dim() == 0 or input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.dim() else 1}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        if input.dim() == 2:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")


def _as_rows(input, target):
    """(N, C, d1, ...) and (N, d1, ...) -> (M, C) and (M,): the class dim last, everything else rows."""
    C = input.shape[1] if input.dim() > 1 else input.shape[0]
    if input.dim() == 1:
        return input.reshape(1, C), target.reshape(1)
    if input.dim() > 2:
        return input.movedim(1, -1).reshape(-1, C), target.reshape(-1)
    return input, target


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-w[y] * x[y] for each row (x are log-probabilities, y class indices); 'mean' divides by sum of w[y]"""
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_target(input, target)
    out_shape = tuple(target.shape)
    x, t = _as_rows(input, target)
    C = x.shape[1]
    xp = get_array_module(t._data)
    tgt = t._data.astype(xp.int64)
    valid = tgt != ignore_index
    bad = (tgt < 0) | (tgt >= C)
    bad &= valid
    if bad.any():
        raise IndexError(f"Target {int(tgt[bad][0])} is out of bounds.")
    rows = xp.arange(tgt.shape[0])
    if weight is None and bool(valid.all()):             # the common case: every row counts once
        loss = -x[rows, tgt]                             # x[i, y_i]
        if reduction == "none":
            return loss.reshape(out_shape)
        return _reduce(loss, reduction)
    safe = xp.where(valid, tgt, 0)
    picked = x[rows, safe]
    if weight is not None:
        w = weight._data[safe] * valid
    else:
        w = valid
    w_t = wrap(w.astype(x._data.dtype, copy=False))
    loss = -picked * w_t
    if reduction == "none":
        return loss.reshape(out_shape)
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / w_t.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """-log softmax(x)[y]: target as class indices (N,) or as class probabilities (N, C)

    label_smoothing eps mixes the target with the uniform distribution: (1 - eps) y + eps / C.
    """
    input, = maybe_autocast("cross_entropy", input)
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 1 if input.dim() > 1 else 0
    logp = log_softmax(input, class_dim)
    C = input.shape[class_dim]
    if target.dtype.is_floating_point and tuple(target.shape) == tuple(input.shape):
        # class probabilities: -sum_c w_c y_c log p_c; 'mean' divides by the number of samples
        if target.dtype is not input.dtype:
            raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(target.dtype)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        per = logp * target
        if weight is not None:
            per = per * weight.reshape((-1,) + (1,) * (input.dim() - class_dim - 1))
        loss = -per.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // C)
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0:
        return nll
    # the uniform part: -sum_c w_c log p_c / C for every non-ignored row
    x, t = _as_rows(logp, target)
    valid = wrap((t._data != ignore_index).astype(x._data.dtype))
    per = x * weight if weight is not None else x
    smooth = -per.sum(1) * valid
    if reduction == "none":
        smooth = smooth.reshape(tuple(target.shape))
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        if weight is not None:
            xp = get_array_module(t._data)
            denom = wrap((weight._data[xp.where(t._data != ignore_index, t._data, 0)] * valid._data).sum())
        else:
            denom = valid.sum()
        smooth = smooth.sum() / denom
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / C)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log target - input) (input holds log-probabilities); 'batchmean' divides the sum by N"""
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        # 0 log 0 = 0: where the target is 0 the term is 0
        xp = get_array_module(target._data)
        safe_log = wrap(xp.log(xp.where(target._data > 0, target._data, 1)).astype(target._data.dtype))
        loss = target * (safe_log - input)
    reduction = _reduction(size_average, reduce, reduction)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y (x1 - x2) + margin)"""
    loss = ops.relu(-target * (input1 - input2) + margin)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1"""
    loss = ops.where(target == 1, input, ops.relu(margin - input))
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1"""
    from .distance import cosine_similarity
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)
    loss = ops.where(target == 1, 1 - cos, ops.relu(cos - margin))
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin) with d the p-norm distance"""
    from .distance import pairwise_distance
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    loss = ops.relu(d_pos - d_neg + margin)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^(-y x))"""
    loss = softplus(-target * input, 1.0, float("inf"))
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """e^x - y x (log_input) or x - y log(x + eps)"""
    if full:
        raise NotImplementedError("poisson_nll_loss(full=True) is not implemented in course")
    loss = ops.exp(input) - target * input if log_input else input - target * ops.log(input + eps)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (x - y)^2 / var) (+ 0.5 log 2 pi when full)"""
    import math
    var = var.clamp(min=eps)
    loss = 0.5 * (ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
