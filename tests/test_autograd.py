"""Autograd semantics: leaves and .grad, grad_fn, backward options, autograd.grad, hooks, grad modes,
custom Functions, higher-order gradients, the graph view, and PyTorch's errors.

Expected numbers come from hand-derived calculus (written next to each check), not from course itself.
"""
import math
import subprocess
import sys

import numpy as np
import pytest

import course
from course.autograd import Function, gradcheck


def test_leaves_grad_fn_and_requires_grad():
    x = course.tensor([1.0, 2.0], requires_grad=True)
    w = course.tensor([3.0, 4.0])
    y = x * w
    assert x.is_leaf and w.is_leaf and not y.is_leaf
    assert x.grad_fn is None and y.grad_fn.name() == "MulBackward0"
    assert y.requires_grad and not w.requires_grad
    assert not (w * 2).requires_grad
    assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad", "NoneType"]
    assert y.grad_fn.next_functions[0][0].variable is x


def test_chain_rule_matches_hand_derivative():
    # y = sin(x2^2 (x1 + x2)):  dy/dx1 = cos(u) x2^2,  dy/dx2 = cos(u) (2 x2 (x1 + x2) + x2^2)
    x1 = course.tensor(1.5, requires_grad=True)
    x2 = course.tensor(0.5, requires_grad=True)
    y = course.sin(x2 ** 2 * (x1 + x2))
    y.backward()
    u = 0.5 ** 2 * 2.0
    assert x1.grad.item() == pytest.approx(math.cos(u) * 0.25, rel=1e-6)
    assert x2.grad.item() == pytest.approx(math.cos(u) * (2 * 0.5 * 2.0 + 0.25), rel=1e-6)


def test_grad_accumulates_until_zeroed():
    x = course.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()             # d/dx sum x^2 = 2x, three times
    assert x.grad.tolist() == [6.0, -12.0]
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_two_leaves_never_share_one_grad_tensor():
    a = course.ones(3, requires_grad=True)
    b = course.ones(3, requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad.add_(1)                             # must not leak into b.grad
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    c = course.ones(2, 2, requires_grad=True)
    d = course.ones(4, requires_grad=True)
    (c.reshape(4) + d).sum().backward()        # c's gradient is a view of d's: must be separate memory
    c.grad.mul_(5)
    assert d.grad.tolist() == [1.0] * 4
    e = course.ones(2, requires_grad=True)
    g = course.tensor([2.0, 3.0])
    e.backward(g)                              # a gradient the caller still holds is copied, not kept
    e.grad.add_(1)
    assert g.tolist() == [2.0, 3.0]


def test_backward_with_gradient_argument_and_non_scalar_error():
    x = course.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(course.tensor([1.0, 0.5, 0.0]))   # vector-Jacobian product: v * 2x
    assert x.grad.tolist() == [2.0, 2.0, 0.0]
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(course.ones(2))


def test_retain_graph_and_freed_graph_error():
    x = course.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(retain_graph=True)
    y.backward()                               # 2 * 3x^2 = 24
    assert x.grad.item() == 24.0
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_autograd_grad_and_higher_order():
    x = course.tensor(2.0, requires_grad=True)
    y = x ** 3
    (dy,) = course.autograd.grad(y, x, create_graph=True)       # 3x^2 = 12
    (d2y,) = course.autograd.grad(dy, x, create_graph=True)     # 6x = 12
    (d3y,) = course.autograd.grad(d2y, x)                       # 6
    assert (dy.item(), d2y.item(), d3y.item()) == (12.0, 12.0, 6.0)
    assert x.grad is None                                       # grad() never touches .grad
    a = course.tensor([1.0, 2.0], requires_grad=True)
    b = course.tensor([3.0, 4.0], requires_grad=True)
    ga, gb = course.autograd.grad((a * b).sum(), [a, b])
    assert ga.tolist() == [3.0, 4.0] and gb.tolist() == [1.0, 2.0]
    unused = course.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        course.autograd.grad((a * 2).sum(), [a, unused])
    g = course.autograd.grad((a * 2).sum(), [a, unused], allow_unused=True)
    assert g[1] is None
    g = course.autograd.grad((a * 2).sum(), [a, unused], materialize_grads=True)
    assert g[1].tolist() == [0.0]


def test_backward_create_graph_gives_differentiable_grad():
    x = course.tensor(3.0, requires_grad=True)
    y = x ** 4                                  # y' = 4x^3 = 108, y'' = 12x^2 = 108
    y.backward(create_graph=True)
    assert x.grad.item() == 108.0 and x.grad.requires_grad
    (d2,) = course.autograd.grad(x.grad, x)
    assert d2.item() == 108.0


def test_backward_inputs_restricts_accumulation():
    a = course.tensor(1.0, requires_grad=True)
    b = course.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_retain_grad_and_nonleaf_grad_warning():
    x = course.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()                           # dz/dy = 2y = [6, 12]
    z.backward()
    assert y.grad.tolist() == [6.0, 12.0] and y.retains_grad
    w = x * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert w.grad is None
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        course.ones(2).retain_grad()


def test_hooks_on_leaves_and_intermediates():
    x = course.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.register_hook(lambda g: g * 10)           # replaces dL/dy
    (y * y).sum().backward()                    # dL/dy = 2y = [6, 12] -> x10 -> dL/dx = 3 * [60, 120]
    assert x.grad.tolist() == [180.0, 360.0]
    assert seen == [[180.0, 360.0]]
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert seen == [[180.0, 360.0]] and x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        course.ones(1).register_hook(lambda g: g)


def test_grad_modes_as_contexts_and_decorators():
    x = course.ones(2, requires_grad=True)
    with course.no_grad():
        assert not (x * 2).requires_grad and not course.is_grad_enabled()
        with course.enable_grad():
            assert (x * 2).requires_grad
    assert course.is_grad_enabled()

    @course.no_grad()
    def f(t):
        return t * 2

    @course.enable_grad()
    def g(t):
        return t * 2
    assert not f(x).requires_grad
    with course.no_grad():
        assert g(x).requires_grad
    with course.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert course.is_grad_enabled()
    course.set_grad_enabled(False)              # the plain call switches at once, as in PyTorch
    assert not course.is_grad_enabled()
    course.set_grad_enabled(True)

    @course.set_grad_enabled(False)
    def h(t):
        return t * 2
    assert course.is_grad_enabled() and not h(x).requires_grad
    with course.inference_mode():
        assert not (x * 2).requires_grad


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError):
        with course.no_grad():
            raise ValueError("boom")
    assert course.is_grad_enabled()


