"""Elementwise arithmetic (+ - * / **) and matrix multiplication, with broadcasting.

When an input was broadcast, its gradient is summed back to its own shape (``sum_to_shape``).
"""
import math

from ..autograd.function import Op
from .._device import get_array_module
from .autocast_hook import lowp_matmul, maybe_autocast
from .unary import as_float_pair
from .._creation import _scalar_like
from ._util import broadcast_error, quiet, promote, sum_to_shape, is_tensor, check_same_device, wrap

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "matmul", "true_divide", "floor_divide",
           "remainder", "fmod", "rsub", "mm", "bmm", "dot", "mv", "outer", "addmm", "multiply",
           "subtract", "divide", "square", "lerp", "atan2", "arctan2", "hypot", "xlogy", "logaddexp",
           "addcmul", "addcdiv", "deg2rad", "rad2deg", "einsum"]


class Add(Op):
    """out = a + b;  d/da = 1,  d/db = 1"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return a + b

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return sum_to_shape(grad, sa), sum_to_shape(grad, sb)


class Sub(Op):
    """out = a - b;  d/da = 1,  d/db = -1"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return a - b

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return sum_to_shape(grad, sa), sum_to_shape(-grad, sb)


class Rsub(Sub):
    """Sub with the number first (2 - x), named as PyTorch names it"""
    grad_fn_name = "RsubBackward1"


class Mul(Op):
    """out = a * b;  d/da = b,  d/db = a"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (sum_to_shape(grad * b, sa) if ctx.needs_input_grad[0] else None,
                sum_to_shape(grad * a, sb) if ctx.needs_input_grad[1] else None)


class Div(Op):
    """out = a / b;  d/da = 1/b,  d/db = -a/b^2"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        with quiet():
            return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (sum_to_shape(grad / b, sa) if ctx.needs_input_grad[0] else None,
                sum_to_shape(-grad * a / (b * b), sb) if ctx.needs_input_grad[1] else None)


class Neg(Op):
    """out = -a;  d/da = -1"""
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowScalar(Op):
    """out = a^p for a number p;  d/da = p * a^(p-1)"""
    grad_fn_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, p):
        ctx.save_for_backward(a)
        ctx.p = p
        with quiet():
            return (a ** p).astype(a.dtype, copy=False)     # (numpy would make bfloat16 ** 2.5 a float32)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return grad * 0
        return grad * p * (a ** (p - 1) if p != 2 else a)


class Pow(Op):
    """out = a^b;  d/da = b * a^(b-1),  d/db = a^b * ln(a)"""
    grad_fn_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        with quiet():
            out = get_array_module(a).power(a, b)
        ctx.save_for_backward(a, b, out)
        ctx.shapes = (a.shape, b.shape)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to_shape(grad * b * a ** (b - 1), sa)
        if ctx.needs_input_grad[1]:
            from .index import where
            log_a = where((a == 0) & (b >= 0), 0.0, a.log())      # 0^b: no contribution, as in PyTorch
            gb = sum_to_shape(grad * out * log_a, sb)
        return ga, gb


class MatMul(Op):
    """out = a @ b (2-D or batched);  d/da = grad @ b^T,  d/db = a^T @ grad"""
    grad_fn_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.shapes = (a.shape, b.shape)
        return lowp_matmul(get_array_module(a), a, b)      # float16/bfloat16: float32 accumulation

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        # (MatMul.apply directly: the shapes are known to fit, so matmul()'s checks are not needed)
        ga = sum_to_shape(MatMul.apply(grad, b.mT), sa) if ctx.needs_input_grad[0] else None
        gb = sum_to_shape(MatMul.apply(a.mT, grad), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class Atan2(Op):
    """out = the angle of the point (b, a), i.e. atan(a / b) in the right quadrant;
    d/da = b / (a^2 + b^2),  d/db = -a / (a^2 + b^2)"""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx.shapes = (a.shape, b.shape)
        return get_array_module(a).arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        r2 = a * a + b * b
        return (sum_to_shape(grad * b / r2, sa) if ctx.needs_input_grad[0] else None,
                sum_to_shape(-grad * a / r2, sb) if ctx.needs_input_grad[1] else None)


def _binary(op, a, b):
    check_same_device(op.__name__.lower(), a, b)
    return _apply(op, *promote(a, b))


def _apply(op, a, b):
    """op.apply(a, b) for operands of the result dtype already, at least one a tensor."""
    if not is_tensor(a):                          # scalar (+) tensor: keep the tensor first
        a = _scalar_like(a, b)
    elif not is_tensor(b) and a._data.dtype.kind != "f":
        # numpy keeps a float tensor's dtype with a Python number, but not bfloat16's, and it refuses int8 + 300
        b = _scalar_like(b, a)
    try:
        return op.apply(a, b)
    except ValueError:
        shape_b = b.shape if is_tensor(b) else ()
        if not _broadcastable(a.shape, shape_b):
            raise broadcast_error(a.shape, shape_b) from None
        raise


def _broadcastable(shape_a, shape_b):
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(shape_a), reversed(shape_b)))


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other"""
    if alpha != 1:
        other = other * alpha
    return _out(_binary(Add, input, other), out)


def _refuse_bool_sub(a, b):
    """PyTorch refuses ``-`` when an operand is bool (it is not the mask inversion people often mean)."""
    bools = [isinstance(v, bool) or (is_tensor(v) and v.dtype.kind == "bool") for v in (a, b)]
    if all(bools):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if any(bools):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other"""
    _refuse_bool_sub(input, other)
    if alpha != 1:
        other = other * alpha
    return _out(_binary(Sub, input, other), out)


