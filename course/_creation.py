"""Making tensors: from data (tensor, as_tensor, from_numpy) and from a shape (zeros, rand, arange...)."""
import numbers

import numpy as np

from . import _dtype
from ._device import device as _device_cls, to_device, CPU
from .random import _rng


def _make(array, dtype=None, device=None, requires_grad=False):
    from ._tensor import Tensor
    if dtype is not None and array.dtype != dtype.np:
        array = array.astype(dtype.np)
    if device is not None:
        array = to_device(array, device if isinstance(device, _device_cls) else _device_cls(device))
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _flatten_data(data):
    """Lists may hold tensors (one element each) or numpy scalars: turn them into plain numbers."""
    from ._tensor import Tensor
    if isinstance(data, Tensor):
        return data.detach().cpu().numpy() if data.dim() else data.item()
    if isinstance(data, (list, tuple)):
        return [_flatten_data(d) for d in data]
    return data


def _infer_dtype(data):
    """PyTorch's rule: Python floats give the default float dtype, ints int64, bools bool; numpy numbers keep
    their own dtype; a mix takes the promoted dtype of its elements."""
    found = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, (np.ndarray, np.generic)):
            found.append(_dtype.from_numpy_dtype(x.dtype))
        else:
            found.append(_dtype.default_for_kind(_dtype.scalar_kind(x)))
    walk(data)
    result = None
    for d in found:
        result = d if result is None else _dtype.promote_types(result, d)
    return result or _dtype.get_default_dtype()          # an empty list: float


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (a number, a nested list, a numpy array or a tensor)."""
    from ._tensor import Tensor
    dtype = _dtype.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        array = data.detach()._data.copy()
        if device is None:
            device = data.device
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data, copy=True)
        if dtype is None:
            dtype = _dtype.from_numpy_dtype(array.dtype)
    elif hasattr(data, "__cuda_array_interface__") or type(data).__module__.startswith("cupy"):
        array = data.copy()
    else:
        data = _flatten_data(data)
        if dtype is None:
            dtype = _infer_dtype(data)
        if isinstance(data, (str, bytes)) or (isinstance(data, list) and _has_str(data)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        try:
            with np.errstate(over="ignore"):       # torch.tensor(70000., dtype=float16) is inf, silently
                array = np.array(data, dtype=dtype.np)
        except ValueError as e:
            raise ValueError(f"expected sequence of equal-length lists, got ragged data ({e})") from None
    if requires_grad and dtype is not None and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return _make(array, dtype, device, requires_grad)


def _has_str(data):
    return any(isinstance(d, str) or (isinstance(d, list) and _has_str(d)) for d in data)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a numpy array (or returns the tensor itself) when it can."""
    from ._tensor import Tensor
    dtype = _dtype.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        out = data if dtype is None else data.to(dtype)
        return out if device is None else out.to(device)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np) and \
            (device is None or _device_cls(device) == CPU):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor that shares memory with ``ndarray``: changing one changes the other."""
    from ._tensor import Tensor
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and hasattr(size[0], "__iter__"):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"expected a sequence of integers for a size, got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _factory(fill, size, dtype, device, requires_grad):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    if requires_grad and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return _make(fill(_shape(size), dtype.np), None, device, requires_grad)


def _into(out, result):
    """``out=`` of the factory functions: the numbers go into ``out`` (resized if its shape differs)."""
    if out is None:
        return result
    if tuple(out.shape) == tuple(result.shape):
        out._data[...] = result._data
    else:
        out._data = result._data.astype(out._data.dtype)
    out._version.value += 1
    return out


def _size_arg(size, size_kw):
    """Sizes given as zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    if size_kw is not None:
        if size:
            raise TypeError("size given both positionally and as size=")
        return (tuple(size_kw),)
    return size


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    size = _size_arg(size, kw.pop("size", None))
    return _into(out, _factory(np.zeros, size, dtype or (out.dtype if out is not None else None), device,
                               requires_grad))


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    size = _size_arg(size, kw.pop("size", None))
    return _into(out, _factory(np.ones, size, dtype or (out.dtype if out is not None else None), device,
                               requires_grad))


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, **kw):
    size = _size_arg(size, kw.pop("size", None))
    return _into(out, _factory(np.empty, size, dtype or (out.dtype if out is not None else None), device,
                               requires_grad))


