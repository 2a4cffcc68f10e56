"""Reverse-mode differentiation: walk the graph from the outputs back to the leaves.

``backward`` and ``grad`` share one walk (``run_backward``):

1. collect every node reachable from the outputs and count how many edges point at each;
2. start from the outputs with their gradients (1 for a scalar loss);
3. take the most recently created node whose gradient is complete, call its backward, and add the
   results into the gradients of the nodes it came from (the chain rule, summed over paths);
4. at a leaf, add the gradient into ``leaf.grad`` (``backward``) or hand it back (``grad``).
"""
import heapq

from .function import AccumulateGrad
from .grad_mode import set_grad_enabled


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _make_grads(outputs, grad_outputs):
    from .._tensor import Tensor
    from .. import _creation
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = _creation.ones_like(out)
        elif not isinstance(g, Tensor):
            g = _creation.tensor(g, dtype=out.dtype, device=out.device)
        elif tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                               f"output[{i}] has a shape of {tuple(out.shape)}.")
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
        path = [node]
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
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None, accumulate=True,
                 allow_unused=False):
    from .._tensor import Tensor
    outputs = _as_tuple(outputs)
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)

    roots = []
    buffers = {}                                  # node -> [gradient of each output]
    for out, g in zip(outputs, grads):
        node = out.grad_fn if out.grad_fn is not None else _accumulator(out)
        nr = out._output_nr if out.grad_fn is not None else 0
        buf = buffers.setdefault(node, [None] * node.num_outputs)
        buf[nr] = _add(buf[nr], g)
        roots.append(node)

    nodes, deps = _collect(set(roots))
    targets = {}                                  # node -> [(input index, output_nr)] for grad()
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        node = t.grad_fn if t.grad_fn is not None else _accumulator(t)
        targets.setdefault(node, []).append((k, t._output_nr if t.grad_fn is not None else 0))
    needed = _leads_to(nodes, targets) if inputs else nodes
    captured = [None] * len(inputs)

    ready = [(-n.seq, n) for n in set(roots) if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    with set_grad_enabled(create_graph):
        while ready:
            _, node = heapq.heappop(ready)
            node_grads = buffers.pop(node, None)
            if node_grads is not None and node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    if node_grads[nr] is not None:
                        node_grads[nr] = _run_hooks(hooks, node_grads[nr])
            for k, nr in targets.get(node, ()):
                if node_grads is not None:
                    captured[k] = node_grads[nr]
            if isinstance(node, AccumulateGrad):
                g = node_grads[0] if node_grads else None
                if g is not None and accumulate and (not inputs or node in targets):
                    var = node.variable
                    _accumulate(var, _run_hooks(var._hooks, g) if var._hooks else g, create_graph)
                continue
            in_grads = ()
            if node in needed and node_grads is not None and any(g is not None for g in node_grads):
                if node.num_outputs > 1 and node.materialize_grads:
                    node_grads = _materialize(node, node_grads)
                in_grads = node.apply(*node_grads)
            if not retain_graph:
                node._free()
            for (nxt, nr), g in zip(node.next_functions, _tensor_grads(node, in_grads)):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.setdefault(nxt, [None] * nxt.num_outputs)
                    buf[nr] = _add(buf[nr], g)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    heapq.heappush(ready, (-nxt.seq, nxt))

    if inputs and not accumulate:
        if not allow_unused and any(g is None for g in captured):
            raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                               "Set allow_unused=True if this is the desired behavior.")
        return tuple(captured)
    return None


def _tensor_grads(node, in_grads):
    """backward returns one gradient per forward argument; keep those of the tensor arguments."""
    if not in_grads:
        return [None] * len(node.next_functions)
    if node.strict and len(in_grads) != len(node.needs_input_grad):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(node.needs_input_grad)}, got {len(in_grads)})")
    picked = []
    for pos in node.tensor_positions:
        g = in_grads[pos] if pos < len(in_grads) else None
        picked.append(g if node.needs_input_grad[pos] else None)
    if node.strict:
        for g, shape in zip(picked, node.input_shapes):
            if g is not None and tuple(g.shape) != shape:
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                                   f"{picked.index(g)} - got {list(g.shape)} but expected shape compatible "
                                   f"with {list(shape)}")
    return picked


def _materialize(node, grads):
    from .. import _creation
    return [g if g is not None else _creation.zeros(shape, dtype=dt, device=dev)
            for g, (shape, dt, dev) in zip(grads, node.output_meta)]


def _accumulate(var, g, create_graph):
    """leaf.grad += g (a fresh copy the first time, so two leaves never share one gradient array)."""
    if g.dtype != var.dtype:
        g = g.to(var.dtype)
    if tuple(g.shape) != tuple(var.shape):
        raise RuntimeError(f"Function AccumulateGrad returned an invalid gradient - got {list(g.shape)} "
                           f"but expected shape compatible with {list(var.shape)}")
    if create_graph:
        var.grad = g if var.grad is None else var.grad + g
    elif var.grad is None:
        var.grad = g.detach().clone()
    else:
        var.grad._data += g._data
        var.grad._version.value += 1


def _accumulator(t):
    from .function import _edge
    return _edge(t)[0]


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
