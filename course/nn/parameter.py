"""``Parameter``: a tensor that a Module registers as one of its learnable weights.

Assigning a Parameter to a module attribute (``self.weight = Parameter(...)``) puts it in
``module.parameters()``, which is what an optimizer updates. It is an ordinary tensor otherwise,
with ``requires_grad=True`` by default.
"""
from .._tensor import Tensor


class Parameter(Tensor):
    """A learnable tensor. ``Parameter(data)`` shares data's memory (no copy)."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = object.__new__(cls)
        t._init(data._data, requires_grad=requires_grad, version=data._version)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass                      # all the work is done in __new__ (Tensor.__init__ would copy)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__          # print(p) shows the same text (Tensor's __str__ is its own __repr__)

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach().cpu()._data.copy(), self.requires_grad, str(self.device)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy()), self.requires_grad)
        if self._grad is not None:
            out._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = out
        return out


def _rebuild_parameter(array, requires_grad, device):
    t = Tensor._make(array)
    if device != "cpu":
        t = t.to(device)
    return Parameter(t, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to register as a buffer when assigned to a module attribute (PyTorch 2.5+)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = object.__new__(cls)
        t._init(data._data, version=data._version)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass
