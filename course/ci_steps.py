"""CI steps after the unit tests (run by ``python -m course.check_all``):

1. ``python -m course.i18n check``: built notebooks up to date, code identical across languages,
   catalogs complete;
2. ``pytest --nbval`` (strict: every output compared) over the built notebooks, two workers, whole
   notebooks per worker, with ``source/nbval_sanitize.cfg``.

To add notebooks to the nbval run, add a line to NBVAL_SUITES: (name, globs, env). Solved notebooks run
with COURSE_GRADING=1 (a check cell that fails raises, so nbval sees it); student notebooks without it
(their check cells print "not done yet", which is their stored output). Suites with no notebook are skipped.
"""
import glob
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = "source/nbval_sanitize.cfg"

NBVAL_SUITES = [
    ("student lessons", ["lessons/*/*.ipynb"], {"COURSE_GRADING": None}),
    ("solved lessons", ["solutions/lessons/*/*.ipynb"], {"COURSE_GRADING": "1"}),
    # the MNIST lab (issue 6): the solved English source, with --nbval-lax (only the check cells' outputs are
    # compared). The student labs are not run here: they stop at their first stub by design; tests/test_grade_lab.py
    # checks that the first error is that stub's NotImplementedError.
    ("solved lab", ["solutions/mnist/*.ipynb"], {"COURSE_GRADING": "1"}),
]
LAX_SUITES = {"solved lab"}     # suites run with --nbval-lax instead of --nbval


def run(cmd, env=None):
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env)


KERNEL_START_FAILURE = ("RuntimeError: Kernel d",)   # "Kernel died before replying" / "Kernel didn't respond"


def run_capturing(cmd, env=None):
    """Like run, but also returns the printed lines (to tell kernel start-up failures from real ones)."""
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return proc.wait(), lines


def kernel_start_failures(lines):
    """Notebooks whose only failures are a kernel that did not start (a flake of busy machines), or None
    when some failure is real (an output differs, a cell raised...)."""
    flaky, real = set(), set()
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")) and "::" in line:
            path = line.split(" ", 1)[1].split("::", 1)[0]
            (flaky if any(m in line for m in KERNEL_START_FAILURE) else real).add(path)
    return None if real or not flaky else sorted(flaky)


def nbval(name, globs, changes, jobs):
    files = sorted({f for g in globs for f in glob.glob(str(ROOT / g))})
    if not files:
        print(f"nbval {name}: no notebooks yet, skipped", flush=True)
        return 0
    env = dict(os.environ)
    env.pop("COURSE_TESTING", None)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    from course.i18n.execute import BLAS_ONE_THREAD      # same BLAS thread count as when outputs were stored
    env.update(BLAS_ONE_THREAD)
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    mode = "--nbval-lax" if name in LAX_SUITES else "--nbval"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", mode, "--nbval-current-env",
           "--nbval-cell-timeout=600", "--nbval-kernel-startup-timeout=300", "-o", "testpaths=", "-o", "addopts="]
    if (ROOT / SANITIZE).exists():
        cmd += ["--nbval-sanitize-with", SANITIZE]
    if jobs != "0":
        cmd += ["-n", jobs, "--dist", "loadfile"]
    cmd += [os.path.relpath(f, ROOT) for f in files]
    print(f"nbval {name}: {len(files)} notebooks", flush=True)
    status, lines = run_capturing(cmd, env)
    retry = kernel_start_failures(lines) if status else None
    if retry:                       # once, and only the notebooks whose kernel did not start
        print(f"nbval {name}: kernel did not start for {len(retry)} notebook(s); running them again", flush=True)
        status = run(cmd[:-len(files)] + retry, env)
    return status


def main():
    jobs = os.environ.get("COURSE_TEST_JOBS", "2")
    if not glob.glob(str(ROOT / "source" / "lessons" / "*.ipynb")) and not glob.glob(str(ROOT / "solutions/mnist/*.ipynb")):
        print("no source notebooks yet: i18n check and nbval skipped")
        return 0
    status = run([sys.executable, "-m", "course.i18n", "check"])
    for name, globs, changes in NBVAL_SUITES:
        status = nbval(name, globs, changes, jobs) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
