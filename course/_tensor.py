"""``course.Tensor``: an n-dimensional array (numpy on the CPU, CuPy on CUDA) that can record its history.

A tensor holds
* ``_data``: the raw array with the numbers;
* ``requires_grad``: whether ops on it are recorded for autograd;
* ``grad_fn``: the Node that computed it (None for tensors you made yourself: the *leaves*);
* ``grad``: after ``backward()``, d(output)/d(this tensor), for leaves;
* ``_version``: a counter bumped by every in-place change, shared with its views.

Most methods are the functions of ``course.ops`` (``x.exp()`` is ``course.exp(x)``).
"""
import weakref

import numpy as np

from . import _dtype, ops
from ._device import get_array_module, device_of, device as _device_cls, CPU
from .autograd import function as _function
from .autograd.function import _Version
from .autograd.grad_mode import _Mode
from .ops.index import _to_index, IndexAdd, _ints_first


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``course.Size([2, 3])``."""

    def __repr__(self):
        return f"course.Size({list(self)})"

    def __getitem__(self, i):                       # x.shape[1:] is a Size too
        out = super().__getitem__(i)
        return Size(out) if isinstance(i, slice) else out

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


def _not_comparable(other):
    """``==`` against anything but a tensor, a number or an array is False, not an error."""
    return not isinstance(other, (Tensor, int, float, complex)) and not hasattr(other, "dtype")


class Tensor:
    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "_version", "_base", "_output_nr",
                 "_accumulator", "_hooks", "_retains_grad", "__weakref__", "__dict__")
    __array_priority__ = 1000            # numpy array (op) tensor: let the tensor handle it

    def __init__(self, *args, dtype=None, device=None):
        """``Tensor([1, 2])`` copies data as float32; ``Tensor(2, 3)`` is uninitialised (like PyTorch)."""
        from . import _creation
        if len(args) == 1 and not isinstance(args[0], int):
            src = _creation.tensor(args[0], dtype=dtype or _dtype.get_default_dtype(), device=device)
        else:                                       # Tensor() is an empty 1-D tensor, as PyTorch
            src = _creation.empty(*(args or (0,)), dtype=dtype, device=device)
        self._init(src._data)

    def _init(self, data, requires_grad=False, grad_fn=None, version=None, output_nr=0):
        self._data = data
        self.requires_grad = requires_grad
        self._grad = None
        self.grad_fn = grad_fn
        self._version = version if version is not None else _Version()
        self._base = None
        self._output_nr = output_nr
        self._accumulator = None
        self._hooks = None
        self._retains_grad = False

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, version=None, output_nr=0):
        """Wrap an existing array (no copy). Python and numpy scalars become 0-dim arrays."""
        t = object.__new__(cls)
        if type(data) is not np.ndarray and (isinstance(data, np.generic) or not hasattr(data, "shape")):
            data = np.asarray(data)
        t._init(data, requires_grad, grad_fn, version, output_nr)
        return t

    # -- what it is ---------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[ops._util.norm_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return int(self._data.nbytes)

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    def data_ptr(self):
        return self._data.__array_interface__["data"][0] if self.device == CPU else id(self._data)

    def untyped_storage(self):
        return self._data.base if self._data.base is not None else self._data

    @property
    def is_leaf(self):
        """True for tensors not made by a recorded op: the ones whose ``.grad`` backward fills in."""
        return self.grad_fn is None

    @property
    def layout(self):
        return "torch.strided"

    # -- gradients ----------------------------------------------------------------------------------
    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                          "Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value.device != self.device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                                   "a computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute d(self)/d(leaf) for every leaf that requires grad, adding into ``leaf.grad``."""
        from .autograd.engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor too (normally only leaves get one)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                g = grad.detach().clone() if not _Mode.enabled else grad
                t._grad = g if t._grad is None else t._grad + g
        self._add_node_hook(store)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.is_leaf:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return _RemovableHandle(self._hooks, hook)
        return self._add_node_hook(hook)

    def _add_node_hook(self, hook):
        node = self.grad_fn
        if node._pre_hooks is None:
            node._pre_hooks = {}
        hooks = node._pre_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def detach(self):
        """The same numbers (shared memory), cut out of the graph: no grad_fn, requires_grad=False."""
        out = Tensor._make(self._data, version=self._version)
        out._base = self._base
        return out

    def detach_(self):
        if self._base is not None and self._base.requires_grad and self.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self.requires_grad = False
        return self

    @property
    def data(self):
        """The numbers without the history (shares memory; changes to it are not tracked)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # -- leaving the tensor world -------------------------------------------------------------------
    def item(self):
        """The single number in a one-element tensor, as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._host().reshape(()).item()

    def tolist(self):
        return self._host().tolist()

    def numpy(self, *, force=False):
        """A numpy array sharing memory with this CPU tensor."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if self.device != CPU:
            if force:
                return self._host()
            raise TypeError(f"can't convert {self.device.type}:{self.device.index or 0} device type tensor to "
                            "numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        return self._data

    def _host(self):
        if self.device == CPU:
            return self._data
        return get_array_module(self._data).asnumpy(self._data)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ._format import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self.dim() == 0 and spec:
            return format(self.item(), spec)
        return repr(self) if not spec else format(repr(self), spec)

    def __reduce_ex__(self, protocol):
        # pickling (DataLoader worker processes, deepcopy): the numbers and the flag, never the graph
        return (_rebuild, (self._host().copy(), self.requires_grad, str(self.device)))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        out = Tensor._make(self._data.copy(), requires_grad=self.requires_grad)
        if type(self) is not Tensor:
            out = type(self).__new__(type(self))
            out._init(self._data.copy(), self.requires_grad)
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    # -- conversion -----------------------------------------------------------------------------------
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``; a no-op when nothing changes."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, _dtype.dtype) or a in (float, int, bool) or (isinstance(a, type) and
                                                                             issubclass(a, np.generic)):
                dtype = a
            elif isinstance(a, (str, _device_cls, int)):
                dev = a
            elif isinstance(a, bool):
                pass
            else:
                dtype = a
        out = self
        if dev is not None:
            dev = _device_cls(dev) if not isinstance(dev, _device_cls) else dev
            if dev.type == "cuda" and dev.index is None:
                dev = _device_cls("cuda", 0)
            out = ops.copy.to_device_op(out, dev)
        if dtype is not None:
            out = ops.copy.cast(out, _dtype.to_dtype(dtype))
        if copy and out is self:
            out = out.clone()
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        return self.to(_device_cls("cuda", device if isinstance(device, int) else 0) if not isinstance(
            device, (str, _device_cls)) else device)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def bfloat16(self):
        return self.to(_dtype.bfloat16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool_)

    def type(self, dtype=None):
        """Without an argument, the legacy type name (``'torch.FloatTensor'``); with one, a cast."""
        if dtype is None:
            name = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                    "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                    "bool": "Bool"}[self.dtype.name]
            return f"torch.{'cuda.' if self.is_cuda else ''}{name}Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            legacy = {"FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16",
                      "LongTensor": "int64", "IntTensor": "int32", "ByteTensor": "uint8", "BoolTensor": "bool",
                      "ShortTensor": "int16", "CharTensor": "int8", "BFloat16Tensor": "bfloat16"}
            dtype = legacy[dtype.split(".")[-1]]
        return self.to(_dtype.to_dtype(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from ._creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from ._creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from ._creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from ._creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from ._creation import empty
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    # -- operators ------------------------------------------------------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(self, other)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.rsub(self, other)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(self, other)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    # x += y and friends change x in place (like add_), as in PyTorch
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ifloordiv__(self, other):
        return self._inplace(ops.floor_divide(self, other))

    def __imod__(self, other):
        return self._inplace(ops.remainder(self, other))

    def __ipow__(self, other):
        return self.pow_(other)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __invert__(self):
        if self.dtype.kind == "bool":
            return ops.logical_not(self)
        return ops.bitwise_not(self)

    def __and__(self, other):                    # on two bool tensors the same as logical_and
        return ops.bitwise_and(self, other)

    def __or__(self, other):
        return ops.bitwise_or(self, other)

    def __xor__(self, other):
        return ops.bitwise_xor(self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __eq__(self, other):
        if _not_comparable(other):         # x == None (or a string, a list) is plain False, as in PyTorch
            return False
        return ops.eq(self, other)

    def __ne__(self, other):
        if _not_comparable(other):
            return True
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    def __contains__(self, element):
        return bool((self == element).any())

    def __getitem__(self, idx):
        return ops.index(self, idx)

    def __setitem__(self, idx, value):
        """``x[idx] = value``, recorded as an in-place op when gradients are involved."""
        if _Mode.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if not (_Mode.enabled and (self.requires_grad or (isinstance(value, Tensor) and value.requires_grad))):
            self._check_inplace_allowed()
            idx = _to_index(idx)
            v = value._data if isinstance(value, Tensor) else value
            if isinstance(value, Tensor) and value.device != self.device:
                ops._util.check_same_device("index_put_", self, value)
            split = _ints_first(idx)                  # x[1, :, idx]: the integer first, as PyTorch
            if split is not None:
                self._data[split[0]][split[1]] = v      # (self._data[ints] is a numpy view)
            else:
                self._data[idx] = v
            self._version.value += 1
            return
        self._inplace(ops.index_put(self, idx, value))
        self.grad_fn._name = "CopySlices"

    # -- in-place ops ---------------------------------------------------------------------------------
    def _check_inplace_allowed(self):
        if _Mode.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")

    def _inplace(self, result):
        """Make ``self`` hold ``result``: write its numbers into self's memory and take over its history."""
        self._check_inplace_allowed()
        if tuple(result.shape) != tuple(self.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
        if result.dtype is not self.dtype:
            if result.dtype.is_floating_point and not self.dtype.is_floating_point:
                from .ops.reduce import _torch_type_name
                raise RuntimeError(f"result type {_torch_type_name(result.dtype)} can't be cast to the desired "
                                   f"output type {_torch_type_name(self.dtype)}")
        recording = result.requires_grad and _Mode.enabled
        if recording and result.dtype is not self.dtype:
            result = result.to(self.dtype)              # the recorded result gets self's dtype too
        if recording and self._base is not None and (self._base.requires_grad or
                                                     getattr(self, "_view_index", None) is not None):
            return self._inplace_on_view(result)          # the base must see the change in its history too
        if recording:
            result.grad_fn._keep_old_values(self)
        self._data[...] = result._data
        self._version.value += 1
        if recording:
            self.grad_fn, self.requires_grad, self._output_nr = result.grad_fn, True, result._output_nr
        return self

    def _inplace_on_view(self, result):
        """In-place change of a slice ``self = base[idx]`` of a tensor that requires grad (``y[0] += 1``).

        The base's history gets the change: base becomes ``index_put(base, idx, result)`` (the gradient
        reaches result at idx and the old base elsewhere), and self becomes ``base[idx]`` again.
        """
        base, idx = self._base, getattr(self, "_view_index", None)
        if base.requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if idx is None:
            raise RuntimeError("course supports in-place changes to a view of a tensor that requires grad only "
                               "for one level of basic indexing (y[0] += 1, y[:, 1].mul_(2)); write y[0, 1] "
                               "rather than y[0][1], or use an out-of-place op (torch.where, torch.cat).")
        result.grad_fn._keep_old_values(self)
        base._inplace(ops.index_put(base, idx, result))      # writes the numbers self shares with base
        base.grad_fn._name = "CopySlices"                     # PyTorch's name for this step
        fresh = ops.index(base, idx)
        self.grad_fn, self.requires_grad, self._output_nr = fresh.grad_fn, True, 0
        return self

    def _updates_in_place(self, other):
        """Can ``self op= other`` write straight into self's memory? Yes when nothing is recorded, self is
        a float tensor and ``other`` (a number or a tensor on the same device) broadcasts to self's shape.
        This is the optimizer's ``p.add_(...)`` under no_grad: one pass over memory, no temporary."""
        if _Mode.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
            return False
        if self._data.dtype.kind != "f" and self.dtype is not _dtype.bfloat16:
            return False
        if isinstance(other, Tensor):
            if other._data.ndim > self._data.ndim or other.device != self.device:
                return False
            own = self._data.shape[self._data.ndim - other._data.ndim:]
            return all(o == 1 or o == n for o, n in zip(other._data.shape, own))
        return isinstance(other, (int, float))

    def _update(self, ufunc_name, other):
        """self op= other in place, without recording (see ``_updates_in_place``)."""
        xp = get_array_module(self._data)
        value = other._data if isinstance(other, Tensor) else other
        getattr(xp, ufunc_name)(self._data, value, out=self._data, casting="unsafe")
        self._version.value += 1
        return self

    def add_(self, other, *, alpha=1):
        if self._updates_in_place(other):
            return self._update("add", other if alpha == 1 else other * alpha)
        return self._inplace(ops.add(self, other, alpha=alpha))

    def sub_(self, other, *, alpha=1):
        if self._updates_in_place(other):
            return self._update("subtract", other if alpha == 1 else other * alpha)
        return self._inplace(ops.sub(self, other, alpha=alpha))

    def mul_(self, other):
        if self._updates_in_place(other):
            return self._update("multiply", other)
        return self._inplace(ops.mul(self, other))

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None and self._updates_in_place(other):
            return self._update("true_divide", other)
        return self._inplace(ops.div(self, other, rounding_mode=rounding_mode))

    def pow_(self, exponent):
        return self._inplace(ops.pow(self, exponent))

    def neg_(self):
        return self._inplace(ops.neg(self))

    def exp_(self):
        return self._inplace(ops.exp(self))

    def log_(self):
        return self._inplace(ops.log(self))

    def sqrt_(self):
        return self._inplace(ops.sqrt(self))

    def abs_(self):
        return self._inplace(ops.abs(self))

    def relu_(self):
        return self._inplace(ops.relu(self))

    def sigmoid_(self):
        return self._inplace(ops.sigmoid(self))

    def tanh_(self):
        return self._inplace(ops.tanh(self))

    def floor_(self):
        return self._inplace(ops.floor(self))

    def round_(self):
        return self._inplace(ops.round(self))

    def ceil_(self):
        return self._inplace(ops.ceil(self))

    def trunc_(self):
        return self._inplace(ops.trunc(self))

    def frac_(self):
        return self._inplace(ops.frac(self))

    def sign_(self):
        return self._inplace(ops.sign(self))

    def sin_(self):
        return self._inplace(ops.sin(self))

    def cos_(self):
        return self._inplace(ops.cos(self))

    def square_(self):
        return self._inplace(ops.square(self))

    def reciprocal_(self):
        return self._inplace(ops.reciprocal(self))

    def rsqrt_(self):
        return self._inplace(ops.rsqrt(self))

    def log1p_(self):
        return self._inplace(ops.log1p(self))

    def expm1_(self):
        return self._inplace(ops.expm1(self))

    def erf_(self):
        return self._inplace(ops.erf(self))

    def fmod_(self, other):
        return self._inplace(ops.fmod(self, other))

    def remainder_(self, other):
        return self._inplace(ops.remainder(self, other))

    def tril_(self, diagonal=0):
        return self._inplace(ops.tril(self, diagonal))

    def triu_(self, diagonal=0):
        return self._inplace(ops.triu(self, diagonal))

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write fill_value at [i, i, ...] for i < the smallest dim (all dims equal when more than 2)."""
        if self.dim() < 2 or (self.dim() > 2 and len(set(self.shape)) != 1):
            raise RuntimeError("all dimensions of input must be of equal length")
        if wrap and self.dim() == 2 and self.shape[0] > self.shape[1] + 1:
            raise NotImplementedError("fill_diagonal_(wrap=True) on a tall matrix is not supported in course")
        from ._creation import arange
        ar = arange(min(self.shape), device=self.device)
        self[(ar,) * self.dim()] = fill_value
        return self

    def clamp_(self, min=None, max=None):
        return self._inplace(ops.clamp(self, min, max))

    clip_ = clamp_

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace(self + value * tensor1 * tensor2)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace(self + value * tensor1 / tensor2)

    def lerp_(self, end, weight):
        return self._inplace(ops.lerp(self, end, weight))

    def masked_fill_(self, mask, value):
        return self._inplace(ops.masked_fill(self, mask, value))

    def masked_scatter_(self, mask, source):
        return self._inplace(ops.masked_scatter(self, mask, source))

    def clamp_min_(self, min):
        return self._inplace(ops.clamp(self, min=min))

    def clamp_max_(self, max):
        return self._inplace(ops.clamp(self, max=max))

    masked_scatter, clamp_min, clamp_max = ops.masked_scatter, ops.clamp_min, ops.clamp_max
    isin, bincount, histc, nanmean, ravel = ops.isin, ops.bincount, ops.histc, ops.nanmean, ops.ravel
    diff = ops.diff

    def copy_(self, src, non_blocking=False):
        """Copy src's numbers into self (broadcasting, converting dtype and device)."""
        src_t = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
        if src_t.device != self.device:
            src_t = src_t.to(self.device)
        value = src_t.to(self.dtype).expand(*self.shape)
        if _Mode.enabled and (self.requires_grad or value.requires_grad):
            return self._inplace(value + self * 0)      # the old values get a zero gradient
        self._check_inplace_allowed()
        self._data[...] = value._data
        self._version.value += 1
        return self

    def _fill_raw(self, values):
        """Overwrite the numbers without recording (init functions, random fills)."""
        self._check_inplace_allowed()
        self._data[...] = values
        self._version.value += 1
        return self

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        if isinstance(value, Tensor):
            value = value.item()
        if _Mode.enabled and self.requires_grad:
            return self._inplace(ops.mul(self, 0) + value)
        return self._fill_raw(value)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from .random import _rng
        return self._fill_raw(self._to_dev(_rng(generator).uniform(a, b, self.shape)))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from .random import _rng
        return self._fill_raw(self._to_dev(_rng(generator).normal(mean, std, self.shape)))

    def bernoulli_(self, p=0.5, *, generator=None):
        from .random import _rng
        return self._fill_raw(self._to_dev(_rng(generator).random(self.shape) < p))

    def random_(self, from_=0, to=None, *, generator=None):
        from .random import _rng
        if to is None:
            from_, to = 0, (2 ** 24 if self.dtype.is_floating_point else np.iinfo(self.dtype.np).max)
        return self._fill_raw(self._to_dev(_rng(generator).integers(from_, to, self.shape)))

    def exponential_(self, lambd=1.0, *, generator=None):
        from .random import _rng
        return self._fill_raw(self._to_dev(_rng(generator).exponential(1.0 / lambd, self.shape)))

    def _to_dev(self, host_array):
        from ._device import to_device
        return to_device(host_array.astype(self.dtype.np), self.device)

    def resize_as_(self, other):
        self._data = get_array_module(self._data).empty(other.shape, dtype=self._data.dtype)
        return self

    def apply_(self, fn):
        flat = self._data.reshape(-1)
        for i in range(flat.size):
            flat[i] = fn(flat[i].item())
        return self

    def unsqueeze_(self, dim):
        self._data = self._data.reshape(ops.unsqueeze(self.detach(), dim).shape)
        return self

    def squeeze_(self, dim=None):
        self._data = self._data.reshape(ops.squeeze(self.detach(), dim).shape)
        return self

    def t_(self):
        self._data = self._data.T
        return self

    def share_memory_(self):
        return self

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    # -- methods that are the functions in course.ops ----------------------------------------------
    exp, log, log2, log10, log1p, expm1 = ops.exp, ops.log, ops.log2, ops.log10, ops.log1p, ops.expm1
    sqrt, rsqrt, abs, sin, cos, tan = ops.sqrt, ops.rsqrt, ops.abs, ops.sin, ops.cos, ops.tan
    tanh, sigmoid, relu, sign, floor, ceil = ops.tanh, ops.sigmoid, ops.relu, ops.sign, ops.floor, ops.ceil
    round, trunc, frac, clamp, clip, reciprocal = ops.round, ops.trunc, ops.frac, ops.clamp, ops.clip, ops.reciprocal
    erf, asin, acos, atan, sinh, cosh = ops.erf, ops.asin, ops.acos, ops.atan, ops.sinh, ops.cosh
    arcsin, arccos, arctan, absolute, logit = ops.asin, ops.acos, ops.atan, ops.abs, ops.logit
    nan_to_num, signbit, sgn, square, exp2 = ops.nan_to_num, ops.signbit, ops.sgn, ops.square, ops.exp2
    add, sub, mul, div, pow, matmul = ops.add, ops.sub, ops.mul, ops.div, ops.pow, ops.matmul
    true_divide, floor_divide, remainder, fmod = ops.true_divide, ops.floor_divide, ops.remainder, ops.fmod
    multiply, subtract, divide, neg, negative = ops.multiply, ops.subtract, ops.divide, ops.neg, ops.neg
    mm, bmm, dot, mv, outer, addmm, lerp = ops.mm, ops.bmm, ops.dot, ops.mv, ops.outer, ops.addmm, ops.lerp
    sum, mean, prod, max, min, amax, amin = ops.sum, ops.mean, ops.prod, ops.max, ops.min, ops.amax, ops.amin
    argmax, argmin, var, std, norm, logsumexp = ops.argmax, ops.argmin, ops.var, ops.std, ops.norm, ops.logsumexp
    all, any, cumsum, count_nonzero, median, nansum = ops.all, ops.any, ops.cumsum, ops.count_nonzero, ops.median, \
        ops.nansum
    reshape, view, transpose, permute, expand = ops.reshape, ops.view, ops.transpose, ops.permute, ops.expand
    squeeze, unsqueeze, flatten, unflatten, repeat = ops.squeeze, ops.unsqueeze, ops.flatten, ops.unflatten, \
        ops.repeat
    split, chunk, unbind, flip, t, narrow = ops.split, ops.chunk, ops.unbind, ops.flip, ops.t, ops.narrow
    movedim, swapaxes, swapdims, tile, roll = ops.movedim, ops.swapaxes, ops.swapdims, ops.tile, ops.roll
    tril, triu, broadcast_to = ops.tril, ops.triu, ops.broadcast_to
    gather, scatter, scatter_add, index_select = ops.gather, ops.scatter, ops.scatter_add, ops.index_select
    masked_fill, masked_select, take, nonzero = ops.masked_fill, ops.masked_select, ops.take, ops.nonzero
    where, select, take_along_dim, index_put = ops.where, ops.select, ops.take_along_dim, ops.index_put
    eq, ne, lt, le, gt, ge = ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge
    greater, less, greater_equal, less_equal, not_equal = ops.gt, ops.lt, ops.ge, ops.le, ops.ne
    maximum, minimum, isnan, isinf, isfinite = ops.maximum, ops.minimum, ops.isnan, ops.isinf, ops.isfinite
    logical_and, logical_or, logical_not, logical_xor = ops.logical_and, ops.logical_or, ops.logical_not, \
        ops.logical_xor
    bitwise_and, bitwise_or, bitwise_not, bitwise_xor = ops.bitwise_and, ops.bitwise_or, ops.bitwise_not, \
        ops.bitwise_xor
    equal, allclose, isclose, sort, argsort, topk = ops.equal, ops.allclose, ops.isclose, ops.sort, ops.argsort, \
        ops.topk
    unique, kthvalue, clone = ops.unique, ops.kthvalue, ops.clone

    cumprod, unfold, repeat_interleave, diagonal, diag, trace = ops.cumprod, ops.unfold, ops.repeat_interleave, \
        ops.diagonal, ops.diag, ops.trace
    index_add, argwhere, atan2, arctan2, addcmul, addcdiv = ops.index_add, ops.argwhere, ops.atan2, ops.atan2, \
        ops.addcmul, ops.addcdiv
    moveaxis, fliplr, flipud, tensor_split, hypot, xlogy = ops.moveaxis, ops.fliplr, ops.flipud, ops.tensor_split, \
        ops.hypot, ops.xlogy
    logaddexp, deg2rad, rad2deg = ops.logaddexp, ops.deg2rad, ops.rad2deg

    def index_add_(self, dim, index, source, *, alpha=1):
        return self._inplace(ops.index_add(self, dim, index, source, alpha=alpha))

    def index_put_(self, indices, values, accumulate=False):
        if accumulate:
            return self._inplace(self + IndexAdd.apply(values, tuple(self.shape), _to_index(indices)))
        return self._inplace(ops.index_put(self, indices, values))

    def index_fill_(self, dim, index, value):
        idx = (slice(None),) * ops._util.norm_dim(dim, self.dim()) + (index,)
        return self._inplace(ops.index_put(self, idx, value))

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        if src is not None and not isinstance(src, Tensor):
            src, value = None, src
        return self._inplace(ops.scatter(self, dim, index, src, value=value, reduce=reduce))

    def scatter_add_(self, dim, index, src):
        return self._inplace(ops.scatter_add(self, dim, index, src))

    def transpose_(self, dim0, dim1):
        self._data = self._data.swapaxes(dim0, dim1)
        return self

    def expand_as(self, other):
        return self.expand(*other.shape)

    def view_as(self, other):
        return self.view(*other.shape)

    def reshape_as(self, other):
        return self.reshape(*other.shape)

    def contiguous(self, memory_format=None):
        return self if self.is_contiguous() else ops.clone(self)

    def softmax(self, dim, dtype=None):
        from .nn import functional as F
        return F.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        from .nn import functional as F
        return F.log_softmax(self, dim, dtype=dtype)

    @property
    def T(self):
        return self.permute(*reversed(range(self.dim())))

    @property
    def mT(self):
        if self.dim() < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                               f"{self.dim()}-D tensor.")
        return self.transpose(-2, -1)

    def bernoulli(self, p=None, *, generator=None):
        from ._creation import bernoulli
        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from ._creation import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)


# the ops and the autograd machinery refer to Tensor through these names (they are imported before it exists)
ops._util.Tensor = Tensor
_function.Tensor = Tensor


def _rebuild(array, requires_grad, device):
    t = Tensor._make(array)
    if device != "cpu":
        t = t.to(device)
    t.requires_grad = requires_grad
    return t


class _RemovableHandle:
    """What ``register_hook`` returns: call ``.remove()`` to take the hook off again."""

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

