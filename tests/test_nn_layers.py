"""course.nn layers against torch.nn: same weights (copied through state_dict), same input ->
same output, same input and parameter gradients, same running state. Computed in float64.

Skipped when torch is not installed; tests/test_nn_gradcheck.py checks the same layers against
finite differences without torch.
"""
import numpy as np
import pytest

import course
import course.nn as cnn

torch = pytest.importorskip("torch")
tnn = torch.nn

RTOL, ATOL = 1e-7, 1e-9


def copy_weights(c_mod, t_mod):
    """torch's state_dict into the course module: this also checks that the parameter names agree."""
    state = {k: course.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()}
    c_mod.load_state_dict(state)


def close(c, t, rtol=RTOL, atol=ATOL):
    c = c.detach().numpy() if isinstance(c, course.Tensor) else c
    t = t.detach().numpy() if isinstance(t, torch.Tensor) else t
    assert c.shape == t.shape, (c.shape, t.shape)
    np.testing.assert_allclose(c, t, rtol=rtol, atol=atol)


def flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in flat(x)]
    return [out]


def check_module(make, shape, *, int_input=None, train=True, seed=0, steps=1, rtol=RTOL, atol=ATOL):
    """Build the layer in both libraries, run forward/backward `steps` times, compare everything."""
    torch.manual_seed(seed)
    t_mod = make(tnn).double()
    c_mod = make(cnn).double()
    copy_weights(c_mod, t_mod)
    t_mod.train(train)
    c_mod.train(train)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if int_input is not None:
            x = rng.integers(0, int_input, shape)
            xt, xc = torch.tensor(x), course.tensor(x)
        else:
            x = rng.standard_normal(shape)
            xt, xc = torch.tensor(x, requires_grad=True), course.tensor(x, requires_grad=True)
        outs_t, outs_c = flat(t_mod(xt)), flat(c_mod(xc))
        assert len(outs_t) == len(outs_c)
        for c, t in zip(outs_c, outs_t):
            close(c, t, rtol, atol)
        grads = [rng.standard_normal(tuple(t.shape)) for t in outs_t]
        torch.autograd.backward([t for t in outs_t], [torch.tensor(g) for g in grads])
        course.autograd.backward([c for c in outs_c], [course.tensor(g) for g in grads])
        if int_input is None:
            close(xc.grad, xt.grad, rtol, atol)
    c_params = dict(c_mod.named_parameters())
    for name, p in t_mod.named_parameters():
        assert name in c_params, name
        close(c_params[name].grad, p.grad, rtol, atol)
    c_buffers = dict(c_mod.named_buffers())
    for name, b in t_mod.named_buffers():
        close(c_buffers[name], b, rtol, atol)
    assert repr(c_mod) == repr(t_mod)
    return c_mod, t_mod


LINEAR = [
    (lambda nn: nn.Linear(5, 3), (4, 5)),
    (lambda nn: nn.Linear(5, 3), (2, 3, 5)),
    (lambda nn: nn.Linear(5, 3, bias=False), (4, 5)),
    (lambda nn: nn.Linear(5, 3), (5,)),
    (lambda nn: nn.Identity(), (2, 3)),
    (lambda nn: nn.Flatten(), (2, 3, 4, 5)),
    (lambda nn: nn.Flatten(0, 2), (2, 3, 4, 5)),
    (lambda nn: nn.Unflatten(1, (2, 6)), (3, 12)),
]

