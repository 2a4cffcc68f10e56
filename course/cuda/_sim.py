"""A simulated CUDA device: a strict, CuPy-like array module backed by numpy on the CPU.

``course.cuda.simulate()`` makes this module the CUDA array module, so code written for a GPU runs (and is
checked) on a laptop. It behaves like CuPy where it matters for correctness:

* arrays of this module are a separate type (``ndarray`` below), and numpy refuses them:
  ``np.asarray(x)`` raises CuPy's TypeError ("Implicit conversion to a NumPy array is not allowed...");
* copies between host and device are explicit: ``to_device`` (host -> device), ``asnumpy(x)`` / ``x.get()``
  (device -> host); each one is counted in ``transfer_stats()`` with its bytes;
* ``int(x)``, ``float(x)``, ``bool(x)``, ``x.item()``, ``x.tolist()`` are allowed (CuPy syncs and copies):
  they are counted as device-to-host transfers too;
* mixing a device array with a numpy array in an operation raises TypeError, as CuPy does;
* a function or method CuPy's subset does not need here is missing, and asking for it fails loudly.

One place is stricter than CuPy on purpose: calling a numpy function (``np.exp(x)``, ``np.sum(x)``) on a
device array raises TypeError. CuPy would dispatch such calls to itself, but in course a numpy call on an
array that may live on the GPU is a bug: ops must use ``xp = get_array_module(a)``.
"""
import weakref

import numpy as np

_NUMPY_REFUSED = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a "
                  "NumPy array explicitly.")


# -- bookkeeping: transfers and memory -------------------------------------------------------------------
class _Stats:
    h2d_count = 0          # host -> device copies
    h2d_bytes = 0
    d2h_count = 0          # device -> host copies (including int()/float()/item() of a device array)
    d2h_bytes = 0
    allocated = 0          # bytes of device arrays alive now
    peak = 0
    live = {}              # id(numpy buffer) -> nbytes, for buffers owned by device arrays


def transfer_stats():
    """How many host<->device copies happened (and how many bytes) since the last reset."""
    s = _Stats
    return {"host_to_device": s.h2d_count, "host_to_device_bytes": s.h2d_bytes,
            "device_to_host": s.d2h_count, "device_to_host_bytes": s.d2h_bytes}


def reset_transfer_stats():
    _Stats.h2d_count = _Stats.h2d_bytes = _Stats.d2h_count = _Stats.d2h_bytes = 0


def _count_h2d(nbytes):
    _Stats.h2d_count += 1
    _Stats.h2d_bytes += int(nbytes)


def _count_d2h(nbytes):
    _Stats.d2h_count += 1
    _Stats.d2h_bytes += int(nbytes)


def _free(key):
    _Stats.allocated -= _Stats.live.pop(key, 0)


def _track(a):
    """Count the memory of a numpy buffer the device now owns (views and already-tracked buffers are free)."""
    if a.base is not None or id(a) in _Stats.live:
        return
    _Stats.live[id(a)] = a.nbytes
    _Stats.allocated += a.nbytes
    _Stats.peak = max(_Stats.peak, _Stats.allocated)
    weakref.finalize(a, _free, id(a))


# -- the array type ---------------------------------------------------------------------------------------
class ndarray:
    """A device array: a numpy array the rest of the program may only reach through this module."""

    __slots__ = ("_a", "_device", "__weakref__")
    __array_ufunc__ = None            # numpy ufuncs (np.exp(x), ndarray + x) refuse device arrays

    def __init__(self, a, device=0):
        if not isinstance(a, np.ndarray):
            a = np.asarray(a)
        self._a = a
        self._device = device
        _track(a)

    # numpy must not read device memory behind our back
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_NUMPY_REFUSED)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"numpy.{func.__name__}() was called on an array of the simulated CUDA device; "
                        "use the array module of the data (xp = course._device.get_array_module(a)) or copy it "
                        "to the host first with .get()")

    # explicit copies to the host
    def get(self):
        _count_d2h(self._a.nbytes)
        return self._a.copy()

    def item(self, *args):
        _count_d2h(self._a.itemsize)
        return self._a.item(*args)

    def tolist(self):
        _count_d2h(self._a.nbytes)
        return self._a.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._a.size != 1:
            raise ValueError("The truth value of an array with more than one element is ambiguous.")
        return bool(self.item())

    def __index__(self):
        if self._a.ndim or self._a.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self.item())

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(self._a[i], self._device) for i in range(len(self._a)))

    def __repr__(self):
        return "simulated_cuda_array(" + repr(self._a)[6:]

    def __reduce__(self):
        raise TypeError("arrays of the simulated CUDA device cannot be pickled; call .get() first")

    @property
    def device(self):
        return _Device(self._device)

    # what an array is
    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, value):            # a view with another shape; AttributeError when that needs a copy
        self._a.shape = value

    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    base = property(lambda self: None if self._a.base is None else _wrap(self._a.base, self._device))
    T = property(lambda self: _wrap(self._a.T, self._device))

    def __getattr__(self, name):
        if name in _METHODS:
            method = getattr(self._a, name)

            def call(*args, **kwargs):
                return _wrap(method(*_unwrap_all(args), **_unwrap_kw(kwargs)), self._device)
            return call
        raise AttributeError(f"'{type(self).__module__}.ndarray' (simulated CUDA array) has no attribute "
                             f"'{name}'")

    # indexing
    def __getitem__(self, key):
        return _wrap(self._a[_unwrap_index(key)], self._device)

    def __setitem__(self, key, value):
        self._a[_unwrap_index(key)] = _unwrap(value)


