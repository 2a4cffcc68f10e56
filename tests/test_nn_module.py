"""The Module API: registration, traversal, state_dict, modes, hooks, moving, printing; containers;
Parameter; init; gradient clipping. Compared with torch where torch is installed."""
import math

import numpy as np
import pytest

import course
import course.nn as nn

try:
    import torch
except ImportError:          # the torch comparisons below skip themselves
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.head = nn.Linear(4, 2)
        self.scale = nn.Parameter(course.ones(1))
        self.register_buffer("steps", course.zeros(1))
        self.register_buffer("cache", course.zeros(2), persistent=False)
        self.not_a_param = course.zeros(3)

    def forward(self, x):
        return self.head(self.features(x).mean((2, 3))) * self.scale


def test_parameter_basics():
    t = course.randn(2, 3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, course.Tensor)
    assert p._data is t._data                                        # wraps, no copy
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(") and repr(p).endswith("requires_grad=True)")
    assert nn.Parameter().shape == (0,)
    import copy
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q._data is not p._data and np.array_equal(q.detach().numpy(),
                                                                                        p.detach().numpy())


@needs_torch
def test_parameter_repr_matches_torch():
    a = np.array([[1.0, -2.5], [0.25, 3.0]], dtype=np.float32)
    assert repr(nn.Parameter(course.tensor(a))) == repr(torch.nn.Parameter(torch.tensor(a)))


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                     "head.weight", "head.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache", "features.1.running_mean",
                                                     "features.1.running_var", "features.1.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["features", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "features", "features.0", "features.1", "features.2",
                                                     "head"]
    assert len(list(net.modules())) == 6 and len(list(net.children())) == 2
    assert "not_a_param" not in dict(net.named_parameters()) and "not_a_param" not in net.state_dict()
    assert net.get_submodule("features.0") is net.features[0]
    # re-assigning a plain value to a parameter slot is refused, None is allowed
    with pytest.raises(TypeError, match="cannot assign"):
        net.scale = course.zeros(1)
    net.scale = None
    assert "scale" not in dict(net.named_parameters())
    del net.head
    assert "head" not in dict(net.named_children())
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'head'"):
        net.head


def test_shared_parameters_appear_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_state_dict_round_trip_and_sharing():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == ["scale", "steps", "features.0.weight", "features.0.bias", "features.1.weight",
                        "features.1.bias", "features.1.running_mean", "features.1.running_var",
                        "features.1.num_batches_tracked", "head.weight", "head.bias"]
    assert not any(v.requires_grad for v in sd.values())
    assert sd["head.weight"]._data is a.head.weight._data                  # shares memory, like torch
    result = b.load_state_dict(sd)
    assert repr(result) == "<All keys matched successfully>"
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy())
    x = course.randn(2, 1, 5, 5)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    assert b.head.weight._data is not a.head.weight._data                  # copied into b's own memory


def test_load_state_dict_errors():
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as err:
        lin.load_state_dict({"weight": course.zeros(2, 2), "foo": course.zeros(1)})
    assert str(err.value) == (
        'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". \n\tUnexpected '
        'key(s) in state_dict: "foo". \n\tsize mismatch for weight: copying a param with shape '
        'course.Size([2, 2]) from checkpoint, the shape in current model is course.Size([3, 2]).')
    result = lin.load_state_dict({"weight": course.ones(3, 2)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == []
    assert np.all(lin.weight.detach().numpy() == 1)
    net = Net()
    sd = net.state_dict()
    del sd["features.1.running_var"]
    sd["head.extra"] = course.zeros(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "features.1.running_var". \n\t'
                                           r'Unexpected key\(s\) in state_dict: "head.extra"'):
        net.load_state_dict(sd)


@needs_torch
def test_state_dict_loads_from_torch_and_back():
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                                 torch.nn.LSTM(4, 3, batch_first=True))
    cmodel = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.LSTM(4, 3, batch_first=True))
    cmodel.load_state_dict({k: course.tensor(v.numpy()) for k, v in tmodel.state_dict().items()})
    back = {k: torch.tensor(v.numpy()) for k, v in cmodel.state_dict().items()}
    tmodel.load_state_dict(back)
    assert list(back) == list(tmodel.state_dict())