CONV = [
    (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    # more than THIN (32) values per column: the one-big-product layout of course/nn/kernels/conv.py
    (lambda nn: nn.Conv2d(8, 5, 3, padding=1), (3, 8, 6, 5)),
    (lambda nn: nn.Conv2d(8, 6, 3, stride=2, dilation=(1, 2), padding=2, groups=2), (2, 8, 9, 8)),
    (lambda nn: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 8)),
    (lambda nn: nn.Conv2d(4, 6, (3, 2), padding=(1, 0), dilation=2, groups=2), (2, 4, 8, 7)),
    (lambda nn: nn.Conv2d(2, 3, 4, padding="same"), (2, 2, 6, 5)),
    (lambda nn: nn.Conv2d(2, 3, 3, padding="valid", bias=False), (1, 2, 5, 5)),
    (lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), (2, 2, 5, 5)),
    (lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="circular"), (2, 2, 5, 5)),
    (lambda nn: nn.Conv2d(3, 3, 3, padding=1, groups=3), (2, 3, 5, 5)),
    (lambda nn: nn.Conv2d(1, 2, 3, stride=(2, 3), padding=(2, 1)), (2, 1, 9, 10)),
    (lambda nn: nn.Conv2d(2, 2, 3, padding=1), (2, 5, 5)),                          # unbatched
    (lambda nn: nn.Conv1d(3, 4, 3, padding=1), (2, 3, 9)),
    (lambda nn: nn.Conv1d(2, 4, 5, stride=2, groups=2), (2, 2, 11)),
    (lambda nn: nn.Conv1d(2, 3, 3, padding="same", dilation=2), (2, 2, 8)),
]

POOL = [
    (lambda nn: nn.MaxPool2d(2), (2, 3, 8, 8)),
    (lambda nn: nn.MaxPool2d(2), (2, 3, 7, 9)),
    (lambda nn: nn.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 8)),
    (lambda nn: nn.MaxPool2d(3, 2, ceil_mode=True), (1, 2, 8, 8)),
    (lambda nn: nn.MaxPool2d(2, stride=1, dilation=2), (1, 2, 6, 6)),
    (lambda nn: nn.MaxPool2d((2, 3), stride=(1, 2)), (2, 5, 7)),
    (lambda nn: nn.MaxPool1d(2), (2, 3, 9)),
    (lambda nn: nn.AvgPool2d(2), (2, 3, 8, 8)),
    (lambda nn: nn.AvgPool2d(3, 2, 1), (2, 2, 7, 8)),
    (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 2, 7, 8)),
    (lambda nn: nn.AvgPool2d(3, 2, ceil_mode=True), (1, 2, 8, 8)),
    (lambda nn: nn.AvgPool2d(2, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 7, 7)),
    (lambda nn: nn.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    (lambda nn: nn.AvgPool1d(3), (2, 3, 9)),
    (lambda nn: nn.AdaptiveAvgPool2d((1, 1)), (2, 3, 5, 6)),
    (lambda nn: nn.AdaptiveAvgPool2d(3), (2, 3, 6, 9)),
    (lambda nn: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 8)),
    (lambda nn: nn.AdaptiveAvgPool2d((None, 2)), (2, 3, 5, 8)),
    (lambda nn: nn.AdaptiveMaxPool2d((3, 2)), (2, 3, 7, 5)),
]

NORM = [
    (lambda nn: nn.LayerNorm(5), (4, 5)),
    (lambda nn: nn.LayerNorm((3, 5), elementwise_affine=False), (2, 3, 5)),
    (lambda nn: nn.LayerNorm(4, bias=False), (2, 3, 4)),
    (lambda nn: nn.GroupNorm(2, 4), (3, 4, 5)),
    (lambda nn: nn.Embedding(10, 3), (4, 5)),
]

ACTIVATIONS = [
    lambda nn: nn.ReLU(), lambda nn: nn.LeakyReLU(), lambda nn: nn.LeakyReLU(0.2), lambda nn: nn.ELU(),
    lambda nn: nn.ELU(0.5), lambda nn: nn.GELU(), lambda nn: nn.GELU(approximate="tanh"), lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(), lambda nn: nn.Softmax(dim=1), lambda nn: nn.LogSoftmax(dim=-1),
    lambda nn: nn.Softplus(), lambda nn: nn.Softplus(beta=2, threshold=1), lambda nn: nn.SiLU(),
    lambda nn: nn.Hardtanh(), lambda nn: nn.Hardtanh(-0.5, 0.7), lambda nn: nn.ReLU6(), lambda nn: nn.PReLU(),
    lambda nn: nn.PReLU(6, init=0.1), lambda nn: nn.Mish(), lambda nn: nn.Hardswish(),
    lambda nn: nn.Hardsigmoid(), lambda nn: nn.SELU(), lambda nn: nn.CELU(0.7), lambda nn: nn.Softsign(),
    lambda nn: nn.LogSigmoid(), lambda nn: nn.GLU(1), lambda nn: nn.Tanhshrink(), lambda nn: nn.Softmin(1),
]


