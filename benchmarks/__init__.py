"""Benchmarks for course: ``python -m benchmarks`` runs every ``benchmarks/bench_*.py`` (its ``main()``).

numpy's BLAS gets one thread here (set before numpy is imported), as torch does in bench_ops: on a
machine shared with other work, multi-threaded BLAS timings are mostly noise. A benchmark that wants
more threads sets them for its own subprocesses (bench_mnist does).
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
