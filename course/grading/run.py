"""Run one prepared notebook under pytest + nbval in its own folder, with time and memory limits.

The command is ``python -m pytest --nbval-lax --nbval-current-env`` plus the grader's plugin
(``course.grading.nbval_plugin``) and pytest-json-report. The kernel sees ``COURSE_GRADING=1``. If pytest
itself overruns the whole-notebook limit (plus a grace period) it is killed with the kernel it started.
"""
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import nbformat

GRACE = 30            # seconds pytest gets after the notebook's deadline to stop the kernel and write its report
NOTEBOOK = "submission.ipynb"
KERNEL_STARTUP = 120  # seconds a kernel may take to start (a busy machine can need more than nbval's 60)


@dataclass
class RunResult:
    cells: dict = field(default_factory=dict)   # code cell number -> what the plugin recorded
    killed: bool = False                         # pytest overran its time and was killed
    collect_error: str = ""                      # pytest could not even start the notebook
    seconds: float = 0.0                         # wall time of the pytest process
    cpu_seconds: float = 0.0                     # CPU time of pytest and the kernel
    kernel_failed: str = ""                      # the kernel could not be started (not the student's fault)
    log: str = ""


def _environment(workdir, threads):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "PYTEST_", "JPY_"))}
    env.update(COURSE_GRADING="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
               IPYTHONDIR=str(workdir / "ipython"), JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="module://matplotlib_inline.backend_inline",
               MPLCONFIGDIR=str(workdir / "mpl"))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def _kill_tree(pid):
    """SIGKILL pytest and every process below it (the kernel runs in a session of its own)."""
    try:
        import psutil
        procs = psutil.Process(pid).children(recursive=True)
    except Exception:
        procs = []
    for p in procs:
        try:
            os.killpg(os.getpgid(p.pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
        try:
            p.kill()
        except Exception:
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run(nb, workdir, cell_timeout, notebook_timeout, memory_mb, threads=1):
    """Grade-run ``nb`` in ``workdir`` (an empty folder); returns a ``RunResult``."""
    work = workdir / "work"                      # the kernel's folder: only the notebook in it
    work.mkdir(parents=True)
    nbformat.write(nb, str(work / NOTEBOOK))
    (workdir / "pytest.ini").write_text("[pytest]\n")
    report, events = workdir / "report.json", workdir / "events.jsonl"
    deadline = time.time() + notebook_timeout
    cmd = [sys.executable, "-m", "pytest", "-c", str(workdir / "pytest.ini"), "--rootdir", str(workdir),
           "-p", "nbval.plugin", "-p", "pytest_jsonreport.plugin", "-p", "course.grading.nbval_plugin",
           "-p", "no:cacheprovider", "--json-report-omit", "log", "streams", "warnings", "keywords",
           "-q", "--tb=short", "--color=no", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout", str(cell_timeout),
           "--nbval-kernel-startup-timeout", str(KERNEL_STARTUP),
           "--course-deadline", str(deadline), "--course-events", str(events),
           "--json-report", "--json-report-file", str(report)]
    if memory_mb:
        cmd += ["--course-memory", str(int(memory_mb))]
    cmd.append(str(work / NOTEBOOK))
    result = RunResult()
    start = time.monotonic()
    with open(workdir / "pytest.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=str(workdir), env=_environment(workdir, threads), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        result.killed, usage = _wait(proc, notebook_timeout + GRACE)
        _kill_tree(proc.pid)
        if usage is None:
            _, _, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
    result.seconds = time.monotonic() - start
    result.cpu_seconds = usage.ru_utime + usage.ru_stime     # pytest and the kernel it waited for
    result.log = (workdir / "pytest.log").read_text(encoding="utf-8", errors="replace")[-20000:]
    result.cells = _read_cells(report, events)
    if not result.cells and not result.killed:
        result.collect_error = _collect_error(report, result.log)
    first = result.cells.get(min(result.cells)) if result.cells else None
    if first is not None and first.get("setup_error") and not any("reply_status" in c for c in result.cells.values()):
        lines = [ln.strip() for ln in first["setup_error"].splitlines() if ln.strip()]
        result.kernel_failed = lines[-1][:200] if lines else "unknown error"
    return result


def _wait(proc, timeout):
    """Wait for ``proc`` at most ``timeout`` s: (timed out?, its rusage or None). ``os.wait4`` rather than
    ``proc.wait`` because its rusage gives the CPU time of pytest and of the kernel it reaped."""
    end = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return False, usage
        if time.monotonic() > end:
            return True, None
        time.sleep(0.05)


def _cell_number(nodeid):
    tail = nodeid.rsplit("::", 1)[-1]
    return int(tail.split()[-1]) if tail.startswith("Cell ") else None


def _read_cells(report, events):
    """Per cell: the plugin's record, with the outcome pytest-json-report gives (the JSON report is the
    authority; the event lines only fill in when pytest was killed before writing it)."""
    cells = {}
    if events.exists():
        for line in events.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                info = json.loads(line)
            except json.JSONDecodeError:
                continue
            cells[info["cell_index"]] = info
    if report.exists():
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            data = {}
        for test in data.get("tests", []):
            n = _cell_number(test.get("nodeid", ""))
            if n is None:
                continue
            info = cells.setdefault(n, {"cell_index": n, "event": None})
            for prop in test.get("user_properties", []):
                info.update(prop.get("course", {}))
            outcome = test.get("outcome")
            info["outcome"] = outcome
            setup = test.get("setup") or {}
            if setup.get("outcome") == "failed" and not test.get("call"):
                info["setup_error"] = str(setup.get("longrepr", ""))[-1000:]
            for stage in ("setup", "call"):
                rep = test.get(stage) or {}
                if rep.get("outcome") in ("failed", "skipped") and rep.get("longrepr"):
                    info.setdefault("longrepr", str(rep["longrepr"])[-3000:])
    return cells


def _collect_error(report, log):
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
        for c in data.get("collectors", []):
            if c.get("outcome") == "failed":
                return str(c.get("longrepr", ""))[-500:]
    except (OSError, json.JSONDecodeError):
        pass
    return log[-500:]