@pytest.mark.parametrize("make,shape", LINEAR + CONV, ids=lambda v: "" if callable(v) else str(v))
def test_linear_and_conv(make, shape):
    check_module(make, shape)


@pytest.mark.parametrize("make,shape", POOL)
def test_pooling(make, shape):
    check_module(make, shape)


@pytest.mark.parametrize("make,shape", NORM[:-1])
def test_normalisation(make, shape):
    check_module(make, shape)


@pytest.mark.parametrize("make", ACTIVATIONS)
def test_activations(make):
    check_module(make, (3, 6, 4), rtol=1e-6, atol=1e-8)
    c = make(cnn)
    # extreme inputs stay finite where torch's do
    x = np.array([[-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0], [1000.0, 25.0, -25.0, 3.0, -3.0, 0.5]])
    tout = make(tnn).double()(torch.tensor(x).reshape(2, 6, 1))
    cout = c.double()(course.tensor(x).reshape(2, 6, 1))
    np.testing.assert_allclose(cout.detach().numpy(), tout.detach().numpy(), rtol=1e-6, atol=1e-8)


def test_max_pool_ties_pick_the_first_maximum():
    # after a ReLU many windows are all zero: the gradient must go to one element, as in torch
    x = np.maximum(np.random.default_rng(1).standard_normal((2, 3, 6, 6)), 0)
    x[0, 0, :2, :2] = 1.5
    for k, s, p in [(2, 2, 0), (3, 2, 1), (3, 1, 1)]:
        xt, xc = torch.tensor(x, requires_grad=True), course.tensor(x, requires_grad=True)
        torch.nn.functional.max_pool2d(xt, k, s, p).sum().backward()
        course.nn.functional.max_pool2d(xc, k, s, p).sum().backward()
        close(xc.grad, xt.grad)


def test_max_pool_return_indices():
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 7))
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    yc, ic = course.nn.functional.max_pool2d(course.tensor(x), 3, 2, 1, return_indices=True)
    close(yc, yt)
    assert ic.dtype is course.int64
    np.testing.assert_array_equal(ic.numpy(), it.numpy())


@pytest.mark.parametrize("k, s, p, d", [(2, 2, 0, 1), (3, 2, 1, 1), (3, 1, 1, 1), (2, 1, 0, 2), ((2, 3), (1, 2), 0, 1)])
def test_max_pool_ties_and_nans_like_torch(k, s, p, d):
    """Ties send the gradient to the first maximum, a NaN window to its last NaN, and the returned indices
    agree; a NaN or inf in the incoming gradient reaches only the arg-max positions."""
    rng = np.random.default_rng(3)
    x = np.maximum(rng.standard_normal((2, 3, 7, 8)), 0)
    x[0, 0, :3, :3] = 1.5
    x[1, 2, rng.integers(0, 7, 6), rng.integers(0, 8, 6)] = np.nan
    xt, xc = torch.tensor(x, requires_grad=True), course.tensor(x, requires_grad=True)
    yt, it = torch.nn.functional.max_pool2d(xt, k, s, p, d, return_indices=True)
    yc, ic = course.nn.functional.max_pool2d(xc, k, s, p, d, return_indices=True)
    np.testing.assert_array_equal(ic.numpy(), it.numpy())
    close(yc, yt)
    g = rng.standard_normal(yt.shape)
    g[0, 1, 0, 0], g[1, 0, 0, 0] = np.nan, np.inf
    yt.backward(torch.tensor(g))
    yc.backward(course.tensor(g))
    close(xc.grad, xt.grad)


