"""The float16/bfloat16 conversion loops (course/_convert.py) give numpy's and ml_dtypes' bits exactly.

Each loop is checked twice: compiled by numba, on millions of bit patterns (every float16, the float32 values
around every float16 and every rounding boundary, random patterns, NaN payloads, subnormals), and as the plain
Python that students read, on a sample of the same patterns. ``astype`` itself is checked on the shapes,
layouts and sizes that choose between the loops, numpy and the threads."""
import hashlib
import os
import subprocess
import sys
import warnings

import ml_dtypes
import numpy as np
import pytest

import course
from course import _convert, _threads

BF16, F16, F32 = np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16), np.dtype(np.float32)


# zeros, infs, NaNs (quiet, signalling, with payloads), the extremes, and float16's rounding boundaries
SPECIAL = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7F800001, 0x7FC00000, 0xFFC00001, 0x7FFFFFFF,
                    0xFFFFFFFF, 0x7F7FFFFF, 0xFF7FFFFF, 1, 0x80000001, 0x007FFFFF, 0x477FEFFF, 0x477FF000,
                    0x33000000, 0x33000001, 0x32FFFFFF, 0x38800000, 0x387FFFFF], dtype=np.uint32)


def float32_patterns():
    """float32 bit patterns where conversions go wrong if they go wrong anywhere."""
    rng = np.random.default_rng(0)
    every_half = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32).view(np.uint32)
    near = np.concatenate([every_half.astype(np.int64) + d for d in (-1, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF)])
    # every bfloat16, and the halfway points between neighbours (ties) and one pattern either side of them
    every_bf16 = np.arange(1 << 16, dtype=np.int64) << 16
    ties = np.concatenate([every_bf16 + d for d in (0x7FFF, 0x8000, 0x8001)])
    tiny = (rng.standard_normal(200_000) * 1e-6).astype(np.float32).view(np.uint32).astype(np.int64)
    random = rng.integers(0, 1 << 32, 2_000_000, dtype=np.uint64).astype(np.int64)
    bits = np.concatenate([every_half.astype(np.int64), near, every_bf16, ties, SPECIAL.astype(np.int64), tiny,
                           random])
    return (bits % (1 << 32)).astype(np.uint32)


PATTERNS = float32_patterns()
HALVES = np.arange(1 << 16, dtype=np.uint16)


def reference(bits, dtype):
    with np.errstate(all="ignore"):
        return bits.view(np.float32).astype(dtype).view(np.uint16)


def raw(a):
    """The bytes of an array (NaN == NaN when compared)."""
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def same_bits(got, want):
    bad = np.flatnonzero(got != want)
    examples = [(hex(int(g)), hex(int(w))) for g, w in zip(got[bad[:5]], want[bad[:5]])]
    assert bad.size == 0, f"{bad.size} differ, e.g. (got, numpy's) {examples}"


@pytest.fixture(scope="module")
def loops():
    pytest.importorskip("numba", reason="the conversion loops are compiled only where numba is installed")
    compiled = _convert._compiled_loops()
    if not compiled:
        pytest.skip("COURSE_NUMBA=0, or numba could not compile here")
    return compiled


@pytest.mark.parametrize("dtype", [BF16, F16], ids=["bfloat16", "float16"])
def test_compiled_float32_to_16_bits_equals_numpy(loops, dtype):
    out = np.empty(PATTERNS.size, np.uint16)
    loops[(F32, dtype)](PATTERNS, out)
    same_bits(out, reference(PATTERNS, dtype))


def test_compiled_float16_to_float32_equals_numpy_for_every_float16(loops):
    out = np.empty(HALVES.size, np.uint32)
    loops[(F16, F32)](HALVES, out)
    same_bits(out, HALVES.view(np.float16).astype(np.float32).view(np.uint32))


@pytest.mark.parametrize("low", [BF16, F16], ids=lambda d: d.name)
def test_compiled_rounding_in_float32_equals_converting_there_and_back(loops, low):
    out = np.empty(PATTERNS.size, np.uint32)
    loops["round " + low.name](PATTERNS, out)
    same_bits(out, reference(PATTERNS, low).view(low).astype(np.float32).view(np.uint32))