def test_detach_and_detach_():
    x = course.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 10.0                                 # shares memory with y
    assert y[0].item() == 10.0
    y2 = x * 3
    y2.detach_()
    assert y2.is_leaf and not y2.requires_grad


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        course.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        course.tensor([1, 2]).requires_grad_()
    y = course.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    z = course.ones(2).requires_grad_()
    assert z.requires_grad and z.is_leaf


def test_int_results_of_float_inputs_carry_no_gradient():
    x = course.tensor([1.5, 2.5], requires_grad=True)
    assert not x.argmax().requires_grad and not (x > 2).requires_grad
    assert not x.long().requires_grad
    assert x.max(0).values.requires_grad and not x.max(0).indices.requires_grad


def test_inplace_on_leaf_and_version_counter_errors():
    leaf = course.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        leaf.mul_(2)
    with course.no_grad():
        leaf.mul_(2)                            # allowed without recording (optimizer updates)
    assert leaf.tolist() == [2.0, 2.0] and leaf.is_leaf
    x = course.ones(2, requires_grad=True)
    y = x.exp()
    version = y._version.value
    y.add_(1)
    assert y._version.value == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*output 0 of Exp, is at version 1; "
                                           "expected version 0"):
        y.sum().backward()
    a = course.ones(2, 2)
    w = course.ones(2, 2, requires_grad=True)
    out = w @ a
    a[0, 0] = 5.0                               # a was saved by matmul for w's gradient
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[2, 2\]\] is at version 1; expected version 0"):
        out.sum().backward()


def test_inplace_ops_on_nonleaf_are_differentiated():
    x = course.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.mul_(3).add_(1).clamp_(-2.0, 4.0)         # y = clamp(3x + 1): slope 3 inside, 0 where clamped
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 0.0]
    assert y.grad_fn.name() == "ClampBackward1"
    z = x * 1.0
    z[1] = 0.0                                  # the overwritten element gets no gradient
    (z * z).sum().backward()
    assert x.grad.tolist() == [3.0 + 1.0, 3.0 + 0.0, 0.0 + 4.0]


