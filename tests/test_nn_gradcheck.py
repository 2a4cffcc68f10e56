"""The fused nn kernels against finite differences (float64), including second derivatives: no torch needed."""
import numpy as np
import pytest

import course
import course.nn.functional as F
from course.autograd import gradcheck, gradgradcheck


def rand(*shape, seed=0):
    return course.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


CASES = [
    ("linear", lambda x, w, b: F.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    ("linear_3d", lambda x, w: F.linear(x, w), [(2, 3, 4), (2, 4)]),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), [(2, 2, 4, 4), (3, 2, 3, 3), (3,)]),
    ("conv2d_strided", lambda x, w: F.conv2d(x, w, stride=2, padding=(1, 0), dilation=(1, 2)),
     [(1, 2, 5, 6), (2, 2, 2, 2)]),
    ("conv2d_groups", lambda x, w: F.conv2d(x, w, groups=2), [(1, 4, 4, 4), (2, 2, 3, 3)]),
    # 36 values per column: above THIN, so the one-big-product layout (the cases above are thin)
    ("conv2d_wide", lambda x, w, b: F.conv2d(x, w, b, padding=1, dilation=(2, 1)), [(2, 4, 5, 4), (2, 4, 3, 3), (2,)]),
    ("conv1d", lambda x, w: F.conv1d(x, w, padding="same"), [(2, 2, 6), (3, 2, 3)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), [(2, 2, 4, 5)]),
    ("max_pool2d_overlap", lambda x: F.max_pool2d(x, 3, 2, 1), [(1, 2, 5, 5)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 5, 5)]),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    ("softmax", lambda x: F.softmax(x, 1), [(3, 4)]),
    ("log_softmax", lambda x: F.log_softmax(x, 0), [(3, 4)]),
    ("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3, 2), (3,), (3,)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    ("pad", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 3)]),
    ("pad_reflect", lambda x: F.pad(x, (2, 1), mode="reflect"), [(2, 2, 4)]),
    ("gelu", lambda x: F.gelu(x), [(3, 4)]),
    ("elu", lambda x: F.elu(x), [(3, 4)]),
    ("softplus", lambda x: F.softplus(x, 2.0), [(3, 4)]),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    ("bilinear", lambda a, b, w: F.bilinear(a, b, w), [(2, 3), (2, 4), (2, 3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, fn, shapes):
    inputs = tuple(rand(*s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


SECOND = ["linear", "conv2d", "conv2d_strided", "conv2d_groups", "conv2d_wide", "max_pool2d", "max_pool2d_overlap",
          "avg_pool2d", "softmax", "log_softmax", "pad"]


@pytest.mark.parametrize("name", SECOND)
def test_gradgradcheck(name):
    _, fn, shapes = next(c for c in CASES if c[0] == name)
    inputs = tuple(rand(*s, seed=i) for i, s in enumerate(shapes))
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_embedding_grad_accumulates_repeated_indices():
    w = rand(5, 3)
    idx = course.tensor([[0, 2, 2], [4, 0, 2]])
    F.embedding(idx, w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [2, 0, 3, 0, 1])


@pytest.mark.parametrize("loss", ["cross_entropy", "nll", "bce_logits", "smooth_l1", "kl"])
def test_loss_gradcheck(loss):
    x = rand(4, 3)
    t = course.tensor([0, 2, 1, 2])
    # targets made once: gradcheck perturbs x in place, so they must not be views of x
    y_bin = (x.detach() > 0).double().clone()
    y_reg = x.detach() * 0.1 + 0.3
    y_prob = F.softmax(x.detach() * 2, 1)
    fns = {
        "cross_entropy": lambda x: F.cross_entropy(x, t, label_smoothing=0.1, weight=course.tensor(
            [0.5, 1.0, 2.0], dtype=course.float64)),
        "nll": lambda x: F.nll_loss(F.log_softmax(x, 1), t, reduction="sum"),
        "bce_logits": lambda x: F.binary_cross_entropy_with_logits(x, y_bin,
                                                                  pos_weight=course.tensor([1.0, 2.0, 3.0],
                                                                                           dtype=course.float64)),
        "smooth_l1": lambda x: F.smooth_l1_loss(x, y_reg, beta=0.5),
        "kl": lambda x: F.kl_div(F.log_softmax(x, 1), y_prob, reduction="batchmean"),
    }
    assert gradcheck(fns[loss], (x,), eps=1e-6, atol=1e-5, rtol=1e-4)
