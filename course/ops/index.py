"""Indexing: x[...], x[...] = v, gather, where, masked_fill, index_select.

Reading elements (``Index``) has a backward that writes the gradient into those same positions of a
zero tensor (``IndexAdd``), adding up where an index repeats; and the other way round.
"""
from ..autograd.function import Op
from .._device import get_array_module
from ._util import broadcast_error, norm_dim, sum_to_shape, is_tensor, promote, check_same_device, wrap

__all__ = ["index", "index_put", "where", "masked_fill", "gather", "scatter", "scatter_add", "index_select",
           "masked_select", "take", "scatter_into_zeros", "nonzero", "take_along_dim", "select", "index_add",
           "diagonal", "diag", "trace", "argwhere", "masked_scatter"]


def _is_basic(idx):
    """Basic indexing (ints, slices, None, ...) gives a view; arrays of indices or masks give a copy."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


class Index(Op):
    """y = x[idx];  backward puts the gradient back at idx in a zero tensor of x's shape"""
    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape, ctx.idx = x.shape, idx
        return x[idx]

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.shape, ctx.idx)


class Slice(Index):
    """Index with slices only (no ints): y shares x's memory"""
    is_view = True


class Select(Slice):
    """Index with ints (and maybe slices): y shares x's memory"""


class IndexAdd(Op):
    """y = zeros(shape) with y[idx] += g (repeated indices add up);  backward reads grad[idx]"""
    @staticmethod
    def forward(ctx, g, shape, idx):
        ctx.idx = idx
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if _is_basic(idx):
            out[idx] += g
        else:
            xp.add.at(out, idx, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        return index(grad, ctx.idx)


class IndexPut(Op):
    """y = x with y[idx] = v;  dy/dx is 1 outside idx (0 inside), dy/dv collects the gradient at idx"""
    @staticmethod
    def forward(ctx, x, v, idx):
        ctx.idx = idx
        ctx.v_shape = getattr(v, "shape", ())
        out = x.copy()
        out[idx] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = IndexPut.apply(grad, 0.0, ctx.idx) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[1]:
            g = index(grad, ctx.idx)
            # v was broadcast to the indexed shape: sum back (leading dims first)
            gv = sum_to_shape(g, ctx.v_shape) if tuple(g.shape) != tuple(ctx.v_shape) else g
        return gx, gv


class Where(Op):
    """y = a where cond else b;  the gradient goes to a where cond holds, to b elsewhere"""
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return get_array_module(cond).where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = wrap(ctx.cond)
        zero = grad.new_zeros(())
        return (None,
                sum_to_shape(Where.apply(cond, grad, zero), ctx.shapes[0]) if ctx.needs_input_grad[1] else None,
                sum_to_shape(Where.apply(cond, zero, grad), ctx.shapes[1]) if ctx.needs_input_grad[2] else None)


class MaskedFill(Where):
    """Where with a fixed value: y = value where mask else x"""


class Gather(Op):
    """y[i][j] = x[i][idx[i][j]] (dim=1);  backward scatters the gradient back, adding up repeats"""
    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = x.shape, dim, idx
        return get_array_module(x).take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, ctx.shape, ctx.dim, ctx.idx), None, None


class ScatterAdd(Op):
    """y = zeros(shape) with y[i][idx[i][j]] += g[i][j] (dim=1);  backward gathers"""
    @staticmethod
    def forward(ctx, g, shape, dim, idx):
        ctx.dim, ctx.idx = dim, idx
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(out, _scatter_index(xp, idx, dim), g)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Gather.apply(grad, ctx.dim, ctx.idx)


