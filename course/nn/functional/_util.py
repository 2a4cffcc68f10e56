"""Helpers shared by the functional ops: tuples of ints, dtype names, the tensor check."""
from ..._tensor import Tensor
from ...ops.reduce import _torch_type_name


def pair(v, n=2):
    """3 -> (3, 3); (1, 2) -> (1, 2)."""
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(v) * n
        return tuple(v)
    return (v,) * n


def type_name(dtype):
    """PyTorch's scalar type name: Float, Double, Long..."""
    return _torch_type_name(dtype)


def check_tensor(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