# array methods that are forwarded to numpy (CuPy's ndarray has them all)
_METHODS = {
    "reshape", "astype", "transpose", "swapaxes", "copy", "view", "ravel", "flatten", "squeeze", "fill",
    "sum", "mean", "prod", "max", "min", "argmax", "argmin", "all", "any", "std", "var", "cumsum", "cumprod",
    "clip", "round", "dot", "nonzero", "repeat", "take", "diagonal", "trace", "sort", "argsort", "conj",
}


def _binary(name):
    def op(self, other):
        return _wrap(getattr(self._a, name)(_unwrap(other)), self._device)
    op.__name__ = name
    return op


def _inplace(name):
    def op(self, other):
        getattr(self._a, name)(_unwrap(other))
        return self
    op.__name__ = name
    return op


def _unary(name):
    def op(self):
        return _wrap(getattr(self._a, name)(), self._device)
    op.__name__ = name
    return op


for _n in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
           "lshift", "rshift", "lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_n}__", _binary(f"__{_n}__"))
    if _n not in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(ndarray, f"__r{_n}__", _binary(f"__r{_n}__"))
        setattr(ndarray, f"__i{_n}__", _inplace(f"__i{_n}__"))
for _n in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_n}__", _unary(f"__{_n}__"))
ndarray.__hash__ = None


class _Device:
    """What ``x.device`` is for a CuPy array: the device number ``id``."""

    def __init__(self, id):
        self.id = id

    def __repr__(self):
        return f"<Simulated CUDA Device {self.id}>"

    def __eq__(self, other):
        return isinstance(other, _Device) and other.id == self.id

    def __hash__(self):
        return self.id


# -- moving values between the wrapped and the plain world -----------------------------------------------
def _wrap(r, device=0):
    """Results of numpy become device arrays (a numpy scalar becomes a 0-d array, as CuPy returns)."""
    if isinstance(r, np.ndarray):
        return ndarray(r, device)
    if isinstance(r, np.generic):
        return ndarray(np.asarray(r), device)
    if isinstance(r, tuple):
        return tuple(_wrap(x, device) for x in r)
    if isinstance(r, list):
        return [_wrap(x, device) for x in r]
    return r


