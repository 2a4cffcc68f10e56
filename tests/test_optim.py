"""Optimizers against PyTorch: same parameters, same loss, several steps, same numbers."""
import numpy as np
import pytest

import course
import course.optim as optim

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.05)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6)),
]


def _loss(lib, w, b, x, y):
    # a small regression: non-quadratic, so the gradients change with the parameters
    pred = lib.tanh(x @ w) + b
    return ((pred - y) ** 2).mean() + (w ** 4).sum() * 0.01


def _run(lib, opt_cls, kwargs, arrays, steps, dtype):
    w0, b0, x, y = arrays
    as_t = (lambda a, g=False: course.tensor(a, dtype=dtype, requires_grad=g)) if lib is course else \
        (lambda a, g=False: torch.tensor(a, dtype=getattr(torch, dtype.name), requires_grad=g))
    w, b = as_t(w0, True), as_t(b0, True)
    X, Y = as_t(x), as_t(y)
    opt = opt_cls([{"params": [w]}, {"params": [b], "lr": kwargs.get("lr", 0.01) * 0.5}], **kwargs)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, w, b, X, Y).backward()
        opt.step()
        history.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return history, opt


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch(name, kwargs, dtype):
    rng = np.random.default_rng(len(name) + len(kwargs))
    arrays = (rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(8, 4)), rng.normal(size=(8, 3)))
    dt = getattr(course, dtype)
    ours, our_opt = _run(course, getattr(optim, name), kwargs, arrays, 6, dt)
    theirs, their_opt = _run(torch, getattr(torch.optim, name), kwargs, arrays, 6, dt)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)
    for (w1, b1), (w2, b2) in zip(ours, theirs):
        np.testing.assert_allclose(w1, w2, **tol)
        np.testing.assert_allclose(b1, b2, **tol)
        assert w1.dtype == w2.dtype
    # the state has the same keys and values
    ours_sd, theirs_sd = our_opt.state_dict(), their_opt.state_dict()
    assert set(ours_sd["state"]) == set(theirs_sd["state"])
    for k in theirs_sd["state"]:
        assert set(ours_sd["state"][k]) == set(theirs_sd["state"][k])
        for key, v in theirs_sd["state"][k].items():
            np.testing.assert_allclose(ours_sd["state"][k][key].numpy(), v.numpy(), **tol)
    for g1, g2 in zip(ours_sd["param_groups"], theirs_sd["param_groups"]):
        assert g1 == g2


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_defaults_match_torch(name):
    p, q = course.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    ours = getattr(optim, name)([p]).param_groups[0]
    theirs = getattr(torch.optim, name)([q]).param_groups[0]
    assert {k: v for k, v in ours.items() if k != "params"} == {k: v for k, v in theirs.items() if k != "params"}


def test_params_without_grad_are_skipped_and_state_on_param_device():
    a = course.ones(2, requires_grad=True)
    b = course.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = course.ones(2)
    opt.step()
    assert b.tolist() == [1.0, 1.0] and b not in opt.state
    assert opt.state[a]["exp_avg"].device == a.device
    assert opt.state[a]["step"].item() == 1.0


