"""course.nn losses against torch.nn: values and gradients for every reduction, weights, ignore_index,
label smoothing, probability targets; stability on extreme logits; PyTorch's error messages."""
import warnings

import numpy as np
import pytest

import course
import course.nn as cnn

torch = pytest.importorskip("torch")
tnn = torch.nn

REDUCTIONS = ["mean", "sum", "none"]


def run_loss(make, inputs, targets, rtol=1e-7, atol=1e-10):
    """inputs: float arrays that get gradients; targets: arrays passed as they are."""
    t_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    c_in = [course.tensor(a, requires_grad=True) for a in inputs]
    t_out = make(tnn)(*t_in, *[torch.tensor(t) for t in targets])
    c_out = make(cnn)(*c_in, *[course.tensor(t) for t in targets])
    np.testing.assert_allclose(c_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(9).standard_normal(tuple(t_out.shape))
    t_out.backward(torch.tensor(g))
    c_out.backward(course.tensor(g))
    for c, t in zip(c_in, t_in):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    assert repr(make(cnn)) == repr(make(tnn))


rng = np.random.default_rng(0)
X = rng.standard_normal((6, 4)) * 3
Y = rng.standard_normal((6, 4))
P = 1 / (1 + np.exp(-rng.standard_normal((6, 4))))
B = (rng.random((6, 4)) > 0.5).astype(np.float64)
CLS = rng.integers(0, 4, 6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    run_loss(lambda nn: nn.MSELoss(reduction=reduction), [X], [Y])
    run_loss(lambda nn: nn.L1Loss(reduction=reduction), [X], [Y])
    for beta in (1.0, 0.5, 0.0):
        run_loss(lambda nn: nn.SmoothL1Loss(reduction=reduction, beta=beta), [X], [Y])
    for delta in (1.0, 2.5):
        run_loss(lambda nn: nn.HuberLoss(reduction=reduction, delta=delta), [X], [Y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses(reduction):
    w = rng.random(4)
    lib = {id(tnn): torch, id(cnn): course}
    run_loss(lambda nn: nn.BCELoss(reduction=reduction), [P], [B])
    run_loss(lambda nn: nn.BCELoss(weight=lib[id(nn)].tensor(w), reduction=reduction), [P], [B])
    run_loss(lambda nn: nn.BCEWithLogitsLoss(reduction=reduction), [X], [B])
    pw = rng.random(4) * 3
    run_loss(lambda nn: nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=lib[id(nn)].tensor(pw),
                                             weight=lib[id(nn)].tensor(w)), [X], [B])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy(reduction, smoothing):
    lib = {id(tnn): torch, id(cnn): course}
    w = rng.random(4) + 0.5
    t = CLS.copy()
    t[2] = -100
    run_loss(lambda nn: nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing), [X], [CLS])
    run_loss(lambda nn: nn.CrossEntropyLoss(weight=lib[id(nn)].tensor(w), reduction=reduction,
                                            label_smoothing=smoothing), [X], [t])
    run_loss(lambda nn: nn.CrossEntropyLoss(ignore_index=1, reduction=reduction, label_smoothing=smoothing),
             [X], [CLS])
    # class probabilities as the target
    probs = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
    run_loss(lambda nn: nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing), [X], [probs])
    run_loss(lambda nn: nn.CrossEntropyLoss(weight=lib[id(nn)].tensor(w), reduction=reduction,
                                            label_smoothing=smoothing), [X], [probs])
    # spatial: (N, C, d1, d2) with (N, d1, d2) targets
    xs = rng.standard_normal((2, 4, 3, 5))
    ts = rng.integers(0, 4, (2, 3, 5))
    run_loss(lambda nn: nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing), [xs], [ts])
    # one sample without a batch dim
    run_loss(lambda nn: nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing), [X[0]],
             [np.array(2)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    lib = {id(tnn): torch, id(cnn): course}
    logp = X - np.log(np.exp(X).sum(1, keepdims=True))
    w = rng.random(4) + 0.5
    run_loss(lambda nn: nn.NLLLoss(reduction=reduction), [logp], [CLS])
    run_loss(lambda nn: nn.NLLLoss(weight=lib[id(nn)].tensor(w), ignore_index=CLS[0], reduction=reduction),
             [logp], [CLS])
    run_loss(lambda nn: nn.NLLLoss(reduction=reduction), [logp], [CLS.astype(np.uint8)])


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div(reduction):
    logp = X - np.log(np.exp(X).sum(1, keepdims=True))
    q = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
    q[0, 0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_loss(lambda nn: nn.KLDivLoss(reduction=reduction), [logp], [q])
        run_loss(lambda nn: nn.KLDivLoss(reduction=reduction, log_target=True), [logp], [np.log(q + 1e-3)])


def test_other_losses():
    a, b, c = rng.standard_normal((3, 5, 4))
    y = np.where(rng.random(5) > 0.5, 1.0, -1.0)
    run_loss(lambda nn: nn.MarginRankingLoss(margin=0.3), [a[:, 0], b[:, 0]], [y])
    run_loss(lambda nn: nn.HingeEmbeddingLoss(margin=0.5), [a[:, 0]], [y])
    run_loss(lambda nn: nn.CosineEmbeddingLoss(margin=0.1), [a, b], [y], rtol=1e-6)
    run_loss(lambda nn: nn.TripletMarginLoss(margin=0.5), [a, b, c], [], rtol=1e-6)
    run_loss(lambda nn: nn.SoftMarginLoss(), [a], [np.sign(b)])


def test_cross_entropy_is_stable_on_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 5e3]], dtype=np.float32)
    t = np.array([1, 2])
    xt, xc = torch.tensor(x, requires_grad=True), course.tensor(x, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t))
    lc = course.nn.functional.cross_entropy(xc, course.tensor(t))
    assert np.isfinite(lc.item())
    np.testing.assert_allclose(lc.item(), lt.item(), rtol=1e-6)
    lt.backward()
    lc.backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), atol=1e-6)
    b = np.array([[800.0, -800.0]])
    lt = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(b), torch.tensor([[0.0, 1.0]]))
    lc = course.nn.functional.binary_cross_entropy_with_logits(course.tensor(b), course.tensor([[0.0, 1.0]]))
    np.testing.assert_allclose(lc.item(), lt.item())


