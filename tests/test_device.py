"""Devices: every op, autograd, nn layers, optimizers and a training loop give the same numbers on the CPU and on
the (simulated) CUDA device, and results stay on the device of their inputs.

The ``device`` fixture (tests/conftest.py) runs each test on 'cpu' and on the simulated CUDA device, whose arrays
refuse numpy exactly where CuPy does: a stray ``numpy.`` call on device data fails these tests.
"""
import numpy as np
import pytest

import course
from course import nn, optim
import course.nn.functional as F


def host(t):
    return t.detach().cpu().numpy()


def rand(*shape, seed=0, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return np.abs(a) + 0.5 if positive else a


# (name, function of tensors, input arrays); each also runs backward through sum()
UNARY = {
    "exp": lambda x: x.exp(), "log": lambda x: x.abs().add(0.5).log(), "sqrt": lambda x: x.abs().sqrt(),
    "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(), "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(), "clamp": lambda x: x.clamp(-0.5, 0.5), "pow": lambda x: x ** 3,
    "sin": lambda x: x.sin(), "erf": lambda x: x.erf(), "softmax": lambda x: x.softmax(-1),
    "log_softmax": lambda x: x.log_softmax(0), "sum": lambda x: x.sum(1), "mean": lambda x: x.mean(),
    "var": lambda x: x.var(0), "std": lambda x: x.std(1), "max": lambda x: x.max(1).values,
    "amin": lambda x: x.amin(0), "logsumexp": lambda x: x.logsumexp(1), "norm": lambda x: x.norm(),
    "prod": lambda x: x.prod(1), "cumsum": lambda x: x.cumsum(1),
    "transpose": lambda x: x.t() * 2, "reshape": lambda x: x.reshape(-1) * 2, "flip": lambda x: x.flip(0),
    "index": lambda x: x[1:, ::2] * 2, "index_tensor": lambda x: x[course.tensor([0, 2, 2], device=x.device)],
    "masked_fill": lambda x: x.masked_fill(x > 0, 0.0), "where": lambda x: course.where(x > 0, x, x * 0.1),
    "cat": lambda x: course.cat([x, x * 2], 1), "stack": lambda x: course.stack([x, -x]),
    "matmul": lambda x: x @ x.t(), "expand": lambda x: x[:, :1].expand(3, 4) * 1,
    "gather": lambda x: x.gather(1, course.tensor([[0], [3], [1]], device=x.device)),
    "sort": lambda x: x.sort(1).values, "topk": lambda x: x.topk(2).values, "roll": lambda x: x.roll(1, 0),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_op_on_device_matches_cpu(device, name):
    fn = UNARY[name]
    data = rand(3, 4)
    ref_x = course.tensor(data, requires_grad=True)
    ref = fn(ref_x)
    ref.sum().backward()
    x = course.tensor(data, device=device, requires_grad=True)
    out = fn(x)
    assert out.device == x.device
    out.sum().backward()
    assert x.grad.device == x.device
    np.testing.assert_allclose(host(out), host(ref), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(x.grad), host(ref_x.grad), rtol=1e-5, atol=1e-6)


def test_binary_ops_and_comparisons(device):
    a, b = rand(2, 3, seed=1), rand(3, seed=2, positive=True)
    x, y = course.tensor(a, device=device), course.tensor(b, device=device)
    for got, want in [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b), (x ** 2, a ** 2),
                      (x.maximum(y), np.maximum(a, b)), ((x > y).float(), (a > b).astype(np.float32)),
                      (x.argmax(1), a.argmax(1)), (x.sum(), a.sum())]:
        assert got.device == x.device
        np.testing.assert_allclose(host(got), want, rtol=1e-6)


def test_double_backward_on_device(device):
    x = course.tensor([0.5, -1.0, 2.0], device=device, requires_grad=True)
    y = (x ** 3).sum()
    g, = course.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(host(x.grad), 6 * np.array([0.5, -1.0, 2.0]), rtol=1e-6)


def test_gradcheck_on_device(device):
    x = course.tensor(rand(2, 3).astype(np.float64), device=device, requires_grad=True)
    w = course.tensor(rand(3, 2, seed=3).astype(np.float64), device=device, requires_grad=True)
    assert course.autograd.gradcheck(lambda a, b: (a @ b).tanh().softmax(1), (x, w))


def test_factories_take_device(device):
    dev = course.device(device)
    made = [course.zeros(2, device=device), course.ones(2, 3, device=dev), course.full((2,), 3.0, device=device),
            course.arange(5, device=device), course.eye(3, device=device), course.rand(2, device=device),
            course.randn(2, device=device), course.randint(0, 5, (3,), device=device),
            course.tensor([1, 2], device=device), course.empty(2, device=device),
            course.linspace(0, 1, 5, device=device)]
    for t in made:
        assert t.device.type == dev.type
    x = made[1]
    for t in (course.zeros_like(x), course.ones_like(x), course.rand_like(x), x.new_zeros(2), x.new_tensor([1.0])):
        assert t.device == x.device


def test_to_cpu_and_back_keeps_values_and_grad_flows(device):
    a = rand(2, 3)
    x = course.tensor(a, requires_grad=True)
    y = x.to(device)
    assert y.device.type == course.device(device).type
    z = y.to("cpu", course.float64)
    assert z.dtype is course.float64 and z.device == course.device("cpu")
    (z * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2.0))
    assert x.to(x.device) is x


