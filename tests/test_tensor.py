"""The Tensor object: creation, the numpy bridge, dtypes and conversions, views, indexing, in-place ops,
printing, seeding. Comparisons with PyTorch are skipped when torch is not installed."""
import subprocess
import sys

import numpy as np
import pytest

import course


def torch_or_skip():
    return pytest.importorskip("torch")


# -- the numpy bridge ---------------------------------------------------------------------------------------
def test_from_numpy_shares_memory_both_ways():
    a = np.zeros(3, dtype=np.float64)
    t = course.from_numpy(a)
    t.add_(1)
    assert a.tolist() == [1.0, 1.0, 1.0]
    a[0] = 7
    assert t[0].item() == 7.0 and t.dtype is course.float64
    assert t.numpy() is a


def test_as_tensor_shares_when_it_can_and_tensor_copies():
    a = np.arange(3, dtype=np.float32)
    shared, copied = course.as_tensor(a), course.tensor(a)
    a[0] = 10
    assert shared[0].item() == 10 and copied[0].item() == 0
    assert course.as_tensor(a, dtype=course.float64)[0].item() == 10    # converted: a copy
    t = course.ones(2)
    assert course.as_tensor(t) is t


def test_from_numpy_rejects_what_it_cannot_hold():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        course.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError, match="expected np.ndarray"):
        course.from_numpy([1, 2])


def test_numpy_of_a_view_and_array_protocol():
    t = course.arange(6).reshape(2, 3)
    col = t[:, 1].numpy()
    col[0] = 100
    assert t[0, 1].item() == 100
    assert np.asarray(t).shape == (2, 3)
    assert np.add(t.numpy(), 1).tolist() == [[1, 101, 3], [4, 5, 6]]


# -- dtypes ---------------------------------------------------------------------------------------------------
def test_dtype_objects_and_conversions():
    x = course.tensor([1.7, -1.7])
    assert x.dtype is course.float32 and x.dtype == course.float and repr(x.dtype) == "course.float32"
    assert x.long().tolist() == [1, -1] and x.long().dtype is course.int64
    assert x.half().dtype is course.float16 and x.double().dtype is course.float64
    assert x.bfloat16().dtype is course.bfloat16 and x.int().dtype is course.int32
    assert x.to(course.int8).dtype is course.int8 and x.bool().tolist() == [True, True]
    assert x.type() == "torch.FloatTensor" and x.type(course.float64).dtype is course.float64
    assert x.type("torch.LongTensor").dtype is course.int64
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.to(x) is x and x.to("cpu") is x and x.to(course.float32) is x
    assert x.to(dtype=course.float64, copy=True).dtype is course.float64
    assert course.tensor([1, 2], dtype=course.uint8).dtype is course.uint8
    assert course.get_default_dtype() is course.float32
    assert course.promote_types(course.int32, course.float16) is course.float16
    assert course.promote_types(course.float16, course.bfloat16) is course.float32
    assert course.promote_types(course.uint8, course.int8) is course.int16


def test_set_default_dtype():
    try:
        course.set_default_dtype(course.float64)
        assert course.tensor([1.5]).dtype is course.float64 and course.zeros(1).dtype is course.float64
        assert (course.tensor([1]) * 1.5).dtype is course.float64
    finally:
        course.set_default_dtype(course.float32)
    with pytest.raises(TypeError):
        course.set_default_dtype(course.int64)


def test_type_promotion_tiers():
    # dim tensors > zero-dim tensors > Python numbers; a lower tier wins only with a higher category
    i32 = course.ones(2, dtype=course.int32)
    assert (i32 + course.tensor(1.5, dtype=course.float64)).dtype is course.float64   # float beats int
    assert (i32 + course.tensor(7, dtype=course.int64)).dtype is course.int32         # same category
    assert (i32 + 2.5).dtype is course.float32                                        # Python float: default
    assert (course.ones(2, dtype=course.float16) + course.tensor(1.0, dtype=course.float64)).dtype \
        is course.float16
    assert (course.ones(2, dtype=course.uint8) + 300).tolist() == [45, 45]             # wraps like PyTorch
    assert (course.ones(2, dtype=course.bool) + True).dtype is course.bool
    assert (i32 / 2).dtype is course.float32 and (i32 // 2).dtype is course.int32


# -- shapes and views -------------------------------------------------------------------------------------
def test_shape_size_dim_numel():
    t = course.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, course.Size) and repr(t.shape) == "course.Size([2, 3, 4])"
    assert t.size() == (2, 3, 4) and t.size(-1) == 4 and t.dim() == 3 and t.ndim == 3 and t.numel() == 24
    assert len(t) == 2 and t.shape.numel() == 24
    assert course.zeros((2, 3)).shape == (2, 3) and course.zeros([]).shape == ()


