"""Comparisons and logic (==, <, &, ...): they give bool tensors and carry no gradient.

Also maximum/minimum (differentiable: the gradient goes to the larger/smaller input), sort and topk.
"""
from ..autograd.function import Op
from .._device import get_array_module
from ._util import return_type, promote, is_tensor, check_same_device, sum_to_shape, norm_dim, wrap

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "maximum", "minimum", "isnan", "isinf", "isfinite",
           "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_not", "bitwise_and",
           "bitwise_or", "bitwise_xor", "equal", "allclose", "isclose", "sort", "argsort", "topk",
           "greater", "less", "greater_equal", "less_equal", "not_equal", "fmax", "fmin", "unique",
           "isposinf", "isneginf", "searchsorted", "bucketize", "kthvalue", "isin"]

return_types_sort = return_type("sort")
return_types_topk = return_type("topk")
return_types_kthvalue = return_type("kthvalue")


def _raw(x):
    return x._data if is_tensor(x) else x


def _compare(fname, a, b):
    if is_tensor(a) and isinstance(b, (int, float)) and a._data.dtype.kind == "f":
        xp = get_array_module(a._data)            # the common case: float tensor (op) number
        return wrap(getattr(xp, fname)(a._data, b))
    check_same_device(fname, a, b)
    a, b = promote(a, b)
    xp = get_array_module(_raw(a)) if is_tensor(a) else get_array_module(_raw(b))
    return wrap(xp.asarray(getattr(xp, fname)(_raw(a), _raw(b))))


def eq(input, other):
    return _compare("equal", input, other)


def ne(input, other):
    return _compare("not_equal", input, other)


def lt(input, other):
    return _compare("less", input, other)


def le(input, other):
    return _compare("less_equal", input, other)


def gt(input, other):
    return _compare("greater", input, other)


def ge(input, other):
    return _compare("greater_equal", input, other)


greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def logical_and(input, other):
    return _compare("logical_and", input, other)


def logical_or(input, other):
    return _compare("logical_or", input, other)


def logical_xor(input, other):
    return _compare("logical_xor", input, other)


def logical_not(input):
    return wrap(get_array_module(input._data).logical_not(input._data))


def _bitwise(fname, a, b):
    if any(isinstance(v, float) or (is_tensor(v) and v.dtype.is_floating_point) for v in (a, b)):
        raise NotImplementedError(f'"{fname}_cpu" not implemented for \'Float\'')   # (a RuntimeError)
    a, b = promote(a, b)
    xp = get_array_module(_raw(a))
    return wrap(xp.asarray(getattr(xp, fname)(_raw(a), _raw(b))))


def bitwise_and(input, other):
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input, other):
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input, other):
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input):
    if input.dtype.is_floating_point:
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return wrap(get_array_module(input._data).invert(input._data))


def isnan(input):
    return wrap(get_array_module(input._data).isnan(input._data))


def isinf(input):
    return wrap(get_array_module(input._data).isinf(input._data))


def isposinf(input):
    return isinf(input) & (input > 0)


def isneginf(input):
    return isinf(input) & (input < 0)


def isfinite(input):
    return wrap(get_array_module(input._data).isfinite(input._data))


def equal(input, other):
    """True when both tensors have the same shape and elements."""
    return tuple(input.shape) == tuple(other.shape) and bool((input == other).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    xp = get_array_module(input._data)
    return wrap(xp.isclose(input._data, _raw(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


class Maximum(Op):
    """y = max(a, b) elementwise;  the gradient goes to the larger one (split in half on ties)"""
    @staticmethod
    def forward(ctx, a, b, fname):
        ctx.save_for_backward(a, b)
        ctx.fname = fname
        return getattr(get_array_module(a), fname)(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        pick_a = (a > b) if ctx.fname == "maximum" else (a < b)
        tie = (a == b)
        wa = pick_a + tie * 0.5
        wb = 1 - wa
        return (sum_to_shape(grad * wa, a.shape) if ctx.needs_input_grad[0] else None,
                sum_to_shape(grad * wb, b.shape) if ctx.needs_input_grad[1] else None)


def maximum(input, other):
    check_same_device("maximum", input, other)
    a, b = promote(input, other)
    if not is_tensor(b):
        from .._creation import _scalar_like
        b = _scalar_like(b, a)
    return Maximum.apply(a, b, "maximum")


def minimum(input, other):
    check_same_device("minimum", input, other)
    a, b = promote(input, other)
    if not is_tensor(b):
        from .._creation import _scalar_like
        b = _scalar_like(b, a)
    return Maximum.apply(a, b, "minimum")


fmax, fmin = maximum, minimum


def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values and the indices they came from (the gradient follows the values back)."""
    d = norm_dim(dim, input.dim())
    xp = get_array_module(input._data)
    key = -input._data if descending and input.dtype.kind != "bool" else input._data
    idx = xp.argsort(key, axis=d, kind="stable")
    if descending and input.dtype.kind == "bool":
        idx = xp.flip(xp.argsort(input._data, axis=d, kind="stable"), axis=d)
    idx_t = wrap(idx.astype("int64"))
    return return_types_sort(input.gather(d, idx_t) if input.dim() else input.clone(), idx_t)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = norm_dim(dim, input.dim())
    if k > input.shape[d]:
        raise RuntimeError("selected index k out of range")
    values, indices = sort(input, d, descending=largest)
    return return_types_topk(values.narrow(d, 0, k), indices.narrow(d, 0, k))


def kthvalue(input, k, dim=-1, keepdim=False):
    d = norm_dim(dim, input.dim())
    values, indices = sort(input, d)
    v, i = values.select(d, k - 1), indices.select(d, k - 1)
    if keepdim:
        v, i = v.unsqueeze(d), i.unsqueeze(d)
    return return_types_kthvalue(v, i)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    xp = get_array_module(input._data)
    res = xp.unique(input._data, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    if not (return_inverse or return_counts):
        return wrap(res)
    out = [wrap(res[0])]
    k = 1
    if return_inverse:
        out.append(wrap(res[k].reshape(input.shape).astype("int64")))
        k += 1
    if return_counts:
        out.append(wrap(res[k].astype("int64")))
    return tuple(out)


def searchsorted(sorted_sequence, values, *, right=False):
    xp = get_array_module(sorted_sequence._data)
    return wrap(xp.searchsorted(sorted_sequence._data, _raw(values),
                                        side="right" if right else "left").astype("int64"))


def bucketize(input, boundaries, *, right=False):
    return searchsorted(boundaries, input, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is one of ``test_elements`` (either may be a number)."""
    like = elements if is_tensor(elements) else test_elements
    xp = get_array_module(like._data)
    e = elements._data if is_tensor(elements) else xp.asarray(elements)
    t = test_elements._data if is_tensor(test_elements) else xp.asarray(test_elements)
    return wrap(xp.isin(e, t, invert=invert))
