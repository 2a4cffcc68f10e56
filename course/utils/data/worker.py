"""What runs inside a DataLoader worker process, and ``get_worker_info()``.

Each worker waits for ``(task_number, indices)`` on its own index queue, fetches and collates that
batch, and puts ``(task_number, pickled batch)`` on the shared result queue. The main process puts
the batches back in order. Errors travel as ``ExceptionWrapper`` and are raised again in the main process.
"""
import os
import pickle
import queue
import random
import sys
import traceback

from .fetch import make_fetcher

_worker_info = None
POLL_INTERVAL = 1.0          # seconds between checks that the other side is still alive


class WorkerInfo:
    """Inside a worker: ``id``, ``num_workers``, ``seed`` and ``dataset`` (this worker's copy)."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, dataset={self.dataset})"


def get_worker_info():
    """The ``WorkerInfo`` of this DataLoader worker process, or None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, with its traceback as text, to raise again in the main process."""

    def __init__(self, exc_info=None, where="in background"):
        exc_type, exc, tb = exc_info or sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where
        try:                                       # the class itself must reach the main process
            pickle.loads(pickle.dumps(exc_type))
        except Exception:
            self.exc_type = RuntimeError

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    """KeyError quotes its message; this keeps the traceback readable."""

    def __repr__(self):
        return self


class IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class ResumeIteration:
    """Persistent workers: start a new epoch (a fresh iterator over an iterable dataset)."""


def worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
                base_seed, init_fn, worker_id, num_workers):
    """The body of a worker process."""
    global _worker_info
    from ... import random as course_random, _threads
    seed = base_seed + worker_id
    random.seed(seed)
    course_random.default_generator.manual_seed(seed)   # the CPU generator only: never touch CUDA after fork
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    _threads.set_num_threads(1)          # as in PyTorch: the workers already use the cores side by side
    parent = os.getppid()
    where = f"in DataLoader worker process {worker_id}"

    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=where)

    iteration_end = False
    while True:
        try:
            task = index_queue.get(timeout=POLL_INTERVAL)
        except queue.Empty:
            if os.getppid() != parent:             # the main process is gone: stop
                break
            continue
        if task is None:                           # shutting down
            break
        if isinstance(task, ResumeIteration):
            data_queue.put((task, None))
            iteration_end = False
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
            continue
        if done_event.is_set() or iteration_end:
            continue                               # drain the queue without working
        idx, index = task
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                data = fetcher.fetch(index)
            except Exception as e:
                if isinstance(e, StopIteration) and is_iterable:
                    data = IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                else:
                    data = ExceptionWrapper(where=where)
        try:
            payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            payload = pickle.dumps(ExceptionWrapper(where=where + " (sending the batch to the main process)"))
        data_queue.put((idx, payload))
    if done_event.is_set():
        data_queue.cancel_join_thread()
    data_queue.close()
