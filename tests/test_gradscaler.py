"""course.amp.GradScaler: the scale-update rule, inf/NaN detection, skipped steps, PyTorch's errors and
state_dict, with the same sequences checked against torch.amp.GradScaler('cpu')."""
import warnings

import numpy as np
import pytest

import course
from course import nn, optim
from course.amp import GradScaler


def make_params(values=((1.0, 2.0), (3.0,))):
    return [course.tensor(v, requires_grad=True) for v in values]


def fill_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = course.tensor(g, dtype=p.dtype)


def one_step(scaler, opt, params, grads):
    """A step whose backward produced ``grads`` (already scaled): step + update; returns the scale after."""
    loss = scaler.scale(sum(p.sum() for p in params) * 0)
    loss.backward()
    fill_grads(params, grads)
    scaler.step(opt)
    scaler.update()
    return scaler.get_scale()


def test_scale_update_sequence():
    """growth 2, backoff 0.25, interval 2, scale 4: clean keeps 4, second clean gives 8, an inf gives 2."""
    params = make_params()
    opt = optim.SGD(params, lr=1.0)
    scaler = GradScaler("cpu", init_scale=4.0, growth_factor=2.0, backoff_factor=0.25, growth_interval=2)
    assert one_step(scaler, opt, params, [[4.0, 4.0], [4.0]]) == 4.0
    assert scaler._get_growth_tracker() == 1
    assert one_step(scaler, opt, params, [[4.0, 4.0], [4.0]]) == 8.0
    assert scaler._get_growth_tracker() == 0
    assert one_step(scaler, opt, params, [[float("inf"), 4.0], [4.0]]) == 2.0
    assert scaler._get_growth_tracker() == 0


def test_scale_sequence_matches_torch():
    torch = pytest.importorskip("torch")
    pattern = [False, False, True, False, False, False, True, True, False, False]
    ours, theirs = [], []
    for fw, out in ((course, ours), (torch, theirs)):
        p = fw.tensor([1.0, -1.0], requires_grad=True)
        opt = (optim if fw is course else torch.optim).SGD([p], lr=0.1)
        scaler = (GradScaler if fw is course else torch.amp.GradScaler)(
            "cpu", init_scale=8.0, growth_factor=3.0, backoff_factor=0.5, growth_interval=2)
        for bad in pattern:
            opt.zero_grad()
            scaler.scale((p * p).sum()).backward()
            if bad:
                p.grad[1] = float("nan")
            scaler.step(opt)
            scaler.update()
            out.append((scaler.get_scale(), scaler._get_growth_tracker(), p.detach().tolist()))
    for a, b in zip(ours, theirs):
        assert a[:2] == b[:2]
        np.testing.assert_allclose(a[2], b[2], rtol=1e-6)


@pytest.mark.parametrize("where", [(0, 0), (0, 1), (1, 0)])
@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_a_single_bad_value_anywhere_skips_the_step(where, bad):
    params = make_params()
    before = [p.detach().clone() for p in params]
    opt = optim.SGD(params, lr=1.0)
    scaler = GradScaler("cpu", init_scale=2.0)
    grads = [[2.0, 2.0], [2.0]]
    grads[where[0]][where[1]] = bad
    scaler.scale(params[0].sum()).backward()
    fill_grads(params, grads)
    scaler.unscale_(opt)
    assert sum(v.item() for v in scaler._per_optimizer_states[id(opt)]["found_inf_per_device"].values()) == 1
    scaler.step(opt)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.detach().numpy(), b.numpy())
    scaler.update()
    assert scaler.get_scale() == 1.0


