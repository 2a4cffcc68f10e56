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


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def main():
    jobs = os.environ.get("COURSE_TEST_JOBS", "2")
    status = run([sys.executable, "-m", "pytest", "-q", "-n", jobs, "tests"])
    if status not in (0,):
        return status
    extra = ROOT / "course" / "ci_steps.py"
    if extra.exists():
        status = run([sys.executable, "-m", "course.ci_steps"])
    return status


if __name__ == "__main__":
    sys.exit(main())
