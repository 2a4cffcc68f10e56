"""Reductions over dims (sum, mean, max, ...). Backward spreads the gradient back over the reduced dims."""
import builtins

from ..autograd.function import Op
from .._device import get_array_module
from .. import _dtype
from .autocast_hook import maybe_autocast, LOW_DTYPES
from ._util import quiet, return_type, norm_dims, norm_dim, as_float, wrap, is_tensor

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
           "norm", "logsumexp", "all", "any", "cumsum", "var_mean", "std_mean", "count_nonzero", "median",
           "aminmax", "nansum", "cumprod", "softmax", "log_softmax", "bincount", "histc", "cdist", "nanmean"]

return_types_max = return_type("max")
return_types_min = return_type("min")
return_types_median = return_type("median")


class ExpandBack(Op):
    """y = a reduced gradient spread back over the reduced dims to the input's shape (no copy);
    backward sums over those dims again"""
    grad_fn_name = "ExpandBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, g, shape, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        if not keepdim:                     # put the reduced dims back, as size 1
            g = g.reshape(tuple(1 if i in dims else n for i, n in enumerate(shape)))
        return get_array_module(g).broadcast_to(g, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum(ctx.dims, keepdim=ctx.keepdim)


def _expand_back(grad, shape, dims, keepdim):
    """Broadcast a reduced gradient back to the input's ``shape`` (see ``ExpandBack``)."""
    return ExpandBack.apply(grad, tuple(shape), tuple(dims), keepdim)


class Sum(Op):
    """y = sum of x over dims;  dy/dx = 1 for every element that was summed"""
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if dtype is None and x.dtype in LOW_DTYPES:   # float16/bfloat16: added up in float32, as PyTorch does
            return x.sum(axis=dims, keepdims=keepdim, dtype="float32").astype(x.dtype)
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)      # (the method: numpy's np.sum is slower)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)


class SumTo(Op):
    """y = x summed down to ``shape`` (the reverse of broadcasting);  backward broadcasts again"""
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        lead = x.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=dims, keepdims=True) if dims else x
        return y.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape)


class Mean(Op):
    """y = mean of x over dims;  dy/dx = 1/n for each of the n averaged elements"""
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        wide = "float32" if x.dtype.itemsize < 4 else None      # float16/bfloat16 add up in float32
        with quiet():                                            # (n = 0 gives nan, as in PyTorch)
            return (x.sum(axis=dims, keepdims=keepdim, dtype=wide) / n).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.n, ctx.shape, ctx.dims, ctx.keepdim)