def test_view_follows_pytorchs_contiguity_rule():
    t = course.arange(24).reshape(2, 3, 4)
    v = t.view(6, 4)
    v[0, 0] = 99
    assert t[0, 0, 0].item() == 99                      # a view shares memory
    assert t.transpose(0, 1).view(3, 2, 4).shape == (3, 2, 4)   # splitting/merging compatible dims works
    assert t[:, 1].view(2, 2, 2).shape == (2, 2, 2)
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size and stride"):
        t.transpose(1, 2).view(24)
    r = t.transpose(1, 2).reshape(24)                   # reshape copies when it must
    assert r.shape == (24,) and r[1].item() == 4
    assert t.transpose(1, 2).contiguous().is_contiguous()
    assert not t.transpose(1, 2).is_contiguous() and t.is_contiguous()
    assert t.stride() == (12, 4, 1) and t.transpose(0, 2).stride() == (1, 4, 12)
    assert t.view(-1).shape == (24,) and t.view(2, -1).shape == (2, 12)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        t.view(-1, -1)


def test_shape_ops():
    t = course.arange(6).reshape(2, 3)
    assert t.t().tolist() == [[0, 3], [1, 4], [2, 5]] and t.T.shape == (3, 2)
    assert t.unsqueeze(0).shape == (1, 2, 3) and t.unsqueeze(-1).shape == (2, 3, 1)
    assert t.unsqueeze(1).squeeze().shape == (2, 3) and t.unsqueeze(1).squeeze(1).shape == (2, 3)
    assert t.flatten().tolist() == [0, 1, 2, 3, 4, 5] and t.permute(1, 0).shape == (3, 2)
    assert t[:1].expand(3, 3).tolist() == [[0, 1, 2]] * 3 and t.repeat(2, 1).shape == (4, 3)
    assert course.cat([t, t], 1).shape == (2, 6) and course.stack([t, t]).shape == (2, 2, 3)
    assert [p.tolist() for p in t.split(2, 1)] == [[[0, 1], [3, 4]], [[2], [5]]]
    assert [p.shape for p in course.arange(7).chunk(3)] == [(3,), (3,), (1,)]
    assert course.where(t > 2, t, -1).tolist() == [[-1, -1, -1], [3, 4, 5]]
    assert t.masked_fill(t % 2 == 0, 0).tolist() == [[0, 1, 0], [3, 0, 5]]
    assert t.gather(1, course.tensor([[2], [0]])).tolist() == [[2], [3]]


def test_indexing_reads():
    t = course.arange(12).reshape(3, 4)
    assert t[1].tolist() == [4, 5, 6, 7] and t[-1, -1].item() == 11
    assert t[:, -2:].tolist() == [[2, 3], [6, 7], [10, 11]]
    assert t[[0, 2]].tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert t[[0, 2], [1, 3]].tolist() == [1, 11]
    assert t[t > 8].tolist() == [9, 10, 11]
    assert t[course.tensor([True, False, True])].shape == (2, 4)
    assert t[..., 0].tolist() == [0, 4, 8] and t[None].shape == (1, 3, 4)
    assert t[course.tensor(1)].tolist() == [4, 5, 6, 7]
    assert t[1:, ::2].tolist() == [[4, 6], [8, 10]]
    assert t[0][course.tensor([1, 0, 1, 1], dtype=course.uint8)].tolist() == [0, 2, 3]   # bytes are a mask
    assert (t == None) is False and (t != None) is True                                   # noqa: E711
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        t[3]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        t[course.tensor([0.0])]


def test_indexing_writes():
    t = course.zeros(3, 4)
    t[0] = 1
    t[:, 1] = course.tensor([5.0, 6.0, 7.0])
    t[t > 5] = -1
    t[[1, 2], [0, 0]] = 9
    t[-1, -1] += 2
    assert t.tolist() == [[1, 5, 1, 1], [9, -1, 0, 0], [9, -1, 0, 2]]
    assert t._version.value == 6          # five writes, and += on the view t[-1, -1] (as in PyTorch)


# -- in-place ops --------------------------------------------------------------------------------------------
def test_inplace_ops_change_memory_and_return_self():
    t = course.ones(2, 2)
    data = t.numpy()
    assert t.add_(1) is t and t.sub_(0.5) is t and t.mul_(2) is t and t.div_(3) is t
    np.testing.assert_allclose(data, np.full((2, 2), 1.0))
    t.add_(course.tensor([1.0, 2.0]), alpha=2)          # broadcasting, alpha
    assert t.tolist() == [[3.0, 5.0], [3.0, 5.0]]
    t.clamp_(max=4.0)
    assert t.tolist() == [[3.0, 4.0], [3.0, 4.0]]
    t.zero_()
    assert t.sum().item() == 0
    t.fill_(2.5)
    assert t.tolist() == [[2.5, 2.5], [2.5, 2.5]]
    t += 1
    t *= 2
    assert t.tolist() == [[7.0, 7.0], [7.0, 7.0]] and t.numpy() is data
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        course.ones(2, dtype=course.int64).add_(1.5)
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        course.ones(2).add_(course.ones(2, 2))
    i = course.ones(3, dtype=course.int64)
    i.mul_(3).add_(1)
    assert i.tolist() == [4, 4, 4] and i.dtype is course.int64