def _scatter_index(xp, idx, dim):
    """The full fancy index that addresses, for every element of idx, position idx[...] along dim."""
    grids = list(xp.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


def scatter_into_zeros(g, dim, idx, shape):
    """zeros(shape) with g added at positions idx along dim (the backward of max(dim) and gather)."""
    return ScatterAdd.apply(g, tuple(shape), dim, idx)


def _to_index(idx):
    """Turn tensors inside an index into arrays (bool masks stay masks); lists become arrays."""
    items = idx if isinstance(idx, tuple) else (idx,)
    out = []
    for i in items:
        if is_tensor(i):
            if i.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if i.dtype.name == "uint8":                     # byte tensors index as masks (PyTorch's old rule)
                out.append(i._data.astype(bool))
                continue
            out.append(i._data if i.dim() > 0 or i.dtype.kind == "bool" else int(i._data))
        elif isinstance(i, (list,)):
            import numpy as np
            out.append(np.asarray(i))
        elif hasattr(i, "shape") and hasattr(i, "dtype") and getattr(i, "ndim", 0) > 0:
            out.append(i)                               # an index array already
        elif hasattr(i, "__index__") and not isinstance(i, (bool,)):
            out.append(int(i.__index__()))
        else:
            out.append(i)
    return tuple(out) if isinstance(idx, tuple) or len(out) != 1 else out[0]


def _check_bounds(x, idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    dim = 0
    for i in items:
        if i is None:
            continue
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError("step must be greater than zero")          # (use flip to reverse)
        if i is Ellipsis:
            dim = x.dim() - sum(1 for j in items if j is not None and j is not Ellipsis) + dim
            continue
        if isinstance(i, int):
            if dim >= x.dim():
                raise IndexError(f"too many indices for tensor of dimension {x.dim()}")
            n = x.shape[dim]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
        dim += 1 if not (hasattr(i, "dtype") and i.dtype == bool) else i.ndim


def _ints_first(idx):
    """PyTorch applies integer indices first (as ``select``) when index tensors are also present; numpy
    counts them as index arrays, which can move the result's dims. Split ``idx`` into the integer part
    and the rest (None when there is nothing to split)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    is_int = [isinstance(i, int) and not isinstance(i, bool) for i in items]
    if not any(is_int) or not any(hasattr(i, "ndim") for i in items):
        return None
    first = []
    for i, int_ in zip(items, is_int):
        if int_ or i is None or i is Ellipsis:
            first.append(i)
        else:                                   # a slice, an index array or a (k-dim) mask: keep its dims
            first += [slice(None)] * (i.ndim if getattr(i, "dtype", None) == bool else 1)
    rest = tuple(slice(None) if i is None else i for i, int_ in zip(items, is_int) if not int_)
    return tuple(first), rest


def index(input, idx):
    idx = _to_index(idx)
    _check_bounds(input, idx)
    split = _ints_first(idx)
    if split is not None:
        return index(index(input, split[0]), split[1])
    if _is_basic(idx):
        items = idx if isinstance(idx, tuple) else (idx,)
        out = (Select if any(isinstance(i, int) for i in items) else Slice).apply(input, idx)
        if input._base is None:
            out._view_index = idx           # lets an in-place change of out be recorded on input
        return out
    try:
        return Index.apply(input, idx)
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None


def index_put(input, idx, value, accumulate=False):
    """The out-of-place form of ``input[idx] = value`` (``+=``, repeats adding up, with accumulate=True)."""
    idx = _to_index(idx)
    if accumulate:
        value = value.to(input.dtype) if is_tensor(value) else input.new_full((), value)
        return input + IndexAdd.apply(value, tuple(input.shape), idx)
    split = _ints_first(idx)
    if split is not None:               # written through flat positions taken in PyTorch's order
        pos = get_array_module(input._data).arange(input.numel()).reshape(input.shape)[split[0]][split[1]]
        return index_put(input.reshape(-1), pos, value).reshape(input.shape)
    if is_tensor(value):
        check_same_device("index_put", input, value)
        if value.dtype is not input.dtype:
            value = value.to(input.dtype)
        return IndexPut.apply(input, value, idx)
    return IndexPut.apply(input, value, idx)


def select(input, dim, index_):
    d = norm_dim(dim, input.dim())
    return index(input, (slice(None),) * d + (index_,))


def where(condition, input=None, other=None):
    """Elementwise choice: input where condition is True, other where it is False."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not is_tensor(input) and not is_tensor(other):
        from .._creation import tensor
        input = tensor(input)
    a, b = promote(input, other)
    if not is_tensor(a):
        from .._creation import _scalar_like
        a = _scalar_like(a, b)
    if not is_tensor(b):
        from .._creation import _scalar_like
        b = _scalar_like(b, a)
    cond = condition._data if is_tensor(condition) else condition
    if cond.dtype != bool:
        cond = cond.astype(bool)
    return Where.apply(cond, a, b)


def masked_fill(input, mask, value):
    """input with ``value`` wherever mask is True (mask broadcasts to input's shape)."""
    if mask.dtype.kind != "bool":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if is_tensor(value):
        if value.dim() != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        if value.requires_grad:
            return where(mask, value.to(input.dtype), input)
        value = value.item()
    try:                            # (the result takes the broadcast shape; masked_fill_ checks it fits)
        get_array_module(mask._data).broadcast_shapes(mask.shape, input.shape)
    except ValueError:
        raise broadcast_error(input.shape, mask.shape) from None
    return MaskedFill.apply(mask._data, _fill_value(value, input), input)


def _fill_value(value, input):
    from .._creation import _scalar_like
    return _scalar_like(value, input)


def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[i][index[i][j]] for dim=1 (and likewise for other dims)."""
    d = norm_dim(dim, input.dim())
    if index.dtype.name not in ("int64", "int32"):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if index.dim() != input.dim():
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(input.dim()):
        if k != d and index.shape[k] > input.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                               f"smaller than self {list(input.shape)} apart from dimension {d}")
    xp = get_array_module(index._data)
    n = input.shape[d]
    if index.numel() and (int(xp.max(index._data)) >= n or int(xp.min(index._data)) < -n):
        raise RuntimeError(f"index {int(xp.max(index._data))} is out of bounds for dimension {d} with size {n}")
    idx = index._data
    if tuple(idx.shape) != tuple(input.shape):
        sl = tuple(slice(0, s) for s in idx.shape)
        sl = tuple(slice(None) if k == d else sl[k] for k in range(input.dim()))
        return Gather.apply(input[sl] if any(s.stop is not None for s in sl) else input, d, idx)
    return Gather.apply(input, d, idx)


def take_along_dim(input, indices, dim):
    return gather(input, dim, indices)


def scatter_add(input, dim, index, src):
    """input plus src added at positions index along dim."""
    d = norm_dim(dim, input.dim())
    return input + ScatterAdd.apply(src, tuple(input.shape), d, index._data)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """input with src (or a number) written at positions index along dim: out[i][index[i][j]] = src[i][j]
    for dim=1. The gradient reaches input outside those positions, and src at them."""
    if reduce is not None:
        if reduce != "add":
            raise NotImplementedError(f"scatter(reduce={reduce!r}) is not supported in course; use scatter_add")
        if not is_tensor(src):      # a number: added once per index position
            src = input.new_full(tuple(index.shape), value if src is None else src)
        return scatter_add(input, dim, index, src)
    d = norm_dim(dim, input.dim())
    full = _scatter_index(get_array_module(index._data), index._data, d)
    if is_tensor(src):
        v = src[tuple(slice(0, s) for s in index.shape)]
        if v.dtype is not input.dtype:
            v = v.to(input.dtype)
    else:
        v = value if src is None else src
    return IndexPut.apply(input, v, full)


def index_select(input, dim, index):
    d = norm_dim(dim, input.dim())
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return input[(slice(None),) * d + (index.reshape(-1),)]


def masked_select(input, mask):
    mask = mask.expand(*input.shape) if tuple(mask.shape) != tuple(input.shape) else mask
    return input[mask]


def masked_scatter(input, mask, source):
    """input with the positions where mask is True filled, in order, by the first elements of source."""
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{input.dtype} and {source.dtype}")
    mask = mask.expand(*input.shape) if tuple(mask.shape) != tuple(input.shape) else mask
    n = int(mask.sum())
    if source.numel() < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return index_put(input, (mask,), source.reshape(-1)[:n])


def take(input, index):
    return input.reshape(-1)[index]


def nonzero(input, *, as_tuple=False):
    xp = get_array_module(input._data)
    idx = xp.nonzero(input._data)
    if as_tuple:
        return tuple(wrap(i.astype("int64")) for i in idx)
    return wrap(xp.stack(idx, axis=1).astype("int64") if idx else xp.zeros((0, 0), dtype="int64"))


def index_add(input, dim, index, source, *, alpha=1):
    """input with source's slices added at positions index along dim (repeated positions add up)."""
    d = norm_dim(dim, input.dim())
    idx = (slice(None),) * d + (_to_index(index),)
    if alpha != 1:
        source = source * alpha
    return input + IndexAdd.apply(source, tuple(input.shape), idx)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The elements input[i, i + offset] (of dims dim1 and dim2), as the last dim of the result."""
    import numpy as np
    d1, d2 = norm_dim(dim1, input.dim()), norm_dim(dim2, input.dim())
    x = input.movedim((d1, d2), (-2, -1))
    rows, cols = x.shape[-2], x.shape[-1]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    i = np.arange(n) + max(0, -offset)
    return x[..., i, i + offset]


def diag(input, diagonal=0):
    """1-D input: a square matrix with input on a diagonal (zeros elsewhere). 2-D input: that diagonal."""
    import numpy as np
    if input.dim() == 2:
        return globals()["diagonal"](input, diagonal)
    if input.dim() != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")
    n = input.shape[0] + abs(diagonal)
    i = np.arange(input.shape[0])
    rows, cols = (i, i + diagonal) if diagonal >= 0 else (i - diagonal, i)
    return IndexPut.apply(input.new_zeros(n, n), input, (rows, cols))


def trace(input):
    """The sum of the main diagonal of a matrix."""
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return diagonal(input).sum()


def argwhere(input):
    """The indices of the nonzero elements, one row per element (like nonzero)."""
    return nonzero(input)