@pytest.mark.parametrize("shape", [(0,), (), (7,), (40, 300), (3, 4, 500)])
@pytest.mark.parametrize("src", [F32, F16, BF16, np.dtype(np.float64)], ids=lambda d: d.name)
@pytest.mark.parametrize("low", [BF16, F16], ids=lambda d: d.name)
def test_round_to_equals_casting_there_and_back(shape, src, low):
    """round_to(a, low): float32 holding a's values rounded to low, for any float input, shape and layout."""
    rng = np.random.default_rng(2)
    with np.errstate(all="ignore"):                    # (big values and 70000 overflow float16)
        a = (rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 9, shape)).astype(src)
        a.reshape(-1)[:4] = [np.inf, -np.nan, 70000.0, 1e-9][:a.size]
        want = a.astype(low).astype(np.float32)
    for given in (a, a.T):                             # contiguous, and not (numpy's conversions)
        got = _convert.round_to(given, low)
        assert got.dtype == F32 and got.shape == given.shape and got is not given
        np.testing.assert_array_equal(raw(got), raw(np.ascontiguousarray(want.T if given is not a else want)))


def test_the_python_loops_students_read_give_the_same_bits():
    """The loops as plain Python (no numba) on a sample: what is compiled is what the docstrings explain."""
    sample = np.concatenate([PATTERNS[::997], SPECIAL])
    out = np.empty(sample.size, np.uint16)
    _convert.float32_to_bfloat16(sample, out)
    same_bits(out, reference(sample, BF16))
    with np.errstate(all="ignore"):                 # (plain Python: numpy warns when a NaN meets + 0.5)
        _convert.float32_to_float16(sample, sample.view(np.float32), out)
    same_bits(out, reference(sample, F16))
    table = HALVES.view(np.float16).astype(np.float32).view(np.uint32)
    halves = HALVES[::7]
    up = np.empty(halves.size, np.uint32)
    _convert.float16_to_float32(halves, up, table)
    same_bits(up, table[halves])
    rounded = np.empty(sample.size, np.uint32)
    _convert.float32_round_bfloat16(sample, rounded)
    same_bits(rounded, reference(sample, BF16).astype(np.uint32) << 16)
    with np.errstate(all="ignore"):
        _convert.float32_round_float16(sample.view(np.float32), rounded.view(np.float32))
    same_bits(rounded, reference(sample, F16).view(F16).astype(np.float32).view(np.uint32))


@pytest.mark.parametrize("shape", [(0,), (), (5,), (17, 300), (2, 3, 4, 700)])
@pytest.mark.parametrize("pair", [(F32, BF16), (F32, F16), (F16, F32), (BF16, F32), (np.dtype(np.float64), F16)],
                         ids=lambda p: f"{p[0].name}-{p[1].name}")
def test_astype_equals_numpy_for_any_shape_size_and_layout(shape, pair):
    """With numba (the loops) and without (numpy's conversion, and for the layouts the loops do not take)."""
    src, dst = pair
    rng = np.random.default_rng(1)
    a = (rng.standard_normal(shape) * 1e3).astype(src)
    with np.errstate(all="ignore"):
        want = a.astype(dst)
    got = _convert.astype(a, dst)
    assert got.dtype == dst and got.shape == want.shape and got is not a
    np.testing.assert_array_equal(raw(got), raw(want))
    if a.ndim >= 2:                                    # a transposed (not contiguous) input: numpy's conversion
        np.testing.assert_array_equal(raw(_convert.astype(a.T, dst)), raw(want.T))
        out = np.empty(shape, dst)                     # into a given array, contiguous or not
        assert _convert.astype(a, dst, out=out) is out
        np.testing.assert_array_equal(raw(out), raw(want))
        out_t = np.empty(shape[::-1], dst).T
        _convert.astype(a, dst, out=out_t)
        np.testing.assert_array_equal(raw(out_t), raw(want))


@pytest.mark.parametrize("pair", [(F32, BF16), (F32, F16), (F16, F32), (F32, "round bfloat16"),
                                  (F32, "round float16")], ids=lambda p: f"{p[0].name}-{getattr(p[1], 'name', p[1])}")
