"""Reductions over dims (sum, mean, max, ...). Backward spreads the gradient back over the reduced dims."""
import collections

from ..autograd.function import Op
from .._device import get_array_module
from .. import _dtype
from ._util import norm_dims, norm_dim, as_float

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
           "norm", "logsumexp", "all", "any", "cumsum", "var_mean", "std_mean", "count_nonzero", "median",
           "aminmax", "nansum"]

return_types_max = collections.namedtuple("max", ["values", "indices"])
return_types_min = collections.namedtuple("min", ["values", "indices"])


def _expand_back(grad, shape, dims, keepdim):
    """Broadcast a reduced gradient back to the input's ``shape``: re-insert the reduced dims, expand."""
    if not keepdim:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


class Sum(Op):
    """y = sum of x over dims;  dy/dx = 1 for every element that was summed"""
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return get_array_module(x).sum(x, axis=dims, keepdims=keepdim, dtype=dtype)

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
        y = get_array_module(x).sum(x, axis=dims, keepdims=True) if dims else x
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
        return get_array_module(x).mean(x, axis=dims, keepdims=keepdim).astype(x.dtype, copy=False)

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
        g = _expand_back(grad, x.shape, ctx.dims, ctx.keepdim)
        (d,) = ctx.dims if len(ctx.dims) == 1 else (None,)
        if d is None:                                    # all dims: flatten and use dim 0
            flat = x.reshape(-1)
            return g * _prod_others(flat, 0).reshape(x.shape)
        return g * _prod_others(x, d)


def _prod_others(x, d):
    """For each element, the product of all other elements along dim d (exclusive cumulative products)."""
    from .shape import cat, flip
    from .._creation import ones_like
    one = ones_like(x.narrow(d, 0, 1))
    left = cat([one, cumprod(x, d).narrow(d, 0, x.shape[d] - 1)], d)
    right = flip(cat([one, cumprod(flip(x, (d,)), d).narrow(d, 0, x.shape[d] - 1)], d), (d,))
    return left * right


class CumSum(Op):
    """y_i = x_1 + ... + x_i along dim;  backward is a reversed cumulative sum"""
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return get_array_module(x).cumsum(x, axis=dim, dtype=x.dtype if x.dtype.kind == "f" else "int64")

    @staticmethod
    def backward(ctx, grad):
        from .shape import flip
        return flip(flip(grad, (ctx.dim,)).cumsum(ctx.dim), (ctx.dim,))


