"""Elementwise functions of one tensor. Each docstring gives f and its derivative f'."""
from ..autograd.function import Op
from .._device import get_array_module
from .. import _dtype
from ._util import quiet, as_float, is_tensor, wrap
from .autocast_hook import maybe_autocast, LOW_DTYPES
from .select import bits, keep_where, minus_inf_bits
from .._threads import over_batch

__all__ = ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs", "sin", "cos", "tan",
           "tanh", "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "clamp", "clip",
           "clamp_min", "clamp_max", "reciprocal", "erf", "asin", "acos", "atan", "sinh", "cosh", "exp2", "frac", "absolute",
           "as_float_pair", "positive", "logit", "nan_to_num", "signbit", "sgn", "fix"]


class Exp(Op):
    """y = e^x;  y' = e^x = y"""
    @staticmethod
    def forward(ctx, x):
        with quiet():
            y = get_array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


class Log(Op):
    """y = ln x;  y' = 1/x"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return get_array_module(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x


class Log1p(Op):
    """y = ln(1 + x);  y' = 1/(1 + x)"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return get_array_module(x).log1p(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Op):
    """y = e^x - 1;  y' = e^x = y + 1"""
    @staticmethod
    def forward(ctx, x):
        with quiet():
            y = get_array_module(x).expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * (y + 1)


class Sqrt(Op):
    """y = sqrt(x);  y' = 1 / (2 sqrt(x)) = 1 / (2y)"""
    @staticmethod
    def forward(ctx, x):
        with quiet():
            y = get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad / (2 * y)


class Abs(Op):
    """y = |x|;  y' = sign(x)  (0 at x = 0, as in PyTorch)"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.sign()


class Sin(Op):
    """y = sin x;  y' = cos x"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.cos()


class Cos(Op):
    """y = cos x;  y' = -sin x"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * x.sin()


class Tan(Op):
    """y = tan x;  y' = 1 + tan^2 x = 1 + y^2"""
    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * (1 + y * y)