@pytest.mark.parametrize("seed", range(6))
def test_max_pool_windows_of_minus_inf_next_to_padding_pick_a_real_element(seed):
    """Padding counts as -inf, so a window whose real values are all -inf ties with its padding: PyTorch then
    points at the window's first real element (index and gradient), never into the padding."""
    rng = np.random.default_rng(seed)
    checked = 0
    while checked < 25:
        H, W = (int(v) for v in rng.integers(3, 9, size=2))
        k, d, s = ((int(a), int(b)) for a, b in (rng.integers(2, 4, 2), rng.integers(1, 3, 2), rng.integers(1, 4, 2)))
        p = tuple(int(rng.integers(0, v // 2 + 1)) for v in k)
        ceil = bool(rng.integers(0, 2))
        x = rng.standard_normal((1, 2, H, W))
        x[rng.random(x.shape) < 0.6] = -np.inf
        xt = torch.tensor(x, requires_grad=True)
        try:
            yt, it = torch.nn.functional.max_pool2d(xt, k, s, p, d, ceil_mode=ceil, return_indices=True)
        except RuntimeError:                    # a geometry torch refuses (the tests above check the errors)
            continue
        xc = course.tensor(x, requires_grad=True)
        yc, ic = course.nn.functional.max_pool2d(xc, k, s, p, d, ceil_mode=ceil, return_indices=True)
        np.testing.assert_array_equal(ic.numpy(), it.numpy())
        np.testing.assert_array_equal(yc.detach().numpy(), yt.detach().numpy())
        yt.backward(torch.ones_like(yt))
        yc.backward(course.ones(*yt.shape, dtype=course.float64))
        np.testing.assert_array_equal(xc.grad.numpy(), xt.grad.numpy())
        checked += 1


def test_max_pool_over_a_long_window():
    """Window offsets above 127 (max over time of a long sequence) need a wider index than int8."""
    x = np.random.default_rng(4).standard_normal((2, 3, 300))
    xt, xc = torch.tensor(x, requires_grad=True), course.tensor(x, requires_grad=True)
    yt, it = torch.nn.functional.max_pool1d(xt, 300, return_indices=True)
    yc, ic = course.nn.functional.max_pool1d(xc, 300, return_indices=True)
    np.testing.assert_array_equal(ic.numpy(), it.numpy())
    yt.sum().backward()
    yc.sum().backward()
    close(yc, yt)
    close(xc.grad, xt.grad)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_max_pool_low_precision_equals_float32(dtype):
    """Pooling only picks values, so in float16/bfloat16 it must agree exactly with float32 on the same numbers."""
    x = course.randn(2, 3, 8, 8).to(getattr(course, dtype))
    x32 = x.float().detach().requires_grad_()
    xl = x.detach().requires_grad_()
    yl, y32 = course.nn.functional.max_pool2d(xl, 2), course.nn.functional.max_pool2d(x32, 2)
    assert yl.dtype is getattr(course, dtype)
    np.testing.assert_array_equal(yl.float().detach().numpy(), y32.detach().numpy())
    g = course.randn(*yl.shape).to(getattr(course, dtype))
    yl.backward(g)
    y32.backward(g.float())
    assert xl.grad.dtype is getattr(course, dtype)
    np.testing.assert_array_equal(xl.grad.float().numpy(), x32.grad.numpy())


def test_embedding_padding_idx():
    check_module(lambda nn: nn.Embedding(10, 3, padding_idx=1), (4, 5), int_input=10)
    e = cnn.Embedding(5, 2, padding_idx=-1)
    assert e.padding_idx == 4 and np.all(e.weight.detach().numpy()[4] == 0)
    e(course.tensor([[4, 0], [4, 4]])).sum().backward()
    assert np.all(e.weight.grad.numpy()[4] == 0) and np.all(e.weight.grad.numpy()[0] == 1)


@pytest.mark.parametrize("kind", ["BatchNorm1d", "BatchNorm2d"])
@pytest.mark.parametrize("options", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False},
                                     {"momentum": 0.3, "eps": 1e-3}])
def test_batchnorm_train_then_eval(kind, options):
    shape = (8, 4) if kind == "BatchNorm1d" else (4, 4, 3, 3)
    c_mod, t_mod = check_module(lambda nn: getattr(nn, kind)(4, **options), shape, steps=3)
    if "track_running_stats" not in options:
        assert int(c_mod.num_batches_tracked) == 3 and c_mod.num_batches_tracked.dtype is course.int64
    c_mod.eval()
    t_mod.eval()
    x = np.random.default_rng(5).standard_normal(shape)
    close(c_mod(course.tensor(x)), t_mod(torch.tensor(x)))


def test_batchnorm1d_3d_input():
    check_module(lambda nn: nn.BatchNorm1d(3), (4, 3, 5), steps=2)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        cnn.BatchNorm1d(3)(course.randn(1, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        cnn.BatchNorm2d(3)(course.randn(4, 3))


RNNS = [
    (lambda nn: nn.RNN(4, 5), (6, 3, 4)),
    (lambda nn: nn.RNN(4, 5, num_layers=2, nonlinearity="relu", batch_first=True), (3, 6, 4)),
    (lambda nn: nn.LSTM(4, 5), (6, 3, 4)),
    (lambda nn: nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True), (3, 5, 4)),
    (lambda nn: nn.LSTM(4, 3, bias=False), (5, 4)),                                      # unbatched
    (lambda nn: nn.GRU(4, 5), (6, 3, 4)),
    (lambda nn: nn.GRU(4, 5, num_layers=2, bidirectional=True), (5, 2, 4)),
    (lambda nn: nn.RNNCell(4, 5), (3, 4)),
    (lambda nn: nn.LSTMCell(4, 5), (3, 4)),
    (lambda nn: nn.GRUCell(4, 5), (3, 4)),
]


@pytest.mark.parametrize("make,shape", RNNS)
def test_recurrent(make, shape):
    check_module(make, shape, rtol=1e-6, atol=1e-8)


def test_rnn_with_initial_state():
    torch.manual_seed(0)
    t_mod, c_mod = tnn.LSTM(3, 4, num_layers=2).double(), cnn.LSTM(3, 4, num_layers=2).double()
    copy_weights(c_mod, t_mod)
    rng = np.random.default_rng(0)
    x, h, c = rng.standard_normal((5, 2, 3)), rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 2, 4))
    out_t, (h_t, c_t) = t_mod(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    out_c, (h_c, c_c) = c_mod(course.tensor(x), (course.tensor(h), course.tensor(c)))
    for a, b in [(out_c, out_t), (h_c, h_t), (c_c, c_t)]:
        close(a, b, 1e-6, 1e-8)


def test_bilinear():
    torch.manual_seed(0)
    t_mod, c_mod = tnn.Bilinear(3, 4, 2).double(), cnn.Bilinear(3, 4, 2).double()
    copy_weights(c_mod, t_mod)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ca, cb = course.tensor(a, requires_grad=True), course.tensor(b, requires_grad=True)
    t_mod(ta, tb).sum().backward()
    out = c_mod(ca, cb)
    out.sum().backward()
    close(out, t_mod(ta, tb))
    close(ca.grad, ta.grad)
    close(cb.grad, tb.grad)
    close(c_mod.weight.grad, t_mod.weight.grad)
    assert repr(c_mod) == repr(t_mod)


def test_dropout_statistics_and_modes():
    course.manual_seed(0)
    d = cnn.Dropout(0.3)
    x = course.ones(200, 500)
    y = d(x).numpy()
    assert set(np.unique(np.round(y.astype(float), 5))) <= {0.0, round(1 / 0.7, 5)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    d.eval()
    assert d(x) is x
    x.requires_grad_()
    d.train()
    out = d(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, out.detach().numpy() != 0)
    course.manual_seed(3)
    a = d(x).detach().numpy()
    course.manual_seed(3)
    np.testing.assert_array_equal(a, d(x).detach().numpy())
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        cnn.Dropout(1.5)
    assert repr(cnn.Dropout(0.2)) == repr(tnn.Dropout(0.2))
    z = cnn.Dropout2d(0.5)(course.ones(4, 6, 3, 3)).numpy()
    assert np.all(z.reshape(4, 6, 9).std(-1) == 0)              # whole channels kept or dropped


def test_layer_errors_match_torch():
    cases = [
        (lambda F, lib: F.linear(lib.randn(2, 5), lib.randn(3, 4)), RuntimeError),
        (lambda F, lib: F.conv2d(lib.randn(2, 5, 6, 6), lib.randn(3, 4, 3, 3)), RuntimeError),
        (lambda F, lib: F.conv2d(lib.randn(1, 4, 2, 2), lib.randn(3, 4, 3, 3)), RuntimeError),
        (lambda F, lib: F.max_pool2d(lib.randn(1, 4, 2, 2), 3), RuntimeError),
        (lambda F, lib: F.max_pool2d(lib.randn(1, 4, 8, 8), 3, 1, 2), RuntimeError),
        (lambda F, lib: F.embedding(lib.tensor([5]), lib.randn(3, 4)), IndexError),
        (lambda F, lib: F.layer_norm(lib.randn(2, 3), [4]), RuntimeError),
        (lambda F, lib: F.one_hot(lib.tensor([1.0])), RuntimeError),
    ]
    for fn, err in cases:
        with pytest.raises(err) as t_err:
            fn(torch.nn.functional, torch)
        with pytest.raises(err) as c_err:
            fn(course.nn.functional, course)
        assert str(c_err.value) == str(t_err.value)


def test_functional_misc():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    for name, args in [("pairwise_distance", {}), ("cosine_similarity", {}), ("cosine_similarity", {"dim": 0})]:
        tf, cf = getattr(torch.nn.functional, name), getattr(course.nn.functional, name)
        ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        ca, cb = course.tensor(a, requires_grad=True), course.tensor(b, requires_grad=True)
        t_out, c_out = tf(ta, tb, **args), cf(ca, cb, **args)
        close(c_out, t_out)
        t_out.sum().backward()
        c_out.sum().backward()
        close(ca.grad, ta.grad, 1e-6, 1e-9)
    close(course.nn.functional.normalize(course.tensor(a)), torch.nn.functional.normalize(torch.tensor(a)))
    close(course.nn.functional.normalize(course.tensor(a), p=1, dim=0),
          torch.nn.functional.normalize(torch.tensor(a), p=1, dim=0))
    idx = np.array([[0, 2], [3, 1]])
    np.testing.assert_array_equal(course.nn.functional.one_hot(course.tensor(idx), 5).numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(idx), 5).numpy())
    x = rng.standard_normal((2, 3, 4, 5))
    for pad, mode, value in [((1, 2), "constant", 0), ((1, 1, 2, 0), "constant", 1.5), ((-1, 1), "constant", 0),
                             ((2, 1, 1, 2), "reflect", None), ((1, 2, 3, 0), "replicate", None),
                             ((1, 2, 2, 1), "circular", None)]:
        tx, cx = torch.tensor(x, requires_grad=True), course.tensor(x, requires_grad=True)
        kw = {"value": value} if value is not None else {}
        t_out = torch.nn.functional.pad(tx, pad, mode=mode, **kw)
        c_out = course.nn.functional.pad(cx, pad, mode=mode, **kw)
        close(c_out, t_out)
        g = rng.standard_normal(tuple(t_out.shape))
        t_out.backward(torch.tensor(g))
        c_out.backward(course.tensor(g))
        close(cx.grad, tx.grad)


from hypothesis import given, settings, strategies as st, HealthCheck  # noqa: E402

GEOMETRY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@GEOMETRY
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2),
       st.integers(0, 2), st.integers(1, 2), st.integers(4, 9), st.integers(4, 9), st.booleans())
def test_conv2d_random_geometry(groups, out_per_group, in_per_group, k, stride, pad, dil, h, w, bias):
    span = dil * (k - 1) + 1
    if h + 2 * pad < span or w + 2 * pad < span:
        return
    check_module(lambda nn: nn.Conv2d(in_per_group * groups, out_per_group * groups, k, stride, pad, dil,
                                      groups, bias), (2, in_per_group * groups, h, w))


@GEOMETRY
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(1, 2), st.booleans(),
       st.integers(3, 9), st.integers(3, 9), st.booleans(), st.booleans())
def test_pool2d_random_geometry(k, stride, pad, dil, ceil_mode, h, w, use_max, include_pad):
    if pad > (dil * (k - 1) + 1) // 2 or h + 2 * pad < dil * (k - 1) + 1 or w + 2 * pad < dil * (k - 1) + 1:
        return
    if use_max:
        check_module(lambda nn: nn.MaxPool2d(k, stride, pad, dil, ceil_mode=ceil_mode), (2, 2, h, w))
    elif pad <= k // 2:
        check_module(lambda nn: nn.AvgPool2d(k, stride, pad, ceil_mode, include_pad), (2, 2, h, w))
