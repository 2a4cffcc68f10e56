"""``keep_where(a, mask)``: a where mask is true, else 0, without float arithmetic.

``a * mask`` would do, except that NaN * 0 is NaN (a NaN gradient would leak to every position the mask
rules out) and numpy's float16 multiply is very slow. Multiplying the *bit pattern* of each element by 0 or
1 instead keeps it exactly or turns it into +0.0, whatever the value, and runs at integer speed.
"""
from .._device import get_array_module


def bits(a):
    """The same memory seen as integers of the same width (a view: writing to it writes to a)."""
    xp = get_array_module(a)
    return a.view({2: xp.int16, 4: xp.int32, 8: xp.int64}[a.dtype.itemsize])


def keep_where(a, mask, out=None):
    """a where mask, else +0.0 (out: an array of a's dtype to write into)."""
    xp = get_array_module(a)
    r = xp.multiply(bits(a), mask, out=None if out is None else bits(out))
    return r.view(a.dtype)


_INF_BITS = {"float16": 0x7C00, "bfloat16": 0x7F80, "float32": 0x7F800000, "float64": 0x7FF0000000000000}


def minus_inf_bits(dtype):
    """The bit pattern of -inf in ``dtype`` (a float dtype), read as a signed integer (see positive_or_nan)."""
    width = 8 * dtype.itemsize
    return _INF_BITS[dtype.name] - (1 << (width - 1))


def positive_or_nan(a):
    """a > 0 or a is NaN, for a floating-point array, read off the bit patterns seen as signed
    integers: +0 is 0; positive numbers, +inf and +NaN are above 0; -inf and the negative numbers are at or
    below the pattern of -inf; only -NaN patterns (and -0, the most negative) lie between -inf and 0."""
    b = bits(a)
    return (b > minus_inf_bits(a.dtype)) & (b != 0)
