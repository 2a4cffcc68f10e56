"""Regressions found by differential testing against PyTorch (review pass).

Every expected value comes from the installed torch, never from course itself.
"""
import numpy as np
import pytest

import course

torch = pytest.importorskip("torch")


def _np(t):
    return np.asarray(t.detach().numpy())


def test_scatter_inplace_reduce_is_not_ignored():
    idx, src = [0, 0], [2.0, 3.0]
    want = torch.ones(3).scatter_(0, torch.tensor(idx), torch.tensor(src), reduce="add")
    got = course.ones(3).scatter_(0, course.tensor(idx), course.tensor(src), reduce="add")
    np.testing.assert_allclose(_np(got), want.numpy())
    with pytest.raises(NotImplementedError):     # not supported: an error, never a silently wrong answer
        course.ones(3).scatter_(0, course.tensor(idx), course.tensor(src), reduce="multiply")


def test_scatter_value_with_reduce_add():
    want = torch.ones(3).scatter_(0, torch.tensor([0, 0, 2]), 2.0, reduce="add")
    got = course.ones(3).scatter_(0, course.tensor([0, 0, 2]), 2.0, reduce="add")
    np.testing.assert_allclose(_np(got), want.numpy())


def test_no_grad_as_bare_decorator():
    def f(x):
        return x * 2
    x_t, x_c = torch.ones(2, requires_grad=True), course.ones(2, requires_grad=True)
    assert torch.no_grad(f)(x_t).requires_grad is False
    assert course.no_grad(f)(x_c).requires_grad is False
    assert course.is_grad_enabled()


def test_parameter_repr():
    want = repr(torch.nn.Parameter(torch.ones(2)))
    assert repr(course.nn.Parameter(course.ones(2))) == want.replace("torch.", "course.")
    assert str(course.nn.Parameter(course.ones(2))) == str(torch.nn.Parameter(torch.ones(2)))