def _mlp():
    course.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def _cnn():
    course.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.0), nn.Linear(3 * 2 * 2, 3), nn.LogSoftmax(1))


@pytest.mark.parametrize("make,shape", [(_mlp, (5, 6)), (_cnn, (5, 1, 4, 4))])
def test_layers_on_device_match_cpu(device, make, shape):
    data = rand(*shape, seed=4)
    ref_model, model = make(), make().to(device)
    for p in model.parameters():
        assert p.device.type == course.device(device).type and p.is_leaf
    ref_out = ref_model(course.tensor(data))
    out = model(course.tensor(data, device=device))
    ref_out.square().sum().backward()
    out.square().sum().backward()
    np.testing.assert_allclose(host(out), host(ref_out), rtol=1e-5, atol=1e-6)
    for (n, p), (_, q) in zip(model.named_parameters(), ref_model.named_parameters()):
        assert p.grad.device == p.device, n
        np.testing.assert_allclose(host(p.grad), host(q.grad), rtol=1e-4, atol=1e-5, err_msg=n)
    for b in model.buffers():
        assert b.device == next(model.parameters()).device


def test_module_to_moves_gradients_too(device):
    model = _mlp()
    model(course.randn(2, 6)).sum().backward()
    model.to(device)
    for p in model.parameters():
        assert p.grad is not None and p.grad.device == p.device


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                         ("RMSprop", dict(lr=0.01))])
def test_small_training_loop_on_device_matches_cpu(device, name, kwargs):
    """A few epochs of a small classifier: same losses and weights on the device as on the CPU."""
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((32, 6)).astype(np.float32)
    ys = (xs[:, 0] > 0).astype(np.int64) + (xs[:, 1] > 0).astype(np.int64)

    def run(dev):
        model = _mlp().to(dev)
        opt = getattr(optim, name)(model.parameters(), **kwargs)
        loader = course.utils.data.DataLoader(
            course.utils.data.TensorDataset(course.tensor(xs), course.tensor(ys)), batch_size=8,
            pin_memory=dev != "cpu")
        losses = []
        for _ in range(3):
            for xb, yb in loader:
                xb, yb = xb.to(dev), yb.to(dev)
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        for state in opt.state.values():
            for k, v in state.items():
                if isinstance(v, course.Tensor) and k != "step":
                    assert v.device == next(model.parameters()).device
        return losses, [host(p) for p in model.parameters()]

    ref_losses, ref_params = run("cpu")
    losses, params = run(device)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    assert losses[-1] < losses[0]
    for p, q in zip(params, ref_params):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-6)