def test_unscale_divides_by_the_scale():
    params = make_params()
    opt = optim.SGD(params, lr=1.0)
    scaler = GradScaler("cpu", init_scale=1024.0)
    scaler.scale(params[0].sum()).backward()
    fill_grads(params, [[1024.0, 2048.0], [512.0]])
    scaler.unscale_(opt)
    np.testing.assert_array_equal(params[0].grad.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(params[1].grad.numpy(), [0.5])
    scaler.step(opt)                                   # does not unscale twice
    np.testing.assert_array_equal(params[0].detach().numpy(), [0.0, 0.0])


def _model(seed=0):
    course.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def test_training_with_an_injected_inf_matches_float32_run_that_skips_that_step():
    rng = np.random.default_rng(0)
    xs = [course.tensor(rng.standard_normal((8, 4)).astype(np.float32)) for _ in range(6)]
    ys = [course.tensor(rng.standard_normal((8, 2)).astype(np.float32)) for _ in range(6)]
    bad_step = 2

    scaled, plain = _model(), _model()
    opt_s = optim.SGD(scaled.parameters(), lr=0.1, momentum=0.9)
    opt_p = optim.SGD(plain.parameters(), lr=0.1, momentum=0.9)
    scaler = GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2)
    for i, (x, y) in enumerate(zip(xs, ys)):
        opt_s.zero_grad()
        scaler.scale(nn.functional.mse_loss(scaled(x), y)).backward()
        if i == bad_step:
            scaled[0].weight.grad[0, 0] = float("inf")
        scaler.step(opt_s)
        scaler.update()
        if i != bad_step:
            opt_p.zero_grad()
            nn.functional.mse_loss(plain(x), y).backward()
            opt_p.step()
    for a, b in zip(scaled.parameters(), plain.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
    # 2**10 grows to 2**11 after steps 0-1, halves at the inf (step 2), grows again after steps 3-4
    assert scaler.get_scale() == 2.0 ** 11


def test_errors_follow_pytorch():
    params = make_params()
    opt = optim.SGD(params, lr=1.0)
    scaler = GradScaler("cpu")
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        scaler.step(opt)
    scaler.scale(params[0].sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer since the "
                                           r"last update\(\)."):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)."):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)."):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0)
    scaler.update()
    half = course.tensor([1.0], dtype=course.float16, requires_grad=True)
    opt16 = optim.SGD([half], lr=1.0)
    scaler.scale(half.float().sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        scaler.step(opt16)
    with pytest.raises(AssertionError, match="growth factor"):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="backoff factor"):
        GradScaler("cpu", backoff_factor=1.0)


def test_scale_never_becomes_inf():
    params = make_params()
    opt = optim.SGD(params, lr=0.0)
    scaler = GradScaler("cpu", init_scale=2.0 ** 127, growth_interval=1)
    for _ in range(3):
        one_step(scaler, opt, params, [[1.0, 1.0], [1.0]])
    assert scaler.get_scale() == 2.0 ** 127


def test_update_with_new_scale():
    params = make_params()
    opt = optim.SGD(params, lr=0.0)
    scaler = GradScaler("cpu")
    one_step(scaler, opt, params, [[1.0, 1.0], [1.0]])
    scaler.update(16.0)
    assert scaler.get_scale() == 16.0
    scaler.update(course.tensor([32.0]))
    assert scaler.get_scale() == 32.0
    with pytest.raises(AssertionError, match="new_scale should be a float"):
        scaler.update(course.tensor([1.0, 2.0]))


def test_state_dict_round_trip(tmp_path):
    params = make_params()
    opt = optim.SGD(params, lr=0.0)
    scaler = GradScaler("cpu", init_scale=64.0, growth_factor=4.0, backoff_factor=0.125, growth_interval=3)
    one_step(scaler, opt, params, [[1.0, 1.0], [1.0]])
    one_step(scaler, opt, params, [[1.0, float("nan")], [1.0]])
    one_step(scaler, opt, params, [[1.0, 1.0], [1.0]])
    state = scaler.state_dict()
    assert state == {"scale": 8.0, "growth_factor": 4.0, "backoff_factor": 0.125, "growth_interval": 3,
                     "_growth_tracker": 1}
    other = GradScaler("cpu")
    other.load_state_dict(state)
    assert other.state_dict() == state
    one_step(scaler, opt, params, [[1.0, 1.0], [1.0]])
    one_step(other, opt, params, [[1.0, 1.0], [1.0]])
    assert other.state_dict() == scaler.state_dict()
    course.save({"scaler": state}, tmp_path / "ckpt.pt")
    assert course.load(tmp_path / "ckpt.pt")["scaler"] == state
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        GradScaler("cpu").load_state_dict({})


