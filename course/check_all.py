"""``python -m course.check_all``: the whole test suite, as CI runs it (what ``make test`` calls).

1. pytest over tests/ (parallel with pytest-xdist);
2. the i18n check (built notebooks up to date, code identical across languages), when lessons exist;
3. nbval over every built notebook (lessons and solutions), when they exist.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# pytest-xdist runs one process per core: each gets one BLAS thread, or two BLAS thread pools fight over
# two cores and small matmuls get ten times slower
ONE_BLAS_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(cmd, env=None):
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def main():
    jobs = os.environ.get("COURSE_TEST_JOBS", "2")
    env = {**os.environ, **ONE_BLAS_THREAD} if jobs != "0" else None
    status = run([sys.executable, "-m", "pytest", "-q", "-n", jobs, "tests"], env)
    # the notebooks run even when a unit test failed, so one CI run reports everything
    status = run([sys.executable, "-m", "course.ci_steps"]) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
