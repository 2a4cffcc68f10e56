"""course.utils.data: datasets, samplers, default_collate and the DataLoader (in-process and with workers)."""
import collections
import time

import numpy as np
import pytest

import course
from course.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,
                               random_split, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler,
                               WeightedRandomSampler,
                               default_collate, get_worker_info)


# -- datasets used below (module level, so worker processes can use them with any start method) ----------
class Squares(Dataset):
    """Sample i is (i, i*i) computed in Python: the general (per-sample) path."""

    def __len__(self):
        return 23

    def __getitem__(self, i):
        return course.tensor([float(i)]), i * i


class Faulty(Squares):
    def __getitem__(self, i):
        if i == 13:
            raise ValueError("sample 13 is broken")
        return super().__getitem__(i)


class Stream(IterableDataset):
    """0..n-1, split between workers with get_worker_info()."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class WhoAmI(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return -1 if info is None else info.id


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(1)
        return i


def _numbers(batches):
    """Batches as nested Python lists, to compare runs."""
    def conv(x):
        if isinstance(x, course.Tensor):
            return ("T", x.dtype.name, x.tolist())
        if isinstance(x, (list, tuple)):
            return [conv(y) for y in x]
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        return x
    return [conv(b) for b in batches]


# -- datasets --------------------------------------------------------------------------------------
def test_tensor_dataset():
    x, y = course.randn(5, 3), course.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    a, b = ds[2]
    assert a.tolist() == x[2].tolist() and b.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, course.arange(4))


def test_subset_concat():
    ds = TensorDataset(course.arange(10))
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[0][0].item() == 7 and sub[2][0].item() == 5
    cat = ConcatDataset([sub, TensorDataset(course.arange(100, 104))])
    assert len(cat) == 7 and cat[3][0].item() == 100 and cat[-1][0].item() == 103
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        cat[-8]
    assert len(sub + sub) == 6


def test_random_split():
    ds = TensorDataset(course.arange(10))
    parts = random_split(ds, [3, 7], generator=course.Generator().manual_seed(1))
    again = random_split(ds, [3, 7], generator=course.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert parts[0].indices == again[0].indices
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]   # remainder round robin
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(ds, [3, 3])
    course.manual_seed(5)
    a = random_split(range(10), [5, 5])[0].indices
    course.manual_seed(5)
    assert random_split(range(10), [5, 5])[0].indices == a


def test_random_split_fractions_like_torch():
    torch = pytest.importorskip("torch")
    for n, fracs in [(10, [0.33, 0.33, 0.34]), (17, [0.5, 0.5]), (7, [0.1, 0.2, 0.7])]:
        ours = [len(s) for s in random_split(range(n), fracs)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fracs)]
        assert ours == theirs


# -- samplers --------------------------------------------------------------------------------------
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = course.Generator().manual_seed(3)
    perm = list(RandomSampler(range(10), generator=g))
    assert sorted(perm) == list(range(10)) and perm != list(range(10))
    assert list(RandomSampler(range(10), generator=course.Generator().manual_seed(3))) == perm
    draws = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2}
    assert len(list(RandomSampler(range(4), num_samples=10))) == 10
    assert sorted(SubsetRandomSampler([4, 8, 9])) == [4, 8, 9]
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler([])


# -- default_collate -------------------------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")


def _as_numpy(x):
    """Turn course or torch batches into numpy arrays inside the same structure."""
    if hasattr(x, "detach"):
        return ("tensor", str(x.dtype).split(".")[-1], x.detach().numpy().tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: _as_numpy(v) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, [_as_numpy(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_as_numpy(v) for v in x])
    return x


@pytest.mark.parametrize("make", [
    lambda T: [T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0])],
    lambda T: [1, 2, 3],
    lambda T: [1.5, 2.5],
    lambda T: [True, False],
    lambda T: [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    lambda T: [np.float32(1.5), np.float32(2.0)],
    lambda T: ["a", "b"],
    lambda T: [{"x": T.tensor(1.0), "y": 2}, {"x": T.tensor(3.0), "y": 4}],
    lambda T: [collections.OrderedDict(a=1, b=2.0), collections.OrderedDict(a=3, b=4.0)],
    lambda T: [(T.zeros(2, 2), 1), (T.ones(2, 2), 0)],
    lambda T: [[1, 2.0], [3, 4.0]],
    lambda T: [Point(1, T.tensor([1])), Point(2, T.tensor([2]))],
], ids=["tensors", "ints", "floats", "bools", "numpy", "numpy-scalars", "str", "dict", "ordereddict", "tuples",
        "lists", "namedtuple"])
def test_default_collate_like_torch(make):
    torch = pytest.importorskip("torch")
    ours = default_collate(make(course))
    theirs = torch.utils.data.default_collate(make(torch))
    assert _as_numpy(ours) == _as_numpy(theirs)


def test_default_collate_errors():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, "
                                        "dicts or lists; found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([course.zeros(2), course.zeros(3)])


# -- DataLoader, one process -----------------------------------------------------------------------
def test_order_len_and_drop_last():
    ds = TensorDataset(course.arange(10).float(), course.arange(10))
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert isinstance(batches[0], list) and batches[0][0].dtype == course.float32
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2 and [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert [b[1].tolist() for b in DataLoader(ds)][:2] == [[0], [1]]               # batch_size=1 by default
    unbatched = list(DataLoader(Squares(), batch_size=None))
    assert unbatched[3][1] == 9 and unbatched[3][0].shape == (1,)


def test_tensor_fast_path_equals_general_path():
    x, y = course.randn(50, 3, 2), course.randint(0, 10, (50,))
    ds = TensorDataset(x, y)
    for kwargs in [dict(batch_size=7), dict(batch_size=8, drop_last=True)]:
        fast = _numbers(DataLoader(ds, **kwargs))
        slow = _numbers(DataLoader(ds, collate_fn=lambda b: default_collate(b), **kwargs))
        assert fast == slow
    sub = random_split(ds, [30, 20], generator=course.Generator().manual_seed(0))[1]
    assert _numbers(DataLoader(sub, batch_size=6)) == _numbers(DataLoader(sub, batch_size=6,
                                                                          collate_fn=lambda b: default_collate(b)))


def test_fast_path_respects_subclasses():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            return tuple(t[i] * 2 for t in self.tensors)

    batch = next(iter(DataLoader(Doubled(course.arange(4)), batch_size=4)))
    assert batch[0].tolist() == [0, 2, 4, 6]


def test_fast_path_is_used_and_fast(monkeypatch):
    ds = TensorDataset(course.rand(10000, 784), course.randint(0, 10, (10000,)))
    calls = []
    original = TensorDataset.__getitem__
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: calls.append(i) or original(self, i))

    def epoch(dataset, **kwargs):
        start = time.perf_counter()
        assert sum(len(b[1]) for b in DataLoader(dataset, batch_size=64, shuffle=True, **kwargs)) == len(dataset)
        return time.perf_counter() - start

    fast = epoch(ds)
    assert calls == []                                 # whole batches, no sample-by-sample indexing
    train, _ = random_split(ds, [9000, 1000])           # the usual train/validation split keeps the fast path
    fast_subset = epoch(train)
    assert calls == []
    slow = epoch(ds, collate_fn=lambda b: default_collate(b))
    assert len(calls) == 10000
    assert fast < slow / 5 and fast_subset < slow / 5   # typically 50x


def test_shuffle_reproducible_and_new_each_epoch():
    ds = TensorDataset(course.arange(20))
    course.manual_seed(0)
    loader = DataLoader(ds, batch_size=5, shuffle=True)
    e1 = [b[0].tolist() for b in loader]
    e2 = [b[0].tolist() for b in loader]
    assert e1 != e2 and sorted(sum(e1, [])) == list(range(20))
    course.manual_seed(0)
    assert [b[0].tolist() for b in loader] == e1
    g1 = DataLoader(ds, batch_size=5, shuffle=True, generator=course.Generator().manual_seed(9))
    g2 = DataLoader(ds, batch_size=5, shuffle=True, generator=course.Generator().manual_seed(9))
    assert [b[0].tolist() for b in g1] == [b[0].tolist() for b in g2]


def test_argument_errors_like_torch():
    torch = pytest.importorskip("torch")
    ds_ours, ds_theirs = TensorDataset(course.arange(4)), torch.utils.data.TensorDataset(torch.arange(4))
    cases = [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
             dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
             dict(batch_size=None, drop_last=True)]
    for kwargs in cases:
        with pytest.raises(ValueError) as e1:
            DataLoader(ds_ours, **kwargs)
        with pytest.raises(ValueError) as e2:
            torch.utils.data.DataLoader(ds_theirs, **kwargs)
        assert str(e1.value) == str(e2.value)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    loader = DataLoader(ds_ours)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3


def test_iterable_dataset_in_process():
    loader = DataLoader(Stream(10), batch_size=4)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(10), batch_size=4, drop_last=True)] == [[0, 1, 2, 3], [4, 5, 6, 7]]


# -- DataLoader, worker processes ------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [dict(batch_size=4), dict(batch_size=5, drop_last=True, shuffle=True),
                                    dict(batch_size=None), dict(batch_size=3, shuffle=True)])
def test_workers_equal_in_process(kwargs):
    course.manual_seed(1)
    plain = _numbers(DataLoader(Squares(), **kwargs))
    course.manual_seed(1)
    workers = _numbers(DataLoader(Squares(), num_workers=2, **kwargs))
    assert plain == workers and len(plain) > 2
    ds = TensorDataset(course.randn(30, 2), course.arange(30))
    course.manual_seed(2)
    plain = _numbers(DataLoader(ds, **kwargs))
    course.manual_seed(2)
    assert _numbers(DataLoader(ds, num_workers=2, prefetch_factor=1, **kwargs)) == plain


def test_work_really_runs_in_workers():
    ids = [b.tolist() for b in DataLoader(WhoAmI(), batch_size=2, num_workers=2)]
    assert ids == [[0, 0], [1, 1], [0, 0], [1, 1]]      # round robin over the two workers
    assert [b.tolist() for b in DataLoader(WhoAmI(), batch_size=2)][0] == [-1, -1]


def test_worker_error_names_worker_and_original_error():
    loader = DataLoader(Faulty(), batch_size=4, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 1." in msg      # batch 3 (samples 12..15) -> worker 1
    assert "sample 13 is broken" in msg and "Traceback" in msg


def test_worker_init_fn_and_seeds():
    seen = []
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=_fail_in_worker_1)
    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 1"):
        list(loader)
    course.manual_seed(0)
    a = [b.tolist() for b in DataLoader(_RandomDataset(), batch_size=2, num_workers=2)]
    course.manual_seed(0)
    b = [b.tolist() for b in DataLoader(_RandomDataset(), batch_size=2, num_workers=2)]
    assert a == b                                    # workers are seeded from course's generator
    assert a[0] != a[1]                              # ... differently per worker
    del seen


def _fail_in_worker_1(worker_id):
    if worker_id == 1:
        raise RuntimeError("init failed")


class _RandomDataset(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return course.rand(1).item()


def test_iterable_dataset_with_workers():
    loader = DataLoader(Stream(10), batch_size=2, num_workers=2)
    got = sorted(sum((b.tolist() for b in loader), []))
    assert got == list(range(10))


def test_persistent_workers_two_epochs():
    loader = DataLoader(Squares(), batch_size=5, num_workers=2, persistent_workers=True)
    first = _numbers(loader)
    it = loader._iterator
    second = _numbers(loader)
    assert first == second == _numbers(DataLoader(Squares(), batch_size=5))
    assert loader._iterator is it and all(w.is_alive() for w in it._workers)
    partial = iter(loader)
    next(partial)                                     # abandon an epoch half-way...
    assert _numbers(loader) == first                  # ...the next one is still complete and in order
    it._shutdown_workers()


def test_timeout():
    loader = DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(iter(loader))


class Dies(Squares):
    def __getitem__(self, i):
        if i == 5:
            import os
            os._exit(3)
        return super().__getitem__(i)


def test_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(Dies(), batch_size=2, num_workers=2))


def test_custom_sampler_and_batch_sampler():
    ds = TensorDataset(course.arange(10) * 10)
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=2, sampler=[9, 0, 3])] == [[90, 0], [30]]
    loader = DataLoader(ds, batch_sampler=[[1, 2, 3], [7]])
    assert [b[0].tolist() for b in loader] == [[10, 20, 30], [70]] and len(loader) == 2
    assert [b[0].tolist() for b in DataLoader(ds, batch_sampler=[[1, 2, 3], [7]], num_workers=2)] == \
        [[10, 20, 30], [70]]


class _EagerSampler:
    """A sampler that draws its permutation as soon as iter() is called (not lazily)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(course.randperm(self.n).tolist())

    def __len__(self):
        return self.n


