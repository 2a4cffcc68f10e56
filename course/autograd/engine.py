"""Reverse-mode differentiation: walk the graph from the outputs back to the leaves.

``backward`` and ``grad`` share one walk (``run_backward``):

1. collect every node reachable from the outputs and count how many edges point at each;
2. start from the outputs with their gradients (1 for a scalar loss);
3. take the most recently created node whose gradient is complete, call its backward, and add the
   results into the gradients of the nodes it came from (the chain rule, summed over paths);
4. at a leaf, add the gradient into ``leaf.grad`` (``backward``) or hand it back (``grad``).

While it runs, recording is on only for ``create_graph=True`` (then the gradients have a graph of their
own, for second derivatives). A leaf's first gradient is stored as it is when nothing else can hold
that tensor (it saves a copy per parameter per step); otherwise as a copy.
"""
import heapq

import numpy as np

from . import function
from .function import AccumulateGrad, _edge
from .grad_mode import _Mode
from .._device import get_array_module


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _make_grads(outputs, grad_outputs):
    """The gradient each output starts with: the one given, or 1 for a one-element output."""
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = function.Tensor._make(get_array_module(out._data).ones_like(out._data))
        elif not isinstance(g, function.Tensor):
            from .. import _creation
            g = _creation.tensor(g, dtype=out.dtype, device=out.device)
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        elif g._data.dtype != out._data.dtype:        # as PyTorch: the gradient is taken in the output's dtype
            g = g.to(out.dtype)
        grads.append(g)
    return grads


def _collect(roots):
    """Every node reachable from ``roots`` and how many edges point at each (its dependencies)."""
    deps, seen, stack = {}, set(roots), list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen, deps


def _leads_to(nodes, targets):
    """The nodes from which some target node can be reached (only those need their backward run)."""
    memo = {}

    def visit(node):
        if node in memo:
            return memo[node]
        memo[node] = node in targets
        stack = [(node, iter(node.next_functions))]
        # iterative DFS so deep graphs (long RNN unrolls) do not hit Python's recursion limit
        while stack:
            cur, it = stack[-1]
            advanced = False
            for nxt, _ in it:
                if nxt is None:
                    continue
                if nxt not in memo:
                    memo[nxt] = nxt in targets
                    stack.append((nxt, iter(nxt.next_functions)))
                    advanced = True
                    break
                if memo[nxt]:
                    memo[cur] = True
            if not advanced:
                stack.pop()
                if stack and memo[cur]:
                    memo[stack[-1][0]] = True
        return memo[node]

    return {n for n in nodes if visit(n)}


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


def _run_hooks(hooks, grad):
    """Each tensor hook sees the gradient and may return a replacement of the same size, dtype and device."""
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            name = getattr(hook, "__name__", type(hook).__name__)
            if tuple(new.shape) != tuple(grad.shape):
                raise RuntimeError(f"hook '{name}' has changed the size of value")
            if new.type() != grad.type():
                raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.type()} got "
                                   f"{new.type()})")
            grad = new
    return grad


