"""``course.save`` / ``course.load``: checkpoints in a safe format (loading never runs code).

PyTorch's ``torch.save`` pickles; unpickling a file can run any code in it. course writes a zip
archive instead, holding

    checkpoint/version              the format version ("1")
    checkpoint/structure.json       the nested structure: dicts, lists, numbers, strings... and, where a
                                    tensor was, {"__type__": "tensor", "id": 3, "dtype": ..., "shape": ...}
    checkpoint/arrays/3.npy         the numbers of tensor 3 (plain .npy, read with allow_pickle=False)

What can be saved: tensors (any dtype, incl. bfloat16; requires_grad is kept), numbers, strings, bools,
None, dtypes, devices, numpy arrays, and dicts (incl. OrderedDict), lists, tuples and Counters of them:
everything a model's, optimizer's or scheduler's ``state_dict()`` holds. A tensor saved twice in one
checkpoint comes back as one tensor. Anything else is refused when saving, and any file that is not
such an archive (a pickle, a PyTorch ``.pt`` file, a tampered archive) is refused when loading.
"""
import collections
import io
import json
import os
import zipfile

import numpy as np

from . import _dtype
from ._tensor import Tensor
from ._device import device as _device_cls

FORMAT_VERSION = "1"
_PREFIX = "checkpoint/"


class CheckpointError(RuntimeError):
    """A file course.load cannot (or will not) read; the message says which file and why."""


