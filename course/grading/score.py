"""From per-cell outcomes to a score, a status and a one-sentence reason.

A graded cell earns its points only when its test *passed* and the kernel's execute reply said ``ok``
(an ``xpassed`` after a timeout, a skip, a failure or a missing test earn nothing). A timeout or a dead
kernel ends the submission: the points earned before it stay, nothing after it runs.
"""
from dataclasses import dataclass, field

STATUSES = ("ok", "timeout", "crashed", "invalid", "error")


@dataclass
class Check:
    grade_id: str
    points: float
    visibility: str
    title: str = ""
    passed: bool = False
    ran: bool = False
    message: str = ""          # why it failed (visible checks only end up in the feedback)


@dataclass
class Score:
    score: float
    max_score: float
    status: str
    reason: str
    checks: list = field(default_factory=list)
    notebook_seconds: float = 0.0                # wall time of the cells themselves
    notebook_cpu: float = 0.0                    # CPU time of the kernel while it ran the cells
    events: list = field(default_factory=list)   # [(message key, fields)] for the feedback


def checks_of(solution):
    """The graded cells of the solution, in order, as ``Check`` objects."""
    from .prepare import grading_of
    out = []
    for cell in solution.cells:
        g = grading_of(cell)
        if g:
            out.append(Check(g["grade_id"], float(g.get("points", 0)), g.get("visibility", "visible"),
                             g.get("title", g["grade_id"])))
    return out


def _first_line(text, limit=300):
    for line in str(text or "").splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def _failure(info):
    if info.get("ename"):
        return _first_line(f"{info['ename']}: {info.get('evalue', '')}")
    rep = str(info.get("longrepr", ""))
    for line in rep.splitlines():
        if "Error" in line or "assert" in line.lower() or "differ" in line:
            return _first_line(line)
    return _first_line(rep)


def score(solution, prepared, result, cell_timeout, notebook_timeout, memory_mb):
    """A ``Score`` for one run (``result`` from ``run.run``) of a ``prepare.Prepared`` notebook."""
    checks = checks_of(solution)
    status, reason, events, stop_at = _what_happened(result, cell_timeout, notebook_timeout, memory_mb)
    _judge(checks, prepared, result, stop_at)
    broken = [f"{n + 1} ({result.cells[n].get('ename') or 'error'})" for n in sorted(result.cells)
              if result.cells[n].get("outcome") == "failed" and result.cells[n].get("event") is None
              and (n >= len(prepared.grade_ids) or prepared.grade_ids[n] is None)]
    if broken:
        events.append(("event_cell_errors", {"cells": ", ".join(broken)}))
    if result.kernel_failed:
        status, reason = "error", f"the notebook's kernel could not be started ({result.kernel_failed}); grade it again"
    if result.collect_error and not result.cells:
        status, reason = "error", "the notebook could not be started: " + _first_line(result.collect_error, 200)
    if status == "ok":
        failed = [c.grade_id for c in checks if not c.passed]
        reason = "all checks passed" if not failed else f"{len(failed)} check(s) failed: {', '.join(failed)}"
    return Score(sum(c.points for c in checks if c.passed), sum(c.points for c in checks), status, reason, checks,
                 notebook_seconds=sum(float(i.get("duration") or 0) for i in result.cells.values()),
                 notebook_cpu=sum(float(i.get("cpu") or 0) for i in result.cells.values()), events=events)


def _what_happened(result, cell_timeout, notebook_timeout, memory_mb):
    """(status, reason, events, number of the cell where the run stopped or None)."""
    status, reason, events, stop_at = "ok", "", [], None
    for n in sorted(result.cells):
        info = result.cells[n]
        if info.get("event") == "timeout" and stop_at is None:
            limit = float(info.get("limit") or cell_timeout)   # less than --timeout near the notebook's limit
            status, stop_at = "timeout", n
            reason = f"code cell {n + 1} ran longer than the {limit:g} s limit, so grading stopped there"
            events.append(("event_timeout", {"cell": n + 1, "seconds": f"{limit:g}"}))
        elif info.get("event") == "kernel_died" and stop_at is None:
            msg = info.get("message") or "the kernel died"
            status, stop_at = "crashed", n
            reason = f"{msg} in code cell {n + 1}, so grading stopped there"
            events.append(("event_died", {"cell": n + 1, "what": msg}))
        if info.get("ename") == "MemoryError":
            events.append(("event_memory", {"cell": n + 1, "mb": memory_mb}))
        if info.get("ename") == "SystemExit":
            events.append(("event_exit", {"cell": n + 1}))
    out_of_time = any("time limit" in str(i.get("longrepr", "")) for i in result.cells.values())
    if status == "ok" and (result.killed or out_of_time):
        status = "timeout"
        reason = f"the notebook ran longer than the {notebook_timeout:g} s limit, so grading stopped"
        events.append(("event_notebook_timeout", {"seconds": f"{notebook_timeout:g}"}))
    return status, reason, events, stop_at


def _judge(checks, prepared, result, stop_at):
    """Mark each check passed (its cell passed with an ``ok`` reply, before any stop), failed or not run."""
    by_gid = {c.grade_id: c for c in checks}
    for n, gid in enumerate(prepared.grade_ids):
        if gid not in by_gid:
            continue
        check, info = by_gid[gid], result.cells.get(n)
        if info is None or info.get("outcome") == "skipped":
            check.message = "not run"
            continue
        check.ran = True
        check.passed = (info.get("outcome") == "passed" and info.get("reply_status") == "ok"
                        and (stop_at is None or n < stop_at))
        if not check.passed:
            check.message = _failure(info) or info.get("outcome", "")