def test_train_eval_and_requires_grad():
    net = Net()
    assert net.training and net.features[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad():
    net = Net()
    net(course.randn(2, 1, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_dtype_moves_params_buffers_and_grads():
    net = Net()
    weight = net.head.weight
    net(course.randn(2, 1, 4, 4)).sum().backward()
    assert net.double() is net
    assert net.head.weight is weight                               # same Parameter object (optimizers keep it)
    assert weight.dtype is course.float64 and weight.grad.dtype is course.float64
    assert net.features[1].running_mean.dtype is course.float64
    assert net.features[1].num_batches_tracked.dtype is course.int64      # integers keep their dtype
    net.to(course.float32)
    assert weight.dtype is course.float32
    net.half().float()
    assert net.steps.dtype is course.float32
    net.to("cpu")
    net.cpu()
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        net.to(course.int64)
    y = net.double()(course.randn(2, 1, 4, 4, dtype=course.float64))
    assert y.dtype is course.float64


def test_apply_and_init():
    net = Net()
    seen = []

    def init_weights(m):
        seen.append(type(m).__name__)
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
    assert net.apply(init_weights) is net
    assert seen == ["Conv2d", "BatchNorm2d", "ReLU", "Sequential", "Linear", "Net"]
    assert not net.head.weight.detach().numpy().any()


def test_forward_hooks():
    lin = nn.Linear(3, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    y = lin(course.randn(4, 3))
    np.testing.assert_allclose(y.detach().numpy(), (lin.bias.detach().numpy() + 1)[None].repeat(4, 0), rtol=1e-6)
    assert calls == [(4, 2)]
    h1.remove(), h2.remove()
    x = course.randn(4, 3)
    np.testing.assert_allclose(lin(x).detach().numpy(), (x @ lin.weight.T + lin.bias).detach().numpy(), rtol=1e-6)
    assert calls == [(4, 2)]
    kw_hook = lin.register_forward_hook(lambda m, args, kwargs, out: out * 0, with_kwargs=True)
    assert not lin(x).detach().numpy().any()
    kw_hook.remove()


def test_register_errors():
    m = nn.Module()
    with pytest.raises(KeyError, match='contain'):
        m.register_buffer("a.b", course.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'builtins.int' object to buffer 'x'"):
        m.register_buffer("x", 3)
    with pytest.raises(TypeError, match="cannot assign 'course._tensor.Tensor' object to parameter 'w'"):
        m.register_parameter("w", course.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        m(1)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(course.zeros(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Early()


def test_sequential():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(seq) == 3 and isinstance(seq[0], nn.Linear) and seq[-1] is seq[2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[1] is seq[2]
    seq.append(nn.Softmax(dim=1))
    assert len(seq) == 4
    out = seq(course.randn(5, 4))
    np.testing.assert_allclose(out.detach().numpy().sum(1), 1, rtol=1e-6)
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Softmax"] and list(seq._modules) == ["0", "1",
                                                                                                       "2"]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert named.fc is named[0] and list(dict(named.named_parameters())) == ["fc.weight", "fc.bias"]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and len(list(layers.parameters())) == 6
    assert isinstance(layers[1:3], nn.ModuleList)
    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    d["c"] = nn.Tanh()
    assert list(d.keys()) == ["a", "b", "c"] and "a" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    plist = nn.ParameterList([nn.Parameter(course.zeros(2)), course.ones(3)])
    assert len(list(plist.parameters())) == 2


@needs_torch
def test_repr_matches_torch():
    def build(lib):
        n = lib.nn
        return n.Sequential(
            n.Conv2d(1, 8, 3, padding=1), n.BatchNorm2d(8), n.ReLU(inplace=True), n.MaxPool2d(2),
            n.Sequential(n.Conv2d(8, 8, 3, stride=2, dilation=2, groups=2, bias=False), n.AvgPool2d(2),
                         n.AdaptiveAvgPool2d((1, 1))),
            n.ModuleList([n.Identity(), n.Identity(), n.Linear(2, 2)]),
            n.ModuleDict({"drop": n.Dropout(0.1), "emb": n.Embedding(5, 3, padding_idx=0)}),
            n.Flatten(), n.Unflatten(1, (2, 4)), n.LayerNorm(4), n.GELU(approximate="tanh"),
            n.LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True), n.GRU(2, 3),
            n.RNN(2, 3, bias=False), n.Softmax(dim=1), n.LeakyReLU(0.2), n.BatchNorm1d(3, affine=False),
            n.CrossEntropyLoss(label_smoothing=0.1), n.Conv1d(2, 3, 3, padding="same"), n.PReLU(3), n.ELU(),
            n.Hardtanh(-2.0, 2.0), n.Softplus(beta=2.0), n.LSTMCell(2, 3), n.Bilinear(2, 3, 4, bias=False))
    assert repr(build(course)) == repr(build(torch))


def test_init_functions():
    course.manual_seed(0)
    w = nn.Parameter(course.empty(400, 300))
    assert nn.init.calculate_gain("relu") == math.sqrt(2) and nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")
    nn.init.xavier_uniform_(w)
    bound = math.sqrt(6 / 700)
    a = w.detach().numpy()
    assert a.max() <= bound and a.min() >= -bound and abs(a.std() - bound / math.sqrt(3)) < 0.01 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.detach().numpy().std() - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400)
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    assert abs(w.detach().numpy().max() - 1 / math.sqrt(300)) < 1e-3
    nn.init.xavier_normal_(w, gain=2)
    assert abs(w.detach().numpy().std() - 2 * math.sqrt(2 / 700)) < 0.03 * 2 * math.sqrt(2 / 700)
    nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert np.abs(w.detach().numpy()).max() <= 0.5
    nn.init.orthogonal_(w)
    q = w.detach().numpy().astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(300), atol=1e-4)
    nn.init.constant_(w, 0.5)
    assert np.all(w.detach().numpy() == 0.5) and w.requires_grad
    nn.init.normal_(w, 2.0, 0.1)
    assert abs(w.detach().numpy().mean() - 2) < 0.01
    nn.init.uniform_(w, -1, 3)
    assert w.detach().numpy().min() >= -1 and w.detach().numpy().max() <= 3
    nn.init.eye_(w)
    assert w.detach().numpy().trace() == 300
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        nn.init.xavier_uniform_(course.empty(3))


def test_default_init_bounds_like_torch():
    course.manual_seed(1)
    conv = nn.Conv2d(3, 16, 5)
    bound = 1 / math.sqrt(3 * 25)
    w = conv.weight.detach().numpy()
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.9 * bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    emb = nn.Embedding(1000, 20)
    assert abs(emb.weight.detach().numpy().std() - 1) < 0.05
    lstm = nn.LSTM(10, 25)
    assert all(np.abs(p.detach().numpy()).max() <= 1 / 5 for p in lstm.parameters())


def test_clip_grad():
    ps = [nn.Parameter(course.ones(3)), nn.Parameter(course.ones(4))]
    for p, g in zip(ps, [[3.0, 0.0, 0.0], [0.0, 4.0, 0.0, 0.0]]):
        p.grad = course.tensor(g)
    total = nn.utils.clip_grad_norm_(ps, 1.0)
    assert abs(float(total) - 5.0) < 1e-6
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.6, 0, 0], rtol=1e-5)
    total = nn.utils.clip_grad_norm_(ps, 10.0, norm_type="inf")
    assert abs(float(total) - 0.8) < 1e-6
    nn.utils.clip_grad_value_(ps, 0.5)
    assert ps[1].grad.numpy().max() == 0.5
    vec = nn.utils.parameters_to_vector(ps)
    assert vec.shape == (7,)
    nn.utils.vector_to_parameters(course.arange(7.0), ps)
    np.testing.assert_array_equal(ps[1].detach().numpy(), [3, 4, 5, 6])