def test_random_inplace_fills_are_seeded():
    course.manual_seed(3)
    a = course.empty(1000).uniform_(-1, 1)
    course.manual_seed(3)
    b = course.empty(1000).uniform_(-1, 1)
    assert a.tolist() == b.tolist() and -1 <= a.min().item() and a.max().item() < 1
    n = course.empty(5000).normal_(2.0, 0.5)
    assert abs(n.mean().item() - 2.0) < 0.05 and abs(n.std().item() - 0.5) < 0.05
    m = course.empty(5000).bernoulli_(0.25)
    assert set(m.unique().tolist()) <= {0.0, 1.0} and abs(m.mean().item() - 0.25) < 0.05
    r = course.empty(1000, dtype=course.int64).random_(0, 5)
    assert r.min().item() == 0 and r.max().item() == 4
    w = course.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.uniform_()
    with course.no_grad():
        w.normal_()                                     # parameter initialisation
    assert w.requires_grad and w.is_leaf


def test_manual_seed_reproducible_across_processes():
    code = "import course; course.manual_seed(42); print(course.rand(3).tolist(), course.randperm(5).tolist())"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1]
    course.manual_seed(42)
    assert f"{course.rand(3).tolist()} {course.randperm(5).tolist()}" == runs[0].strip()   # same in this process
    g = course.Generator().manual_seed(1)
    first = course.rand(4, generator=g).tolist()
    assert course.rand(4, generator=course.Generator().manual_seed(1)).tolist() == first
    state = course.get_rng_state()
    x = course.randn(3).tolist()
    course.set_rng_state(state)
    assert course.randn(3).tolist() == x


# -- leaving the tensor world -------------------------------------------------------------------------------
def test_item_tolist_and_python_numbers():
    assert course.tensor([2.5]).item() == 2.5 and isinstance(course.tensor(3).item(), int)
    assert course.tensor([[1, 2]]).tolist() == [[1, 2]] and course.tensor(1.5).tolist() == 1.5
    assert float(course.tensor(2.0)) == 2.0 and int(course.tensor(3.7)) == 3 and bool(course.tensor([1]))
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        course.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(course.tensor([1, 2]))
    assert [x.item() for x in course.tensor([3, 4])] == [3, 4]
    assert f"{course.tensor(2.345):.1f}" == "2.3"


REPRS = [
    lambda L: L.tensor([[1.0, 2.0]], requires_grad=True),
    lambda L: L.tensor([[1.0, 2.0]], requires_grad=True) * 2,
    lambda L: L.tensor([1.5, -2.25, 3.0]),
    lambda L: L.tensor([1, 2, 300]),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor(3.5),
    lambda L: L.tensor([1e-5, 1.0, 1e5]),
    lambda L: L.tensor([1.5, 2.0], dtype=L.float16),
    lambda L: L.tensor([0.1, 0.2], dtype=L.float64),
    lambda L: L.zeros(0, 3),
    lambda L: L.tensor([]),
    lambda L: L.arange(2000.0).reshape(40, 50),
    lambda L: L.arange(12).reshape(2, 3, 2),
    lambda L: L.tensor([float("nan"), float("inf"), 1.0]),
    lambda L: L.ones(2, requires_grad=True).sum(),
    lambda L: L.ones(2, 2, requires_grad=True) @ L.ones(2, 2),
    lambda L: L.ones(2, 2, requires_grad=True).max(0),
    lambda L: L.tensor([[0.5, 0.25]]).t(),
    lambda L: L.linspace(0, 1, 30),
    lambda L: 2 - L.ones(2, requires_grad=True),
    lambda L: L.ones(2, requires_grad=True)[0],
    lambda L: L.ones(2, 2, requires_grad=True).t(),
    lambda L: L.ones(2, requires_grad=True).unsqueeze(0),
    lambda L: L.stack([L.ones(2, requires_grad=True)]),
    lambda L: L.ones(2, requires_grad=True).double(),
    lambda L: L.ones(2, requires_grad=True).logsumexp(0),
    lambda L: L.ones(2, requires_grad=True).norm(),
    lambda L: L.ones(2, requires_grad=True).std(),
    lambda L: L.ones(2, requires_grad=True).masked_fill(L.tensor([True, False]), 0.0),
]


@pytest.mark.parametrize("case", range(len(REPRS)))
def test_repr_matches_pytorch(case):
    torch = torch_or_skip()
    ours = repr(REPRS[case](course)).replace("course.", "torch.")
    assert ours == repr(REPRS[case](torch))


def test_repr_prints_course_dtypes():
    assert repr(course.tensor([1.0], dtype=course.float64)) == "tensor([1.], dtype=course.float64)"
    assert str(course.float16) == "course.float16"


def test_malloc_tuning_can_be_switched_off(monkeypatch):
    from course import _memory
    assert isinstance(_memory.tuned, bool)
    monkeypatch.setenv("COURSE_MALLOC_TUNING", "0")
    assert _memory.tune_malloc() is False
