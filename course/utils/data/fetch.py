"""Fetchers: turn what the sampler gives (an index, or a list of indices) into data, in a worker or not.

The DataLoader's fast path lives here: when the dataset can hand over a whole batch at once
(``dataset._fetch_collated(indices)``, e.g. ``TensorDataset`` indexes each tensor with all the indices)
and the batch would be made with ``default_collate`` anyway, we skip building one sample at a time.
"""
import numpy as np

from .collate import default_collate


class MapFetcher:
    """For map-style datasets: ``dataset[i]`` for each index, then ``collate_fn``."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if not self.auto_collation:                       # batch_size=None: one sample at a time
            return self.collate_fn(self.dataset[index])
        if self.collate_fn is default_collate and hasattr(self.dataset, "_fetch_collated"):
            batch = self.dataset._fetch_collated(np.asarray(index, dtype=np.int64))
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate_fn(data)


class IterableFetcher:
    """For iterable datasets: the next ``len(index)`` samples of the stream (index is only a count)."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if len(data) == 0 or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = IterableFetcher if is_iterable else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
