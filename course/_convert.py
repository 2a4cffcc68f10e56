"""Converting arrays between float32 and the 16-bit floats: ``astype(a, dtype, out=None)``.

Mixed precision converts a lot: every weight to 16 bits before a matrix product, every activation back to
float32 for the next one, every gradient back to the float32 of its weight. numpy's x86 wheels convert
float16 one element at a time in software (about 1.3 ns per element up, 2.4 ns down), and ml_dtypes converts
float32 to bfloat16 at about 0.5 ns. The loops below do the same conversions on the bit patterns, with integer
operations (and one float addition for float16's subnormals; rounding to float16 in float32 is all float
arithmetic), so that a compiler can run them on many elements at once. When numba is installed they are compiled (on first use, then cached on disk by numba) and run at 0.2
to 0.6 ns per element; without numba, numpy and ml_dtypes convert (course/_jit.py). Both give the same bits:
tests/test_convert.py checks it on millions of patterns (NaN payloads included, as numpy's software
conversion keeps them; a numpy that converts float16 in hardware may quiet signalling NaNs differently).

The bits of  float32:  sign (1) | exponent (8, bias 127) | mantissa (23)
             bfloat16: sign (1) | exponent (8, bias 127) | mantissa (7)      the upper half of a float32
             float16:  sign (1) | exponent (5, bias 15)  | mantissa (10)

Rounding to fewer mantissa bits is "to nearest, ties to even": add just under half a unit of the last kept
bit (one more if that bit is odd) and cut. A carry out of the mantissa runs into the exponent, which is
right: the number was rounded up to the next power of two, or to inf.
"""
import functools

import ml_dtypes
import numpy as np

from . import _threads
from ._jit import jit


# -- the loops: src and dst are 1-D arrays of unsigned integers holding the bit patterns -----------------------
def float32_to_bfloat16(src, dst):
    """bfloat16 = the upper 16 bits of the float32, rounded to nearest even; a NaN becomes the quiet NaN
    0x7FC0 with its sign (as in ml_dtypes)."""
    for i in range(src.size):
        u = int(src[i])
        rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        nan = (u & 0x7FFFFFFF) > 0x7F800000
        dst[i] = (((u >> 16) & 0x8000) | 0x7FC0) if nan else rounded


def float32_to_float16(src, values, dst):
    """float16 of a float32 (values: src seen as float32), rounded to nearest even, as in numpy: 65520 and more
    become inf, a NaN keeps its sign and the top 10 bits of its payload (at least one of them set, so that it
    stays a NaN)."""
    for i in range(src.size):
        u = int(src[i])
        a = u & 0x7FFFFFFF                                          # |x|
        # |x| >= 2**-14, a normal float16: exponent 127 -> 15 (subtract 112 << 23), mantissa 23 -> 10 bits
        normal = (a - 0x38000000 + 0xFFF + ((a >> 13) & 1)) >> 13
        # |x| < 2**-14, a subnormal float16 (or 0): a whole number of 2**-24. In |x| + 0.5 the last mantissa bit
        # is worth 2**-24, so the float32 addition itself rounds |x| to it (to nearest even), and the low bits
        # of the sum, above those of 0.5, count the units
        sub = int(np.float32(abs(values[i]) + np.float32(0.5)).view(np.uint32)) - 0x3F000000
        r = normal if a >= 0x38800000 else sub
        r = 0x7C00 if a >= 0x477FF000 else r                        # rounds to 65536 or more: inf
        r = (0x7C00 | max((a >> 13) & 0x3FF, 1)) if a > 0x7F800000 else r     # NaN
        dst[i] = ((u >> 16) & 0x8000) | r


def float32_round_bfloat16(src, dst):
    """The float32 of the bfloat16 nearest to src (as float32_to_bfloat16, then widened: the lower 16 bits
    become 0); a NaN becomes 0x7FC00000 with its sign. dst should not overlap src (the compiler would then give
    up running the loop on many elements at once)."""
    for i in range(src.size):
        u = int(src[i])
        rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
        nan = (u & 0x7FFFFFFF) > 0x7F800000
        dst[i] = ((u & 0x80000000) | 0x7FC00000) if nan else rounded