class CumProd(Op):
    """y_i = x_1 * ... * x_i along dim (used by prod's backward; no second derivative)"""
    @staticmethod
    def forward(ctx, x, dim):
        return get_array_module(x).cumprod(x, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("cumprod's backward is not implemented in course")


def cumprod(x, dim):
    return CumProd.apply(x, norm_dim(dim, x.dim()))


class MaxAll(Op):
    """y = max (or min) of all elements;  the gradient is shared evenly among the elements equal to y"""
    @staticmethod
    def forward(ctx, x, fname):
        if x.size == 0:
            raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        y = getattr(get_array_module(x), fname)(x)
        ctx.save_for_backward(x, y)
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
        return y if keepdim else y.squeeze(dims)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        mask = x == y
        g = grad if ctx.keepdim else _expand_back(grad, y.shape, ctx.dims, False)
        return g * mask / mask.sum(ctx.dims, keepdim=True)


def _dims_arg(input, dim):
    return norm_dims(dim, input.dim())


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims when None). Integer and bool sums give int64, as in PyTorch."""
    out_dtype = _dtype.to_dtype(dtype) if dtype is not None else (
        input.dtype if input.dtype.is_floating_point else _dtype.int64)
    if out_dtype is not input.dtype:
        input = input.to(out_dtype)
    dims = _dims_arg(input, dim)
    from .autocast_hook import maybe_autocast
    input, = maybe_autocast("sum", input)
    return Sum.apply(input, dims, keepdim, None)


def nansum(input, dim=None, keepdim=False):
    return sum(input.masked_fill(input != input, 0), dim, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_torch_type_name(input.dtype)}")
    from .autocast_hook import maybe_autocast
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
    from .._tensor import Tensor
    if isinstance(dim, Tensor):                         # max(a, b): elementwise
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
            values, Tensor._make(get_array_module(input._data).zeros((), dtype="int64")))
    if input.shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    values = MaxDim.apply(input, d, keepdim, fname)
    node = values.grad_fn
    indices = Tensor._make(node.indices if node is not None else _indices(input, d, keepdim, fname))
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
    from .._tensor import Tensor
    xp = get_array_module(input._data)
    if dim is None:
        out = xp.asarray(xp.argmax(input._data))
        return Tensor._make(out.reshape((1,) * input.dim()) if keepdim else out.astype("int64"))
    return Tensor._make(_indices(input, norm_dim(dim, input.dim()), keepdim, "max").astype("int64"))


def argmin(input, dim=None, keepdim=False):
    from .._tensor import Tensor
    xp = get_array_module(input._data)
    if dim is None:
        out = xp.asarray(xp.argmin(input._data))
        return Tensor._make(out.reshape((1,) * input.dim()) if keepdim else out.astype("int64"))
    return Tensor._make(_indices(input, norm_dim(dim, input.dim()), keepdim, "min").astype("int64"))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance: mean squared deviation, divided by n - correction (1 by default: Bessel's correction)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    input = as_float(input)
    dims = _dims_arg(input, dim)
    n = 1
    for d in dims:
        n *= input.shape[d]
    centered = input - input.mean(dims, keepdim=True)
    return (centered * centered).sum(dims, keepdim=keepdim) / max(n - correction, 0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(as_float(input), dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(as_float(input), dim, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over dims: (sum |x|^p)^(1/p); 'fro' and 2 are the Euclidean norm."""
    input = as_float(input)
    if p in ("fro", 2, 2.0):
        return (input * input).sum(dim, keepdim=keepdim).sqrt()
    if p in (float("inf"), "inf"):
        return input.abs().amax(dim if dim is not None else (), keepdim)
    if p in (float("-inf"),):
        return input.abs().amin(dim if dim is not None else (), keepdim)
    if p == 1:
        return input.abs().sum(dim, keepdim=keepdim)
    if p == 0:
        return (input != 0).to(input.dtype).sum(dim, keepdim=keepdim)
    return (input.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) computed stably: m + log(sum(exp(x - m))) with m the max (no overflow)."""
    input = as_float(input)
    dims = _dims_arg(input, dim)
    m = input.detach().amax(dims, keepdim=True)
    m = m.masked_fill(m.isinf(), 0)
    out = (input - m).exp().sum(dims, keepdim=True).log() + m
    return out if keepdim else out.squeeze(dims)


def all(input, dim=None, keepdim=False):
    from .._tensor import Tensor
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.all(input._data, axis=dim, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    from .._tensor import Tensor
    xp = get_array_module(input._data)
    return Tensor._make(xp.asarray(xp.any(input._data, axis=dim, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    return (input != 0).sum(dim)


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's choice for even counts); along dim returns (values, indices)."""
    from .._tensor import Tensor
    if dim is None:
        flat = input.reshape(-1)
        k = (flat.numel() - 1) // 2
        order = Tensor._make(get_array_module(flat._data).argsort(flat._data, kind="stable"))
        return flat[order[k]]
    d = norm_dim(dim, input.dim())
    xp = get_array_module(input._data)
    k = (input.shape[d] - 1) // 2
    order = xp.argsort(input._data, axis=d, kind="stable")
    idx = xp.take(order, [k], axis=d)
    values = input.gather(d, Tensor._make(idx))
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return return_types_min(values, Tensor._make(idx))