def test_state_dict_matches_torch_keys():
    torch = pytest.importorskip("torch")
    assert set(GradScaler("cpu").state_dict()) == set(torch.amp.GradScaler("cpu").state_dict())
    assert GradScaler("cpu").state_dict() == torch.amp.GradScaler("cpu").state_dict()


def test_disabled_scaler_is_transparent():
    params = make_params()
    opt = optim.SGD(params, lr=1.0)
    scaler = GradScaler("cpu", enabled=False)
    loss = params[0].sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {} and not scaler.is_enabled()
    np.testing.assert_array_equal(params[0].detach().numpy(), [0.0, 1.0])


def test_cuda_scaler_without_cuda_warns_and_disables():
    course.cuda.simulate(False)
    if course.cuda.is_available():
        pytest.skip("a real GPU is here")
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = GradScaler()
    assert not scaler.is_enabled()


def test_scaler_on_the_simulated_device():
    course.cuda.simulate()
    try:
        model = _model().cuda()
        opt = optim.SGD(model.parameters(), lr=0.1)
        scaler = course.cuda.amp.GradScaler(init_scale=2.0 ** 12)
        x = course.randn(8, 4, device="cuda")
        with course.cuda.amp.autocast():
            loss = model(x).float().pow(2).mean()
        scaler.scale(loss).backward()
        assert scaler._scale.device == course.device("cuda:0")
        for p in model.parameters():
            assert p.grad.dtype is course.float32 and p.grad.device == p.device
        scaler.step(opt)
        scaler.update()
        assert scaler.get_scale() == 2.0 ** 12
    finally:
        course.cuda.simulate(False)


def test_scaled_outputs_in_containers():
    scaler = GradScaler("cpu", init_scale=4.0)
    a, b = course.tensor([1.0]), course.tensor([2.0])
    out = scaler.scale([a, (b,)])
    assert isinstance(out, list) and out[0].item() == 4.0 and out[1][0].item() == 8.0
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)


def _unscale_kernel(grads, scale):
    from course.amp.grad_scaler import _amp_foreach_non_finite_check_and_unscale_
    found = course.zeros(())
    _amp_foreach_non_finite_check_and_unscale_(grads, found, course.tensor(1.0 / scale))
    return found.item()


@pytest.mark.parametrize("bad_at", [None, (0, 3), (1, 0), (2, 5)])
def test_fused_unscale_flags_any_bad_gradient_and_scales_every_one(bad_at):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) * 1024 for s in [(7,), (2, 3), (3, 4)]]
    if bad_at is not None:
        arrays[bad_at[0]].reshape(-1)[bad_at[1]] = np.nan
    grads = [course.tensor(a) for a in arrays]
    versions = [g._version.value for g in grads]
    assert _unscale_kernel(grads, 1024.0) == (0.0 if bad_at is None else 1.0)
    for g, a, v in zip(grads, arrays, versions):
        np.testing.assert_array_equal(g.numpy(), a * np.float32(1 / 1024))
        assert g._version.value == v              # as PyTorch's fused op: the version counter is left alone


def test_fused_unscale_checks_the_gradient_before_scaling():
    # 3e38 is finite; times 4 (a scale of 0.25 after backoffs) it overflows. The gradient itself was fine,
    # as in PyTorch's kernel, so the step is not skipped.
    g = course.tensor([3e38, 1.0])
    assert _unscale_kernel([g], 0.25) == 0.0
    assert np.isinf(g.numpy()[0])
    assert _unscale_kernel([course.tensor([float("inf"), 1.0])], 1.0) == 1.0


