"""The recorded graph: ``Function`` (an op with a forward and a backward) and ``Node`` (one use of it).

Every op in course is a ``Function``. Calling ``Op.apply(x, y)`` runs ``forward`` and, when gradients
are being recorded, leaves a ``Node`` behind as the result's ``grad_fn``. The node remembers where the
inputs came from (``next_functions``) and what backward needs (``save_for_backward``).

Two flavours share this machinery:

* ``Function`` is PyTorch's custom-op API: ``forward`` receives tensors (with recording switched off)
  and returns a tensor; ``backward`` receives and returns tensors.
* ``Op`` is how course writes its own ops: ``forward`` works on raw arrays (numpy or CuPy) and returns
  an array; ``backward`` is written with tensor ops, so the gradient is itself differentiable and
  ``create_graph=True`` gives second derivatives for free. (A few hot ops, such as ``LinearOp``, also have a
  plain path on raw arrays that backward takes when no graph is being recorded.)
"""
import itertools
import weakref

from .grad_mode import _Mode, no_grad

_sequence = itertools.count()       # creation order of nodes: backward visits later nodes first

# course._tensor imports this module, so the Tensor class cannot be imported here at the top; it fills
# in this name once it is defined (a plain global is much cheaper than an import inside every op call).
Tensor = None


class _Version:
    """How many times a tensor's storage was modified in place. Views share one counter."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0

    # PyTorch's ``t._version`` is a plain int: print, compare and convert like one
    def __repr__(self):
        return repr(self.value)

    def __int__(self):
        return self.value

    __index__ = __int__

    def __eq__(self, other):
        return self.value == int(other) if isinstance(other, (int, _Version)) else NotImplemented

    __hash__ = object.__hash__


class _Saved:
    """One tensor kept for backward, with the version it had so later in-place changes are caught."""
    __slots__ = ("tensor", "array", "version", "expected", "output_nr")

    def __init__(self, tensor=None, array=None, version=None, output_nr=None):
        self.tensor, self.array, self.version, self.output_nr = tensor, array, version, output_nr
        self.expected = version.value if version is not None else None


class Node:
    """A recorded op: what ``tensor.grad_fn`` is, and the ``ctx`` its forward and backward share."""

    # defaults shared by all nodes (class attributes), so making a node only sets what differs
    next_functions = ()                   # ((node or None, output_nr), ...) one per tensor input
    needs_input_grad = (False, False, False, False)   # set per call when recording
    num_outputs = 1
    _to_save = ()
    _saved = None
    _freed = False
    _pre_hooks = None                     # {output_nr: [hook, ...]} from Tensor.register_hook
    materialize_grads = True
    tensor_positions = ()                 # which forward arguments were tensors
    strict = False                        # custom Functions: check backward's count and shapes
    _name = None                          # set by an op whose grad_fn PyTorch names differently per call

    def __init__(self, fn):
        self.fn = fn                      # the Function subclass whose backward we call
        self.seq = next(_sequence)

    # -- what forward uses --------------------------------------------------------------------
    def save_for_backward(self, *items):
        """Keep these (inputs, the output, or other values) for backward; read them as ``saved_tensors``."""
        self._to_save = items

    def mark_non_differentiable(self, *outputs):
        pass

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    # -- what backward uses -------------------------------------------------------------------
    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after "
                "they have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        return tuple(self._unpack(s) for s in self._saved or ())

    def _unpack(self, s):
        if s is None:
            return None
        if s.version is not None and s.version.value != s.expected:
            raise RuntimeError(self._modified_message(s))
        if s.tensor is not None:
            return s.tensor
        # the op's own output: rebuilt from its array so the node does not keep its output alive
        return Tensor._make(s.array, requires_grad=True, grad_fn=self, version=s.version, output_nr=s.output_nr)

    def _modified_message(self, s):
        """PyTorch's error for a saved tensor changed in place between forward and backward."""
        t = s.tensor if s.tensor is not None else Tensor._make(s.array)
        what = f"[{t.type()} [{', '.join(map(str, t.shape))}]]"
        maker = self if s.tensor is None else t.grad_fn          # the node whose output it is, if any
        if maker is not None:
            name = maker.name()
            name = name[:name.rindex("Backward")] if "Backward" in name else name
            what += f", which is output {s.output_nr or 0} of {name},"
        return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"{what} is at version {s.version.value}; expected version {s.expected} instead. Hint: an in-place "
                "op (add_, x += ..., x[...] = ...) changed it after it was used; use the out-of-place form "
                "(x = x + ...) or .clone() it first.")

    def _keep_old_values(self, tensor):
        """``tensor`` is about to be overwritten in place by the op this node recorded: if the node saved it
        for backward, keep a copy of its current numbers (in the same place of the graph) instead."""
        old = None
        for s in self._saved or ():
            if s is not None and s.tensor is tensor:
                if old is None:
                    old = Tensor._make(tensor._data.copy(), tensor.requires_grad, tensor.grad_fn,
                                       output_nr=tensor._output_nr)
                s.tensor, s.version, s.expected = old, old._version, 0

    def _free(self):
        self._saved = None
        self._freed = True

    # -- identity -----------------------------------------------------------------------------
    def name(self):
        """PyTorch's name for this node: ``MulBackward0`` for built-in ops, ``MyFnBackward`` for custom ones."""
        if self._name is not None:
            return self._name
        if self.fn.grad_fn_name is not None:
            return self.fn.grad_fn_name
        return self.fn.__name__ + ("Backward0" if issubclass(self.fn, Op) else "Backward")

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, hook):
        raise NotImplementedError("register hooks on tensors (Tensor.register_hook) in course")

    def apply(self, *grads):
        """Run the op's backward for the gradients of its outputs; one gradient per tensor input."""
        out = self.fn.backward(self, *grads)
        if not isinstance(out, tuple):
            out = (out,)
        return out


