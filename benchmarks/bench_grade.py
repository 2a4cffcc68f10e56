"""Grading overhead: how long ``course grade`` spends on a submission besides running its notebook.

Grades N copies of a submission (default: the corpus's correct MNIST lab) with ``--jobs J`` and reports,
per submission, the wall time, the notebook's own execution (sum of its cells' run times) and the rest:
reading and preparing the notebook, starting pytest and the kernel, stopping them, scoring, writing the
feedback and grades.csv. The issue's budget for that rest is 5 s per submission. The same rest is also
given in CPU seconds (the grader's thread, pytest and the kernel outside its cells), which a machine shared
with other work does not inflate the way it inflates wall time.

    python -m benchmarks.bench_grade [--n 10] [--jobs 2] [--submission PATH]
"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 5.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10, help="submissions to grade (copies of --submission)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--submission", default=str(ROOT / "tests" / "submissions" / "correct.ipynb"))
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        tmp = Path(tmp)
        files = []
        for i in range(a.n):
            files.append(tmp / f"student{i:02d}.ipynb")
            shutil.copy(a.submission, files[-1])
        cmd = [sys.executable, "-m", "course", "grade", "--lab", "mnist", *map(str, files), "--out", str(tmp / "out"),
               "--jobs", str(a.jobs), "--timeout", str(a.timeout)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        total = time.perf_counter() - start
        rows = list(csv.DictReader(open(tmp / "out" / "grades.csv", encoding="utf-8")))
    over = [float(r["overhead_seconds"]) for r in rows]
    over_cpu = [float(r["overhead_cpu_seconds"]) for r in rows]
    nbs = [float(r["notebook_seconds"]) for r in rows]
    print(f"graded {len(rows)} submissions with --jobs {a.jobs} in {total:.1f} s "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"{'submission':<12} {'score':>6} {'status':<8} {'wall s':>7} {'notebook s':>10} {'overhead s':>10} "
          f"{'overhead cpu s':>14}")
    for r in rows:
        print(f"{r['submission']:<12} {r['score']:>6} {r['status']:<8} {float(r['seconds']):>7.1f} "
              f"{float(r['notebook_seconds']):>10.1f} {float(r['overhead_seconds']):>10.2f} "
              f"{float(r['overhead_cpu_seconds']):>14.2f}")
    print(f"notebook execution: median {statistics.median(nbs):.1f} s wall")
    print(f"overhead (wall): median {statistics.median(over):.2f} s, max {max(over):.2f} s "
          f"(budget {BUDGET:g} s: {'OK' if max(over) <= BUDGET else 'OVER'})")
    print(f"overhead (CPU of grader thread + pytest + kernel outside the cells): median "
          f"{statistics.median(over_cpu):.2f} s, max {max(over_cpu):.2f} s; on an idle machine wall ~ CPU")
    return rows


if __name__ == "__main__":
    main()
