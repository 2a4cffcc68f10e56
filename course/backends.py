"""``torch.backends`` as far as tutorials touch it, plus ``set_num_threads`` / ``get_num_threads``.

course runs on numpy (or CuPy): there is no Apple-GPU (MPS) or cuDNN backend, so the switches are plain
attributes that record what you set, and the ``is_available()`` checks answer False. The usual
device-picking line ``"mps" if torch.backends.mps.is_available() else "cpu"`` therefore picks the CPU.
"""
import operator
import types

from . import _threads

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                              is_available=lambda: False, version=lambda: None)


def set_num_threads(n):
    """How many threads course's own kernels use (im2col, col2im, pooling, relu, big products: see
    course/_threads.py). While they use more than one, numpy's BLAS is held to one thread inside each."""
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if operator.index(n) < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads.set_num_threads(operator.index(n))


def get_num_threads():
    """The value given to set_num_threads, else OMP_NUM_THREADS, else the number of CPUs this process may use."""
    return _threads.num_threads()