class Prod(Op):
    """y = product over dims;  dy/dx_i = product of the others (computed without dividing by x_i)"""
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        return get_array_module(x).prod(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if x.dim() == 0 or not ctx.dims:
            return grad
        return _expand_back(grad, x.shape, ctx.dims, ctx.keepdim) * _prod_others(x, ctx.dims)


def _prod_others(x, dims):
    """For each element, the product of the other elements it was multiplied with, without dividing (so
    zeros are fine): in an n x n grid, row i is x with x_i replaced by 1; the product of row i is the answer."""
    from .index import where
    kept = [d for d in range(x.dim()) if d not in dims]
    order = kept + list(dims)                                  # the reduced dims last ...
    flat = x.permute(*order).reshape(*[x.shape[d] for d in kept], -1)      # ... merged into one of size n
    n = flat.shape[-1]
    diagonal = wrap(get_array_module(x._data).eye(n, dtype=bool))
    others = where(diagonal, 1.0, flat.unsqueeze(-2)).prod(-1)
    inverse = [order.index(d) for d in range(x.dim())]
    return others.reshape(*[x.shape[d] for d in order]).permute(*inverse)


class CumSum(Op):
    """y_i = x_1 + ... + x_i along dim;  backward is a reversed cumulative sum"""
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return get_array_module(x).cumsum(x, axis=dim, dtype=x.dtype)     # (cumsum() made ints int64)

    @staticmethod
    def backward(ctx, grad):
        from .shape import flip
        return flip(flip(grad, (ctx.dim,)).cumsum(ctx.dim), (ctx.dim,))


class MaxAll(Op):
    """y = max (or min) of all elements;  the gradient is shared evenly among the elements equal to y"""
    @staticmethod
    def forward(ctx, x, fname):
        if x.size == 0:
            raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        y = getattr(get_array_module(x), fname)(x)
        ctx.save_for_backward(x, y)
        ctx._name = fname.capitalize() + "Backward1"
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        mask = (x == y)
        return grad * mask / mask.sum()


class MaxDim(Op):
    """values = max (or min) along dim;  the gradient goes to the position of the chosen index"""
    @staticmethod
    def forward(ctx, x, dim, keepdim, fname):
        xp = get_array_module(x)
        idx = (xp.argmax if fname == "max" else xp.argmin)(x, axis=dim)
        idx = xp.expand_dims(idx, dim)
        values = xp.take_along_axis(x, idx, axis=dim)
        ctx.shape, ctx.dim, ctx.keepdim, ctx.idx = x.shape, dim, keepdim, idx
        ctx._name = fname.capitalize() + "Backward0"
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        ctx.indices = idx
        return values

    @staticmethod
    def backward(ctx, grad):
        from .index import scatter_into_zeros
        g = grad if ctx.keepdim else grad.unsqueeze(ctx.dim)
        return scatter_into_zeros(g, ctx.dim, ctx.idx, ctx.shape)


class AMax(Op):
    """y = amax (or amin) over dims;  the gradient is shared evenly among tied maxima"""
    @staticmethod
    def forward(ctx, x, dims, keepdim, fname):
        y = getattr(get_array_module(x), fname)(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx._name = fname.capitalize() + "Backward0"
        return y if keepdim else y.squeeze(dims)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        mask = x == y
        g = grad if ctx.keepdim else _expand_back(grad, y.shape, ctx.dims, False)
        return g * mask / mask.sum(ctx.dims, keepdim=True)


def _dims_arg(input, dim):
    """The dims to reduce; None, () and [] all mean every dim (PyTorch's convention)."""
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    return norm_dims(dim, input.dim())


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims when None). Integer and bool sums give int64, as in PyTorch."""
    out_dtype = _dtype.to_dtype(dtype) if dtype is not None else (
        input.dtype if input.dtype.is_floating_point else _dtype.int64)
    if out_dtype is not input.dtype:
        input = input.to(out_dtype)
    dims = _dims_arg(input, dim)
    input, = maybe_autocast("sum", input)
    return Sum.apply(input, dims, keepdim, None)


def nansum(input, dim=None, keepdim=False):
    return sum(input.masked_fill(input != input, 0), dim, keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the values that are not nan (nansum / how many are not nan)."""
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_torch_type_name(input.dtype)}")
    return nansum(input, dim, keepdim) / (input == input).sum(dim, keepdim=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_torch_type_name(input.dtype)}")
    input, = maybe_autocast("mean", input)
    return Mean.apply(input, _dims_arg(input, dim), keepdim)


def _torch_type_name(d):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}[d.name]


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    elif not input.dtype.is_floating_point:
        input = input.to(_dtype.int64)
    return Prod.apply(input, _dims_arg(input, dim), keepdim)


