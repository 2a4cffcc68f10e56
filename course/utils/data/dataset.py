"""Datasets: what a DataLoader reads from.

* A map-style ``Dataset`` has ``__getitem__(i)`` and ``__len__``: sample i, for i in 0 .. len-1.
* An ``IterableDataset`` has ``__iter__``: a stream of samples (no length or random access needed).
"""
import bisect
import itertools
import math
import warnings

from ..._tensor import Tensor


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` (and usually ``__len__``)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of stream datasets: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker process gets its own copy, so split the work with
    ``get_worker_info()`` (otherwise each worker yields the whole stream).
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            yield from d


class TensorDataset(Dataset):
    """Sample i is ``(t[i] for t in tensors)``: the tensors are indexed along their first dimension."""

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)

    def _fetch_collated(self, indices):
        """A whole batch in one indexing per tensor: the same as ``default_collate([self[i] for i in indices])``.

        This is the DataLoader's fast path; it returns None when it does not apply.
        """
        if type(self).__getitem__ is not TensorDataset.__getitem__ or any(t.requires_grad for t in self.tensors):
            return None              # a subclass changes the samples, or the graph must be recorded: general path
        return [Tensor._make(t._data[indices]) for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self):
        return len(self.indices)

    def _fetch_collated(self, indices):
        fetch = getattr(self.dataset, "_fetch_collated", None)
        if fetch is None or type(self).__getitem__ is not Subset.__getitem__:
            return None
        return fetch(self._index_array()[indices])

    def _index_array(self):
        """``indices`` as a numpy array, made once (again only if ``indices`` is replaced or changes length)."""
        import numpy as np
        cached = getattr(self, "_cached_indices", None)
        if cached is None or cached[0] is not self.indices or len(cached[1]) != len(self.indices):
            cached = (self.indices, np.asarray(self.indices, dtype=np.int64))
            self._cached_indices = cached
        return cached[1]


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other, as one dataset."""

    @staticmethod
    def cumsum(sequence):
        out, total = [], 0
        for e in sequence:
            total += len(e)
            out.append(total)
        return out

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping Subsets of the given lengths.

    ``lengths`` may be fractions summing to 1: each split then gets floor(frac * len(dataset)) samples
    and the remainder is handed out one by one, round robin, as in PyTorch.
    """
    from ..._creation import randperm
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[offset - length: offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
