"""course's own threads (course/_threads.py): the batch split across threads gives the same results as one
thread, errors in a worker reach the caller, and forked DataLoader workers start with a fresh pool.

The suite runs with OMP_NUM_THREADS=1, so these tests ask for two threads themselves and lower the size
thresholds, so that small inputs are split too."""
import multiprocessing

import numpy as np
import pytest

import course
import course.nn.functional as F
from course import _convert, _threads


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(_threads, "MIN_ELEMENTS", 0)
    monkeypatch.setattr(_threads, "BIG_PRODUCT", 0)
    before = _threads._State.requested
    course.set_num_threads(2)
    yield
    _threads._State.requested = before


def run(fn, threads):
    course.set_num_threads(threads)
    return fn()


def grads_of(fn, *arrays):
    ts = [course.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward(course.tensor(np.random.default_rng(7).standard_normal(out.shape)))
    return [out.detach().numpy()] + [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("cin", [1, 4])     # 1: a thin convolution (one product per image), 4: one big product
@pytest.mark.parametrize("stride, padding, dilation, groups", [(1, 1, 1, 1), (2, 0, 1, 1), (1, 2, 2, 1), (1, 1, 1, 2)])
def test_conv2d_same_with_one_or_two_threads(two_threads, stride, padding, dilation, groups, cin):
    rng = np.random.default_rng(0)
    cin = cin * groups
    x, w, b = rng.standard_normal((5, cin, 9, 8)), rng.standard_normal((6, cin // groups, 3, 3)), rng.standard_normal(6)
    conv = lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups)  # noqa: E731
    one = run(lambda: grads_of(conv, x, w, b), 1)
    two = run(lambda: grads_of(conv, x, w, b), 2)
    for a, c in zip(one, two):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)   # the weight gradient is a sum split in two


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_pool_and_relu_identical_with_one_or_two_threads(two_threads, dtype):
    """Picking values involves no sums, so the two results must be equal bit for bit."""
    x = np.random.default_rng(1).standard_normal((5, 3, 8, 9)).astype(dtype)
    x[0, 0, :2, :2] = 0.0          # ties
    x[1, 1, 3, 3] = np.nan
    fn = lambda x: F.max_pool2d(F.relu(x), 3, 2, 1)  # noqa: E731
    one = run(lambda: grads_of(fn, x), 1)
    two = run(lambda: grads_of(fn, x), 2)
    for a, c in zip(one, two):
        np.testing.assert_array_equal(c, a)


def test_matmul_and_linear_with_two_threads(two_threads):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((7, 5)), rng.standard_normal((3, 5)), rng.standard_normal(3)
    one = run(lambda: grads_of(F.linear, x, w, b), 1)
    two = run(lambda: grads_of(F.linear, x, w, b), 2)
    for a, c in zip(one, two):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_threads.matmul(np, x, w.T), x @ w.T, rtol=1e-12)


def test_worker_error_reaches_the_caller(two_threads):
    def part(lo, hi):
        if lo > 0:
            raise ValueError(f"part {lo}:{hi} failed")
        return lo
    with pytest.raises(ValueError, match="failed"):
        _threads.over_batch(part, 4, np.zeros(4))
    assert _threads.over_batch(lambda lo, hi: (lo, hi), 4, np.zeros(4)) == [(0, 2), (2, 4)]
    # a part that itself splits runs inline instead of waiting for a thread that is busy with its sibling
    nested = _threads.over_batch(lambda lo, hi: _threads.over_batch(lambda a, b: (a, b), 2, np.zeros(2)), 4,
                                 np.zeros(4))
    assert nested == [[(0, 2)], [(0, 2)]]


def _child(queue):
    course.set_num_threads(2)
    queue.put(_threads.over_batch(lambda lo, hi: hi - lo, 6, np.zeros(6)))


def test_forked_child_gets_its_own_threads(two_threads):
    _threads.over_batch(lambda lo, hi: None, 4, np.zeros(4))          # the parent's pool exists now
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,), daemon=True)
    p.start()
    try:
        p.join(30)
        assert p.exitcode == 0
        assert q.get(timeout=5) == [3, 3]
    finally:
        if p.is_alive():
            p.kill()


def test_blas_is_limited_while_course_splits_and_given_back_with_one_thread(two_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = lambda: [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]  # noqa: E731
    course.set_num_threads(1)                        # BLAS has its own threads back (if an earlier test took them)
    before = blas()
    course.set_num_threads(2)
    _threads.over_batch(lambda lo, hi: None, 4, np.zeros(4))
    assert before and blas() == [1] * len(before)
    course.set_num_threads(1)
    assert blas() == before


def test_numpy_warning_settings_reach_the_worker_threads(two_threads):
    """Backward runs under np.errstate(all='ignore'); the half run on a worker thread must be quiet too."""
    import warnings
    big = np.full((8, 4), 1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore"):
            out = _convert.astype(big, np.float16)
    assert np.isinf(out).all()
    with pytest.raises(FloatingPointError):
        with np.errstate(over="raise"):
            _threads.over_batch(lambda lo, hi: big[lo:hi].astype(np.float16) if lo > 0 else None, 4, big)


def test_calls_from_two_user_threads_at_once(two_threads):
    """A second caller (or a part that splits again) runs inline instead of waiting on a busy pool."""
    import threading
    results = []

    def caller():
        results.append(_threads.over_batch(lambda lo, hi: hi - lo, 6, np.zeros(6)))
    ts = [threading.Thread(target=caller) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert sorted(sum(r) for r in results) == [6, 6, 6, 6]


def test_set_num_threads_checks_like_torch():
    before = _threads._State.requested
    try:
        for bad, msg in [(0, "positive integer"), (2.0, "expects an int, but got float"), ("2", "got str"),
                         (True, "got bool")]:
            with pytest.raises(RuntimeError, match=msg):
                course.set_num_threads(bad)
        course.set_num_threads(np.int64(3))            # numpy integers are ints, as for torch
        assert course.get_num_threads() == 3
    finally:
        _threads._State.requested = before
