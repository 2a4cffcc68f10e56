"""Draw the graph behind a tensor, for teaching: ``course.autograd.graph.draw(loss)``.

Graphviz SVG when the ``dot`` program exists; otherwise a text tree (``as_text``), which always works.
Leaves show their name (pass ``params=dict(model.named_parameters())`` or ``{'x': x}``) and shape.
"""
import shutil
import subprocess

from .function import AccumulateGrad


def _walk(root):
    """Nodes and edges reachable from ``root`` (a grad_fn), in a stable order."""
    nodes, edges, stack, seen = [], [], [root], {root}
    while stack:
        node = stack.pop()
        nodes.append(node)
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            edges.append((nxt, node))
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return nodes, edges


def _label(node, names):
    if isinstance(node, AccumulateGrad):
        v = node.variable
        name = names.get(id(v), "")
        return f"{name}\n{tuple(v.shape)}".strip()
    return node.name()


def as_text(tensor, params=None):
    """The graph as an indented tree, the output first (works everywhere)."""
    names = {id(t): n for n, t in (params or {}).items()}
    if tensor.grad_fn is None:
        return "(a leaf: no graph)"
    lines, shown = [], set()
    stack = [(tensor.grad_fn, 0)]               # depth-first, without recursion (graphs can be deep)
    while stack:
        node, depth = stack.pop()
        label = _label(node, names).replace("\n", " ")
        prefix = "  " * depth + ("└─ " if depth else "")
        if node in shown:                       # a node reached twice (x used twice): print it once
            lines.append(prefix + label + " (see above)")
            continue
        shown.add(node)
        lines.append(prefix + label)
        for nxt, _ in reversed(node.next_functions):
            if nxt is not None:
                stack.append((nxt, depth + 1))
    return "\n".join(lines)


def to_dot(tensor, params=None):
    """Graphviz source for the graph behind ``tensor``."""
    names = {id(t): n for n, t in (params or {}).items()}
    nodes, edges = _walk(tensor.grad_fn)
    out = ["digraph G {", '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
           '  rankdir=BT;']
    for n in nodes:
        color = "lightblue" if isinstance(n, AccumulateGrad) else "lightgrey"
        label = _label(n, names).replace("\n", "\\n")
        out.append(f'  n{id(n)} [label="{label}", fillcolor={color}];')
    out.append(f'  out [label="output\\n{tuple(tensor.shape)}", fillcolor=darkolivegreen1];')
    out.append(f"  n{id(tensor.grad_fn)} -> out;")
    for a, b in edges:
        out.append(f"  n{id(a)} -> n{id(b)};")
    out.append("}")
    return "\n".join(out)


class _SVG:
    def __init__(self, svg):
        self.svg = svg

    def _repr_svg_(self):
        return self.svg


class _Text:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def draw(tensor, params=None):
    """An SVG picture of the graph in Jupyter when graphviz is installed, else the text tree."""
    if tensor.grad_fn is None:
        return _Text("(a leaf: no graph)")
    dot = shutil.which("dot")
    if dot:
        svg = subprocess.run([dot, "-Tsvg"], input=to_dot(tensor, params).encode(), capture_output=True,
                             check=True).stdout.decode()
        return _SVG(svg)
    return _Text(as_text(tensor, params))