def rsub(input, other, alpha=1):
    """other - alpha * input"""
    _refuse_bool_sub(input, other)
    if alpha != 1:
        input = input * alpha
    return _binary(Rsub, other, input)


def mul(input, other, *, out=None):
    return _out(_binary(Mul, input, other), out)


def div(input, other, *, rounding_mode=None, out=None):
    """True division (ints give floats); rounding_mode 'trunc' or 'floor' rounds the quotient."""
    if rounding_mode is None:
        check_same_device("div", input, other)
        a, b = as_float_pair(*promote(input, other))
        return _out(_apply(Div, a, b), out)
    q = _binary(Div, input, other) if _is_float(input, other) else None
    if rounding_mode == "floor":
        return _out(floor_divide(input, other) if q is None else q.floor(), out)
    if rounding_mode == "trunc":
        return _out((true_divide(input, other).trunc().to(_dtype_of(input, other))) if q is None else q.trunc(),
                    out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                     f"'{rounding_mode}'")


def _is_float(a, b):
    from .. import _dtype
    return _dtype.result_type(a, b).is_floating_point


def _dtype_of(a, b):
    from .. import _dtype
    return _dtype.result_type(a, b)


true_divide = divide = div
multiply = mul
subtract = sub


def floor_divide(input, other):
    """Floor of the quotient (a // b), not differentiable for integers."""
    a, b = promote(input, other)
    if not is_tensor(a):
        a = _scalar_like(a, b)
    if a.dtype.is_floating_point:
        return (a / b).floor()
    if not is_tensor(b):
        b = _scalar_like(b, a)
    _check_int_divisor(b)
    xp = get_array_module(a._data)
    return wrap(xp.floor_divide(a._data, b._data))


def _check_int_divisor(b):
    """Integer division by zero is an error in PyTorch (numpy would quietly give 0)."""
    if b.dtype.kind != "float" and not bool(get_array_module(b._data).all(b._data)):
        raise RuntimeError("ZeroDivisionError")


def remainder(input, other):
    """a - floor(a / b) * b: the sign follows the divisor, like Python's %."""
    a, b = promote(input, other)
    if not is_tensor(a):
        a = _scalar_like(a, b)
    if a.dtype.is_floating_point:
        return a - (a / b).floor() * b
    if not is_tensor(b):
        b = _scalar_like(b, a)
    _check_int_divisor(b)
    return wrap(get_array_module(a._data).remainder(a._data, b._data))


def fmod(input, other):
    """a - trunc(a / b) * b: the sign follows the dividend, like C's fmod."""
    a, b = promote(input, other)
    if not is_tensor(a):
        a = _scalar_like(a, b)
    if a.dtype.is_floating_point:
        return a - (a / b).trunc() * b
    if not is_tensor(b):
        b = _scalar_like(b, a)
    _check_int_divisor(b)
    return wrap(get_array_module(a._data).fmod(a._data, b._data))


def neg(input):
    if input.dtype.kind == "bool":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


def pow(input, exponent):
    """input ** exponent, for a tensor or a number on either side."""
    if not is_tensor(input):                       # number ** tensor
        from .._creation import full_like
        a, b = promote(input, exponent)
        return Pow.apply(full_like(b, a), b)
    if not is_tensor(exponent):
        a, = promote(input, exponent)[:1]
        if not a.dtype.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        a, = maybe_autocast("pow", a)
        return PowScalar.apply(a, exponent)
    check_same_device("pow", input, exponent)
    a, b = promote(input, exponent)
    a, b = maybe_autocast("pow", a, b)
    return Pow.apply(a, b)


def square(input):
    return pow(input, 2)


