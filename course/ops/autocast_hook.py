"""Where autocast (course.amp) plugs into ops: ``maybe_autocast(op_name, *tensors)``.

Outside an autocast region this returns the tensors unchanged and costs one attribute read.

``lowp_matmul`` is how a matrix product of float16/bfloat16 arrays is computed, the way a GPU's tensor
cores do it: inputs already rounded to the low dtype, products summed in float32 (by float32 BLAS here,
much faster than numpy's float16 loops), the result rounded to the low dtype (so it overflows to inf
where a float16 matmul would).
"""
import numpy as np


class _State:
    active = None            # set by course.amp.autocast to a function(op_name, tensors) -> tensors


def maybe_autocast(op_name, *tensors):
    if _State.active is None:
        return tensors
    return _State.active(op_name, tensors)


_LOW = (np.dtype(np.float16), np.dtype("bfloat16"))


def lowp_matmul(xp, a, b):
    """a @ b; for float16/bfloat16 operands: float32 accumulation, result rounded to the operands' dtype."""
    if a.dtype in _LOW and b.dtype == a.dtype:
        with np.errstate(over="ignore"):
            return xp.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    return xp.matmul(a, b)
