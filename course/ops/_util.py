"""Small helpers the ops share: dtype promotion of operands, dim normalisation, gradient un-broadcasting."""
import collections

import numpy as np

from .._device import get_array_module, _CudaBackend
from .. import _dtype


Tensor = None          # filled in by course/_tensor.py (it imports the ops, so the ops cannot import it)


def quiet():
    """numpy warns about log(0), 1/0, overflow...; PyTorch quietly gives inf or nan, and so do we."""
    return np.errstate(all="ignore")


def is_tensor(x):
    return isinstance(x, Tensor)


def wrap(array):
    """A tensor around a raw array (no copy, no history): for results that carry no gradient."""
    return Tensor._make(array)


def promote(*operands):
    """Cast tensor operands to PyTorch's result dtype; Python scalars stay scalars (numpy keeps them weak)."""
    if len(operands) == 2:                    # the common cases first: nothing to convert
        a, b = operands
        if isinstance(a, Tensor):
            if isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
                return operands
            if type(b) is float and a._data.dtype.kind == "f":
                return operands
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
    if not _CudaBackend.array_type:           # CUDA never used: everything is on the CPU
        return
    devs = [t.device for t in tensors if is_tensor(t)]
    for d in devs[1:]:
        if d != devs[0]:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{devs[0]} and {d}! (when checking argument for {op})")


def broadcast_error(shape_a, shape_b):
    """PyTorch's error for two shapes that do not broadcast, naming the first dim (from the right) that clashes."""
    a, b = tuple(shape_a), tuple(shape_b)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in reversed(range(n)):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                f"non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(shape_a)} and {list(shape_b)} cannot be broadcast together")


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


def return_type(name, fields=("values", "indices")):
    """A named tuple like ``torch.return_types.max``: ``values, indices = x.max(1)`` or ``out.values``."""
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        parts = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"course.return_types.{name}(\n{parts})"
    return type(name, (base,), {"__repr__": __repr__, "__slots__": ()})


def xp_of(a):
    return get_array_module(a)
