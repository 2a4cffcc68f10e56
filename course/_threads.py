"""All the CPU cores for the big array loops inside a kernel.

numpy releases the GIL while it loops over an array, so two Python threads working on the two halves of
a batch really run at the same time, on two cores. A kernel whose work splits along the batch (im2col,
col2im, pooling) writes that work as ``part(lo, hi)``, for images lo..hi-1, and calls
``over_batch(part, n, array)``. The parts then run on ``course.get_num_threads()`` threads, or all at once
in this thread when splitting cannot pay off: one thread asked for, a small array (handing work to a
thread costs tens of microseconds), or an array that is not a numpy array (CuPy already runs its kernels
on the GPU).

Matrix products are split the same way (``matmul``: rows of the left operand), so BLAS itself is kept
to one thread once course's threads are in use (until ``set_num_threads(1)``): two BLAS threads would
spin on the core that course's other thread needs. Results can differ in the last bits between thread
counts (a sum split in two is added in another order), as in PyTorch; the notebooks run with one thread.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

MIN_ELEMENTS = 1 << 19          # handing work to a thread costs ~0.1 ms: split only jobs well above that
BIG_PRODUCT = 1 << 24           # multiply-adds: a smaller matrix product is not worth handing over


class _State:
    requested = None            # set by set_num_threads
    executor = None             # worker threads, made on first use
    workers = 0
    blas_limits = None          # threadpoolctl's record of BLAS's own thread count, while course limits it


_busy = threading.Lock()        # held while a split runs: a part that splits again, or a second caller, runs inline


def default_threads():
    """OMP_NUM_THREADS when set (as in PyTorch), else the CPUs this process may use."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def num_threads():
    if _State.requested is None:
        _State.requested = default_threads()         # read once: this is asked before every kernel
    return _State.requested


def set_num_threads(n):
    """n threads for course's kernels; with one, BLAS gets its own threads back."""
    _State.requested = int(n)
    if n == 1 and _State.blas_limits:
        _State.blas_limits.restore_original_limits()
        _State.blas_limits = None


def _forget_threads():
    """A forked child (a DataLoader worker) has none of the parent's threads: start afresh there."""
    global _busy
    _State.executor, _State.workers, _busy = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_threads)


def _one_blas_thread():
    """From course's first split on (until set_num_threads(1)), BLAS uses one thread per caller: two BLAS
    threads would keep spinning on the core that course's other thread needs (threadpoolctl finds numpy's
    OpenBLAS or MKL)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:         # then BLAS keeps its threads: slower, still correct
        _State.blas_limits = False
        return
    _State.blas_limits = threadpool_limits(1, user_api="blas")


def _run_quietly_as(errors, part, lo, hi):
    with np.errstate(**errors):                     # numpy's warning settings belong to each thread
        return part(lo, hi)


def over_batch(part, n, array, work=None):
    """[part(lo, hi) for consecutive slices lo:hi of range(n)], run on up to num_threads() threads.

    work: how many elements the whole job touches (default array.size), to decide whether to split."""
    if (array.size if work is None else work) < MIN_ELEMENTS or type(array) is not np.ndarray:
        return [part(0, n)]
    k = min(_State.requested or num_threads(), n)
    if k < 2 or not _busy.acquire(blocking=False):
        return [part(0, n)]
    try:
        if _State.blas_limits is None:
            _one_blas_thread()
        if _State.workers < _State.requested - 1:
            if _State.executor is not None:
                _State.executor.shutdown(wait=False)
            _State.workers = _State.requested - 1
            _State.executor = ThreadPoolExecutor(_State.workers, thread_name_prefix="course")
        bounds = [n * i // k for i in range(k + 1)]
        errors = np.geterr()
        others = [_State.executor.submit(_run_quietly_as, errors, part, bounds[i], bounds[i + 1])
                  for i in range(1, k)]
        try:
            first = part(bounds[0], bounds[1])
        finally:
            wait(others)            # even after an error, no thread is left writing once we return
        return [first] + [f.result() for f in others]      # result() re-raises a worker thread's error here
    finally:
        _busy.release()


def matmul(xp, a, b):
    """a @ b for a 2-D a, its rows shared among the threads (each thread's BLAS call computes whole rows)."""
    small = a.ndim != 2 or b.ndim != 2 or a.shape[0] * b.shape[1] * a.shape[1] < BIG_PRODUCT
    if small or type(a) is not np.ndarray:
        return xp.matmul(a, b)
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))

    def part(lo, hi):
        np.matmul(a[lo:hi], b, out=out[lo:hi])
    over_batch(part, a.shape[0], a, work=BIG_PRODUCT)
    return out