def matmul(input, other):
    """Matrix product with NumPy/PyTorch rules for 1-D and batched operands."""
    check_same_device("matmul", input, other)
    if input.dim() == 0 or other.dim() == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{input.dim()}D and {other.dim()}D")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_c_type_name(input.dtype)} != "
                           f"{_c_type_name(other.dtype)}")
    k1 = input.shape[-1]
    k2 = other.shape[-2] if other.dim() > 1 else other.shape[0]
    if k1 != k2:
        if input.dim() <= 2 and other.dim() <= 2:
            r1 = input.shape[0] if input.dim() == 2 else 1
            c2 = other.shape[-1] if other.dim() == 2 else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({r1}x{k1} and {k2}x{c2})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"matmul shapes {list(input.shape)} and {list(other.shape)} do not align")
    input, other = maybe_autocast("matmul", input, other)
    # 1-D operands: a vector on the left is a row, on the right a column; the extra dim is dropped after
    if input.dim() == 1 and other.dim() == 1:
        return MatMul.apply(input.unsqueeze(0), other.unsqueeze(-1)).reshape(())
    if input.dim() == 1:
        return MatMul.apply(input.unsqueeze(0), other).squeeze(-2)
    if other.dim() == 1:
        return MatMul.apply(input, other.unsqueeze(-1)).squeeze(-1)
    return MatMul.apply(input, other)


def _c_type_name(d):
    """The C++ name PyTorch's messages use for a dtype (float, double, long int, ...)."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}[d.name]


def mm(input, mat2):
    if input.dim() != 2 or mat2.dim() != 2:
        raise RuntimeError(f"mm: expected 2D tensors, got {input.dim()}D and {mat2.dim()}D")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.dim() != 3 or mat2.dim() != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {input.shape[0]} and {mat2.shape[0]}")
    return matmul(input, mat2)


def dot(input, other):
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    return matmul(input, other)


def mv(input, vec):
    return matmul(input, vec)


def outer(input, vec2):
    return input.unsqueeze(-1) * vec2.unsqueeze(0)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2)"""
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    return prod + (input if beta == 1 else input * beta)


def lerp(input, end, weight):
    return input + weight * (end - input)


def _out(result, out):
    if out is None:
        return result
    out.resize_as_(result) if tuple(out.shape) != tuple(result.shape) else None
    out.copy_(result)
    return out


def atan2(input, other):
    """The angle (in radians) of the point (other, input): atan(input / other) in the right quadrant."""
    check_same_device("atan2", input, other)
    a, b = as_float_pair(*promote(input, other))
    if not is_tensor(b):
        b = _scalar_like(b, a)
    if not is_tensor(a):
        a = _scalar_like(a, b)
    return Atan2.apply(a, b)


arctan2 = atan2


def hypot(input, other):
    """sqrt(input^2 + other^2)"""
    return (input * input + other * other).sqrt()


def xlogy(input, other):
    """input * log(other), and 0 where input is 0 (even if other is 0 too)."""
    from .index import where
    return where(input == 0, 0.0, input * other.log() if is_tensor(other) else input * math.log(other))


def logaddexp(input, other):
    """log(e^input + e^other), computed without overflow."""
    from .compare import maximum
    m = maximum(input, other).detach()
    return m + ((input - m).exp() + (other - m).exp()).log()


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2"""
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2"""
    return input + value * tensor1 / tensor2


def deg2rad(input):
    return input * (math.pi / 180)


def rad2deg(input):
    return input * (180 / math.pi)


def _einsum_parts(equation, n):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); without '->' the output is the letters used once, sorted."""
    equation = equation.replace(" ", "")
    if "..." in equation:
        raise NotImplementedError("course.einsum does not support '...' (write the dims out)")
    ins, _, out = equation.partition("->")
    ins = ins.split(",")
    if len(ins) != n:
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                           if n > len(ins) else "einsum(): fewer operands were provided than specified in "
                                                "the equation")
    if "->" not in equation:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return ins, out


class Einsum(Op):
    """out = einsum(equation, *operands): multiply along shared letters, sum the letters not in the output.
    The gradient of operand k is again an einsum: of grad with the other operands, written to operand k's
    letters (a letter only operand k has was summed away: its gradient is broadcast back along it)."""
    @staticmethod
    def forward(ctx, equation, *arrays):
        ctx.equation = equation
        ctx.save_for_backward(*arrays)
        return get_array_module(arrays[0]).einsum(equation, *arrays)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        ins, out = _einsum_parts(ctx.equation, len(operands))
        grads = [None]
        for k, letters in enumerate(ins):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            if len(set(letters)) != len(letters):
                raise NotImplementedError(f"einsum backward with a repeated letter in one operand ({letters})")
            others = [(s, t) for j, (s, t) in enumerate(zip(ins, operands)) if j != k]
            known = set(out).union(*[set(s) for s, _ in others])
            target = "".join(c for c in letters if c in known)
            spec = ",".join([out] + [s for s, _ in others]) + "->" + target
            g = einsum(spec, grad, *[t for _, t in others])
            for i, c in enumerate(letters):
                if c not in known:
                    g = g.unsqueeze(i)
            grads.append(g.expand(*operands[k].shape))
        return tuple(grads)


def einsum(equation, *operands):
    """Sums of products named by letters: einsum('ij,jk->ik', a, b) is a @ b, 'ii->' would be a trace."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _einsum_parts(equation, len(operands))
    check_same_device("einsum", *operands)
    operands = promote(*operands)
    return Einsum.apply(equation, *operands)
