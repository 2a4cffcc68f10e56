"""course.autocast: which dtype each op runs in, equality with casting by hand, gradients, nesting, the weight-cast
cache, and parity with torch.autocast where PyTorch's CPU policy is the same as ours (matrix products)."""
import warnings

import numpy as np
import pytest

import course
from course import nn
import course.nn.functional as F


def arr(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture(params=["cpu-bf16", "cpu-fp16", "cuda-sim"])
def region(request):
    """(device, autocast dtype) for CPU autocast in both low dtypes and CUDA autocast on the simulated device."""
    if request.param == "cuda-sim":
        course.cuda.simulate()
        yield "cuda", course.float16
        course.cuda.simulate(False)
    else:
        yield "cpu", course.bfloat16 if request.param == "cpu-bf16" else course.float16


def test_default_dtypes():
    assert course.amp.autocast("cpu").fast_dtype is course.bfloat16
    course.cuda.simulate()
    try:
        assert course.autocast("cuda").fast_dtype is course.float16
        assert course.get_autocast_dtype("cuda") is course.float16
    finally:
        course.cuda.simulate(False)


def test_op_lists(region):
    dev, low = region
    x = course.tensor(arr(4, 5), device=dev)
    w = course.tensor(arr(3, 5, seed=1), device=dev, requires_grad=True)
    b = course.tensor(arr(3, seed=2), device=dev, requires_grad=True)
    k = course.tensor(arr(2, 1, 3, 3, seed=3), device=dev, requires_grad=True)
    img = course.tensor(arr(1, 1, 5, 5, seed=4), device=dev)
    target = course.tensor([0, 2, 1, 1], device=dev)
    with course.autocast(dev, dtype=low):
        assert course.is_autocast_enabled(dev)
        h = F.linear(x, w, b)
        lowp = {"linear": h, "matmul": x @ w.t(), "mm": course.mm(x, w.t()), "conv2d": F.conv2d(img, k),
                "relu of low": h.relu(), "max of low": h.max(1).values, "view of low": h.t()}
        fp32 = {"softmax": h.softmax(1), "log_softmax": F.log_softmax(h, 1), "exp": h.exp(), "log": h.abs().log(),
                "pow": h ** 2, "sum": h.sum(), "mean": h.mean(), "norm": h.norm(),
                "cross_entropy": F.cross_entropy(h, target), "mse_loss": F.mse_loss(h, h.detach() * 0),
                "cat low+fp32": course.cat([h, x[:, :3]]), "add low+fp32": h + x[:, :3]}
        kept = {"float64 matmul": x.double() @ w.double().t(), "int add": target + 1}
    assert not course.is_autocast_enabled(dev)
    for name, t in lowp.items():
        assert t.dtype is low, name
    for name, t in fp32.items():
        assert t.dtype is course.float32, name
    assert kept["float64 matmul"].dtype is course.float64 and kept["int add"].dtype is course.int64
    assert w.dtype is course.float32 and b.dtype is course.float32          # parameters keep their dtype


def test_autocast_equals_casting_by_hand(region):
    dev, low = region
    x = course.tensor(arr(6, 5), device=dev)
    w1, b1 = course.tensor(arr(4, 5, seed=1), device=dev), course.tensor(arr(4, seed=2), device=dev)
    w2 = course.tensor(arr(3, 4, seed=3), device=dev)
    target = course.tensor([0, 1, 2, 0, 1, 2], device=dev)
    with course.autocast(dev, dtype=low):
        auto = F.cross_entropy(F.linear(F.linear(x, w1, b1).relu(), w2), target)
        auto_logits = F.linear(F.linear(x, w1, b1).relu(), w2).softmax(1)
    h = F.linear(x.to(low), w1.to(low), b1.to(low)).relu()
    logits = F.linear(h, w2.to(low))
    manual = F.cross_entropy(logits.float(), target)
    np.testing.assert_array_equal(auto.cpu().numpy(), manual.cpu().numpy())
    np.testing.assert_array_equal(auto_logits.cpu().numpy(), logits.float().softmax(1).cpu().numpy())


def test_gradients_reach_float32_weights_and_backward_uses_forward_dtypes(region):
    dev, low = region
    x = course.tensor(arr(4, 5), device=dev)
    w = course.tensor(arr(3, 5, seed=1), device=dev, requires_grad=True)
    seen = []
    with course.autocast(dev, dtype=low):
        h = x @ w.t()
        h.register_hook(lambda g: seen.append(g.dtype))
        loss = h.softmax(1)[:, 0].sum()
    loss.backward()
    assert seen == [low]                        # the gradient of the low-precision output is low precision
    assert w.grad.dtype is course.float32       # and arrives at the float32 weight as float32
    # the same numbers as backward through manual casts
    w2 = w.detach().clone().requires_grad_()
    (x.to(low) @ w2.to(low).t()).float().softmax(1)[:, 0].sum().backward()
    np.testing.assert_array_equal(w.grad.cpu().numpy(), w2.grad.cpu().numpy())


def test_nesting_and_disabled_regions():
    x = course.tensor(arr(2, 3))
    with course.autocast("cpu"):
        assert (x @ x.t()).dtype is course.bfloat16
        with course.autocast("cpu", enabled=False):
            assert not course.is_autocast_enabled("cpu")
            assert (x @ x.t()).dtype is course.float32
            with course.autocast("cpu", dtype=course.float16):
                assert (x @ x.t()).dtype is course.float16
            assert (x @ x.t()).dtype is course.float32
        assert (x @ x.t()).dtype is course.bfloat16
        y = x.bfloat16()
        with course.autocast("cpu", enabled=False):
            with pytest.raises(RuntimeError):             # no casts inside: mixing dtypes is the user's job
                y @ x.t()
    assert (x @ x.t()).dtype is course.float32


def test_cuda_region_leaves_cpu_tensors_alone():
    course.cuda.simulate()
    try:
        x = course.tensor(arr(2, 3))
        with course.autocast("cuda"):
            assert (x @ x.t()).dtype is course.float32
            xc = x.cuda()
            assert (xc @ xc.t()).dtype is course.float16
            with pytest.raises(RuntimeError, match="unsafe to autocast"):
                F.binary_cross_entropy(xc.sigmoid(), xc.sigmoid().detach())
    finally:
        course.cuda.simulate(False)


def test_decorator():
    @course.autocast("cpu")
    def f(a):
        return a @ a.t()
    x = course.tensor(arr(2, 3))
    assert f(x).dtype is course.bfloat16
    assert (x @ x.t()).dtype is course.float32


def test_unsupported_settings_warn_and_disable():
    with pytest.warns(UserWarning, match="CPU Autocast only supports"):
        with course.autocast("cpu", dtype=course.float64):
            assert (course.ones(2, 2) @ course.ones(2, 2)).dtype is course.float32
    course.cuda.simulate(False)
    if not course.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            course.autocast("cuda")
    with pytest.raises(ValueError, match="device_type"):
        course.autocast(course.device("cpu"))


def test_weight_casts_are_cached_within_a_region_and_cleared_after():
    """Ops whose inputs autocast casts (matmul, conv...) share one cast of a weight per region. (F.linear rounds
    its inputs inside the op: it makes no cast.)"""
    from course.amp.autocast_mode import _Region
    x = course.tensor(arr(2, 3))
    w = course.tensor(arr(3, 4, seed=1), requires_grad=True)
    with course.autocast("cpu"):
        a = x @ w
        b = x @ w
        assert len(_Region.cache) == 1
        cast_node_a = a.grad_fn.next_functions[1][0]
        assert cast_node_a.name() == "ToCopyBackward0"
        assert b.grad_fn.next_functions[1][0] is cast_node_a         # the same cast of w, made once
        with course.autocast("cpu"):
            pass
        assert len(_Region.cache) == 1                                  # inner exit keeps it
    assert len(_Region.cache) == 0                                      # outermost exit clears it
    (a.float().sum() + b.float().sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.repeat(x.numpy().sum(0)[:, None], 4, 1), rtol=1e-2)


def test_no_lost_gradients_after_a_no_grad_forward_inside_autocast():
    """PyTorch bug #112583-style: a cast cached under no_grad has no history; course never caches there."""
    model = nn.Linear(3, 2)
    x = course.tensor(arr(4, 3))
    with course.autocast("cpu"):
        with course.no_grad():
            model(x)                                  # e.g. an evaluation pass
        loss = model(x).float().sum()
    loss.backward()
    assert model.weight.grad is not None and model.bias.grad is not None
    assert float(model.weight.grad.abs().sum()) > 0


def test_a_weight_changed_in_place_is_cast_again():
    x = course.tensor(arr(2, 3))
    w = course.tensor(arr(4, 3, seed=1), requires_grad=True)
    with course.autocast("cpu", dtype=course.float16):
        a = F.linear(x, w)
        with course.no_grad():
            w.mul_(2)
        b = F.linear(x, w)
    np.testing.assert_allclose(b.detach().float().numpy(), 2 * a.detach().float().numpy(), rtol=2e-3)


def test_low_precision_matmul_accumulates_in_float32_and_overflows_like_float16():
    a = np.full((1, 300), 0.1, dtype=np.float16)
    b = np.full((300, 1), 0.1, dtype=np.float16)
    got = course.tensor(a) @ course.tensor(b)
    want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    assert got.dtype is course.float16 and got.numpy()[0, 0] == want[0, 0]
    big = course.full((1, 4), 200.0, dtype=course.float16)
    assert np.isinf((big @ big.t() * 1.0).numpy()).all() == (4 * 200.0 ** 2 > 65504)
    assert np.isinf((course.full((1, 2), 300.0, dtype=course.float16) @
                     course.full((2, 1), 300.0, dtype=course.float16)).numpy()).all()


def test_parity_with_torch_for_matrix_products():
    torch = pytest.importorskip("torch")
    x, w, b = arr(8, 16), arr(4, 16, seed=1), arr(4, seed=2)
    img, k = arr(2, 3, 6, 6, seed=3), arr(5, 3, 3, 3, seed=4)
    for low, tlow in [(course.bfloat16, torch.bfloat16), (course.float16, torch.float16)]:
        with course.autocast("cpu", dtype=low):
            ours = [F.linear(course.tensor(x), course.tensor(w), course.tensor(b)),
                    course.tensor(x) @ course.tensor(w).t(), F.conv2d(course.tensor(img), course.tensor(k), padding=1),
                    course.cat([course.tensor(x) @ course.tensor(x).t(), course.tensor(x[:, :8])])]
        with torch.autocast("cpu", dtype=tlow):
            theirs = [torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)),
                      torch.tensor(x) @ torch.tensor(w).t(),
                      torch.nn.functional.conv2d(torch.tensor(img), torch.tensor(k), padding=1),
                      torch.cat([torch.tensor(x) @ torch.tensor(x).t(), torch.tensor(x[:, :8])])]
        for o, t in zip(ours, theirs):
            assert o.dtype.name == str(t.dtype).split(".")[1]
            tol = 1e-2 if low is course.bfloat16 else 2e-3
            np.testing.assert_allclose(o.float().numpy(), t.float().numpy(), rtol=tol, atol=tol * 4)