class Tanh(Op):
    """y = tanh x;  y' = 1 - y^2"""
    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Op):
    """y = 1 / (1 + e^-x);  y' = y (1 - y)"""
    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        # split by sign so that exp never overflows: for x < 0 use e^x / (1 + e^x)
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Op):
    """y = max(x, 0);  y' = 1 where x > 0, else 0"""
    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        if x.ndim > 0 and x.dtype in LOW_DTYPES:   # numpy's float16 maximum is slow: keep or zero the bits
            # kept: the patterns above -inf's (see positive_or_nan), that is x > 0, NaN, and +0 (0 either way)
            y = xp.empty_like(x)
            below = minus_inf_bits(x.dtype)
            over_batch(lambda lo, hi: keep_where(x[lo:hi], bits(x[lo:hi]) > below, out=y[lo:hi]), len(x), x)
        elif x.ndim == 0 or x.dtype.kind != "f":
            y = xp.maximum(x, 0)
        else:                                       # big activations: both halves of the batch at once
            y = xp.empty_like(x)
            over_batch(lambda lo, hi: xp.maximum(x[lo:hi], 0, out=y[lo:hi]), len(x), x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        if not y.dtype.is_floating_point or grad.dtype != y.dtype or y.dim() == 0:
            return grad * (y > 0)
        return ReluBackward.apply(grad, y)


class ReluBackward(Op):
    """g_x = g where y > 0 or y is NaN, else 0 (PyTorch's threshold_backward: 0 where y <= 0); linear in g, so its
    backward is itself"""
    grad_fn_name = "ThresholdBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, y):
        xp = get_array_module(grad)
        ctx.save_for_backward(y)
        out = xp.empty_like(grad)
        # "not y <= 0" is "y > 0 or y is NaN"; for float16/bfloat16 it is read off the bits (numpy's float16
        # compares are slow). y is relu's output: +0 or a kept x (> 0 or NaN), so that is "y is not +0"
        low = y.dtype in LOW_DTYPES

        def part(lo, hi):
            keep = bits(y[lo:hi]) != 0 if low else ~(y[lo:hi] <= 0)
            keep_where(grad[lo:hi], keep, out=out[lo:hi])
        over_batch(part, len(grad), grad)
        return out

    @staticmethod
    def backward(ctx, gg):
        y, = ctx.saved_tensors
        return ReluBackward.apply(gg, y), None


class Clamp(Op):
    """y = min(max(x, lo), hi);  y' = 1 inside [lo, hi], else 0"""
    grad_fn_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return get_array_module(x).clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        inside = True
        if ctx.lo is not None:
            inside = x >= ctx.lo
        if ctx.hi is not None:
            inside = inside & (x <= ctx.hi) if ctx.lo is not None else x <= ctx.hi
        return grad * inside


class Erf(Op):
    """y = erf x;  y' = 2/sqrt(pi) e^(-x^2)"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():                       # (each branch is computed everywhere, then the right one picked)
            return _erf(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (2 / 3.141592653589793 ** 0.5) * (-x * x).exp()


class Asin(Op):
    """y = asin x;  y' = 1 / sqrt(1 - x^2)"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return get_array_module(x).arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 - x * x).sqrt()


class Acos(Op):
    """y = acos x;  y' = -1 / sqrt(1 - x^2)"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet():
            return get_array_module(x).arccos(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad / (1 - x * x).sqrt()


class Atan(Op):
    """y = atan x;  y' = 1 / (1 + x^2)"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).arctan(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 + x * x)


class Sinh(Op):
    """y = sinh x;  y' = cosh x"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sinh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.cosh()


class Cosh(Op):
    """y = cosh x;  y' = sinh x"""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cosh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.sinh()


class Piecewise(Op):
    """Step functions (floor, ceil, round, trunc, sign): their derivative is 0 almost everywhere."""
    @staticmethod
    def forward(ctx, x, fname):
        xp = get_array_module(x)
        ctx._name = fname.capitalize() + "Backward0"
        return getattr(xp, fname)(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def _erf(x):
    """erf for arrays (numpy has none): W. J. Cody's rational approximations, accurate to float64."""
    xp = get_array_module(x)
    a = xp.abs(x).astype(xp.float64)
    small = a < 0.5
    # |x| < 0.5: erf(x) = x * P(x^2) / Q(x^2)
    t = a * a
    p = ((((1.857777061846031526730e-1 * t + 3.161123743870565596947e0) * t + 1.138641541510501556495e2) * t
          + 3.774852376853020208137e2) * t + 3.209377589138469472562e3)
    q = ((((t + 2.360129095234412093499e1) * t + 2.440246379344441733056e2) * t + 1.282616526077372275645e3) * t
         + 2.844236833439170622273e3)
    r_small = a * p / q
    # 0.5 <= |x| < 4: erfc(x) = exp(-x^2) * P(x) / Q(x)
    # Horner evaluation of P(a) and Q(a), highest degree first
    num = xp.zeros_like(a)
    for c in (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1,
              2.98635138197400131e2, 8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3,
              1.23033935479799725e3):
        num = num * a + c
    den = xp.zeros_like(a)
    for c in (1.0, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
              3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3):
        den = den * a + c
    erfc_mid = xp.exp(-t) * num / den
    # |x| >= 4: erfc(x) = exp(-x^2)/x * (1/sqrt(pi) + 1/x^2 * P(1/x^2)/Q(1/x^2))
    z = 1.0 / xp.maximum(t, 1e-300)
    num3 = xp.zeros_like(a)
    for c in (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
              1.60837851487422766e-2, 6.58749161529837803e-4):
        num3 = num3 * z + c
    den3 = xp.zeros_like(a)
    for c in (1.0, 2.56852019228982242e0, 1.87295284992346725e0, 5.27905102951428412e-1,
              6.05183413124413191e-2, 2.33520497626869185e-3):
        den3 = den3 * z + c
    erfc_big = xp.exp(-t) / xp.maximum(a, 1e-300) * (0.5641895835477563 - z * num3 / den3)
    erfc = xp.where(a < 4.0, erfc_mid, erfc_big)
    r = xp.where(small, r_small, 1.0 - erfc)
    return (xp.sign(x) * r).astype(x.dtype)


def as_float_pair(a, b):
    """Division of ints gives floats: cast int tensors (and the pair's dtype) to the default float."""
    if is_tensor(a) and not a.dtype.is_floating_point:
        a = as_float(a)
        if is_tensor(b) and not b.dtype.is_floating_point:
            b = as_float(b)
        return a, b
    if is_tensor(b) and not b.dtype.is_floating_point:
        b = as_float(b)
    return a, b


def _float_op(op):
    name = op.__name__.lower()

    def f(input):
        input, = maybe_autocast(name, as_float(input))      # autocast runs exp, log... in float32
        return op.apply(input)
    f.__name__ = name
    f.__doc__ = op.__doc__
    return f


exp = _float_op(Exp)
log = _float_op(Log)
log1p = _float_op(Log1p)
expm1 = _float_op(Expm1)
sqrt = _float_op(Sqrt)
sin = _float_op(Sin)
cos = _float_op(Cos)
tan = _float_op(Tan)
tanh = _float_op(Tanh)
sigmoid = _float_op(Sigmoid)
erf = _float_op(Erf)
asin = _float_op(Asin)
acos = _float_op(Acos)
atan = _float_op(Atan)
sinh = _float_op(Sinh)
cosh = _float_op(Cosh)


def log2(input):
    return log(input) / 0.6931471805599453


def log10(input):
    return log(input) / 2.302585092994046


def exp2(input):
    return exp(as_float(input) * 0.6931471805599453)


def rsqrt(input):
    return sqrt(input).reciprocal()


def reciprocal(input):
    return 1 / as_float(input)


def logit(input, eps=None):
    x = input if eps is None else input.clamp(eps, 1 - eps)
    return (x / (1 - x)).log()


def abs(input):
    if input.dtype.kind == "bool":
        return input.clone()
    return Abs.apply(input)


absolute = abs


def positive(input):
    return input


def relu(input):
    return Relu.apply(input)


def _step(fname):
    def f(input):
        if not input.dtype.is_floating_point and (fname != "sign" or input.dtype.kind == "bool"):
            return input.clone()
        return Piecewise.apply(input, fname)
    f.__name__ = fname
    return f


floor = _step("floor")
ceil = _step("ceil")
trunc = fix = _step("trunc")
sign = sgn = _step("sign")


def round(input, *, decimals=0):
    """Round half to even, as PyTorch and numpy do."""
    if decimals == 0:
        return _step("round")(input)
    scale = 10.0 ** decimals
    return _step("round")(input * scale) / scale


def frac(input):
    return input - input.trunc()


def signbit(input):
    return wrap(get_array_module(input._data).signbit(input._data))


def clamp(input, min=None, max=None):
    """Limit values to [min, max]; either bound may be None (or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if is_tensor(min) or is_tensor(max):
        from .compare import maximum, minimum
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    target = _dtype.result_type(input, *[b for b in (min, max) if b is not None])   # bool.clamp(0, 1) is int64
    if target is not input.dtype:
        input = input.to(target)
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    """max(input, min) element-wise: ``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max) element-wise: ``clamp(input, max=max)``."""
    return clamp(input, max=max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    xp = get_array_module(input._data)
    return wrap(xp.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf))