def test_device_objects():
    assert str(course.device("cuda:1")) == "cuda:1"
    assert course.device("cuda", 0) == "cuda:0"
    assert repr(course.device("cpu")) == "device(type='cpu')"
    with pytest.raises(RuntimeError):
        course.device("tpu")


LAYERS = {
    "Embedding": (lambda: nn.Embedding(7, 3), lambda d: course.tensor([[1, 4], [6, 0]], device=d)),
    "LayerNorm": (lambda: nn.LayerNorm(4), None),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), None),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda d: course.tensor(rand(3, 4, 2, 2, seed=7), device=d)),
    "Conv1d": (lambda: nn.Conv1d(4, 2, 2), lambda d: course.tensor(rand(2, 4, 5, seed=7), device=d)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), lambda d: course.tensor(rand(1, 2, 4, 4, seed=7), device=d)),
    "GELU": (lambda: nn.GELU(), None), "Tanh": (lambda: nn.Tanh(), None), "Softplus": (lambda: nn.Softplus(), None),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.1), None), "Softmax": (lambda: nn.Softmax(1), None),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_more_layers_on_device(device, name):
    make, inputs = LAYERS[name]
    inputs = inputs or (lambda d: course.tensor(rand(3, 4, seed=7), device=d))
    course.manual_seed(0)
    ref_layer = make()
    course.manual_seed(0)
    layer = make().to(device)
    ref_in, dev_in = inputs("cpu"), inputs(device)
    if ref_in.is_floating_point():
        ref_in.requires_grad_(), dev_in.requires_grad_()
    ref, out = ref_layer(ref_in), layer(dev_in)
    assert out.device.type == course.device(device).type
    (ref * ref).sum().backward()
    (out * out).sum().backward()
    np.testing.assert_allclose(host(out), host(ref), rtol=1e-5, atol=1e-6)
    if ref_in.requires_grad:
        np.testing.assert_allclose(host(dev_in.grad), host(ref_in.grad), rtol=1e-4, atol=1e-5)
    for p, q in zip(layer.parameters(), ref_layer.parameters()):
        np.testing.assert_allclose(host(p.grad), host(q.grad), rtol=1e-4, atol=1e-5)


LOSSES = {
    "cross_entropy": lambda x, t, p: F.cross_entropy(x, t, label_smoothing=0.1),
    "nll_loss": lambda x, t, p: F.nll_loss(x.log_softmax(1), t),
    "mse_loss": lambda x, t, p: F.mse_loss(x, p),
    "l1_loss": lambda x, t, p: F.l1_loss(x, p),
    "smooth_l1_loss": lambda x, t, p: F.smooth_l1_loss(x, p),
    "bce_with_logits": lambda x, t, p: F.binary_cross_entropy_with_logits(x, p.sigmoid()),
    "bce": lambda x, t, p: F.binary_cross_entropy(x.sigmoid(), p.sigmoid()),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_on_device(device, name):
    a, b = rand(4, 3, seed=8), rand(4, 3, seed=9)
    t = np.array([0, 2, 1, 2])
    results = []
    for d in ("cpu", device):
        x = course.tensor(a, device=d, requires_grad=True)
        loss = LOSSES[name](x, course.tensor(t, device=d), course.tensor(b, device=d))
        loss.backward()
        assert loss.device.type == course.device(d).type
        results.append((host(loss), host(x.grad)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-5, atol=1e-7)


def test_random_sampling_stays_on_the_device(device):
    probs = course.tensor([0.0, 1.0, 0.0, 1.0], device=device)
    draws = course.bernoulli(probs)
    assert draws.device == probs.device
    np.testing.assert_array_equal(host(draws), [0.0, 1.0, 0.0, 1.0])
    picks = course.multinomial(probs, 2)
    assert picks.device == probs.device and sorted(host(picks).tolist()) == [1, 3]
    assert course.randperm(5, device=device).device.type == course.device(device).type
