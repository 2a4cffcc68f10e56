"""Linear maps and convolutions: linear, bilinear, conv1d, conv2d."""
from ... import ops
from ...ops.autocast_hook import maybe_autocast, autocast_low_dtype
from ...ops._util import check_same_device
from ..kernels.linear import LinearOp
from ..kernels.conv import Conv2dOp, out_size
from ._util import pair, type_name

__all__ = ["linear", "bilinear", "conv1d", "conv2d"]


def linear(input, weight, bias=None):
    """y = x W^T + b  (x: (*, in), W: (out, in), b: (out,))

    Under autocast the op rounds the weight and bias (and an input that needs no gradient) to the 16-bit dtype
    itself (LinearOp's ``low``), where PyTorch records a cast of each one first: the same numbers, forward and
    backward, without a 16-bit copy of each weight and its conversion back (so no ToCopyBackward0 node sits
    between the weights and the linear node). An input that needs a gradient is cast first, as in PyTorch."""
    low = autocast_low_dtype(input, weight, bias) if weight.dim() == 2 else None
    if low is None:
        input, weight, bias = maybe_autocast("linear", input, weight, bias)
    elif input.requires_grad:               # an activation is cast as in PyTorch: backward keeps its 16-bit copy
        input, = maybe_autocast("linear", input)
    check_same_device("linear", input, weight)
    if input.dim() == 0 or weight.dim() not in (1, 2):
        raise RuntimeError(f"linear: expected a weight of 1 or 2 dims and an input of at least 1 dim, got "
                           f"input {list(input.shape)} and weight {list(weight.shape)}")
    if weight.dim() == 1:                       # a weight vector: y = x . w (+ b)
        out = ops.matmul(input, weight)
        return out + bias if bias is not None else out
    k = input.shape[-1]
    if k != weight.shape[1]:
        rows = input.numel() // k if k else 0
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if low is None and (input.dtype is not weight.dtype or (bias is not None and bias.dtype is not weight.dtype)):
        other = bias.dtype if bias is not None and bias.dtype is not weight.dtype else input.dtype
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {type_name(other)} and "
                           f"{type_name(weight.dtype)}")
    if bias is not None and tuple(bias.shape) not in ((weight.shape[0],), (1,), ()):
        raise RuntimeError(f"The size of tensor a ({weight.shape[0]}) must match the size of tensor b "
                           f"({bias.shape[-1]}) at non-singleton dimension {input.dim() - 1}")
    return LinearOp.apply(input, weight, bias, low)


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T A_o x2 + b_o  (A: (out, in1, in2))"""
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear: input sizes {list(input1.shape)} and {list(input2.shape)} do not match "
                           f"weight {list(weight.shape)}")
    # (x1 A) for all outputs at once: (N, in1) @ (in1, out*in2) -> (N, out, in2), then dot with x2
    t = ops.matmul(input1, weight.permute(1, 0, 2).reshape(in1, out_f * in2))
    t = t.reshape(tuple(input1.shape[:-1]) + (out_f, in2))
    y = (t * input2.unsqueeze(-2)).sum(-1)
    return y + bias if bias is not None else y


def _conv_padding(padding, weight, stride, dilation, nd):
    """Padding as (top, bottom, left, right); 'same' splits the total, extra on the bottom/right."""
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * nd)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            out = ()
            for kk, d in zip(k, dilation):
                total = d * (kk - 1)
                out += (total // 2, total - total // 2)
            return out
        raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    p = pair(padding, nd)
    return tuple(v for pp in p for v in (pp, pp))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of input (N, C, H, W) with weight (O, C/groups, kh, kw), plus bias (O,)"""
    if bias is None:
        input, weight = maybe_autocast("conv2d", input, weight)
    else:
        input, weight, bias = maybe_autocast("conv2d", input, weight, bias)
    check_same_device("conv2d", input, weight)
    if input.dim() == 3:                                        # unbatched (C, H, W)
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    if weight.dim() != 4 or input.dim() != 4:
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"{list(input.shape)}")
    stride, dilation = pair(stride), pair(dilation)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    pads = _conv_padding(padding, weight, stride, dilation, 2)
    N, C, H, W = input.shape
    O, Cg, kh, kw = weight.shape
    if C != Cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {Cg * groups} channels, but got {C} channels instead")
    if O % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    Hp, Wp = H + pads[0] + pads[1], W + pads[2] + pads[3]
    if Hp < dilation[0] * (kh - 1) + 1 or Wp < dilation[1] * (kw - 1) + 1:
        raise RuntimeError(f"Calculated padded input size per channel: ({Hp} x {Wp}). Kernel size: "
                           f"({dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1}). Kernel size can't be "
                           "greater than actual input size")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({type_name(input.dtype)}) and weight type ({type_name(weight.dtype)}) "
                           "should be the same")
    if bias is not None and tuple(bias.shape) != (O,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{O} elements, but got bias of size {list(bias.shape)} instead")
    return Conv2dOp.apply(input, weight, bias, stride, pads, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of input (N, C, L) with weight (O, C/groups, k): conv2d on a height-1 image"""
    if input.dim() == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    if input.dim() != 3 or weight.dim() != 3:
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input.shape)}")
    if not isinstance(padding, str):
        padding = (0, pair(padding, 1)[0])
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, pair(stride, 1)[0]), padding,
                 (1, pair(dilation, 1)[0]), groups)
    return out.squeeze(2)


conv_out_size = out_size
