"""float16/bfloat16 kernels that avoid numpy's slow float16 arithmetic: bit-pattern selections (keep_where,
positive_or_nan), relu and pooling on the bits, and convolution computed in float32 and rounded once.
Each is compared with the same computation done in float32 on the same (already rounded) numbers."""
import ml_dtypes
import numpy as np
import pytest

import course
import course.nn.functional as F
from course.ops.select import keep_where, positive_or_nan

LOW = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16}


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_positive_or_nan_on_every_bit_pattern(name):
    a = np.arange(1 << 16, dtype=np.uint16).view(LOW[name])
    f = a.astype(np.float32)
    np.testing.assert_array_equal(positive_or_nan(a), (f > 0) | np.isnan(f))


def test_positive_or_nan_float32_and_keep_where():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 1 << 32, 100_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    a[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan]
    np.testing.assert_array_equal(positive_or_nan(a), (a > 0) | np.isnan(a))
    g = np.array([np.nan, np.inf, -2.0, 3.0], dtype=np.float32)
    kept = keep_where(g, np.array([False, False, True, True]))
    np.testing.assert_array_equal(kept, [0.0, 0.0, -2.0, 3.0])        # NaN and inf do not leak through a 0


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_relu_low_precision_matches_float32(name):
    dt = getattr(course, name)
    x = course.tensor(np.array([-2.0, -0.0, 0.0, 1.5, np.nan, -np.nan, np.inf, -np.inf, 1e-7, -1e-7] * 3))
    x = x.to(dt).requires_grad_()
    y = F.relu(x)
    assert y.dtype is dt
    ref = F.relu(x.detach().float())
    np.testing.assert_array_equal(y.float().detach().numpy(), ref.numpy())
    y.backward(course.ones_like(y))
    np.testing.assert_array_equal(x.grad.float().numpy(), (ref.numpy() > 0) | np.isnan(ref.numpy()))


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_relu_low_precision_on_every_bit_pattern(name):
    """Every 16-bit pattern: relu keeps x > 0 and NaN (its bits untouched) and gives +0 for the rest (-0, -inf,
    negative numbers); its gradient passes where the output is > 0 or NaN. (Relu's backward reads that off the
    output's bits as "not +0", which relies on -0 becoming +0 here.)"""
    dt = getattr(course, name)
    patterns = np.arange(1 << 16, dtype=np.uint16)
    f = patterns.view(dt.np).astype(np.float32)
    x = course.from_numpy(patterns.view(dt.np).copy()).requires_grad_()
    y = F.relu(x)
    keep = (f > 0) | np.isnan(f)
    np.testing.assert_array_equal(y.detach().numpy().view(np.uint16), np.where(keep, patterns, 0))
    g = course.from_numpy(np.full(1 << 16, 3.0, dtype=dt.np))
    y.backward(g)
    np.testing.assert_array_equal(x.grad.numpy().view(np.uint16), np.where(keep, g.numpy().view(np.uint16), 0))


@pytest.mark.parametrize("cin", [1, 4])      # thin (one product per image) and ordinary im2col
@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_conv2d_low_precision_is_float32_rounded_once(name, cin):
    dt = getattr(course, name)
    rng = np.random.default_rng(1)
    x, w, b = (course.tensor(rng.standard_normal(s)).to(dt) for s in [(3, cin, 7, 6), (5, cin, 3, 3), (5,)])
    g = course.tensor(rng.standard_normal((3, 5, 7, 6))).to(dt)
    xl, wl, bl = (t.detach().requires_grad_() for t in (x, w, b))
    x32, w32, b32 = (t.detach().float().requires_grad_() for t in (x, w, b))
    y = F.conv2d(xl, wl, bl, padding=1)
    y32 = F.conv2d(x32, w32, b32, padding=1)
    assert y.dtype is dt
    np.testing.assert_array_equal(y.float().detach().numpy(), y32.detach().to(dt).float().numpy())
    y.backward(g)
    y32.backward(g.float())
    for low, ref in [(xl, x32), (wl, w32), (bl, b32)]:
        assert low.grad.dtype is dt
        np.testing.assert_allclose(low.grad.float().numpy(), ref.grad.to(dt).float().numpy(), rtol=1e-2, atol=1e-3)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_sum_of_low_precision_accumulates_in_float32(name):
    """As in PyTorch: a float16/bfloat16 sum is added up in float32 and rounded once at the end."""
    dt = getattr(course, name)
    x = course.full((4096,), 0.1).to(dt)
    expected = np.float32(x.float().numpy().sum(dtype=np.float32)).astype(LOW[name])
    assert x.sum().dtype is dt
    assert x.sum().item() == float(expected)
    assert abs(x.sum().item() - 409.6) < 2.0          # the exact sum of 4096 x 0.1