def float32_round_float16(src, dst):
    """The float32 of the float16 nearest to src (src and dst: float32 arrays; as float32_to_float16, then
    widened), in float32 arithmetic, which runs on twice as many elements at once as the bit operations:

    * |x| >= 2**-14 (a normal float16): t = 8193 |x|, then t - (t - |x|) is |x| rounded to 11 significant bits,
      to nearest even (Veltkamp's splitting: 8193 = 2**13 + 1, and 24 - 13 = 11 bits are kept);
    * |x| < 2**-14: (|x| + 0.5) - 0.5 is |x| rounded to a multiple of 2**-24 (see float32_to_float16);
    * 65520 and more: inf; the sign is put back last.

    A NaN, rare, is redone afterwards on its bits: it keeps its sign and the top 10 bits of its payload (at
    least one of them set), as numpy's float16 does. dst must not be src: that second pass reads src again.
    (Run as plain Python, numpy warns at inf - inf and at NaN: those results are replaced by the last tests.)"""
    nan = False
    for i in range(src.size):
        x = src[i]
        a = abs(x)
        t = a * np.float32(8193.0)
        r = t - (t - a)
        r = r if a >= np.float32(2.0 ** -14) else (a + np.float32(0.5)) - np.float32(0.5)
        r = np.float32(np.inf) if a >= np.float32(65520.0) else r
        dst[i] = np.copysign(r, x)
        nan |= x != x
    if nan:
        bits, out = src.view(np.uint32), dst.view(np.uint32)
        for i in range(src.size):
            u = int(bits[i])
            if (u & 0x7FFFFFFF) > 0x7F800000:
                out[i] = (u & 0xFF800000) | (max((u >> 13) & 0x3FF, 1) << 13)


def float16_to_float32(src, dst, table):
    """float16 has only 65536 values: table[h] is the float32 bit pattern of float16 pattern h (every one of
    them converted once by numpy, so the result is numpy's to the bit)."""
    for i in range(src.size):
        dst[i] = table[src[i]]


# -- choosing a loop --------------------------------------------------------------------------------------------
_F32, _F16, _BF16 = np.dtype(np.float32), np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16)
_U32, _U16 = np.dtype(np.uint32), np.dtype(np.uint16)
# the pairs the loops convert, and the fewest elements for which a loop beats numpy's or ml_dtypes' conversion,
# which starts faster (numpy's float16 conversion is slow at any size: about 70 ns for each subnormal, common in
# float16 gradients without a GradScaler)
_SMALL = {(_F32, _BF16): 4096, (_F32, _F16): 16, (_F16, _F32): 16}
_FEW = _SMALL[_F32, _BF16]
_BFLOAT16_PAIRS = {(_F32, _BF16), (_BF16, _F32)}   # ml_dtypes' conversions, which never signal a float error
_SPLIT = 1 << 21       # more elements: shared among course's threads (a loop takes ~0.3 ms on 2M elements)


@functools.cache
def _compiled_loops():
    """{(from dtype, to dtype): loop(src bits, dst bits)} compiled by numba, all at once (with "round bfloat16"
    and "round float16": float32_round_bfloat16 and float32_round_float16); {} without numba
    (course/_jit.py). Called at the first conversion that can use them, so other casts never load numba."""
    table = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32).view(np.uint32)
    u32, u16 = np.zeros(1, _U32), np.zeros(1, _U16)
    down_bf16 = jit(float32_to_bfloat16, u32, u16)
    down = jit(float32_to_float16, u32, u32.view(_F32), u16)
    up = jit(float16_to_float32, u16, u32, table)
    round_bf16 = jit(float32_round_bfloat16, u32, u32.copy())
    round_f16 = jit(float32_round_float16, u32.view(_F32), u32.view(_F32).copy())
    if None in (down_bf16, down, up, round_bf16, round_f16):
        return {}
    return {(_F32, _BF16): down_bf16,
            (_F32, _F16): lambda src, dst: down(src, src.view(_F32), dst),
            (_F16, _F32): lambda src, dst: up(src, dst, table),
            "round bfloat16": round_bf16,
            "round float16": lambda src, dst: round_f16(src.view(_F32), dst.view(_F32))}