def test_zero_grad():
    p = course.ones(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = course.ones(3)
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_errors_match_torch():
    p = course.ones(2, requires_grad=True)
    q = torch.ones(2, requires_grad=True)

    def both(fn_ours, fn_theirs):
        with pytest.raises(Exception) as e1:
            fn_ours()
        with pytest.raises(Exception) as e2:
            fn_theirs()
        assert type(e1.value) is type(e2.value)
        assert str(e1.value) == str(e2.value)

    both(lambda: optim.SGD([], lr=0.1), lambda: torch.optim.SGD([], lr=0.1))
    both(lambda: optim.SGD([p], lr=-1), lambda: torch.optim.SGD([q], lr=-1))
    both(lambda: optim.SGD([p], lr=0.1, nesterov=True), lambda: torch.optim.SGD([q], lr=0.1, nesterov=True))
    both(lambda: optim.Adam([p], betas=(1.0, 0.9)), lambda: torch.optim.Adam([q], betas=(1.0, 0.9)))
    both(lambda: optim.SGD([p, p * 2]), lambda: torch.optim.SGD([q, q * 2]))
    both(lambda: optim.SGD([{"params": {p}}]), lambda: torch.optim.SGD([{"params": {q}}]))
    both(lambda: optim.SGD(p), lambda: torch.optim.SGD(q))
    o1, o2 = optim.SGD([p], lr=0.1), torch.optim.SGD([q], lr=0.1)
    both(lambda: o1.add_param_group({"params": [p]}), lambda: o2.add_param_group({"params": [q]}))
    both(lambda: o1.load_state_dict({"state": {}, "param_groups": []}),
         lambda: o2.load_state_dict({"state": {}, "param_groups": []}))


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(5,))

    def make():
        w = course.tensor(w0, requires_grad=True)
        return w, optim.Adam([w], lr=0.05, amsgrad=True)

    def train(w, opt, n):
        for _ in range(n):
            opt.zero_grad()
            ((w - 1.0) ** 3).abs().sum().backward()
            opt.step()

    w1, o1 = make()
    train(w1, o1, 3)
    sd = o1.state_dict()
    w2, o2 = make()
    w2.data = w1.detach().clone()
    o2.load_state_dict(sd)
    assert o2.state[w2]["exp_avg"] is not o1.state[w1]["exp_avg"]
    train(w1, o1, 4)
    train(w2, o2, 4)
    assert w1.tolist() == w2.tolist()


def test_state_dict_format_like_torch():
    p1, p2 = course.ones(2, requires_grad=True), course.ones(3, requires_grad=True)
    opt = optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.5}], lr=0.1, momentum=0.9)
    p1.grad, p2.grad = course.ones(2), course.ones(3)
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sorted(sd["state"]) == [0, 1]
    assert sd["param_groups"][1]["lr"] == 0.5


def test_closure_returns_loss_and_runs_with_grad():
    w = course.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    with course.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert w.item() == pytest.approx(1.0)


def test_step_bumps_version_so_autograd_notices():
    w = course.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    before = w._version.value
    w.grad = course.ones(2)
    opt.step()
    assert w._version.value > before


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_repr_matches_torch(name):
    ours = getattr(optim, name)([course.zeros(2, requires_grad=True)], lr=0.1)
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], lr=0.1)
    assert repr(ours) == repr(theirs)


from hypothesis import given, settings, strategies as st  # noqa: E402

_unit = st.floats(0.0, 0.95)
_HYPER = {
    "SGD": st.fixed_dictionaries({"lr": st.floats(1e-3, 0.5), "momentum": _unit, "weight_decay": st.floats(0, 0.1),
                                  "maximize": st.booleans()}),
    "Adam": st.fixed_dictionaries({"lr": st.floats(1e-4, 0.1), "betas": st.tuples(_unit, st.floats(0.5, 0.999)),
                                   "eps": st.floats(1e-8, 1e-3), "weight_decay": st.floats(0, 0.1),
                                   "amsgrad": st.booleans()}),
    "AdamW": st.fixed_dictionaries({"lr": st.floats(1e-4, 0.1), "weight_decay": st.floats(0, 0.5),
                                    "amsgrad": st.booleans()}),
    "RMSprop": st.fixed_dictionaries({"lr": st.floats(1e-4, 0.1), "alpha": st.floats(0.5, 0.999),
                                      "momentum": _unit, "centered": st.booleans()}),
    "Adagrad": st.fixed_dictionaries({"lr": st.floats(1e-3, 0.5), "lr_decay": st.floats(0, 0.1),
                                      "initial_accumulator_value": st.floats(0, 1)}),
}


@settings(max_examples=25, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(_HYPER)), seed=st.integers(0, 2 ** 16))
def test_random_hyperparameters_match_torch(data, name, seed):
    kwargs = data.draw(_HYPER[name])
    rng = np.random.default_rng(seed)
    arrays = (rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(8, 4)), rng.normal(size=(8, 3)))
    ours, _ = _run(course, getattr(optim, name), kwargs, arrays, 4, course.float64)
    theirs, _ = _run(torch, getattr(torch.optim, name), kwargs, arrays, 4, course.float64)
    for (w1, b1), (w2, b2) in zip(ours, theirs):
        np.testing.assert_allclose(w1, w2, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(b1, b2, rtol=1e-9, atol=1e-11)