class AccumulateGrad(Node):
    """The node at a leaf tensor: backward ends here and adds the gradient into ``leaf.grad``."""

    def __init__(self, variable):
        super().__init__(AccumulateGrad)
        self.variable = variable

    def name(self):
        return "AccumulateGrad"


class Function:
    """Base class for custom differentiable ops, as in PyTorch.

    Subclass it with two static methods, then call ``MyOp.apply(x, ...)``::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                x, = ctx.saved_tensors
                return grad * 3 * x ** 2          # d(x^3)/dx = 3x^2
    """

    grad_fn_name = None           # when PyTorch's grad_fn name is not the class name + "Backward0"

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Node(cls)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        outputs = out if isinstance(out, tuple) else (out,)
        for o in outputs:
            if not isinstance(o, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of Tensors, "
                                f"got {type(o).__name__}")
        if _Mode.enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args):
            ctx.num_outputs = len(outputs)
            results = []
            for i, o in enumerate(outputs):
                if any(o is a for a in args):               # returned an input unchanged: give a new tensor
                    o = Tensor._make(o._data, version=o._version)
                results.append(o)
            _record(ctx, args, args, results, results)
            ctx.strict = True
            ctx.input_shapes = [tuple(a.shape) for a in args if isinstance(a, Tensor)]
            ctx.input_dtypes = [a.dtype for a in args if isinstance(a, Tensor)]
            ctx.output_meta = [(tuple(o.shape), o.dtype, o.device) for o in results]
            for i, o in enumerate(results):
                o.requires_grad, o.grad_fn, o._output_nr = True, ctx, i
            outputs = tuple(results)
        return outputs if isinstance(out, tuple) else outputs[0]


class Op(Function):
    """Base class for course's built-in ops: ``forward`` works on raw arrays, ``backward`` on tensors.

    Non-tensor arguments (dims, shapes, flags) pass through to forward unchanged. Set ``is_view = True``
    when forward returns a view of its first input's memory (reshape, transpose, basic indexing...).
    """
    is_view = False

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Node(cls)
        record = False
        if _Mode.enabled:
            ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
            record = True in ctx.needs_input_grad
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        result = cls.forward(ctx, *arrays, **kwargs)
        out = Tensor._make(result)          # (a numpy scalar from a 0-dim input becomes a 0-dim array here)
        if cls.is_view:
            base = args[0]
            out._base = base._base if base._base is not None else base
            out._version = base._version
        if record:
            _record(ctx, args, arrays, (out,), (result,))
            out.requires_grad, out.grad_fn = True, ctx
        return out


def _record(ctx, args, forward_args, outputs, returned):
    """Link ``ctx`` into the graph: where each tensor input came from, and what backward will read."""
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    ctx.tensor_positions = tuple(positions)
    ctx.next_functions = tuple([_edge(args[i]) for i in positions])
    if ctx._to_save:
        ctx._saved = [_save_one(ctx, item, args, forward_args, outputs, returned) for item in ctx._to_save]
        ctx._to_save = ()


def _save_one(ctx, item, args, forward_args, outputs, returned):
    if item is None:
        return None
    for i, o in enumerate(outputs):                         # the output: kept as an array, no cycle
        if item is o or item is o._data or item is returned[i]:
            return _Saved(array=o._data, version=o._version, output_nr=i)
    for a, fa in zip(args, forward_args):                   # an input: kept as the tensor itself
        if isinstance(a, Tensor) and (item is fa or item is a):
            return _Saved(tensor=a, version=a._version,
                          output_nr=a._output_nr if a.grad_fn is not None else 0)
    if isinstance(item, Tensor):                            # something else: a constant for backward
        return _Saved(tensor=item.detach() if item.requires_grad else item, version=item._version)
    if not hasattr(item, "shape"):                          # a Python number: kept as it is
        return _Saved(tensor=item)
    return _Saved(tensor=Tensor._make(item))


def _edge(t):
    """Where gradient for tensor ``t`` must go: its grad_fn, its leaf accumulator, or nowhere."""
    if not t.requires_grad:
        return (None, 0)
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    acc = t._accumulator() if t._accumulator is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accumulator = weakref.ref(acc)
    return (acc, 0)


def once_differentiable(fn):
    """Decorator for backward methods that are not themselves differentiable (accepted for compatibility)."""
    return fn
