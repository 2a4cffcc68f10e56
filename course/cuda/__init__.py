"""course.cuda: is there a GPU, which one, and the simulated device for machines without one.

On a machine with an NVIDIA GPU and CuPy installed (``pip install cupy-cuda12x``), tensors created with
``device='cuda'`` hold CuPy arrays and every op runs as CUDA kernels. Elsewhere, ``course.cuda.simulate()``
(or the environment variable ``COURSE_SIMULATE_CUDA=1``) gives a simulated CUDA device: numpy on the CPU
behind a strict CuPy-like wall, so you can practise moving data and models to 'cuda' and see what each
host<->device copy costs (``transfer_stats()``).
"""
import os

from .._device import _CudaBackend

__all__ = ["is_available", "device_count", "current_device", "set_device", "get_device_name", "synchronize",
           "memory_allocated", "max_memory_allocated", "reset_peak_memory_stats", "manual_seed",
           "manual_seed_all", "simulate", "is_simulated", "transfer_stats", "reset_transfer_stats", "amp"]

SIMULATED_NAME = "Simulated CUDA device (numpy on the CPU)"


class _State:
    simulated = False
    sim_devices = 1
    current = 0
    cupy = None            # the cupy module once real CUDA is in use


def simulate(enabled=True, devices=1):
    """Use the simulated CUDA device (numpy on the CPU) for everything that asks for 'cuda'."""
    from . import _sim
    if enabled and _CudaBackend.xp is not None and _CudaBackend.xp is not _sim:
        raise RuntimeError("course.cuda.simulate() must be called before the real GPU is used")
    _State.simulated = bool(enabled)
    _State.sim_devices = int(devices)
    _State.current = 0
    if enabled:
        _CudaBackend.xp = _sim
        _CudaBackend.array_type = (_sim.ndarray,)
        _CudaBackend.device_index = staticmethod(_sim.device_index)
        _CudaBackend.to_device = staticmethod(_sim.to_device)
        _CudaBackend.asnumpy = staticmethod(_sim.asnumpy)
    elif _CudaBackend.xp is _sim:
        _CudaBackend.xp, _CudaBackend.array_type = None, ()


def is_simulated():
    return _State.simulated


def _import_cupy():
    """(cupy module or None, the reason it cannot be used)."""
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed"
    try:
        if not cupy.is_available():
            return None, "CuPy found no usable NVIDIA GPU (no driver or no device)"
    except Exception as e:                       # a broken CUDA install raises here instead
        return None, f"CuPy cannot reach the GPU ({e})"
    return cupy, None


def is_available():
    """True when 'cuda' can be used: a real GPU through CuPy, or the simulated device."""
    if _State.simulated:
        return True
    return _import_cupy()[0] is not None


def _unavailable_message(reason):
    return (f"CUDA is not available: {reason}; install CuPy for your CUDA version (pip install cupy-cuda12x) on "
            "a machine with an NVIDIA GPU, or call course.cuda.simulate() to practise with a simulated device.")


def _backend():
    """The array module for 'cuda' (CuPy or the simulated one); raises one sentence where there is none."""
    if _CudaBackend.xp is not None:
        return _CudaBackend
    if _State.simulated:
        simulate()
        return _CudaBackend
    cupy, reason = _import_cupy()
    if cupy is None:
        raise RuntimeError(_unavailable_message(reason))
    _State.cupy = cupy
    _CudaBackend.xp = cupy
    _CudaBackend.array_type = (cupy.ndarray,)
    _CudaBackend.device_index = staticmethod(lambda a: a.device.id)
    _CudaBackend.to_device = staticmethod(_cupy_to_device)
    _CudaBackend.asnumpy = staticmethod(cupy.asnumpy)
    return _CudaBackend


def _cupy_to_device(a, index):
    """Host -> GPU ``index``, or GPU -> another GPU (a peer copy); an array already there is returned as is."""
    cupy = _State.cupy
    if isinstance(a, cupy.ndarray) and a.device.id == index:
        return a
    with cupy.cuda.Device(index):
        return cupy.array(a, copy=True) if isinstance(a, cupy.ndarray) else cupy.asarray(a)


def _check_index(device):
    n = device_count()
    index = _index(device)
    if not 0 <= index < max(n, 1):
        raise RuntimeError(f"CUDA error: invalid device ordinal (device {index}, but there are {n} devices)")
    return index


def _index(device):
    if device is None:
        return _State.current
    if isinstance(device, int):
        return device
    from .._device import device as _device_cls
    d = _device_cls(device)
    return _State.current if d.index is None else d.index


def device_count():
    if _State.simulated:
        return _State.sim_devices
    cupy = _import_cupy()[0]
    return cupy.cuda.runtime.getDeviceCount() if cupy is not None else 0


def current_device():
    _backend()
    return _State.current


def set_device(device):
    _backend()
    _State.current = _check_index(device)
    if _State.cupy is not None:
        _State.cupy.cuda.Device(_State.current).use()


def get_device_name(device=None):
    """The GPU's name; the simulated device says that it is simulated."""
    _backend()
    index = _check_index(device)
    if _State.simulated:
        return SIMULATED_NAME
    props = _State.cupy.cuda.runtime.getDeviceProperties(index)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name


def synchronize(device=None):
    """Wait until the GPU has finished all queued work (time GPU code only after this)."""
    _backend()
    if _State.cupy is not None:
        _State.cupy.cuda.Device(_check_index(device)).synchronize()


def memory_allocated(device=None):
    """Bytes held by arrays on the device now (CuPy's memory pool; the simulated device counts its arrays)."""
    if _CudaBackend.xp is None:
        return 0
    if _State.simulated:
        return _CudaBackend.xp.memory_allocated()
    return _State.cupy.get_default_memory_pool().used_bytes()


def max_memory_allocated(device=None):
    if _CudaBackend.xp is None:
        return 0
    if _State.simulated:
        return _CudaBackend.xp.max_memory_allocated()
    return _State.cupy.get_default_memory_pool().total_bytes()


def reset_peak_memory_stats(device=None):
    if _State.simulated and _CudaBackend.xp is not None:
        _CudaBackend.xp.reset_peak_memory_stats()


def transfer_stats():
    """Host<->device copies since the last reset, with their bytes (counted by the simulated device only)."""
    from . import _sim
    return _sim.transfer_stats()


def reset_transfer_stats():
    from . import _sim
    _sim.reset_transfer_stats()


def manual_seed(seed):
    """Seed the GPU's generator. course draws random numbers on the CPU, so course.manual_seed decides them."""
    if _State.cupy is not None:
        _State.cupy.random.seed(int(seed))


def manual_seed_all(seed):
    manual_seed(seed)


def __getattr__(name):
    if name == "amp":                          # course.cuda.amp.autocast / GradScaler, as in PyTorch
        import importlib
        return importlib.import_module(__name__ + ".amp")
    raise AttributeError(f"module 'course.cuda' has no attribute '{name}'")


if os.environ.get("COURSE_SIMULATE_CUDA", "") not in ("", "0"):
    simulate()