def test_views_share_version_counter_with_base():
    base = course.zeros(2, 3)
    view = base[0]
    assert view._version is base._version
    view.fill_(1.0)
    assert base.sum().item() == 3.0 and base._version.value == 1


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class MulConst(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.k, None


def test_custom_function():
    x = course.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    x64 = course.tensor([0.3, -1.2], dtype=course.float64, requires_grad=True)
    assert gradcheck(Cube.apply, (x64,))
    assert gradcheck(lambda t: MulConst.apply(t, 2.5), (x64,))
    (d,) = course.autograd.grad(Cube.apply(x64).sum(), x64, create_graph=True)
    (dd,) = course.autograd.grad(d.sum(), x64)          # 6x: backward written in tensor ops is differentiable
    np.testing.assert_allclose(dd.numpy(), 6 * x64.detach().numpy())


def test_custom_function_wrong_gradient_count():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(course.ones(2, requires_grad=True)).sum().backward()


def test_gradcheck_catches_a_wrong_backward():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, grad):
            return grad                          # should be 2x grad
    x = course.tensor([0.5, 1.5], dtype=course.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, (x,))
    assert gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_numpy_on_requires_grad_raises():
    x = course.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. Use "
                                           r"tensor.detach\(\).numpy\(\) instead."):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_backward_of_tensor_without_graph():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        course.ones(2).sum().backward()


def test_deep_graph_does_not_hit_recursion_limit():
    x = course.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 3000, rel=1e-4)


def test_graph_text_and_dot():
    from course.autograd import graph
    w = course.ones(2, 2, requires_grad=True)
    x = course.ones(2)
    loss = (w @ x).relu().sum()
    text = graph.as_text(loss, params={"w": w})
    lines = text.splitlines()
    assert lines[0] == "SumBackward0" and "ReluBackward0" in lines[1] and "w (2, 2)" in text
    dot = graph.to_dot(loss, params={"w": w})
    assert dot.startswith("digraph G {") and "MmBackward0" in dot and dot.rstrip().endswith("}")
    drawn = graph.draw(loss, params={"w": w})
    assert hasattr(drawn, "_repr_svg_") or "SumBackward0" in repr(drawn)
    assert repr(graph.draw(w)) == "(a leaf: no graph)"


def test_graph_text_shows_shared_nodes_once_and_svg_with_dot(monkeypatch):
    from course.autograd import graph
    x = course.ones(2, requires_grad=True)
    y = x
    for _ in range(40):                         # 2^40 paths: each node must be printed once
        y = y + y
    text = graph.as_text(y.sum())
    assert text.count("AddBackward0") == 40 + 39 and "(see above)" in text
    calls = []

    class Done:
        stdout = b"<svg>drawn</svg>"

    def fake_run(cmd, input, capture_output, check):
        calls.append((cmd, input.decode()))
        return Done()
    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph.subprocess, "run", fake_run)
    drawn = graph.draw((x * 2).sum())
    assert drawn._repr_svg_() == "<svg>drawn</svg>"
    assert calls[0][0] == ["/usr/bin/dot", "-Tsvg"] and "MulBackward0" in calls[0][1]


def test_import_course_is_light():
    code = ("import sys, course\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'IPython', 'cupy', 'torch', 'jupyter', 'scipy', 'pandas', 'ipykernel')]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_detect_anomaly_names_the_op_that_made_a_nan():
    x = course.tensor([0.0], requires_grad=True)
    (x / x).sum().backward()                    # without anomaly mode: a nan gradient, quietly
    assert math.isnan(x.grad.item())
    with course.autograd.detect_anomaly():
        assert course.autograd.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match=r"Function 'DivBackward0' returned nan values in its 1th output."):
            (x / x).sum().backward()
    assert not course.autograd.is_anomaly_enabled()
    with course.autograd.set_detect_anomaly(True):
        y = course.tensor([4.0], requires_grad=True)
        y.sqrt().backward()                      # no nan: nothing to report
        assert y.grad.item() == 0.25


def test_gradients_keep_their_tensors_dtype_like_pytorch():
    """PyTorch's validate_outputs: a starting gradient or a custom Function's gradient of another dtype is
    converted to its tensor's dtype; a tensor hook may not change the size, dtype or device."""
    torch = pytest.importorskip("torch")
    for lib in (course, torch):
        x = lib.ones(3, requires_grad=True)
        (g,) = lib.autograd.grad(x * 2, x, lib.ones(3, dtype=lib.float16))
        assert str(g.dtype).endswith("float32")

    class Half(course.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g.half()

    x = course.ones(3, requires_grad=True)
    seen = []
    y = Half.apply(x)
    x.register_hook(lambda g: seen.append(g.dtype))
    (y * 3).sum().backward()
    assert seen == [course.float32] and x.grad.dtype is course.float32

    def messages(lib, hook):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        y.register_hook(hook)
        with pytest.raises(RuntimeError) as err:
            y.sum().backward()
        return str(err.value)

    def to_double(g):
        return g.double()

    for hook in (to_double, lambda g: g[:2]):
        assert messages(course, hook) == messages(torch, hook)