# -- saving -------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write ``obj`` (e.g. ``{'model': model.state_dict(), 'optimizer': opt.state_dict()}``) to ``f``.

    ``f`` is a path or a binary file object open for writing.
    """
    arrays = []
    memo = {}
    structure = _encode(obj, arrays, memo, path="obj")
    with _open_zip(f, "w") as zf:
        zf.writestr(_PREFIX + "version", FORMAT_VERSION)
        zf.writestr(_PREFIX + "structure.json", json.dumps(structure))
        for i, array in enumerate(arrays):
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            zf.writestr(f"{_PREFIX}arrays/{i}.npy", buffer.getvalue())


def _encode(obj, arrays, memo, path):
    """The JSON-ready description of ``obj``; tensors' numbers go to ``arrays``."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj
    if isinstance(obj, float):
        return obj
    if isinstance(obj, Tensor):
        return _encode_tensor(obj, arrays, memo)
    if isinstance(obj, _dtype.dtype):
        return {"__type__": "dtype", "name": obj.name}
    if isinstance(obj, _device_cls):
        return {"__type__": "device", "name": str(obj)}
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        return _encode_numpy(obj, arrays, path)
    if isinstance(obj, collections.Counter):
        return {"__type__": "Counter", "items": [[_encode(k, arrays, memo, path), _encode(v, arrays, memo, path)]
                                                 for k, v in obj.items()]}
    if isinstance(obj, dict):
        kind = "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict"
        items = [[_encode(k, arrays, memo, f"{path} key"), _encode(v, arrays, memo, f"{path}[{k!r}]")]
                 for k, v in obj.items()]
        out = {"__type__": kind, "items": items}
        metadata = getattr(obj, "_metadata", None)       # Module.state_dict() keeps per-module versions here
        if isinstance(metadata, dict):
            out["metadata"] = _encode(dict(metadata), arrays, memo, path + "._metadata")
        return out
    if isinstance(obj, tuple):
        return {"__type__": "tuple", "items": [_encode(v, arrays, memo, f"{path}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, memo, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, (set, frozenset)):
        return {"__type__": type(obj).__name__, "items": [_encode(v, arrays, memo, path) for v in obj]}
    raise TypeError(f"course.save cannot store {path} of type {type(obj).__module__}.{type(obj).__qualname__}: a "
                    "checkpoint holds only tensors, numbers, strings, None, dtypes and dicts/lists/tuples of them "
                    "(save model.state_dict() rather than the model itself)")


def _encode_tensor(t, arrays, memo):
    if id(t) in memo:                              # the same tensor twice: store it once
        return memo[id(t)]
    array = t._host()
    dtype = t.dtype
    if dtype is _dtype.bfloat16:                   # .npy has no bfloat16: keep its 16 bits as uint16
        array = array.view(np.uint16)
    arrays.append(array)
    out = {"__type__": "tensor", "id": len(arrays) - 1, "dtype": dtype.name, "shape": list(t.shape),
           "requires_grad": bool(t.requires_grad), "device": str(t.device)}
    if type(t).__name__ == "Parameter":
        out["parameter"] = True
    memo[id(t)] = out
    return out


def _encode_numpy(a, arrays, path):
    array = np.asarray(a)
    if array.dtype.kind not in "biuf" and array.dtype.name != "bfloat16":
        raise TypeError(f"course.save cannot store {path}: numpy arrays of dtype {array.dtype} are not supported")
    name = array.dtype.name
    arrays.append(array.view(np.uint16) if name == "bfloat16" else array)
    return {"__type__": "ndarray" if isinstance(a, np.ndarray) else "numpy_scalar", "id": len(arrays) - 1,
            "dtype": name, "shape": list(array.shape)}


# -- loading ------------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Read what ``course.save`` wrote. Never executes code from the file.

    ``map_location`` moves tensors: a device or string (``'cpu'``), a dict like ``{'cuda:0': 'cpu'}``, or a
    function ``(tensor, saved_device_string) -> tensor``. ``weights_only`` is accepted for compatibility;
    course checkpoints only ever hold data, so loading is always weights-only.
    """
    name = f if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "the file object")
    try:
        zf = _open_zip(f, "r")
    except zipfile.BadZipFile:
        raise CheckpointError(f"course.load: {name} is not a course checkpoint ({_guess_kind(f)}); course only "
                              "reads files written by course.save and never unpickles, since unpickling can "
                              "run arbitrary code") from None
    with zf:
        names = set(zf.namelist())
        if _PREFIX + "structure.json" not in names:
            kind = "a PyTorch checkpoint (pickled)" if any(n.endswith("data.pkl") for n in names) else \
                "a zip archive without checkpoint/structure.json"
            raise CheckpointError(f"course.load: {name} is not a course checkpoint (it is {kind}); course only "
                                  "reads files written by course.save and never unpickles, since unpickling can "
                                  "run arbitrary code")
        try:
            version = zf.read(_PREFIX + "version").decode()
            if version != FORMAT_VERSION:
                raise ValueError(f"format version {version!r}, this course reads version {FORMAT_VERSION}")
            structure = json.loads(zf.read(_PREFIX + "structure.json"))
            return _Decoder(zf, map_location).decode(structure)
        except CheckpointError:
            raise
        except Exception as e:
            raise CheckpointError(f"course.load: {name} is damaged or was not written by course.save ({e})") from None


def _guess_kind(f):
    """What a non-zip file looks like, for the error message."""
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as fh:
                head = fh.read(2)
        else:
            f.seek(0)
            head = f.read(2)
    except Exception:
        return "it could not be read"
    if head[:1] == b"\x80":
        return "it is a pickle, e.g. an old-style PyTorch file"
    return "it is not a zip archive"


class _Decoder:
    def __init__(self, zf, map_location):
        self.zf, self.map_location = zf, map_location
        self.tensors = {}                          # id -> the one Tensor for it (keeps shared tensors shared)

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or "__type__" not in node:
            raise ValueError(f"unexpected entry {str(node)[:60]!r}")
        kind = node["__type__"]
        if kind in ("dict", "OrderedDict"):
            out = (collections.OrderedDict if kind == "OrderedDict" else dict)(
                (self._key(self.decode(k)), self.decode(v)) for k, v in node["items"])
            if "metadata" in node:
                out._metadata = self.decode(node["metadata"])
            return out
        if kind == "Counter":
            return collections.Counter({self._key(self.decode(k)): self.decode(v) for k, v in node["items"]})
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind in ("set", "frozenset"):
            return (set if kind == "set" else frozenset)(self._key(self.decode(v)) for v in node["items"])
        if kind == "dtype":
            return _dtype.to_dtype(node["name"])
        if kind == "device":
            return _device_cls(node["name"])
        if kind == "tensor":
            return self._tensor(node)
        if kind in ("ndarray", "numpy_scalar"):
            array = self._array(node)
            return array if kind == "ndarray" else array[()]
        raise ValueError(f"unknown entry type {kind!r}")

    @staticmethod
    def _key(k):
        if isinstance(k, (list, dict, set)):
            raise ValueError("a dict key or set element is not hashable")
        return k

    def _array(self, node):
        dtype = _dtype.to_dtype(node["dtype"])
        array = np.load(io.BytesIO(self.zf.read(f"{_PREFIX}arrays/{int(node['id'])}.npy")), allow_pickle=False)
        stored = np.uint16 if dtype is _dtype.bfloat16 else dtype.np
        if array.dtype != stored or list(array.shape) != list(node["shape"]):
            raise ValueError(f"array {node['id']} has dtype {array.dtype} and shape {list(array.shape)} but the "
                             f"structure says {node['dtype']} {node['shape']}")
        return array.view(dtype.np) if dtype is _dtype.bfloat16 else array

    def _tensor(self, node):
        key = int(node["id"])
        if key in self.tensors:
            return self.tensors[key]
        t = Tensor._make(self._array(node))
        t = self._place(t, node.get("device", "cpu"))
        if node.get("parameter"):
            from .nn import Parameter
            t = Parameter(t, requires_grad=bool(node["requires_grad"]))
        elif node.get("requires_grad"):
            t.requires_grad_(True)
        self.tensors[key] = t
        return t

    def _place(self, t, saved_device):
        where = self.map_location
        if where is None:
            target = saved_device
        elif callable(where) and not isinstance(where, (str, _device_cls)):
            return where(t, saved_device)
        elif isinstance(where, dict):
            target = where.get(saved_device, saved_device)
        else:
            target = where
        return t if str(target) == "cpu" else t.to(target)


def _open_zip(f, mode):
    """A zip archive on a path or a binary file object (stored uncompressed: arrays barely compress)."""
    return zipfile.ZipFile(f, mode, compression=zipfile.ZIP_STORED)