def test_fused_unscale_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for trial in range(20):
        arrays = [rng.standard_normal(s).astype(np.float32) * 2.0 ** rng.integers(-20, 20) for s in [(5,), (4, 3)]]
        if trial % 3 == 0:
            arrays[trial % 2].reshape(-1)[trial % 5] = [np.inf, -np.inf, np.nan][trial // 3 % 3]
        scale = float(2.0 ** rng.integers(-3, 17))
        ours = [course.tensor(a) for a in arrays]
        theirs = [torch.tensor(a) for a in arrays]
        found_t = torch.zeros(())
        torch._amp_foreach_non_finite_check_and_unscale_(theirs, found_t, torch.tensor(1.0 / scale))
        assert _unscale_kernel(ours, scale) == found_t.item()
        assert [o._version.value for o in ours] == [t._version for t in theirs]
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_unscale_on_two_devices_keeps_a_flag_per_device():
    course.cuda.simulate()
    try:
        on_cpu = course.tensor([1.0, 2.0], requires_grad=True)
        on_gpu = course.tensor([3.0, 4.0], device="cuda", requires_grad=True)
        opt = optim.SGD([on_cpu, on_gpu], lr=0.1)
        scaler = GradScaler("cpu", init_scale=4.0)
        scaler.scale(on_cpu.sum() * 0).backward()
        on_cpu.grad = course.tensor([4.0, float("inf")])
        on_gpu.grad = course.tensor([8.0, 4.0], device="cuda")
        scaler.unscale_(opt)
        flags = scaler._per_optimizer_states[id(opt)]["found_inf_per_device"]
        assert {str(d): f.item() for d, f in flags.items()} == {"cpu": 1.0, "cuda:0": 0.0}
        np.testing.assert_array_equal(on_gpu.grad.cpu().numpy(), [2.0, 1.0])
        scaler.step(opt)                      # skipped: the CPU gradient held an inf
        np.testing.assert_array_equal(on_gpu.detach().cpu().numpy(), [3.0, 4.0])
    finally:
        course.cuda.simulate(False)


def test_one_pass_loop_python_loop_and_numpy_agree():
    """check_and_scale as numba compiles it, as the plain Python students read, and numpy's two passes
    (a non-contiguous gradient takes those) flag and scale the same way, to the bit."""
    from course.amp import grad_scaler
    rng = np.random.default_rng(5)
    for trial in range(30):
        a = (rng.standard_normal(300) * 10.0 ** rng.integers(-3, 39)).astype(np.float32)
        if trial % 3:
            a[rng.integers(0, 300)] = [np.inf, -np.inf, np.nan][trial % 3]
        inv = np.array([1.0 / 2.0 ** rng.integers(-4, 20)], dtype=np.float32)
        with np.errstate(all="ignore"):
            want_finite, want = bool(np.isfinite(a).all()), a * inv[0]
        py = a.copy()
        with np.errstate(all="ignore"):                         # (plain Python: numpy warns on inf - inf)
            assert grad_scaler.check_and_scale(py, inv) == want_finite
        np.testing.assert_array_equal(py, want)
        loop = grad_scaler._check_and_scale_loop()
        if loop is not None:
            compiled = a.copy()
            assert loop(compiled, inv) == want_finite
            np.testing.assert_array_equal(compiled, want)
        strided = course.tensor(np.stack([a, a]).T)           # (300, 2): its transpose is not contiguous
        g = strided.t()
        assert _unscale_kernel([g], float(1 / inv[0])) == (0.0 if want_finite else 1.0)
        np.testing.assert_array_equal(g.numpy(), np.stack([want, want]))


def test_fused_unscale_keeps_a_flag_that_was_already_set():
    """found_inf is 1 going in (an earlier group saw an inf): clean gradients leave it at 1."""
    from course.amp.grad_scaler import _amp_foreach_non_finite_check_and_unscale_
    found = course.ones(())
    _amp_foreach_non_finite_check_and_unscale_([course.ones(5000), course.ones(3)], found, course.tensor(0.5))
    assert found.item() == 1.0
