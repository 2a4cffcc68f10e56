"""``torch.backends`` as far as tutorials touch it, plus ``set_num_threads`` / ``get_num_threads``.

course runs on numpy (or CuPy): there is no Apple-GPU (MPS) or cuDNN backend, so the switches are plain
attributes that record what you set, and the ``is_available()`` checks answer False. The usual
device-picking line ``"mps" if torch.backends.mps.is_available() else "cpu"`` therefore picks the CPU.
"""
import os
import types

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                              is_available=lambda: False, version=lambda: None)

_threads = {"n": None}


def set_num_threads(n):
    """Recorded only: numpy's BLAS threads are fixed when the process starts (set OMP_NUM_THREADS before
    starting Python to change them)."""
    if int(n) < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads["n"] = int(n)


def get_num_threads():
    """The value given to set_num_threads, else OMP_NUM_THREADS, else the number of CPUs."""
    if _threads["n"] is not None:
        return _threads["n"]
    env = os.environ.get("OMP_NUM_THREADS", "")
    return int(env) if env.isdigit() else (os.cpu_count() or 1)
