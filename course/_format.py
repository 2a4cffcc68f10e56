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


class _Formatter:
    """How each number of a tensor is written, chosen once from all the numbers shown (PyTorch's rules).

    Floats: if every finite nonzero value is whole, ``1.``; otherwise 4 decimals (``1.5000``); scientific
    notation (``1.0000e-05``) when the values span more than 1000x, exceed 1e8 or go below 1e-4.
    Every number is padded to the same width so the columns line up.
    """

    def __init__(self, values, floating):
        self.floating, self.int_mode, self.sci_mode, self.width = floating, True, False, 1
        p = _OPTIONS["precision"]
        flat = values.reshape(-1)
        if not floating:
            self.width = max([len(str(v)) for v in flat.tolist()] + [1])
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            if _OPTIONS["sci_mode"] is not None:
                self.sci_mode = _OPTIONS["sci_mode"]
            return
        big, small = np.abs(finite).max(), np.abs(finite).min()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = big / small > 1000.0 or big > 1.0e8
        else:
            self.sci_mode = big / small > 1000.0 or big > 1.0e8 or small < 1.0e-4
        if self.sci_mode:
            self.width = max(len(f"{v:.{p}e}") for v in finite.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            self.width = max(len(f"{v:.{p}f}") for v in finite.tolist())
        if _OPTIONS["sci_mode"] is not None:
            self.sci_mode = _OPTIONS["sci_mode"]

    def format(self, v):
        p = _OPTIONS["precision"]
        if not self.floating:
            text = str(v)
        elif self.sci_mode:
            text = f"{v:.{p}e}"
        elif self.int_mode:
            text = f"{v:.0f}" + ("" if v != v or v in (float("inf"), float("-inf")) else ".")
        else:
            text = f"{v:.{p}f}"
        return text.rjust(self.width)


def _summarized(a):
    """Only the edge items that a summarised tensor shows (``edgeitems`` at each end of every dim)."""
    e = _OPTIONS["edgeitems"]
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * e:
            a = np.concatenate([np.take(a, range(e), axis), np.take(a, range(a.shape[axis] - e, a.shape[axis]),
                                                                     axis)], axis)
    return a


def _vector_str(a, indent, summarize, fmt):
    per_line = max(1, int((_OPTIONS["linewidth"] - indent) // (fmt.width + 2)))
    e = _OPTIONS["edgeitems"]
    if summarize and a.shape[0] > 2 * e:
        items = [fmt.format(v) for v in a[:e].tolist()] + [" ..."] + [fmt.format(v) for v in a[-e:].tolist()]
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(a, indent, summarize, fmt):
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = _OPTIONS["edgeitems"]
    if summarize and a.shape[0] > 2 * e:
        rows = [_array_str(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] + \
               [_array_str(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - e, a.shape[0])]
    else:
        rows = [_array_str(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_array(a, prefix="tensor("):
    """The numbers part of a tensor's repr, laid out to sit after ``prefix`` (PyTorch's layout)."""
    a = np.asarray(a)
    floating = a.dtype.kind == "f" or a.dtype.name == "bfloat16"
    if floating:
        a = a.astype(np.float64) if a.dtype != np.float64 and a.dtype != np.float32 else a
    summarize = a.size > _OPTIONS["threshold"]
    fmt = _Formatter(_summarized(a) if summarize else a, floating)
    if a.ndim == 0:
        return fmt.format(a.item()).strip()
    if a.size == 0:
        return "[]"
    return _array_str(a, len(prefix), summarize, fmt)


def tensor_repr(t):
    from . import _dtype
    from ._device import CPU
    data = t._host()
    prefix = "tensor("
    body = format_array(data, prefix)
    suffixes = []
    if t.device != CPU:
        suffixes.append(f"device='{t.device}'")
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype is not _dtype.get_default_dtype():
            suffixes.append(f"dtype={t.dtype}")
    elif t.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_):
        suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, len(prefix))


def _add_suffixes(text, suffixes, indent):
    """Append ``, dtype=...`` and friends, starting a new line when the current one would get too long."""
    parts = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > _OPTIONS["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_len += len(suffix) + 2
    return "".join(parts) + ")"
