"""A pytest plugin the grader loads next to nbval (``-p course.grading.nbval_plugin``).

With ``--course-memory MB`` it limits this process's address space (``resource.setrlimit``); the kernel
nbval starts inherits the limit, so a huge allocation ends in a ``MemoryError`` inside the notebook.

nbval runs one notebook cell per test. For grading it needs four more things, added here:

- the execute reply's status: a cell whose reply says ``error`` fails, even when nbval saw no
  ``error`` message (a failing ``%magic``, a student's ``NBVAL_RAISES_EXCEPTION``);
- a dead kernel (``os._exit``, killed for memory) is noticed within a second, not after the cell timeout;
- a time budget for the whole notebook: each cell gets ``min(cell timeout, time left)``;
- after a timeout or a dead kernel the remaining cells are skipped (they earn nothing).

Every test's result is also appended to ``--course-events`` (one JSON line, flushed), so a run killed
from outside still says how far it got. Each test carries ``user_properties`` ``course`` with the cell's
grading metadata and what happened.
"""
import json
import sys
import time
from queue import Empty

# nbformat -> jsonschema imports rfc3987_syntax (only for "iri" string formats, which notebooks never use);
# building its grammar takes ~1.5 s, a third of the grading overhead per submission. Skip it here.
sys.modules.setdefault("rfc3987_syntax", None)

import pytest  # noqa: E402

from nbval.kernel import RunningKernel  # noqa: E402
from nbval.plugin import IPyNbCell  # noqa: E402

POLL = 0.5               # seconds between two checks that the kernel is still alive
MAX_LONGREPR = 4000      # characters of a failure kept in the report (outputs can be megabytes)


class KernelDied(Exception):
    """The kernel process ended while a cell was running."""


def pytest_addoption(parser):
    g = parser.getgroup("course grading")
    g.addoption("--course-deadline", type=float, default=None, help="epoch seconds: stop running cells then")
    g.addoption("--course-events", default=None, help="append one JSON line per test result to this file")
    g.addoption("--course-memory", type=int, default=None,
                help="address-space limit in MB for this process and so for the kernel it starts")


def pytest_configure(config):
    mb = config.getoption("course_memory", None)
    if mb:
        import resource
        for kind in (resource.RLIMIT_AS, resource.RLIMIT_DATA):   # macOS refuses RLIMIT_AS
            soft, hard = resource.getrlimit(kind)
            limit = mb * 2 ** 20 if hard == resource.RLIM_INFINITY else min(mb * 2 ** 20, hard)
            try:
                resource.setrlimit(kind, (limit, hard))
                break
            except (ValueError, OSError):
                continue


_original_execute = RunningKernel.execute_cell_input


def _execute_cell_input(self, cell_input, allow_stdin=None):
    self.course_reply = None
    msg_id = _original_execute(self, cell_input, allow_stdin=allow_stdin)
    self.course_msg_id = msg_id
    return msg_id


def _await_reply(self, msg_id, timeout=None):
    """nbval's await_reply, keeping the reply and checking every POLL seconds that the kernel lives."""
    start = time.monotonic()
    while True:
        wait = POLL if timeout is None else max(0.0, min(POLL, timeout - (time.monotonic() - start)))
        try:
            msg = self.get_message(stream="shell", timeout=wait)
        except Empty:
            if not self.is_alive():
                raise KernelDied(_exit_description(self)) from None
            if timeout is not None and time.monotonic() - start >= timeout:
                raise
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] == "aborted":
                raise RuntimeError("Kernel aborted execution request")
            if msg_id == getattr(self, "course_msg_id", None):
                self.course_reply = msg["content"]
            return


def _exit_description(kernel):
    code = None
    try:
        code = kernel.km.provisioner.process.poll()
    except Exception:
        pass
    if code is None:
        return "the kernel died"
    if code < 0:
        return f"the kernel was killed by signal {-code}"
    return f"the kernel exited with code {code}"


RunningKernel.execute_cell_input = _execute_cell_input
RunningKernel.await_reply = _await_reply


class _State:
    stop_reason = None     # set once the notebook cannot go on (timeout, dead kernel, time budget)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if not isinstance(item, IPyNbCell):
        return
    if _State.stop_reason:
        pytest.skip(f"not run: {_State.stop_reason}")
    kernel = item.parent.kernel
    if kernel is not None and not kernel.is_alive():    # None: nbval starts it in the file's setup
        _State.stop_reason = "the kernel died"
        pytest.skip("not run: the kernel died")
    deadline = item.config.getoption("course_deadline")
    if deadline is not None:
        left = deadline - time.time()
        if left <= 0:
            _State.stop_reason = "the notebook's time limit was reached"
            pytest.skip(f"not run: {_State.stop_reason}")
        if not hasattr(item.config, "_course_cell_timeout"):
            item.config._course_cell_timeout = item.config.option.nbval_cell_timeout
        item.config.option.nbval_cell_timeout = max(1.0, min(item.config._course_cell_timeout, left))


def _kernel_cpu(item):
    """CPU seconds the kernel process has used so far (None when unknown)."""
    try:
        import psutil
        t = psutil.Process(item.parent.kernel.km.provisioner.process.pid).cpu_times()
        return t.user + t.system + t.children_user + t.children_system
    except Exception:
        return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Measure the kernel's CPU time for the cell: the notebook's own work, as opposed to the grader's."""
    before = _kernel_cpu(item) if isinstance(item, IPyNbCell) else None
    yield
    after = _kernel_cpu(item) if before is not None else None
    if after is not None:
        item.course_cpu = round(after - before, 3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not isinstance(item, IPyNbCell) or call.when != "call":
        return
    kernel = item.parent.kernel
    reply = getattr(kernel, "course_reply", None) if kernel is not None else None
    info = {"cell_index": item.cell_num, "cell_id": item.cell.get("id"),
            "grading": dict(item.cell.metadata.get("grading", {}) or {}),
            "reply_status": (reply or {}).get("status"), "event": None, "message": None}
    exc = call.excinfo.value if call.excinfo is not None else None
    if isinstance(exc, KernelDied):
        info["event"], info["message"] = "kernel_died", str(exc)
        _State.stop_reason = str(exc)
    elif exc is not None and "Kernel dead" in str(exc):
        info["event"], info["message"] = "kernel_died", "the kernel died"
        _State.stop_reason = "the kernel died"
    elif item.parent.timed_out:
        info["event"], info["limit"] = "timeout", item.config.option.nbval_cell_timeout
        info["message"] = f"a cell ran longer than {info['limit']:g} s"
        _State.stop_reason = "a previous cell timed out"
    if reply is not None and reply.get("status") == "error":
        info["ename"], info["evalue"] = str(reply.get("ename", ""))[:200], str(reply.get("evalue", ""))[:500]
        if report.passed:
            report.outcome = "failed"
            report.longrepr = (f"the kernel answered status 'error' ({info['ename']}: {info['evalue']}) "
                               "although nbval let the cell pass")
    if report.longrepr is not None:
        text = str(report.longrepr)
        if len(text) > MAX_LONGREPR:
            report.longrepr = text[:MAX_LONGREPR] + f"\n... ({len(text) - MAX_LONGREPR} more characters)"
    info["duration"] = round(report.duration, 3)
    info["cpu"] = getattr(item, "course_cpu", None)
    info["outcome"] = "xpassed" if (report.passed and hasattr(report, "wasxfail")) else report.outcome
    item.user_properties.append(("course", info))
    path = item.config.getoption("course_events")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(info) + "\n")
            f.flush()