def _unwrap(x):
    """A device array's numpy buffer; host arrays are refused, as CuPy refuses them."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError("Unsupported type <class 'numpy.ndarray'>: an array on the host was mixed with an array "
                        "on the simulated CUDA device; copy it over first (course: tensor.to('cuda'))")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    return x


def _unwrap_all(args):
    return [_unwrap(a) for a in args]


def _unwrap_kw(kwargs):
    return {k: _unwrap(v) for k, v in kwargs.items()} if kwargs else kwargs


def _unwrap_index(key):
    """Indices may be device arrays, Python ints/slices, or host integer arrays (copied over, and counted)."""
    if isinstance(key, tuple):
        return tuple(_unwrap_index(k) for k in key)
    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, np.ndarray):
        _count_h2d(key.nbytes)
        return key
    return key


def _device_of(args):
    for a in args:
        if isinstance(a, ndarray):
            return a._device
        if isinstance(a, (list, tuple)):
            for v in a:
                if isinstance(v, ndarray):
                    return v._device
    return 0


# -- the backend hooks course._device uses ------------------------------------------------------------------
def to_device(a, index=0):
    """Host -> device copy (or device -> device when ``a`` is already a device array)."""
    if isinstance(a, ndarray):
        return a if a._device == index else ndarray(a._a.copy(), index)
    a = np.asarray(a)
    _count_h2d(a.nbytes)
    return ndarray(np.array(a, copy=True), index)


def asnumpy(a):
    """Device -> host copy (CuPy's ``cupy.asnumpy``)."""
    if isinstance(a, ndarray):
        return a.get()
    return np.asarray(a)


def device_index(a):
    return a._device


def memory_allocated():
    return _Stats.allocated


def max_memory_allocated():
    return _Stats.peak


def reset_peak_memory_stats():
    _Stats.peak = _Stats.allocated


# -- the module's functions: numpy's, on device arrays ----------------------------------------------------
def asarray(a, dtype=None, order=None):
    """A device array from a device array (no copy when nothing changes) or from host data (a copy, counted)."""
    if isinstance(a, ndarray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    if isinstance(a, (list, tuple)) and any(isinstance(v, ndarray) for v in a):
        return ndarray(np.asarray(_unwrap(a), dtype=dtype))
    host = np.asarray(a, dtype=dtype, order=order)
    _count_h2d(host.nbytes)
    return ndarray(np.array(host, copy=True))


def array(a, dtype=None, copy=True, order="K", ndmin=0):
    if isinstance(a, ndarray):
        return ndarray(np.array(a._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin), a._device)
    host = np.array(a, dtype=dtype, copy=True, order=order, ndmin=ndmin)
    _count_h2d(host.nbytes)
    return ndarray(host)


def _forward(name):
    fn = getattr(np, name)

    def call(*args, **kwargs):
        return _wrap(fn(*_unwrap_all(args), **_unwrap_kw(kwargs)), _device_of(args))
    call.__name__ = name
    call.__doc__ = f"numpy.{name} on simulated-CUDA arrays"
    return call


class _UFunc:
    """A numpy ufunc working on device arrays, with ``.at`` / ``.reduce`` / ``.outer`` / ``.accumulate``."""

    def __init__(self, name):
        self._f = getattr(np, name)
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        return _wrap(self._f(*_unwrap_all(args), **_unwrap_kw(kwargs)), _device_of(args))

    def at(self, a, indices, b=None):
        args = (_unwrap_index(indices),) if b is None else (_unwrap_index(indices), _unwrap(b))
        self._f.at(_unwrap(a), *args)

    def reduce(self, a, *args, **kwargs):
        return _wrap(self._f.reduce(_unwrap(a), *args, **_unwrap_kw(kwargs)), a._device)

    def accumulate(self, a, *args, **kwargs):
        return _wrap(self._f.accumulate(_unwrap(a), *args, **_unwrap_kw(kwargs)), a._device)

    def outer(self, a, b, **kwargs):
        return _wrap(self._f.outer(_unwrap(a), _unwrap(b), **_unwrap_kw(kwargs)), _device_of((a, b)))


_UFUNCS = """
add subtract multiply divide true_divide floor_divide power float_power remainder mod fmod negative positive
absolute abs sign exp exp2 expm1 log log2 log10 log1p sqrt cbrt square reciprocal sin cos tan arcsin arccos
arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh floor ceil trunc rint hypot maximum minimum fmax fmin
isnan isinf isfinite signbit copysign logical_and logical_or logical_xor logical_not bitwise_and bitwise_or
bitwise_xor invert left_shift right_shift greater greater_equal less less_equal equal not_equal logaddexp
logaddexp2 deg2rad rad2deg heaviside nextafter ldexp frexp modf
""".split()

_FUNCTIONS = """
zeros ones empty full zeros_like ones_like empty_like full_like arange linspace logspace eye identity tri
tril triu diag diagonal meshgrid indices ascontiguousarray copy copyto reshape ravel transpose swapaxes
moveaxis expand_dims squeeze broadcast_to broadcast_arrays concatenate stack vstack hstack split array_split
flip roll tile repeat pad where nonzero argwhere take take_along_axis put_along_axis choose compress
searchsorted sort argsort unique sum prod mean std var max min amax amin argmax argmin cumsum cumprod all any
count_nonzero matmul dot tensordot einsum outer inner clip round around isclose allclose array_equal
nan_to_num maximum minimum atleast_1d atleast_2d diff bincount histogram trace kron cross isin in1d lexsort
partition argpartition percentile quantile median nanmax nanmin nansum nanmean nanargmax nanargmin unravel_index
ravel_multi_index flatnonzero select fliplr flipud rot90 column_stack dstack append average ptp triu_indices
tril_indices diag_indices diagflat vdot correlate convolve isneginf isposinf
""".split()

# names that are plain values (dtypes, constants, helpers that only look at dtypes or shapes)
_PLAIN = """
float16 float32 float64 bfloat16 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool_ complex64
complex128 dtype finfo iinfo result_type promote_types can_cast issubdtype broadcast_shapes inf nan pi e
newaxis integer floating number generic
""".split()

_cache = {}


def __getattr__(name):
    if name in _cache:
        return _cache[name]
    if name in _UFUNCS:
        value = _UFunc(name)
    elif name in _FUNCTIONS and hasattr(np, name):
        value = _forward(name)
    elif name in _PLAIN:
        if name == "bfloat16":
            import ml_dtypes
            value = ml_dtypes.bfloat16
        else:
            value = getattr(np, name)
    else:
        raise AttributeError(f"the simulated CUDA array module has no '{name}': course's ops may only use the "
                             "part of numpy's API that CuPy also provides (add it to course/cuda/_sim.py if "
                             "CuPy has it)")
    _cache[name] = value
    return value


class _StrideTricks:
    @staticmethod
    def as_strided(x, shape=None, strides=None, writeable=True):
        return _wrap(np.lib.stride_tricks.as_strided(_unwrap(x), shape, strides, writeable=writeable),
                     x._device)

    @staticmethod
    def sliding_window_view(x, *args, **kwargs):
        return _wrap(np.lib.stride_tricks.sliding_window_view(_unwrap(x), *args, **kwargs), x._device)


class lib:
    stride_tricks = _StrideTricks


class random:
    """Random numbers drawn on the host and copied over (course draws its random numbers on the CPU)."""
    @staticmethod
    def seed(seed=None):
        pass
