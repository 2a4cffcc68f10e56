"""Where autocast (course.amp) plugs into ops: ``maybe_autocast(op_name, *tensors)``.

Outside an autocast region this returns the tensors unchanged and costs one attribute read.

``lowp_matmul`` is how a matrix product of float16/bfloat16 arrays is computed, the way a GPU's tensor
cores do it: inputs already rounded to the low dtype, products summed in float32 (by float32 BLAS here,
much faster than numpy's float16 loops), the result rounded to the low dtype (so it overflows to inf
where a float16 matmul would).
"""
import numpy as np

from .._convert import astype, round_to
from .._threads import matmul


class _State:
    active = None            # set by course.amp.autocast to a function(op_name, tensors) -> tensors
    low_dtype = None         # and to a function(tensors) -> the 16-bit numpy dtype, or None


def maybe_autocast(op_name, *tensors):
    if _State.active is None:
        return tensors
    return _State.active(op_name, tensors)


def autocast_low_dtype(*tensors):
    """For a low-precision op (linear) that rounds its inputs itself, instead of having autocast cast them
    first: the 16-bit numpy dtype to compute in, or None (outside autocast, or when autocast would leave
    one of the tensors as it is: float64, integers, another device)."""
    if _State.active is None:
        return None
    return _State.low_dtype(tensors)


LOW_DTYPES = (np.dtype(np.float16), np.dtype("bfloat16"))    # computed in float32, stored rounded


def lowp_matmul(xp, a, b):
    """a @ b; for float16/bfloat16 operands: float32 accumulation, result rounded to the operands' dtype.
    (2-D products are shared among course's threads: course/_threads.py.)"""
    if a.dtype in LOW_DTYPES and b.dtype == a.dtype:
        with np.errstate(over="ignore"):
            return astype(matmul(xp, astype(a, np.float32), astype(b, np.float32)), a.dtype)
    return matmul(xp, a, b)


def as_float32(a):
    """float16/bfloat16 data as float32 (anything else unchanged): how kernels compute on low-precision data."""
    return astype(a, np.float32) if a.dtype in LOW_DTYPES else a


def float32_compute(*arrays):
    """(low dtype, the arrays as float32) when the first is float16/bfloat16, else (None, the arrays).

    Kernels built on big intermediate arrays (convolution's im2col) convert their small inputs once, compute in
    float32 and round the result to the low dtype: tensor-core numerics without converting the big arrays."""
    if arrays[0].dtype not in LOW_DTYPES:
        return None, arrays
    return arrays[0].dtype, tuple(None if a is None else astype(a, np.float32) for a in arrays)


def rounded_float32(a, low):
    """float32 of ``a`` (an array of any float dtype) rounded to ``low``: a low-precision op's input, ready for
    float32 BLAS. float32 is rounded (one pass), float16/bfloat16 widened."""
    return astype(a, np.float32) if a.dtype == low else round_to(a, low)


def in_dtype(a, low, dtype):
    """A float32 result ``a`` rounded to ``low``, returned in ``dtype`` (an input's own dtype): what casting it
    to low, then back to the input's dtype, gives."""
    if dtype == np.float32:
        return round_to(a, low)
    a = astype(a, low)
    return a if dtype == low else astype(a, dtype)
