"""Devices and the array-module idiom: one code path for numpy (CPU) and CuPy (CUDA).

``xp = get_array_module(a)`` gives numpy for CPU arrays and the CUDA array module (CuPy, or the
simulated stand-in from ``course.cuda.simulate()``) for device arrays. Ops call ``xp.*`` only.
"""
import numpy as np


class device:
    """Where a tensor's numbers live: ``device('cpu')``, ``device('cuda')``, ``device('cuda', 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


class _CudaBackend:
    """Set by course.cuda when CUDA (real or simulated) is first used: the array module and its helpers."""
    xp = None              # cupy, or course.cuda._sim when simulated
    array_type = ()        # the array class(es) of that module
    device_index = None    # function(array) -> the GPU number it lives on
    to_device = None       # function(array, index) -> a copy on GPU ``index``
    asnumpy = None         # function(array) -> a numpy copy on the host


def get_array_module(a):
    """numpy for CPU arrays (and Python scalars), the CUDA array module for device arrays."""
    if _CudaBackend.array_type and isinstance(a, _CudaBackend.array_type):
        return _CudaBackend.xp
    return np


def device_of(a):
    """The device an array lives on."""
    if _CudaBackend.array_type and isinstance(a, _CudaBackend.array_type):
        return device("cuda", _CudaBackend.device_index(a))
    return CPU


def to_device(a, dev):
    """Copy an array to the device ``dev`` (returns ``a`` itself when it is already there)."""
    dev = device(dev) if not isinstance(dev, device) else dev
    if dev.type == "cpu":
        if get_array_module(a) is np:
            return a
        return _CudaBackend.asnumpy(a)
    from . import cuda
    backend = cuda._backend()                # raises a one-sentence error where CUDA is unavailable
    return backend.to_device(a, cuda.current_device() if dev.index is None else dev.index)