def _edge_of(t):
    """(node, output number) where the gradient of tensor ``t`` enters the graph."""
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    return _edge(t)


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, accumulate=True,
                 allow_unused=False):
    outputs = _as_tuple(outputs)
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)

    # 1. the starting gradients, and the part of the graph they flow through
    buffers = {}                                  # node -> [gradient of each of its outputs]
    for out, g in zip(outputs, grads):
        node, nr = _edge_of(out)
        buf = buffers.setdefault(node, [None] * node.num_outputs)
        buf[nr] = _add(buf[nr], g)
    roots = list(buffers)
    nodes, deps = _collect(roots)

    # 2. for autograd.grad: which nodes' gradients to hand back, and which nodes lead to them
    targets = {}                                  # node -> [(input index, output_nr)]
    for k, t in enumerate(inputs):
        if not isinstance(t, function.Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        node, nr = _edge_of(t)
        targets.setdefault(node, []).append((k, nr))
    needed = _leads_to(nodes, targets) if inputs else None
    captured = [None] * len(inputs)
    # gradients that something else may hold: a leaf must get a copy of these, not the tensor itself
    shared = {id(g) for g in grads}
    hooks_ran = False

    # 3. run the nodes, latest first, each once all the gradients flowing into it have arrived
    ready = [(-n.seq, n) for n in roots if n not in deps]
    heapq.heapify(ready)
    was_enabled = _Mode.enabled
    _Mode.enabled = create_graph                  # the backward ops are recorded only for create_graph
    quiet = np.errstate(all="ignore")             # 0 * inf and friends give nan silently, as in PyTorch
    quiet.__enter__()
    try:
        while ready:
            node = heapq.heappop(ready)[1]
            node_grads = buffers.pop(node, None)
            if node_grads is not None and node._pre_hooks:
                hooks_ran = True
                for nr, hooks in node._pre_hooks.items():
                    if node_grads[nr] is not None:
                        node_grads[nr] = _run_hooks(hooks, node_grads[nr])
            if node in targets and node_grads is not None:
                for k, nr in targets[node]:
                    captured[k] = node_grads[nr]
            if type(node) is AccumulateGrad:
                if node_grads is not None and node_grads[0] is not None and accumulate and (
                        not inputs or node in targets):
                    var = node.variable
                    g = node_grads[0]
                    if var._hooks:
                        g, hooks_ran = _run_hooks(var._hooks, g), True
                    _accumulate(var, g, create_graph, keep=not hooks_ran and id(g) not in shared)
                    shared.add(id(g))
                continue
            in_grads = None
            if node_grads is not None and (needed is None or node in needed) and (
                    node_grads[0] is not None or any(g is not None for g in node_grads)):
                if node.num_outputs > 1 and node.materialize_grads:
                    node_grads = _materialize(node, node_grads)
                in_grads = node.apply(*node_grads)
            if not retain_graph:
                node._free()
            edges = node.next_functions
            grads_in = _tensor_grads(node, in_grads) if in_grads is not None else [None] * len(edges)
            if node.strict:                       # a custom backward may return tensors it keeps elsewhere
                shared.update(id(g) for g in grads_in)
            if _Mode.anomaly:
                _check_nan(node, grads_in)
            for (nxt, nr), g in zip(edges, grads_in):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt.num_outputs
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(ready, (-nxt.seq, nxt))
    finally:
        quiet.__exit__(None, None, None)
        _Mode.enabled = was_enabled

    if inputs and not accumulate:
        for k, g in enumerate(captured):
            if g is None and not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {k} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        return tuple(captured)
    return None


def _check_nan(node, grads):
    """detect_anomaly: name the op whose backward produced a nan."""
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(get_array_module(g._data).isnan(g._data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _tensor_grads(node, in_grads):
    """backward returns one gradient per forward argument; keep those of the tensor arguments."""
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    needs = node.needs_input_grad
    if node.strict:
        in_grads = _check_custom_grads(node, in_grads)
    n = len(in_grads)
    return [in_grads[p] if p < n and needs[p] else None for p in node.tensor_positions]


def _check_custom_grads(node, in_grads):
    """A custom Function's backward must return one gradient per forward input, each of its input's shape; a
    gradient of another dtype is converted to its input's dtype (as PyTorch does)."""
    if len(in_grads) != len(node.needs_input_grad):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(node.needs_input_grad)}, got {len(in_grads)})")
    in_grads = list(in_grads)
    for p, shape, dtype in zip(node.tensor_positions, node.input_shapes, node.input_dtypes):
        g = in_grads[p]
        if g is None or not node.needs_input_grad[p] or not isinstance(g, function.Tensor):
            continue
        if tuple(g.shape) != shape:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {p} - got "
                               f"{list(g.shape)} but expected shape compatible with {list(shape)}")
        if g.dtype is not dtype:
            in_grads[p] = g.to(dtype)
    return in_grads


def _materialize(node, grads):
    from .. import _creation
    return [g if g is not None else _creation.zeros(shape, dtype=dt, device=dev)
            for g, (shape, dt, dev) in zip(grads, node.output_meta)]


def _accumulate(var, g, create_graph, keep=False):
    """leaf.grad += g. The first time, leaf.grad becomes g itself when ``keep`` says no one else holds g
    and g owns its memory (not a view); otherwise a copy, so two tensors never share one gradient array."""
    if g._data.dtype != var._data.dtype:
        g = g.to(var.dtype)
    if g._data.shape != var._data.shape:
        raise RuntimeError(f"Function AccumulateGrad returned an invalid gradient - got {list(g.shape)} "
                           f"but expected shape compatible with {list(var.shape)}")
    if create_graph:
        var._grad = g if var._grad is None else var._grad + g
    elif var._grad is None:
        owns_memory = getattr(g._data, "base", None) is None
        var._grad = g.detach() if keep and owns_memory else function.Tensor._make(g._data.copy())
    else:
        var._grad._data += g._data
        var._grad._version.value += 1


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute gradients of ``tensors`` with respect to the graph leaves and add them into ``.grad``."""
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """Return d(outputs)/d(inputs) (times ``grad_outputs``) without touching any ``.grad``."""
    single = not isinstance(inputs, (tuple, list))
    result = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=_as_tuple(inputs),
                          accumulate=False, allow_unused=bool(allow_unused) or materialize_grads)
    if materialize_grads:
        from .. import _creation
        result = tuple(g if g is not None else _creation.zeros_like(t) for g, t in zip(result, _as_tuple(inputs)))
    return result
