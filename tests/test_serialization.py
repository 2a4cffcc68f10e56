"""course.save / course.load: round trips, resuming training bit for bit, and refusing anything unsafe."""
import collections
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import course
import course.optim as optim
from course import _dtype
from course.serialization import CheckpointError


def _round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    course.save(obj, buffer)
    buffer.seek(0)
    return course.load(buffer, **load_kwargs)


# -- round trips --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", _dtype.ALL, ids=lambda d: d.name)
def test_tensor_dtypes_and_shapes(dtype):
    rng = np.random.default_rng(0)
    for shape in [(), (0,), (3,), (2, 3, 4)]:
        t = course.tensor((rng.normal(size=shape) * 50).astype(np.float64)).to(dtype)
        back = _round_trip(t)
        assert back.dtype is dtype and back.shape == t.shape
        assert back.numpy().tobytes() == t.numpy().tobytes()                      # bit for bit


def test_requires_grad_noncontiguous_and_sharing():
    w = course.randn(3, 4, requires_grad=True)
    out = _round_trip({"w": w, "wt": w.detach().t(), "again": w})
    assert out["w"].requires_grad and not out["wt"].requires_grad and out["w"].is_leaf
    assert np.array_equal(out["wt"].numpy(), w.detach().numpy().T)
    assert out["again"] is out["w"]                   # one tensor saved twice comes back as one tensor


def test_nested_structures():
    obj = {
        "int_keys": {0: 1, 1: 2.5, -3: None},
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "tuple": (1, "two", [3.0, True]),
        "list": [(), [], {}],
        "counter": collections.Counter([2, 5, 5]),
        "floats": [float("inf"), -float("inf"), 1e-300, 0.1 + 0.2],
        "dtype": course.bfloat16, "device": course.device("cpu"),
        "numpy": np.arange(6, dtype=np.int16).reshape(2, 3), "np_scalar": np.float32(1.25),
        "set": {1, 2}, (1, 2): "tuple key",
    }
    back = _round_trip(obj)
    assert back == {k: v for k, v in obj.items() if k != "numpy"} | {"numpy": back["numpy"]}
    assert type(back["ordered"]) is collections.OrderedDict and list(back["ordered"]) == ["b", "a"]
    assert type(back["tuple"]) is tuple and type(back["tuple"][2]) is list
    assert type(back["counter"]) is collections.Counter
    assert back["numpy"].dtype == np.int16 and np.array_equal(back["numpy"], obj["numpy"])
    assert type(back["np_scalar"]) is np.float32
    assert math_isnan(_round_trip(float("nan")))


def math_isnan(x):
    return x != x


def test_paths_and_file_objects(tmp_path):
    t = course.arange(5)
    course.save(t, tmp_path / "a.ckpt")                       # pathlib.Path
    course.save(t, str(tmp_path / "b.ckpt"))                  # str
    with open(tmp_path / "c.ckpt", "wb") as f:                # open file
        course.save(t, f)
    for name in ("a.ckpt", "b.ckpt", "c.ckpt"):
        assert course.load(tmp_path / name).tolist() == [0, 1, 2, 3, 4]
    with open(tmp_path / "c.ckpt", "rb") as f:
        assert course.load(f).tolist() == [0, 1, 2, 3, 4]


def test_map_location():
    t = course.ones(2)
    assert _round_trip(t, map_location="cpu").device == course.device("cpu")
    assert _round_trip(t, map_location={"cuda:0": "cpu"}).device == course.device("cpu")
    seen = []
    out = _round_trip(t, map_location=lambda tensor, where: seen.append(where) or tensor * 2)
    assert seen == ["cpu"] and out.tolist() == [2.0, 2.0]


def test_optimizer_and_scheduler_state_round_trip():
    p = course.randn(3, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    sched = optim.lr_scheduler.MultiStepLR(opt, [2, 4])
    p.grad = course.ones(3)
    opt.step()
    sched.step()
    back = _round_trip({"opt": opt.state_dict(), "sched": sched.state_dict()})
    assert back["opt"]["param_groups"] == opt.state_dict()["param_groups"]
    assert back["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(back["opt"]["state"]) == [0] and back["opt"]["state"][0]["step"].item() == 1.0
    assert back["sched"] == sched.state_dict()


# -- resuming training ----------------------------------------------------------------------------------
def _make_model(seed):
    rng = np.random.default_rng(seed)
    return collections.OrderedDict(
        w1=course.tensor(rng.normal(size=(4, 8)).astype(np.float32), requires_grad=True),
        b1=course.zeros(8, requires_grad=True),
        w2=course.tensor(rng.normal(size=(8, 1)).astype(np.float32), requires_grad=True))


def _forward(model, x):
    return course.tanh(x @ model["w1"] + model["b1"]) @ model["w2"]


SETUPS = {
    "adam-onecycle": (lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
                      lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=20)),
    "sgd-multistep": (lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
                      lambda o: optim.lr_scheduler.MultiStepLR(o, milestones=[4, 5], gamma=0.5)),
    "rmsprop-cosine": (lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.3),
                       lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=6)),
    "adagrad-plateau": (lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
                        lambda o: optim.lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5)),
}