def full(size, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _dtype.default_for_kind(_dtype.scalar_kind(fill_value))
    return _factory(lambda s, d: np.full(s, fill_value, dtype=d), (size,) if isinstance(size, int) else size,
                    dtype, device, requires_grad)


def _like(fn, input, dtype, device, requires_grad, *args):
    return fn(*args, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
              requires_grad=requires_grad) if args else \
        fn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
           requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return ones(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return empty(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


def _scalar_like(value, like):
    """A 0-dim tensor holding ``value`` with the dtype and device of ``like``."""
    value = np.array(value).astype(like.dtype.np)        # (astype wraps 300 into int8 as PyTorch does)
    return _make(value, None, like.device if like.device != CPU else None)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, end): ints give int64, any float gives the default float dtype."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        kinds = [_dtype.scalar_kind(v.item() if hasattr(v, "item") else v) for v in (start, end, step)]
        dtype = _dtype.get_default_dtype() if "float" in kinds else _dtype.int64
    dtype = _dtype.to_dtype(dtype)
    values = np.arange(_num(start), _num(end), _num(step), dtype=np.float64 if dtype.is_floating_point else None)
    return _into(out, _make(values.astype(dtype.np), None, device, requires_grad))


def _num(v):
    return v.item() if hasattr(v, "item") else v


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return _into(out, _make(np.linspace(_num(start), _num(end), steps).astype(dtype.np), None, device,
                            requires_grad))


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return _make(np.logspace(start, end, steps, base=base).astype(dtype.np), None, device, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return _into(out, _make(np.eye(n, m, dtype=dtype.np), None, device, requires_grad))


def _random(sample, size, dtype, device, requires_grad, generator):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{dtype.name}'")
    shape = _shape(size)
    work = dtype.np if dtype.np in (np.float32, np.float64) else np.float32
    return _make(sample(_rng(generator), shape, work).astype(dtype.np, copy=False), None, device, requires_grad)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    """Uniform samples from [0, 1)."""
    size = _size_arg(size, kw.pop("size", None))
    return _into(out, _random(lambda r, s, d: r.random(s, dtype=d), size, dtype, device, requires_grad, generator))


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    """Samples from the standard normal distribution N(0, 1)."""
    size = _size_arg(size, kw.pop("size", None))
    return _into(out, _random(lambda r, s, d: r.standard_normal(s, dtype=d), size, dtype, device, requires_grad,
                              generator))


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers drawn uniformly from [low, high)."""
    if size is None:                       # randint(high, size)
        low, high, size = 0, low, high
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.int64
    values = _rng(generator).integers(low, high, size=_shape((size,) if isinstance(size, int) else size))
    return _make(values.astype(dtype.np), None, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1."""
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.int64
    return _make(_rng(generator).permutation(n).astype(dtype.np), None, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    from ._tensor import Tensor
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean if isinstance(mean, Tensor) else None
        s = std if isinstance(std, Tensor) else None
        like = m if m is not None else s
        noise = randn(tuple(like.shape), dtype=like.dtype, generator=generator, device=like.device)
        return noise * std + mean
    return randn(size, generator=generator, dtype=dtype, device=device, requires_grad=False) * std + mean


def bernoulli(input, p=None, *, generator=None):
    from ._tensor import Tensor
    probs = input.detach().cpu().numpy() if p is None else np.full(input.shape, p)   # drawn on the host
    draws = _rng(generator).random(input.shape) < probs
    return Tensor._make(to_device(draws.astype(input.dtype.np), input.device))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    from ._tensor import Tensor
    probs = input.detach().cpu().numpy().astype(np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    out = []
    for row in rows:
        p = row / row.sum()
        out.append(_rng(generator).choice(len(p), size=num_samples, replace=replacement, p=p))
    res = np.array(out, dtype=np.int64)
    return Tensor._make(to_device(res.reshape(probs.shape[:-1] + (num_samples,)), input.device))


class LegacyTensorType:
    """``course.FloatTensor(2, 3)``, ``course.LongTensor([1, 2])``...: PyTorch's old typed constructors.

    With sizes they give an uninitialised tensor, with data a copy in their dtype, with nothing an empty
    tensor. ``isinstance(x, course.FloatTensor)`` checks the dtype.
    """

    def __init__(self, name, dtype):
        self.__name__, self.dtype = name, dtype

    def __call__(self, *args):
        if not args:
            return empty(0, dtype=self.dtype)
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or \
                (len(args) == 1 and isinstance(args[0], tuple) and type(args[0]).__name__ == "Size"):
            return empty(*args, dtype=self.dtype)
        return tensor(args[0], dtype=self.dtype)

    def __instancecheck__(self, obj):
        from ._tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype is self.dtype and obj.device == CPU

    def __repr__(self):
        return f"<class 'course.{self.__name__}'>"


FloatTensor = LegacyTensorType("FloatTensor", _dtype.float32)
DoubleTensor = LegacyTensorType("DoubleTensor", _dtype.float64)
HalfTensor = LegacyTensorType("HalfTensor", _dtype.float16)
BFloat16Tensor = LegacyTensorType("BFloat16Tensor", _dtype.bfloat16)
LongTensor = LegacyTensorType("LongTensor", _dtype.int64)
IntTensor = LegacyTensorType("IntTensor", _dtype.int32)
ShortTensor = LegacyTensorType("ShortTensor", _dtype.int16)
CharTensor = LegacyTensorType("CharTensor", _dtype.int8)
ByteTensor = LegacyTensorType("ByteTensor", _dtype.uint8)
BoolTensor = LegacyTensorType("BoolTensor", _dtype.bool_)
