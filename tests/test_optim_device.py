"""Optimizers, checkpoints, transforms and the DataLoader on the (simulated) CUDA device.

The simulated device keeps numpy arrays behind a CuPy-like wall, so a stray ``numpy.`` call on device
data fails here just as it would on a real GPU.
"""
import io

import numpy as np
import pytest

import course
import course.optim as optim


@pytest.fixture
def cuda():
    course.cuda.simulate()
    yield "cuda"
    course.cuda.simulate(False)


CASES = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
         ("Adam", dict(amsgrad=True, weight_decay=0.1)), ("AdamW", dict(maximize=True)),
         ("RMSprop", dict(centered=True, momentum=0.5)), ("Adagrad", dict(lr_decay=0.1))]


def _train(name, kwargs, device, steps=3):
    w = course.tensor(np.linspace(-1, 1, 6), dtype=course.float32, device=device, requires_grad=True)
    opt = getattr(optim, name)([w], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        (w ** 3).sum().backward()
        opt.step()
    return w, opt


@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_same_numbers_on_device_and_state_lives_there(cuda, name, kwargs):
    w_cpu, _ = _train(name, kwargs, "cpu")
    w_dev, opt = _train(name, kwargs, cuda)
    assert w_dev.device.type == "cuda"
    assert np.array_equal(w_dev.detach().cpu().numpy(), w_cpu.detach().numpy())
    for key, value in opt.state[w_dev].items():
        assert value.device == (w_dev.device if key != "step" else course.device("cpu")), key


def test_checkpoint_moves_between_devices(cuda):
    w, opt = _train("Adam", {}, cuda)
    buffer = io.BytesIO()
    course.save({"w": w.detach(), "opt": opt.state_dict()}, buffer)
    on_device = course.load(io.BytesIO(buffer.getvalue()))
    assert on_device["w"].device.type == "cuda" and on_device["opt"]["state"][0]["exp_avg"].device.type == "cuda"
    on_cpu = course.load(io.BytesIO(buffer.getvalue()), map_location="cpu")
    assert on_cpu["w"].device.type == "cpu"
    # loading CPU state into an optimizer over device parameters puts the state on the device
    w2 = course.zeros(6, device=cuda, requires_grad=True)
    opt2 = optim.Adam([w2])
    opt2.load_state_dict(on_cpu["opt"])
    assert opt2.state[w2]["exp_avg"].device.type == "cuda"
    assert np.array_equal(opt2.state[w2]["exp_avg"].cpu().numpy(), opt.state[w]["exp_avg"].cpu().numpy())


def test_transforms_and_dataloader_on_device(cuda):
    from course import transforms as T
    from course.utils.data import DataLoader, TensorDataset
    x = course.rand(1, 8, 8, device=cuda)
    pipeline = T.Compose([T.RandomRotation(20, "bilinear"), T.RandomCrop(6, padding=1), T.Resize(12),
                          T.RandomHorizontalFlip(), T.Normalize((0.5,), (0.2,))])
    out = pipeline(x)
    assert out.device.type == "cuda" and out.shape == (1, 12, 12)
    ds = TensorDataset(course.arange(10, device=cuda), course.rand(10, 3, device=cuda))
    batches = list(DataLoader(ds, batch_size=4))
    assert all(b[0].device.type == "cuda" for b in batches)
    assert [b[0].cpu().tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
