"""Learning-rate schedulers against PyTorch: the same sequence of rates (and momenta), step by step."""
import warnings

import pytest

import course
import course.optim as optim
from course.optim import lr_scheduler as ours_sched

torch = pytest.importorskip("torch")
theirs_sched = torch.optim.lr_scheduler


def _pair(opt_name="SGD", groups=2, **opt_kwargs):
    opt_kwargs.setdefault("lr", 0.1)
    p = [{"params": [course.zeros(2, requires_grad=True)], "lr": opt_kwargs["lr"] * (i + 1)} for i in range(groups)]
    q = [{"params": [torch.zeros(2, requires_grad=True)], "lr": opt_kwargs["lr"] * (i + 1)} for i in range(groups)]
    return getattr(optim, opt_name)(p, **opt_kwargs), getattr(torch.optim, opt_name)(q, **opt_kwargs)


def _trace(opt, sched, steps, metric=None):
    out = list(sched.get_last_lr())
    for i in range(steps):
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric(i))
        out += list(sched.get_last_lr()) + [g.get("momentum", g.get("betas", (None,))[0])
                                            for g in opt.param_groups]
    return out


CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("ConstantLR", dict(factor=0.25, total_iters=4)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=6)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=4)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20)),
    ("OneCycleLR", dict(max_lr=[0.5, 1.0], total_steps=20, anneal_strategy="linear", pct_start=0.4)),
    ("OneCycleLR", dict(max_lr=0.3, epochs=4, steps_per_epoch=5, three_phase=True, div_factor=10.0)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_matches_torch(name, kwargs, opt_name):
    extra = dict(momentum=0.9) if opt_name == "SGD" else {}
    o1, o2 = _pair(opt_name, **extra)
    steps = 19 if name == "OneCycleLR" else 22
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t1 = _trace(o1, getattr(ours_sched, name)(o1, **kwargs), steps)
        t2 = _trace(o2, getattr(theirs_sched, name)(o2, **kwargs), steps)
    assert t1 == pytest.approx(t2, rel=1e-12, abs=1e-15)


def test_lambda_lr_matches_torch_and_saves_callable_objects():
    class Warmup:
        def __init__(self):
            self.k = 4

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.k)

    o1, o2 = _pair()
    s1 = ours_sched.LambdaLR(o1, [Warmup(), lambda e: 0.9 ** e])
    s2 = theirs_sched.LambdaLR(o2, [Warmup(), lambda e: 0.9 ** e])
    assert _trace(o1, s1, 8) == pytest.approx(_trace(o2, s2, 8))
    sd = s1.state_dict()
    assert sd["lr_lambdas"][0] == {"k": 4} and sd["lr_lambdas"][1] is None
    s1.lr_lambdas[0].k = 10
    s1.load_state_dict(sd)
    assert s1.lr_lambdas[0].k == 4


def test_cosine_recursive_close_to_closed_form():
    o1, _ = _pair(groups=1)
    sched = ours_sched.CosineAnnealingLR(o1, T_max=10, eta_min=0.001)
    import math
    for epoch in range(1, 25):
        o1.step()
        sched.step()
        closed = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(closed, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.1),
                                    dict(patience=1, cooldown=2, min_lr=[0.02, 0.05]),
                                    dict(patience=0, threshold_mode="abs", threshold=0.5, factor=0.2)])