@pytest.mark.parametrize("setup", list(SETUPS))
def test_resume_from_checkpoint_is_bit_for_bit(setup):
    make_opt, make_sched = SETUPS[setup]
    rng = np.random.default_rng(1)
    x = course.tensor(rng.normal(size=(16, 4)).astype(np.float32))
    y = course.tensor(rng.normal(size=(16, 1)).astype(np.float32))

    def train(model, opt, sched, steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = ((_forward(model, x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            if isinstance(sched, optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(1.0)                       # a flat metric: the rate keeps dropping
            else:
                sched.step()

    model = _make_model(0)
    opt = make_opt(list(model.values()))
    sched = make_sched(opt)
    train(model, opt, sched, 3)
    checkpoint = io.BytesIO()
    course.save({"model": collections.OrderedDict((k, v.detach()) for k, v in model.items()),
                 "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "epoch": 3}, checkpoint)
    train(model, opt, sched, 5)

    fresh = _make_model(99)                           # other initial values, overwritten by the checkpoint
    opt2 = make_opt(list(fresh.values()))
    sched2 = make_sched(opt2)
    checkpoint.seek(0)
    state = course.load(checkpoint)
    with course.no_grad():
        for k, v in fresh.items():
            v.copy_(state["model"][k])
    opt2.load_state_dict(state["optimizer"])
    sched2.load_state_dict(state["scheduler"])
    assert state["epoch"] == 3
    train(fresh, opt2, sched2, 5)

    for k in model:
        assert model[k].dtype == fresh[k].dtype
        assert np.array_equal(model[k].detach().numpy(), fresh[k].detach().numpy()), k
    assert sched.get_last_lr() == sched2.get_last_lr()


def test_module_state_dict_round_trip():
    nn = pytest.importorskip("course.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("course.nn.Linear is not there yet")
    model = nn.Linear(3, 2)
    back = _round_trip(model.state_dict())
    assert list(back) == list(model.state_dict())
    other = nn.Linear(3, 2)
    other.load_state_dict(back)
    for a, b in zip(model.parameters(), other.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    if hasattr(nn, "Parameter"):
        p = _round_trip(nn.Parameter(course.ones(2)))
        assert isinstance(p, nn.Parameter) and p.requires_grad


# -- refusing -------------------------------------------------------------------------------------------
def test_save_refuses_arbitrary_objects():
    class Model:
        pass
    with pytest.raises(TypeError, match=r"course.save cannot store obj\['net'\] of type .*Model: a checkpoint "
                                        r"holds only tensors"):
        course.save({"net": Model()}, io.BytesIO())
    with pytest.raises(TypeError, match="cannot store"):
        course.save([print], io.BytesIO())


class _Evil:
    """Unpickling this would create a file: proof that a loader ran code from the file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_load_refuses_pickles(tmp_path):
    marker = str(tmp_path / "pwned")
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"weights": _Evil(marker)}))
    with pytest.raises(CheckpointError, match=r"evil.pkl is not a course checkpoint \(it is a pickle.*never unpickles"):
        course.load(path)
    assert not os.path.exists(marker)


def test_load_refuses_torch_files(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "model.pt")
    with pytest.raises(CheckpointError, match=r"model.pt is not a course checkpoint \(it is a PyTorch checkpoint"):
        course.load(tmp_path / "model.pt")
    with pytest.raises(CheckpointError, match="not a zip archive"):
        course.load(io.BytesIO(b"hello, not a checkpoint"))


def _tamper(good, replace):
    """A copy of archive ``good`` with some entries replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, replace.get(name, zin.read(name)))
    out.seek(0)
    return out


def test_load_refuses_tampered_archives(tmp_path):
    buffer = io.BytesIO()
    course.save({"w": course.ones(3)}, buffer)
    good = buffer.getvalue()
    structure = json.loads(zipfile.ZipFile(io.BytesIO(good)).read("checkpoint/structure.json"))

    # an object array in place of the numbers: np.load with allow_pickle=False refuses it
    marker = str(tmp_path / "pwned")
    evil = io.BytesIO()
    np.save(evil, np.array([_Evil(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="is damaged or was not written by course.save"):
        course.load(_tamper(good, {"checkpoint/arrays/0.npy": evil.getvalue()}))
    assert not os.path.exists(marker)

    bad = json.loads(json.dumps(structure))
    bad["items"][0][1]["shape"] = [4]
    with pytest.raises(CheckpointError, match=r"array 0 has dtype float32 and shape \[3\] but the structure says"):
        course.load(_tamper(good, {"checkpoint/structure.json": json.dumps(bad)}))
    bad["items"][0][1] = {"__type__": "module", "name": "os.system"}
    with pytest.raises(CheckpointError, match="unknown entry type 'module'"):
        course.load(_tamper(good, {"checkpoint/structure.json": json.dumps(bad)}))
    with pytest.raises(CheckpointError, match="damaged"):
        course.load(_tamper(good, {"checkpoint/structure.json": b"{not json"}))
    with pytest.raises(CheckpointError, match="format version '9'"):
        course.load(_tamper(good, {"checkpoint/version": b"9"}))


def test_resume_nn_model_on_mnist_batches(tmp_path):
    nn = pytest.importorskip("course.nn")
    if not hasattr(nn, "Sequential"):
        pytest.skip("course.nn.Sequential is not there yet")
    from course.datasets import MNIST
    from course.utils.data import DataLoader, Subset
    data = Subset(MNIST(train=False), list(range(256)))

    def make(seed):
        course.manual_seed(seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
        opt = optim.AdamW(model.parameters(), lr=3e-3)
        return model, opt, optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    def train(model, opt, sched, batches):
        for x, y in batches:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x.float() / 255), y)
            loss.backward()
            opt.step()
            sched.step()

    course.manual_seed(0)
    batches = list(DataLoader(data, batch_size=32, shuffle=True))
    model, opt, sched = make(0)
    train(model, opt, sched, batches[:3])
    course.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
                tmp_path / "checkpoint.course")
    train(model, opt, sched, batches[3:])

    model2, opt2, sched2 = make(1)
    state = course.load(tmp_path / "checkpoint.course")
    model2.load_state_dict(state["model"])
    opt2.load_state_dict(state["optimizer"])
    sched2.load_state_dict(state["scheduler"])
    train(model2, opt2, sched2, batches[3:])
    for (name, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), name