def test_eager_sampler_same_order_with_workers():
    ds = TensorDataset(course.arange(12))
    course.manual_seed(4)
    plain = [b[0].tolist() for b in DataLoader(ds, batch_size=5, sampler=_EagerSampler(12))]
    course.manual_seed(4)
    workers = [b[0].tolist() for b in DataLoader(ds, batch_size=5, sampler=_EagerSampler(12), num_workers=2)]
    assert plain == workers


def test_persistent_workers_recover_after_an_error():
    loader = DataLoader(Faulty(), batch_size=4, num_workers=2, persistent_workers=True)
    with pytest.raises(ValueError, match="sample 13 is broken"):
        list(loader)
    with pytest.raises(ValueError, match="sample 13 is broken"):    # new workers, same error, no hang
        list(loader)
    loader._iterator._shutdown_workers()


def test_warns_about_too_many_workers():
    with pytest.warns(UserWarning, match="This DataLoader will create 1000 worker processes in total"):
        DataLoader(Squares(), num_workers=1000)


def test_weighted_random_sampler():
    draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=course.Generator().manual_seed(0)))
    counts = np.bincount(draws, minlength=3)
    assert counts[0] == 0 and 0.7 < counts[2] / 4000 < 0.8
    assert sorted(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False)) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="weights should be a 1d sequence but given weights have shape \\(2, 2\\)"):
        WeightedRandomSampler([[1, 2], [3, 4]], 2)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        WeightedRandomSampler([1, 2], 0)


def test_pin_memory_without_gpu_warns_and_works():
    ds = TensorDataset(course.arange(4))
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        assert [b[0].tolist() for b in DataLoader(ds, batch_size=2, pin_memory=True)] == [[0, 1], [2, 3]]
