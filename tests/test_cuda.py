"""course.cuda: availability, the one-sentence error without a GPU, the simulated device's strict wall between
host and device (as CuPy's), its transfer counters, and real-GPU tests (skipped where there is no GPU)."""
import numpy as np
import pytest

import course
from course.cuda import _sim


@pytest.fixture
def sim():
    course.cuda.simulate()
    course.cuda.reset_transfer_stats()
    yield _sim
    course.cuda.simulate(False)


def test_unavailable_cuda_fails_with_one_sentence(monkeypatch):
    course.cuda.simulate(False)
    monkeypatch.setattr(course.cuda, "_import_cupy", lambda: (None, "CuPy is not installed"))
    monkeypatch.setattr(course._device._CudaBackend, "xp", None)
    assert course.cuda.is_available() is False
    assert course.cuda.device_count() == 0
    with pytest.raises(RuntimeError) as e:
        course.zeros(2, device="cuda")
    msg = str(e.value)
    assert msg.count(". ") == 0 and msg.endswith(".")
    assert "CuPy is not installed" in msg and "cupy-cuda" in msg and "course.cuda.simulate()" in msg
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        course.ones(3).cuda()


def test_is_available_needs_a_device_not_just_the_import(monkeypatch):
    class FakeCupy:
        @staticmethod
        def is_available():
            return False
    import sys
    course.cuda.simulate(False)
    monkeypatch.setitem(sys.modules, "cupy", FakeCupy)
    assert course.cuda.is_available() is False
    assert "no usable NVIDIA GPU" in course.cuda._import_cupy()[1]


def test_simulated_device_is_labelled(sim):
    assert course.cuda.is_available() and course.cuda.is_simulated()
    assert course.cuda.device_count() == 1
    assert "Simulated" in course.cuda.get_device_name() and "CPU" in course.cuda.get_device_name(0)
    assert course.cuda.current_device() == 0
    x = course.ones(2, device="cuda")
    assert "device='cuda:0'" in repr(x)
    assert x.is_cuda and x.device == course.device("cuda:0")
    assert x.type() == "torch.cuda.FloatTensor"
    course.cuda.synchronize()
    course.cuda.manual_seed(0)
    course.cuda.manual_seed_all(0)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        course.cuda.set_device(3)


def test_env_variable_turns_simulation_on():
    import os
    import subprocess
    import sys
    env = dict(os.environ, COURSE_SIMULATE_CUDA="1")
    out = subprocess.run([sys.executable, "-c", "import course; print(course.cuda.is_available(), "
                          "course.ones(1, device='cuda').device)"], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "cuda:0"], out.stderr


def test_numpy_of_a_cuda_tensor_says_call_cpu_first(sim):
    x = course.ones(2, device="cuda")
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\) to copy the tensor to host memory first"):
        x.numpy()
    np.testing.assert_array_equal(x.cpu().numpy(), [1.0, 1.0])
    with pytest.raises(TypeError):
        np.asarray(x)


def test_mixing_devices_names_both(sim):
    a, b = course.ones(2, device="cuda"), course.ones(2)
    for f in (lambda: a + b, lambda: b * a, lambda: course.cat([a, b]), lambda: a @ b,
              lambda: course.nn.functional.linear(b.reshape(1, 2), a.reshape(1, 2))):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but found at "
                                               "least two devices, (cuda:0 and cpu|cpu and cuda:0)!"):
            f()


def test_two_simulated_devices_do_not_mix():
    course.cuda.simulate(devices=2)
    try:
        a, b = course.ones(2, device="cuda:0"), course.ones(2, device="cuda:1")
        assert b.device == course.device("cuda:1") and (b + 1).device == b.device
        with pytest.raises(RuntimeError, match="cuda:0 and cuda:1"):
            a + b
        assert (a + b.to("cuda:0")).device == a.device
    finally:
        course.cuda.simulate(False)


