"""Small helpers the ops share: dtype promotion of operands, dim normalisation, gradient un-broadcasting."""
from .._device import get_array_module
from .. import _dtype


def is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


def promote(*operands):
    """Cast tensor operands to PyTorch's result dtype; Python scalars stay scalars (numpy keeps them weak)."""
    target = _dtype.result_type(*operands)
    out = []
    for x in operands:
        if is_tensor(x):
            out.append(x if x.dtype is target else x.to(target))
        else:
            out.append(x)
    return out


def as_float(x):
    """Ints and bools become the default float dtype (exp, log, sqrt... of an int tensor give floats)."""
    return x if x.dtype.is_floating_point else x.to(_dtype.get_default_dtype())


def check_same_device(op, *tensors):
    devs = [t.device for t in tensors if is_tensor(t)]
    for d in devs[1:]:
        if d != devs[0]:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{devs[0]} and {d}! (when checking argument for {op})")


def norm_dim(dim, ndim, op="op"):
    """A dimension index in [0, ndim), with PyTorch's IndexError for one out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def norm_dims(dim, ndim):
    """None -> all dims; int or tuple -> a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(sorted(norm_dim(d, ndim) for d in dim))


def sum_to_shape(grad, shape):
    """Undo broadcasting in backward: sum ``grad`` over the dims that were broadcast to reach its shape."""
    if tuple(grad.shape) == tuple(shape):
        return grad
    from .reduce import SumTo
    return SumTo.apply(grad, tuple(shape))


def xp_of(a):
    return get_array_module(a)
