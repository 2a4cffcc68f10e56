"""Activation functions: elementwise non-linearities, and softmax along a dim."""
import math
import warnings

from ... import ops
from ...ops.autocast_hook import maybe_autocast
from ...ops._util import norm_dim, as_float
from ..kernels.softmax import SoftmaxOp, LogSoftmaxOp

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "sigmoid", "tanh", "softmax",
           "log_softmax", "softmin", "softplus", "softsign", "silu", "mish", "hardtanh", "hardsigmoid",
           "hardswish", "prelu", "logsigmoid", "tanhshrink", "threshold", "glu"]


def relu(input, inplace=False):
    """max(x, 0)"""
    return input.relu_() if inplace else ops.relu(input)


def relu_(input):
    return input.relu_()


def relu6(input, inplace=False):
    """min(max(x, 0), 6)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]"""
    out = ops.clamp(input, min_val, max_val)
    return input._inplace(out) if inplace else out


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise"""
    out = ops.where(input > 0, input, input * negative_slope)
    return input._inplace(out) if inplace else out


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise"""
    # expm1 of min(x, 0): the branch not taken never overflows (no inf * 0 in backward)
    out = ops.where(input > 0, input, alpha * ops.expm1(input.clamp(max=0)))
    return input._inplace(out) if inplace else out


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))"""
    out = ops.where(input > 0, input, alpha * ops.expm1(input.clamp(max=0) / alpha))
    return input._inplace(out) if inplace else out


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants"""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    out = scale * elu(input, alpha)
    return input._inplace(out) if inplace else out


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi: the standard normal CDF); 'tanh' uses the tanh approximation"""
    if approximate == "none":
        return 0.5 * input * (1 + ops.erf(input * (1 / math.sqrt(2))))
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1 + ops.tanh(inner))
    raise RuntimeError(f"approximate argument must be either none or tanh.")


def sigmoid(input):
    """1 / (1 + e^-x)"""
    return ops.sigmoid(input)


def tanh(input):
    return ops.tanh(input)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), computed without overflow"""
    return -softplus(-input)


def softplus(input, beta=1.0, threshold=20.0):
    """(1/beta) log(1 + e^(beta x)); x itself where beta x > threshold"""
    bx = input * beta
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): never overflows
    soft = (ops.relu(bx) + ops.log1p(ops.exp(-ops.abs(bx)))) / beta
    return ops.where(bx > threshold, input, soft)


def softsign(input):
    """x / (1 + |x|)"""
    return input / (1 + ops.abs(input))


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)"""
    out = input * ops.sigmoid(input)
    return input._inplace(out) if inplace else out


def mish(input, inplace=False):
    """x * tanh(softplus(x))"""
    out = input * ops.tanh(softplus(input))
    return input._inplace(out) if inplace else out


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6"""
    out = ops.clamp(input + 3, 0, 6) / 6
    return input._inplace(out) if inplace else out


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6"""
    out = input * ops.clamp(input + 3, 0, 6) / 6
    return input._inplace(out) if inplace else out


def tanhshrink(input):
    return input - ops.tanh(input)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value"""
    out = ops.where(input > threshold, input, value)
    return input._inplace(out) if inplace else out


def prelu(input, weight):
    """x for x > 0, a * x otherwise; a is learned, one per channel (dim 1) or shared"""
    if weight.numel() != 1:
        if input.dim() < 2 or input.shape[1] != weight.numel():
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{weight.numel()} and channel size = {input.shape[1] if input.dim() > 1 else 1}.")
        weight = weight.reshape((1, -1) + (1,) * (input.dim() - 2))
    return ops.where(input > 0, input, weight * input)


def glu(input, dim=-1):
    """a * sigmoid(b) where (a, b) are the two halves of input along dim"""
    a, b = input.chunk(2, dim)
    return a * ops.sigmoid(b)


def _softmax_dim(name, ndim, stacklevel=3):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input, dim, dtype, name):
    if dim is None:
        dim = _softmax_dim(name, input.dim(), 4)
    if dtype is not None:
        input = input.to(dtype)
    input = as_float(input)
    return input, norm_dim(dim, input.dim())


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x_i / sum_j e^x_j along dim (each slice sums to 1)"""
    input, = maybe_autocast("softmax", input)
    input, dim = _softmax_input(input, dim, dtype, "softmax")
    return SoftmaxOp.apply(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x_i - log sum_j e^x_j along dim (computed stably)"""
    input, = maybe_autocast("log_softmax", input)
    input, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmaxOp.apply(input, dim)