def test_big_arrays_split_among_threads_give_the_same_bits(loops, monkeypatch, pair):
    monkeypatch.setattr(_convert, "_SPLIT", 1000)
    monkeypatch.setattr(_threads, "MIN_ELEMENTS", 0)
    parts = []
    split = _threads.over_batch
    monkeypatch.setattr(_threads, "over_batch", lambda part, n, *a, **k: split(
        lambda lo, hi: parts.append((lo, hi)) or part(lo, hi), n, *a, **k))
    before = _threads._State.requested
    course.set_num_threads(2)
    try:
        a = np.random.default_rng(2).standard_normal((7, 1001)).astype(pair[0])
        with np.errstate(all="ignore"):
            if isinstance(pair[1], str):                                # round_to: float32 rounded to low
                low = {"round bfloat16": BF16, "round float16": F16}[pair[1]]
                want, got = a.astype(low).astype(F32), _convert.round_to(a, low)
            else:
                want, got = a.astype(pair[1]), _convert.astype(a, pair[1])
            np.testing.assert_array_equal(raw(got), raw(want))
    finally:
        _threads._State.requested = before
    assert sorted(parts) == [(0, 3503), (3503, 7007)]          # two halves, on two threads


@pytest.mark.parametrize("n", [1, 1000])        # numpy's conversion for 5 elements, a loop for 5000
def test_overflow_and_nan_convert_quietly(n):
    a = np.array([1e6, -1e6, np.nan, np.inf, 1e-30] * n, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):                            # as in PyTorch: inf, no error, no warning
            h = _convert.astype(a, F16)
            t = course.tensor(a, requires_grad=True).half()
    for x in (h, t.detach().numpy()):
        assert np.isposinf(x[0]) and np.isneginf(x[1]) and np.isnan(x[2]) and x[4] == 0


def test_out_must_have_the_shape_and_dtype_of_the_result():
    a = np.ones((4, 5000), np.float32)
    for bad in (np.empty((5000, 4), F16), np.empty((8, 5000), F16), np.empty((4, 5000), F32), np.empty(4, F16)):
        with pytest.raises(ValueError, match="out must have shape"):
            _convert.astype(a, F16, out=bad)
    frozen = np.empty((4, 5000), F16)
    frozen.flags.writeable = False
    with pytest.raises(ValueError):                                # numpy's error for a read-only array
        _convert.astype(a, F16, out=frozen)


def test_casts_that_need_no_loop_do_not_load_numba():
    """import course, float32 and integer casts and a float32 convolution's backward: numba stays unloaded."""
    code = ("import sys, course; import course.nn.functional as F; x = course.arange(10).float().double(); "
            "w = course.randn(2, 1, 3, 3, requires_grad=True); F.conv2d(course.randn(1, 1, 5, 5), w).sum().backward(); "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_float16_tensor_ops_match_numpy():
    """Through the public API: .half(), .float(), .to(bfloat16) give numpy's values."""
    x = np.random.default_rng(3).standard_normal((64, 300)).astype(np.float32) * 1e-4   # many float16 subnormals
    t = course.from_numpy(x)
    np.testing.assert_array_equal(t.half().numpy().view(np.uint16), x.astype(np.float16).view(np.uint16))
    np.testing.assert_array_equal(t.to(course.bfloat16).float().numpy(), x.astype(BF16).astype(np.float32))
    np.testing.assert_array_equal(t.half().float().numpy(), x.astype(np.float16).astype(np.float32))


# the conversions compared with and without numba: big and small, float and integer
CONVERSIONS = ("t.half().float().numpy().tobytes() + t.bfloat16().float().numpy().tobytes() + "
               "t[:10].half().numpy().tobytes() + (t * 1e6).long().numpy().tobytes() + "
               "_convert.round_to(t.numpy(), course.bfloat16.np).tobytes()")


def test_without_numba_numpy_converts_and_the_bits_are_the_same():
    """COURSE_NUMBA=0 (or numba missing): no loops, numpy's and ml_dtypes' conversions, the same results."""
    code = ("import hashlib, numpy as np, course; from course import _convert; "
            "assert _convert._compiled_loops() == {}; "
            "x = np.random.default_rng(4).standard_normal(100000).astype(np.float32) * 1e-3; t = course.from_numpy(x); "
            f"print(hashlib.sha256({CONVERSIONS}).hexdigest())")
    env = dict(os.environ, COURSE_NUMBA="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    t = course.from_numpy(np.random.default_rng(4).standard_normal(100000).astype(np.float32) * 1e-3)
    assert out.stdout.strip() == hashlib.sha256(eval(CONVERSIONS)).hexdigest()


def test_conversions_on_each_device(device):
    """The simulated device's arrays are not numpy arrays: they convert by their own astype, behind its wall."""
    t = course.randn(100, 50, device=device)
    h = t.half()
    assert h.device.type == device and h.dtype is course.float16
    np.testing.assert_array_equal(h.cpu().numpy(), t.cpu().numpy().astype(np.float16))