def errors(fn):
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(Exception) as c_err:
        fn(course)
    assert type(c_err.value) is type(t_err.value)
    # the one difference allowed: sizes print as course.Size instead of torch.Size
    assert str(c_err.value).replace("course.Size", "torch.Size") == str(t_err.value)


def test_loss_errors_match_torch():
    F = lambda lib: lib.nn.functional  # noqa: E731
    x = X.astype(np.float32)
    errors(lambda lib: F(lib).cross_entropy(lib.tensor(x), lib.tensor([0.0, 1, 2, 1, 0, 1])))
    errors(lambda lib: F(lib).nll_loss(lib.tensor(x), lib.tensor([0.0, 1, 2, 1, 0, 1])))
    for dt in ("int32", "int16", "bool"):
        errors(lambda lib: F(lib).cross_entropy(lib.tensor(x), lib.tensor([0, 1, 1, 0, 1, 1]).to(getattr(lib, dt))))
    errors(lambda lib: F(lib).cross_entropy(lib.tensor(x), lib.tensor([0, 1, 2])))
    errors(lambda lib: F(lib).cross_entropy(lib.tensor(x), lib.tensor([0, 1, 2, 5, 0, 0])))
    errors(lambda lib: F(lib).cross_entropy(lib.randn(4, 3, 5), lib.randint(0, 3, (4, 4))))
    errors(lambda lib: F(lib).binary_cross_entropy(lib.rand(4), lib.rand(3)))
    errors(lambda lib: F(lib).binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])))
    errors(lambda lib: F(lib).binary_cross_entropy_with_logits(lib.rand(4), lib.rand(3)))
    errors(lambda lib: F(lib).mse_loss(lib.tensor(x), lib.tensor(x), reduction="avg"))


def test_size_mismatch_warns_like_torch():
    with pytest.warns(UserWarning, match="Using a target size"):
        course.nn.functional.mse_loss(course.randn(4, 3), course.randn(4, 1))


def test_all_ignored_gives_nan_like_torch():
    t = np.full(6, -100)
    lt = torch.nn.functional.cross_entropy(torch.tensor(X), torch.tensor(t))
    lc = course.nn.functional.cross_entropy(course.tensor(X), course.tensor(t))
    assert np.isnan(lt.item()) and np.isnan(lc.item())