def test_demo_underflow(capsys):
    out = course.amp.demo_underflow(verbose=True)
    ref, plain, scaled = (np.array(v) for v in out.values())
    assert (plain == 0).all() and (ref > 0).all()
    np.testing.assert_allclose(scaled, ref, rtol=1e-2)
    assert "no scaling" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", ["float64", "float32", "bfloat16", "float16"])
@pytest.mark.parametrize("x_shape", [(6, 5), (2, 3, 5), (5,)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_backward_on_arrays_matches_the_op_by_op_backward(dtype, x_shape, with_bias, device):
    """LinearOp's plain backward works on raw arrays (one conversion of each float16/bfloat16 operand); with
    create_graph=True it is written with ops instead. Both must give the same gradients, in the same dtypes,
    on the CPU and on the simulated CUDA device."""
    dt = getattr(course, dtype)
    x0, w0, b0 = arr(*x_shape), arr(4, 5, seed=1), arr(4, seed=2)
    g0 = arr(*(x_shape[:-1] + (4,)), seed=3)
    grads = []
    for create_graph in (False, True):
        x, w = (course.tensor(a, dtype=dt, device=device, requires_grad=True) for a in (x0, w0))
        b = course.tensor(b0, dtype=dt, device=device, requires_grad=True) if with_bias else None
        y = F.linear(x, w, b)
        wanted = [x, w] + ([b] if with_bias else [])
        g = course.tensor(g0, dtype=dt, device=device)
        grads.append(course.autograd.grad(y, wanted, g, create_graph=create_graph))
    for fast, graph in zip(*grads):
        assert fast.dtype is dt and graph.dtype is dt and fast.shape == graph.shape
        assert fast.device == graph.device and fast.device.type == course.device(device).type
        # same rounding points; a batched (3-D) product may add in another order than the 2-D one
        tol = 0 if len(x_shape) < 3 else {"float64": 1e-12, "float32": 1e-6}.get(dtype, 1e-2)
        np.testing.assert_allclose(fast.cpu().double().numpy(), graph.detach().cpu().double().numpy(), rtol=tol,
                                   atol=tol)


def test_linear_backward_overflows_to_inf_quietly_in_float16():
    x = course.full((2, 3), 1.0, dtype=course.float16, requires_grad=True)
    w = course.full((4, 3), 300.0, dtype=course.float16, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.linear(x, w).backward(course.full((2, 4), 60000.0, dtype=course.float16))   # dx = 4 * 60000 * 300
    assert x.grad.dtype is course.float16 and np.isposinf(x.grad.float().numpy()).all()
    assert np.isposinf(w.grad.float().numpy()).all()                                  # dW = 2 * 60000


def test_linear_takes_a_gradient_of_another_dtype_in_its_own_dtype():
    torch = pytest.importorskip("torch")
    x0, w0, g0 = arr(8, 5), arr(4, 5, seed=1), arr(8, 4, seed=2).astype(np.float16)
    for create_graph in (False, True):
        x, w = (course.tensor(a, requires_grad=True) for a in (x0, w0))
        gx, gw = course.autograd.grad(F.linear(x, w), (x, w), course.tensor(g0), create_graph=create_graph)
        tx, tw = (torch.tensor(a, requires_grad=True) for a in (x0, w0))
        want = torch.autograd.grad(torch.nn.functional.linear(tx, tw), (tx, tw), torch.tensor(g0))
        for o, t in zip((gx, gw), want):
            assert o.dtype is course.float32
            np.testing.assert_allclose(o.detach().numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("b_shape", [(1,), ()])
def test_linear_with_a_one_number_bias_gets_its_total_gradient(b_shape):
    torch = pytest.importorskip("torch")
    x0, w0, b0 = arr(6, 5), arr(4, 5, seed=1), arr(*b_shape, seed=2)
    x, w, b = (course.tensor(a, dtype=course.float64, requires_grad=True) for a in (x0, w0, b0))
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x0, w0, b0))
    (F.linear(x, w, b) ** 2).sum().backward()
    (torch.nn.functional.linear(tx, tw, tb) ** 2).sum().backward()
    assert tuple(b.grad.shape) == tuple(tb.grad.shape)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)
    assert course.autograd.gradgradcheck(F.linear, (x, w, b))


def _linear_and_grads(x0, x_dtype, x_grad, with_bias, dev, low, autocast, create_graph):
    """F.linear of (x, w, b) and the gradients of x (when it requires grad), w and b: inside autocast, or
    outside it on inputs cast to low by hand. With create_graph, also the gradients of the squared first
    gradients (a gradient penalty: the second derivative through the linear)."""
    x = course.tensor(x0, dtype=x_dtype, device=dev, requires_grad=x_grad)
    w = course.tensor(arr(4, 5, seed=1), device=dev, requires_grad=True)
    b = course.tensor(arr(4, seed=2), device=dev, requires_grad=True) if with_bias else None
    if autocast:
        with course.autocast(dev, dtype=low):
            y = F.linear(x, w, b)
    else:
        y = F.linear(x.to(low), w.to(low), None if b is None else b.to(low))
    inputs = [t for t in (x, w, b) if t is not None and t.requires_grad]
    g = course.tensor(arr(*y.shape, seed=3), dtype=low, device=dev)
    grads = course.autograd.grad(y, inputs, g, create_graph=create_graph)
    second = []
    if create_graph:
        penalty = sum((t.float() ** 2).sum() for t in grads)
        assert penalty.requires_grad == x_grad        # (dW = g^T x and db = sum g do not depend on W or b)
        if x_grad:
            second = course.autograd.grad(penalty, inputs, allow_unused=True)
    return y, grads, second


@pytest.mark.parametrize("x_dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("x_shape", [(6, 5), (2, 3, 5), (5,)])
@pytest.mark.parametrize("x_grad", [True, False])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("create_graph", [False, True])
def test_autocast_linear_equals_linear_of_inputs_cast_by_hand(region, x_dtype, x_shape, x_grad, with_bias,
                                                              create_graph):
    """Under autocast F.linear rounds its inputs inside the op (no cast is recorded). Its output, every gradient
    (in its input's own dtype) and, with create_graph, every second derivative equal, bit for bit, those of
    F.linear on inputs cast to the low dtype by hand, as PyTorch's autocast does it."""
    dev, low = region
    x_dt = getattr(course, x_dtype)
    x0 = arr(*x_shape) * 300.0                      # big enough that float16 products overflow here and there
    fused = _linear_and_grads(x0, x_dt, x_grad, with_bias, dev, low, True, create_graph)
    by_hand = _linear_and_grads(x0, x_dt, x_grad, with_bias, dev, low, False, create_graph)
    assert fused[0].dtype is low and fused[0].grad_fn.name() == "LinearOpBackward0"
    for got, want in zip([fused[0], *fused[1], *fused[2]], [by_hand[0], *by_hand[1], *by_hand[2]]):
        assert (got is None) == (want is None)
        if got is not None:
            assert got.dtype is want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(raw_bits(got), raw_bits(want))


def raw_bits(t):
    return t.detach().cpu().numpy().reshape(-1).view(np.uint8)


def test_autocast_linear_keeps_no_cast_of_the_weights():
    """The gradient goes from the linear node straight to the float32 weights (PyTorch records a
    ToCopyBackward0 between them); a float32 input that needs no gradient is kept in 16 bits for backward."""
    x = course.tensor(arr(6, 5))
    lin = nn.Linear(5, 4)
    with course.autocast("cpu"):
        y = lin(x)
    assert [n and n.name() for n, _ in y.grad_fn.next_functions] == [None, "AccumulateGrad", "AccumulateGrad"]
    kept = [s.tensor for s in y.grad_fn._saved if s is not None]
    assert [t.dtype for t in kept] == [course.bfloat16]           # x's copy in bfloat16 (for the weight's gradient)
    y.float().sum().backward()
    assert lin.weight.grad.dtype is course.float32 and lin.bias.grad.dtype is course.float32


def test_autocast_linear_casts_an_input_that_needs_a_gradient_as_pytorch_does():
    """An activation that needs a gradient (here float32, from an op autocast keeps in float32) is cast to 16 bits
    by a recorded op before the linear, which keeps that 16-bit copy for backward: half the memory, and changing
    the activation in place afterwards does not disturb backward (as in PyTorch)."""
    torch = pytest.importorskip("torch")
    x0, w0 = arr(6, 5), arr(4, 5, seed=1)
    x = course.tensor(x0, requires_grad=True)
    lin = nn.Linear(5, 4)
    with course.no_grad():
        lin.weight.copy_(course.tensor(w0))
    with course.autocast("cpu"):
        h = x * 1.0
        y = lin(h)
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    kept = [s.tensor for s in y.grad_fn._saved if s is not None]
    assert kept[0].dtype is course.bfloat16                       # the 16-bit copy of h, not h
    with course.no_grad():
        h.mul_(0)                                                 # does not touch what backward reads
    y.float().sum().backward()
    tx = torch.tensor(x0, requires_grad=True)
    tlin = torch.nn.Linear(5, 4)
    with torch.no_grad():
        tlin.weight.copy_(torch.tensor(w0)), tlin.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        th = tx * 1.0
        ty = tlin(th)
    with torch.no_grad():
        th.mul_(0)
    ty.float().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(lin.weight.grad.numpy(), tlin.weight.grad.numpy())
