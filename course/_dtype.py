"""Data types as objects (course.float32, ...) and PyTorch's type-promotion rules.

Each dtype wraps a numpy dtype. bfloat16 comes from ml_dtypes, because numpy has none.
"""
import numpy as np
import ml_dtypes


class dtype:
    """A tensor element type, e.g. ``course.float32``. Compare with ``==``, print like PyTorch."""

    def __init__(self, name, np_dtype, kind, aliases=()):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.kind = kind                      # 'bool' < 'int' < 'float' (promotion categories)
        self.aliases = aliases

    @property
    def is_floating_point(self):
        return self.kind == "float"

    @property
    def is_signed(self):
        return self.name not in ("uint8", "bool")

    @property
    def itemsize(self):
        return self.np.itemsize

    def to_real(self):
        return self

    def __repr__(self):
        return "course." + self.name

    def __reduce__(self):                     # pickles as a reference to the module constant
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, "bool")
uint8 = dtype("uint8", np.uint8, "int")
int8 = dtype("int8", np.int8, "int")
int16 = dtype("int16", np.int16, "int", ("short",))
int32 = dtype("int32", np.int32, "int", ("int",))
int64 = dtype("int64", np.int64, "int", ("long",))
float16 = dtype("float16", np.float16, "float", ("half",))
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, "float")
float32 = dtype("float32", np.float32, "float", ("float",))
float64 = dtype("float64", np.float64, "float", ("double",))

ALL = [bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64]
_NAMES = {d.name: d for d in ALL}
_NAMES.update({a: d for d in ALL for a in d.aliases})
_FROM_NUMPY = {d.np: d for d in ALL}
_KIND_RANK = {"bool": 0, "int": 1, "float": 2}


def _by_name(name):
    return _NAMES[name]


class _Defaults:
    float = float32                            # changed by set_default_dtype


def get_default_dtype():
    return _Defaults.float


def set_default_dtype(d):
    if not (isinstance(d, dtype) and d.is_floating_point):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _Defaults.float = d


def from_numpy_dtype(np_dtype):
    """The course dtype for a numpy dtype; TypeError for one we cannot hold (strings, objects...)."""
    d = _FROM_NUMPY.get(np_dtype)
    if d is None:
        d = _FROM_NUMPY.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, and bool.")
    return d


def to_dtype(d):
    """Accept a course dtype, a numpy dtype, a Python type or a name string; return a course dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64                      # as in PyTorch: Python's float is a double
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        name = d.replace("torch.", "").replace("course.", "")
        if name in _NAMES:
            return _NAMES[name]
        raise TypeError(f"invalid dtype string: {d!r}")
    return from_numpy_dtype(d)


def promote_types(a, b):
    """The smallest dtype both a and b convert to without losing their category (PyTorch's table)."""
    if a is b:
        return a
    if a.kind != b.kind:                       # bool < int < float: the higher category wins
        return a if _KIND_RANK[a.kind] > _KIND_RANK[b.kind] else b
    if {a, b} == {float16, bfloat16}:
        return float32
    if bfloat16 in (a, b):                     # bfloat16 with float32/64: the wider one
        other = b if a is bfloat16 else a
        return other
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def scalar_kind(value):
    """The promotion category of a Python scalar."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def default_for_kind(kind):
    return {"bool": bool_, "int": int64, "float": _Defaults.float}[kind]


def _promote_all(dtypes):
    result = None
    for d in dtypes:
        result = d if result is None else promote_types(result, d)
    return result


def result_type(*operands):
    """PyTorch's result dtype for an op on tensors and Python scalars.

    Three tiers take part, highest first: tensors with dimensions, zero-dim tensors, Python scalars.
    A lower tier only matters when its category (bool < int < float) is higher than all above it;
    Python scalars then give the default dtype of their category (float32 for 2.5, int64 for 3).
    """
    first = getattr(operands[0], "dtype", None)
    if isinstance(first, dtype) and first.kind == "float" and all(
            getattr(x, "dtype", first) is first for x in operands):
        return first            # the common case: float tensors of one dtype, maybe with Python numbers
    dims = _promote_all(x.dtype for x in operands if isinstance(getattr(x, "dtype", None), dtype) and x.ndim > 0)
    zeros = _promote_all(x.dtype for x in operands if isinstance(getattr(x, "dtype", None), dtype) and x.ndim == 0)
    kinds = [scalar_kind(x) for x in operands if not isinstance(getattr(x, "dtype", None), dtype)]
    result = dims
    if zeros is not None and (result is None or _KIND_RANK[zeros.kind] > _KIND_RANK[result.kind]):
        result = zeros
    if kinds:
        kind = max(kinds, key=_KIND_RANK.get)
        if result is None or _KIND_RANK[kind] > _KIND_RANK[result.kind]:
            result = default_for_kind(kind)
    return result


class finfo:
    """Limits of a floating-point dtype: ``course.finfo(course.float32).eps`` and friends."""

    def __init__(self, type=None):
        d = to_dtype(type) if type is not None else get_default_dtype()
        if not d.is_floating_point:
            raise TypeError(f"finfo is only for floating-point dtypes, got {d}")
        info = ml_dtypes.finfo(d.np) if d is bfloat16 else np.finfo(d.np)
        self.dtype, self.bits = d.name, d.itemsize * 8
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(np.floor(-np.log10(self.eps)))      # 10^-(decimal digits)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: ``course.iinfo(course.int8).max`` is 127."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.kind != "int":
            raise TypeError(f"iinfo is only for integer dtypes, got {d}")
        info = np.iinfo(d.np)
        self.dtype, self.bits, self.min, self.max = d.name, d.itemsize * 8, int(info.min), int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
