"""How tensors print: ``tensor([[1., 2.]], requires_grad=True)``, formatted the way PyTorch does it.

Floats that are all whole numbers print as ``1.``; otherwise with 4 decimals, or in scientific notation
when the values span a large range. Big tensors are summarised with ``...``.
"""
import numpy as np

_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    if profile == "default":
        _OPTIONS.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _OPTIONS.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _OPTIONS.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth).items():
        if v is not None:
            _OPTIONS[k] = v
    _OPTIONS["sci_mode"] = sci_mode


def _float_formatter(values):
    """Pick PyTorch's float style from the finite values that will be shown."""
    p = _OPTIONS["precision"]
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0])
    if finite.size and np.all(finite == np.round(finite)) and (nonzero.size == 0 or nonzero.max() < 1e8):
        fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else _nonfinite(v)   # noqa: E731
    else:
        sci = _OPTIONS["sci_mode"]
        if sci is None:
            sci = nonzero.size > 0 and (nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8
                                        or nonzero.min() < 1e-4)
        if sci:
            fmt = lambda v: f"{v:.{p}e}" if np.isfinite(v) else _nonfinite(v)   # noqa: E731
        else:
            fmt = lambda v: f"{v:.{p}f}" if np.isfinite(v) else _nonfinite(v)   # noqa: E731
    shown = [fmt(v) for v in values.reshape(-1)] or ["0."]
    width = max(len(s) for s in shown)
    return lambda v: fmt(v).rjust(width)


def _nonfinite(v):
    return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")


def _summary_values(a):
    """The elements that will actually be printed (edges only, for a summarised tensor)."""
    if a.size <= _OPTIONS["threshold"]:
        return a
    e = _OPTIONS["edgeitems"]
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * e:
            a = np.concatenate([np.take(a, range(e), axis), np.take(a, range(a.shape[axis] - e, a.shape[axis]),
                                                                     axis)], axis)
    return a


def format_array(a, prefix="tensor("):
    """The numbers part of a tensor's repr, indented to sit after ``prefix``."""
    a = np.asarray(a)
    if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
        a = a.astype(np.float64)
        formatter = {"float_kind": _float_formatter(_summary_values(a))}
    elif a.dtype.kind == "b":
        width = 5 if not _summary_values(a).all() else 4
        formatter = {"bool": lambda v: str(bool(v)).rjust(width)}
    else:
        width = max((len(str(v)) for v in _summary_values(a).reshape(-1)), default=1)
        formatter = {"int": lambda v: str(v).rjust(width)}
    if a.ndim == 0:
        return formatter[next(iter(formatter))](a.item()).strip()
    if a.size == 0:
        return "[]"
    return np.array2string(a, separator=", ", prefix=prefix, formatter=formatter,
                           threshold=_OPTIONS["threshold"], edgeitems=_OPTIONS["edgeitems"],
                           max_line_width=_OPTIONS["linewidth"])


def tensor_repr(t):
    from . import _dtype
    from ._device import CPU
    data = t._data
    if t.device != CPU:
        from ._device import get_array_module
        data = get_array_module(data).asnumpy(data)
    body = format_array(data)
    suffix = []
    if t.device != CPU:
        suffix.append(f"device='{t.device}'")
    default_dtypes = (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_)
    if t.dtype not in default_dtypes or t.numel() == 0:
        if not (t.numel() == 0 and t.dtype is _dtype.get_default_dtype()):
            suffix.append(f"dtype={t.dtype}")
    if t.numel() == 0 and t.dim() != 1:
        suffix.insert(0, f"size={tuple(t.shape)}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffix.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + suffix) + ")"