def astype(a, dtype, out=None):
    """a converted to dtype, as ``a.astype(dtype)`` (a new array), or written into ``out`` (an array of that
    dtype and a's shape). float32 -> float16/bfloat16 and float16 -> float32 of numpy arrays run the loops above
    when numba is installed, big arrays split among course's threads; everything else (and CuPy arrays, which
    convert on the GPU) is numpy's (or ml_dtypes') conversion. Quiet, as in PyTorch: a value too big for a float
    dtype becomes inf, too small 0; for an integer dtype, NaN and values out of range give an unspecified
    integer."""
    dtype = np.dtype(dtype)
    if out is None and a.size < _FEW and (a.dtype, dtype) in _BFLOAT16_PAIRS:
        return a.astype(dtype)                       # (the quickest way for a few elements; nothing to silence)
    if out is not None and (out.shape != a.shape or out.dtype != dtype):
        raise ValueError(f"astype: out must have shape {a.shape} and dtype {dtype}, not {out.shape} and {out.dtype}")
    pair = (a.dtype, dtype)
    loop = None
    if pair in _SMALL and type(a) is np.ndarray and a.size >= _SMALL[pair] and a.flags.c_contiguous and (
            out is None or (out.flags.c_contiguous and out.flags.writeable)):
        loop = _compiled_loops().get(pair)
    if loop is None:
        # widening, or ml_dtypes' float32 -> bfloat16 (integer operations): no floating-point error to silence
        if dtype == a.dtype or (dtype.itemsize > a.dtype.itemsize and dtype.kind == "f") or pair == (_F32, _BF16):
            return _into(out, a, dtype)
        with np.errstate(all="ignore"):
            return _into(out, a, dtype)
    if out is None:
        out = np.empty(a.shape, dtype)
    _run(loop, a, out)
    return out


def round_to(a, low):
    """A new float32 array of a's values (float32, float16 or bfloat16) rounded to the 16-bit dtype low: what
    ``astype(astype(a, low), float32)`` gives, in one pass where a loop does it (float32 to either). This is how
    a float32 input reaches an op that computes in low precision (course/ops/autocast_hook.py)."""
    low = np.dtype(low)
    if a.dtype == low:
        return astype(a, _F32)
    loop = None
    if a.dtype == _F32 and type(a) is np.ndarray and a.size >= _SMALL[_F32, low]:
        loop = _compiled_loops().get("round " + low.name)
    if loop is None:                                 # (a few elements: astype's quickest paths)
        return astype(astype(a, low), _F32)
    a = np.ascontiguousarray(a)
    out = np.empty(a.shape, _F32)
    _run(loop, a, out)
    return out


def _run(loop, a, out):
    """loop(bits of a, bits of out) for C-contiguous arrays; big ones shared among course's threads."""
    src = a.reshape(-1).view(_U32 if a.dtype.itemsize == 4 else _U16)
    dst = out.reshape(-1).view(_U32 if out.dtype.itemsize == 4 else _U16)
    if src.size < _SPLIT:
        loop(src, dst)
    else:
        _threads.over_batch(lambda lo, hi: loop(src[lo:hi], dst[lo:hi]), src.size, src, work=_threads.MIN_ELEMENTS)


def _into(out, a, dtype):
    """numpy's (or ml_dtypes') conversion of a, into out when given."""
    if out is None:
        return _astype_split(a, dtype)
    out[...] = a
    return out


def _astype_split(a, dtype):
    """a.astype(dtype), the rows shared among the threads when that pays (numpy's float16 conversions are slow,
    about 2 ns per element, so they count four times)."""
    if type(a) is not np.ndarray or a.ndim == 0 or a.dtype == dtype:
        return a.astype(dtype)
    slow = _F16 in (a.dtype, dtype)
    if a.size * (4 if slow else 1) < _threads.MIN_ELEMENTS:
        return a.astype(dtype)
    out = np.empty(a.shape, dtype=dtype)

    def part(lo, hi):
        out[lo:hi] = a[lo:hi]
    _threads.over_batch(part, a.shape[0], a, work=_threads.MIN_ELEMENTS)
    return out
