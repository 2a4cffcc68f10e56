"""``course.utils.data``: datasets, samplers and the ``DataLoader`` (same names as ``torch.utils.data``)."""
from .dataset import (Dataset, IterableDataset, ChainDataset, TensorDataset, Subset, ConcatDataset,
                      random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
                      BatchSampler)
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .worker import get_worker_info, WorkerInfo

__all__ = ["Dataset", "IterableDataset", "ChainDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert", "DataLoader",
           "get_worker_info", "WorkerInfo"]