def test_reduce_on_plateau_matches_torch(kwargs):
    metrics = [5, 4, 4, 4.1, 4, 3, 3, 3, 3, 3, 3, 2.9, 2.95, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    o1, o2 = _pair()
    t1 = _trace(o1, ours_sched.ReduceLROnPlateau(o1, **kwargs), len(metrics), metrics.__getitem__)
    t2 = _trace(o2, theirs_sched.ReduceLROnPlateau(o2, **kwargs), len(metrics), metrics.__getitem__)
    assert t1 == pytest.approx(t2)
    assert t1[0] != t1[-1]            # the rate did drop


def test_sequential_lr_matches_torch():
    o1, o2 = _pair()
    s1 = ours_sched.SequentialLR(o1, [ours_sched.LinearLR(o1, 0.1, total_iters=3),
                                      ours_sched.ExponentialLR(o1, 0.8)], milestones=[4])
    s2 = theirs_sched.SequentialLR(o2, [theirs_sched.LinearLR(o2, 0.1, total_iters=3),
                                        theirs_sched.ExponentialLR(o2, 0.8)], milestones=[4])
    assert _trace(o1, s1, 10) == pytest.approx(_trace(o2, s2, 10))


def test_chained_schedulers_compose_like_torch():
    o1, o2 = _pair()
    a1, b1 = ours_sched.StepLR(o1, 2, 0.5), ours_sched.ExponentialLR(o1, 0.9)
    a2, b2 = theirs_sched.StepLR(o2, 2, 0.5), theirs_sched.ExponentialLR(o2, 0.9)
    for _ in range(7):
        o1.step(), o2.step()
        a1.step(), b1.step(), a2.step(), b2.step()
        assert b1.get_last_lr() == pytest.approx(b2.get_last_lr())


def test_state_dict_round_trip():
    o1, _ = _pair()
    s1 = ours_sched.StepLR(o1, 3, 0.5)
    for _ in range(4):
        o1.step()
        s1.step()
    sd = s1.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 4
    o2, _ = _pair()
    s2 = ours_sched.StepLR(o2, 3, 0.5)
    s2.load_state_dict(sd)
    o2.load_state_dict(o1.state_dict())
    for _ in range(5):
        o1.step(), o2.step()
        s1.step(), s2.step()
        assert s1.get_last_lr() == s2.get_last_lr()


def test_errors():
    o1, o2 = _pair()
    for make in (lambda m, o: m.OneCycleLR(o, 1.0), lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
                 lambda m, o: m.ReduceLROnPlateau(o, mode="avg"), lambda m, o: m.StepLR("opt", 3),
                 lambda m, o: m.LinearLR(o, start_factor=0)):
        with pytest.raises(Exception) as e1:
            make(ours_sched, o1)
        with pytest.raises(Exception) as e2:
            make(theirs_sched, o2)
        assert type(e1.value) is type(e2.value) and str(e1.value) == str(e2.value)
    o1, _ = _pair()
    s = ours_sched.OneCycleLR(o1, 1.0, total_steps=3)
    for _ in range(3):
        o1.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s.step()


def test_warns_when_scheduler_steps_before_optimizer():
    o1, _ = _pair()
    sched = ours_sched.StepLR(o1, 2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        sched.step()
    o2, _ = _pair()
    sched = ours_sched.StepLR(o2, 2)
    o2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_warm_restarts_fractional_epochs_and_chained_like_torch():
    o1, o2 = _pair()
    s1 = ours_sched.CosineAnnealingWarmRestarts(o1, T_0=2, T_mult=2)
    s2 = theirs_sched.CosineAnnealingWarmRestarts(o2, T_0=2, T_mult=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [0.25, 0.5, 1.75, 2.5, 5.9, 6.0, 13.2]:
            s1.step(epoch)
            s2.step(epoch)
            assert s1.get_last_lr() == pytest.approx(s2.get_last_lr())
    o1, o2 = _pair()
    c1 = ours_sched.ChainedScheduler([ours_sched.ConstantLR(o1, 0.5, 3), ours_sched.ExponentialLR(o1, 0.9)])
    c2 = theirs_sched.ChainedScheduler([theirs_sched.ConstantLR(o2, 0.5, 3), theirs_sched.ExponentialLR(o2, 0.9)])
    assert _trace(o1, c1, 8) == pytest.approx(_trace(o2, c2, 8))
    assert sorted(c1.state_dict()) == sorted(c2.state_dict())


def test_multiplicative_lr_state_dict_leaves_functions_out_like_lambda_lr(tmp_path):
    """A plain function is not part of the state (torch stores None), so the checkpoint can be saved."""
    import course
    opt = course.optim.SGD([course.nn.Parameter(course.ones(1))], lr=1.0)
    sched = course.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.9)
    opt.step()
    sched.step()
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None]
    course.save(state, tmp_path / "sched.ckpt")
    fresh = course.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.9)
    fresh.load_state_dict(course.load(tmp_path / "sched.ckpt"))
    assert fresh.last_epoch == 1 and fresh.get_last_lr() == sched.get_last_lr()
