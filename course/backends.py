"""``torch.backends`` as far as tutorials touch it, plus ``set_num_threads`` / ``get_num_threads``.

course runs on numpy (or CuPy): there is no Apple-GPU (MPS) or cuDNN backend, so the switches are plain
attributes that record what you set, and the ``is_available()`` checks answer False. The usual
device-picking line ``"mps" if torch.backends.mps.is_available() else "cpu"`` therefore picks the CPU.
"""
import types

from . import _threads

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                              is_available=lambda: False, version=lambda: None)


def set_num_threads(n):
    """How many threads course's own kernels use (im2col, col2im, pooling: see course/_threads.py).
    numpy's BLAS threads are fixed when the process starts: set OMP_NUM_THREADS before starting Python."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads.set_num_threads(n)


def get_num_threads():
    """The value given to set_num_threads, else OMP_NUM_THREADS, else the number of CPUs this process may use."""
    return _threads.num_threads()