def test_strict_wall_like_cupy(sim):
    """What CuPy refuses, the stand-in refuses; what CuPy allows (int/float/bool of one element), it allows."""
    d = sim.to_device(np.arange(4, dtype=np.float32))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed. Please use "
                                        r"`.get\(\)` to construct a NumPy array explicitly."):
        np.asarray(d)
    with pytest.raises(TypeError):
        np.exp(d)                             # a numpy ufunc on device data
    with pytest.raises(TypeError):
        np.sum(d)                             # a numpy function on device data
    with pytest.raises(TypeError):
        d + np.ones(4, dtype=np.float32)      # host array mixed in
    with pytest.raises(TypeError):
        np.ones(4, dtype=np.float32) * d
    with pytest.raises(AttributeError, match="simulated CUDA"):
        sim.fft_not_a_cupy_function
    with pytest.raises(AttributeError, match="simulated CUDA"):
        d.ctypes
    assert float(d[1]) == 1.0 and int(d[2]) == 2 and bool(d[3])
    assert isinstance(d.sum(), sim.ndarray) and d.sum().ndim == 0       # reductions stay on the device
    assert isinstance(d[0], sim.ndarray)                                  # so does indexing one element
    np.testing.assert_array_equal(d.get(), [0, 1, 2, 3])
    np.testing.assert_array_equal(sim.asnumpy(sim.exp(d)), np.exp(np.arange(4, dtype=np.float32)))


def test_transfer_stats_count_copies_and_bytes(sim):
    x = course.zeros(1000, dtype=course.float32).to("cuda")             # one host -> device copy, 4000 bytes
    stats = course.cuda.transfer_stats()
    assert stats["host_to_device"] == 1 and stats["host_to_device_bytes"] == 4000
    y = (x + 1).mul(2).sum()                                            # stays on the device: no copies
    assert course.cuda.transfer_stats()["device_to_host"] == 0
    assert y.item() == 2000.0                                           # one 4-byte copy back
    x.cpu()
    stats = course.cuda.transfer_stats()
    assert stats["device_to_host"] == 2 and stats["device_to_host_bytes"] == 4004
    course.cuda.reset_transfer_stats()
    assert course.cuda.transfer_stats()["host_to_device"] == 0


def test_memory_allocated_follows_live_arrays(sim):
    before = course.cuda.memory_allocated()
    x = course.zeros(256, 256, device="cuda")
    assert course.cuda.memory_allocated() - before == 256 * 256 * 4
    v = x[:10]                                                          # a view: no new memory
    assert course.cuda.memory_allocated() - before == 256 * 256 * 4
    del x, v
    assert course.cuda.memory_allocated() == before
    assert course.cuda.max_memory_allocated() >= 256 * 256 * 4


def test_every_xp_function_used_by_course_exists_in_the_stand_in():
    """Grep course/ for ``xp.name``: each name must be provided by the simulated module (CuPy has them all)."""
    import pathlib
    import re
    root = pathlib.Path(course.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        if "cuda" in path.parts:
            continue
        names |= set(re.findall(r"\bxp\.([a-z_][a-z0-9_]*)", path.read_text()))
    missing = [n for n in sorted(names) if not hasattr(_sim, n)]
    assert not missing, f"course calls xp.{missing} which the simulated CUDA module lacks"


@pytest.mark.gpu
def test_real_gpu_tensor_is_cupy():
    import cupy
    x = course.arange(6.0, device="cuda").reshape(2, 3)
    assert isinstance(x._data, cupy.ndarray)
    assert "Simulated" not in course.cuda.get_device_name()
    w0 = course.randn(3, 4)
    w, w_cpu = w0.cuda().requires_grad_(), w0.clone().requires_grad_()
    (x @ w).relu().sum().backward()
    (x.cpu() @ w_cpu).relu().sum().backward()
    assert isinstance(w.grad._data, cupy.ndarray)
    np.testing.assert_allclose(w.grad.cpu().numpy(), w_cpu.grad.numpy(), rtol=1e-5)


@pytest.mark.gpu
def test_real_gpu_training_step_matches_cpu():
    from course import nn
    course.manual_seed(0)
    cpu_model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    gpu_model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    gpu_model.load_state_dict(cpu_model.state_dict())
    gpu_model.cuda()
    x = course.randn(8, 5)
    cpu_model(x).sum().backward()
    gpu_model(x.cuda()).sum().backward()
    for p, q in zip(cpu_model.parameters(), gpu_model.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.cpu().numpy(), rtol=1e-4, atol=1e-6)