def cumsum(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    elif not input.dtype.is_floating_point:
        input = input.to(_dtype.int64)
    return CumSum.apply(input, norm_dim(dim, input.dim()))


def _max_min(fname, input, dim, keepdim, other):
    if is_tensor(dim):                         # max(a, b): elementwise
        from .compare import maximum, minimum
        return (maximum if fname == "max" else minimum)(input, dim)
    if other is not None:
        from .compare import maximum, minimum
        return (maximum if fname == "max" else minimum)(input, other)
    if dim is None:
        return MaxAll.apply(input, fname)
    d = norm_dim(dim, input.dim())
    if input.dim() == 0:
        values = input.clone()
        return (return_types_max if fname == "max" else return_types_min)(
            values, wrap(get_array_module(input._data).zeros((), dtype="int64")))
    if input.shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    values = MaxDim.apply(input, d, keepdim, fname)
    node = values.grad_fn
    indices = wrap(node.indices if node is not None else _indices(input, d, keepdim, fname))
    return (return_types_max if fname == "max" else return_types_min)(values, indices)


def _indices(input, d, keepdim, fname):
    xp = get_array_module(input._data)
    idx = (xp.argmax if fname == "max" else xp.argmin)(input._data, axis=d)
    return xp.expand_dims(idx, d) if keepdim else idx


def max(input, dim=None, keepdim=False, *, other=None):
    """max(x): the largest element; max(x, dim): (values, indices) along dim; max(x, y): elementwise."""
    return _max_min("max", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    return _max_min("min", input, dim, keepdim, other)


def aminmax(input, *, dim=None, keepdim=False):
    return amin(input, dim, keepdim), amax(input, dim, keepdim)


def amax(input, dim=(), keepdim=False):
    dims = _dims_arg(input, dim if dim != () else None)
    return AMax.apply(input, dims, keepdim, "amax")


def amin(input, dim=(), keepdim=False):
    dims = _dims_arg(input, dim if dim != () else None)
    return AMax.apply(input, dims, keepdim, "amin")


def argmax(input, dim=None, keepdim=False):
    xp = get_array_module(input._data)
    if dim is None:
        out = xp.asarray(xp.argmax(input._data))
        return wrap(out.reshape((1,) * input.dim()) if keepdim else out.astype("int64"))
    return wrap(_indices(input, norm_dim(dim, input.dim()), keepdim, "max").astype("int64"))


def argmin(input, dim=None, keepdim=False):
    xp = get_array_module(input._data)
    if dim is None:
        out = xp.asarray(xp.argmin(input._data))
        return wrap(out.reshape((1,) * input.dim()) if keepdim else out.astype("int64"))
    return wrap(_indices(input, norm_dim(dim, input.dim()), keepdim, "min").astype("int64"))


class Var(Op):
    """v = sum((x - mean)^2) / (n - correction) over dims;  dv/dx = 2 (x - mean) / (n - correction)"""
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        with quiet():
            return get_array_module(x).var(x, axis=dims, ddof=correction, keepdims=keepdim).astype(x.dtype,
                                                                                                  copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        centered = x - x.mean(ctx.dims, keepdim=True)
        return _expand_back(grad, x.shape, ctx.dims, ctx.keepdim) * centered * 2 / _dof(x, ctx)   # (nan if 0)


class Std(Op):
    """s = sqrt(var);  ds/dx = (x - mean) / ((n - correction) s)"""
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        with quiet():
            s = get_array_module(x).std(x, axis=dims, ddof=correction, keepdims=keepdim).astype(x.dtype,
                                                                                                copy=False)
        ctx.save_for_backward(x, s)
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        return s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        centered = x - x.mean(ctx.dims, keepdim=True)
        g = _expand_back((grad / s).masked_fill(s == 0, 0), x.shape, ctx.dims, ctx.keepdim)
        return g * centered / _dof(x, ctx)


def _dof(x, ctx):
    """n - correction: the divisor of var and std (n = number of elements reduced)."""
    n = 1
    for d in ctx.dims:
        n *= x.shape[d]
    return builtins.max(n - ctx.correction, 0)


def cumprod(input, dim, *, dtype=None):
    """y_i = x_1 * ... * x_i along dim. Written with prod over a triangular grid (row i keeps x_1..x_i and
    has 1 elsewhere), so its gradient is prod's and zeros are fine."""
    from .index import where
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    elif not input.dtype.is_floating_point:
        input = input.to(_dtype.int64)
    d = norm_dim(dim, input.dim())
    if input.dim() == 0:
        return input.clone()
    x = input.movedim(d, -1)
    n = x.shape[-1]
    xp = get_array_module(x._data)
    keep = wrap(xp.tril(xp.ones((n, n), dtype=bool)))                # keep[i, k]: k <= i
    grid = where(keep, x.unsqueeze(-2), wrap(xp.ones((), dtype=x._data.dtype)))
    return grid.prod(-1).movedim(-1, d)


def _correction(unbiased, correction):
    if correction is None:
        return 1 if unbiased is None or unbiased else 0
    return correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance: mean squared deviation, divided by n - correction (1 by default: Bessel's correction)."""
    if isinstance(unbiased, int) and not isinstance(unbiased, bool) and dim is None:
        dim, unbiased = unbiased, None                  # var(x, 0): the dim given positionally
    _check_floating(input, "std and var")
    return Var.apply(input, _dims_arg(input, dim), _correction(unbiased, correction), keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of ``var`` (same arguments)."""
    if isinstance(unbiased, int) and not isinstance(unbiased, bool) and dim is None:
        dim, unbiased = unbiased, None
    _check_floating(input, "std and var")
    return Std.apply(input, _dims_arg(input, dim), _correction(unbiased, correction), keepdim)


def _check_floating(input, name):
    """PyTorch refuses integer and bool input here (no silent conversion to float)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name} only support floating point and complex dtypes")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _check_floating(input, "var_mean")
    return var(input, dim, unbiased, keepdim, correction=correction), mean(as_float(input), dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _check_floating(input, "std_mean")
    return std(input, dim, unbiased, keepdim, correction=correction), mean(as_float(input), dim, keepdim)


class Norm2(Op):
    """y = sqrt(sum x^2) over dims (the Euclidean norm);  dy/dx = x / y  (0 where y = 0, as in PyTorch)"""
    grad_fn_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = get_array_module(x)
        y = xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim)).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keepdim = dims, keepdim
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        scale = (grad / y).masked_fill(y == 0, 0)
        return _expand_back(scale, x.shape, ctx.dims, ctx.keepdim) * x


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over dims: (sum |x|^p)^(1/p); 'fro' and 2 are the Euclidean norm."""
    if dtype is None and not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_torch_type_name(input.dtype)}")
    input = input if dtype is None else input.to(_dtype.to_dtype(dtype))
    input, = maybe_autocast("norm", input)              # autocast: norms in float32
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, _dims_arg(input, dim), keepdim)
    if p in (float("inf"), "inf"):
        return input.abs().amax(dim if dim is not None else (), keepdim)
    if p in (float("-inf"),):
        return input.abs().amin(dim if dim is not None else (), keepdim)
    if p == 1:
        return input.abs().sum(dim, keepdim=keepdim)
    if p == 0:
        return (input != 0).to(input.dtype).sum(dim, keepdim=keepdim)
    from .index import where            # zeros (an element, a whole vector) get gradient 0, not nan, as PyTorch
    a = input.abs()
    s = where(a == 0, 0.0, where(a == 0, 1.0, a) ** p).sum(dim, keepdim=keepdim)
    return where(s == 0, 0.0, where(s == 0, 1.0, s) ** (1.0 / p))


class LogSumExp(Op):
    """y = log(sum(exp(x))) over dims;  dy/dx = exp(x - y) (the softmax of x)

    Computed as m + log(sum(exp(x - m))) with m the largest x, so that exp never overflows.
    """
    grad_fn_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp = get_array_module(x)
        m = x.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)                  # all -inf (or inf) along dims: no shift
        with quiet():
            y = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            y = y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if not ctx.keepdim:                                 # give y and grad their size-1 dims back
            kept = tuple(1 if i in ctx.dims else n for i, n in enumerate(x.shape))
            y, grad = y.reshape(kept), grad.reshape(kept)
        return grad * (x - y).exp()                         # broadcasting spreads them over the dims


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over dim, computed without overflow (see ``LogSumExp``)."""
    input = as_float(input)
    return LogSumExp.apply(input, _dims_arg(input, dim), keepdim)


def all(input, dim=None, keepdim=False):
    xp = get_array_module(input._data)
    return wrap(xp.asarray(xp.all(input._data, axis=dim, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    xp = get_array_module(input._data)
    return wrap(xp.asarray(xp.any(input._data, axis=dim, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    return (input != 0).sum(dim)


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's choice for even counts); along dim returns (values, indices)."""
    if dim is None:
        flat = input.reshape(-1)
        k = (flat.numel() - 1) // 2
        order = wrap(get_array_module(flat._data).argsort(flat._data, kind="stable"))
        return flat[order[k]]
    d = norm_dim(dim, input.dim())
    xp = get_array_module(input._data)
    k = (input.shape[d] - 1) // 2
    order = xp.argsort(input._data, axis=d, kind="stable")
    idx = xp.take(order, [k], axis=d)
    values = input.gather(d, wrap(idx))
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return return_types_median(values, wrap(idx))


def softmax(input, dim, dtype=None):
    """``course.softmax``: the same as ``course.nn.functional.softmax`` (which course.nn defines)."""
    from ..nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """``course.log_softmax``: the same as ``course.nn.functional.log_softmax``."""
    from ..nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)


def bincount(input, weights=None, minlength=0):
    """out[v] = how many times v occurs in the 1-D integer tensor input (or the sum of its weights)."""
    xp = get_array_module(input._data)
    if input.dim() != 1 or input.dtype.is_floating_point or input.dtype.name == "bool" or \
            (input.numel() and int(xp.min(input._data)) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return wrap(xp.bincount(input._data, minlength=minlength).astype("int64"))
    w = weights._data if weights.dtype.is_floating_point else weights._data.astype("float64")
    return wrap(xp.bincount(input._data, weights=w, minlength=minlength).astype(w.dtype))


def histc(input, bins=100, min=0, max=0):
    """Counts of input's values in ``bins`` equal-width bins over [min, max] (both 0: the data's range);
    values outside are ignored."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{input.dtype.name.capitalize()}\'')
    xp = get_array_module(input._data)
    lo, hi = float(min), float(max)
    if lo == hi and input.numel():
        lo, hi = float(xp.min(input._data)), float(xp.max(input._data))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = xp.histogram(input._data, bins=bins, range=(lo, hi))
    return wrap(counts.astype(input._data.dtype))


def cdist(x1, x2, p=2.0):
    """out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p: the distance between every pair of rows."""
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)
