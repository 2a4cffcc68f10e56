"""``course grade``: grade many submissions of a lab, in parallel, one fresh folder each.

For each submission: read it (``prepare.load``), put the solution's graded cells back
(``prepare.prepare``), run it under nbval with limits (``run.run``), score the outcomes
(``score.score``), write ``feedback/<name>.md`` and its row of ``grades.csv`` (``gradebook``).
Whatever goes wrong with one submission becomes its row's status and reason, never a crash.
"""
import hashlib
import os
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import feedback, prepare, run, score
from .gradebook import Gradebook

ROOT = Path(__file__).resolve().parent.parent.parent
GRADER_VERSION = "1"      # part of every row's sha256: bump it and --resume regrades everything
LABS = {"mnist": ("solutions/mnist/mnist_lab.ipynb", "MNIST lab")}


@dataclass
class Options:
    cell_timeout: float = 300.0       # seconds for one cell
    notebook_timeout: float = 900.0   # seconds for the whole notebook
    memory_mb: int = 4096             # address-space limit of the kernel (and of pytest around it)
    threads: int = 1                  # BLAS threads per kernel


@dataclass
class Lab:
    title: str
    solution_path: Path
    solution: object
    checks_json: dict
    digest: str

    @classmethod
    def load(cls, name=None, solution=None, root=ROOT):
        """The lab ``name`` of this checkout, or any solution notebook given by path."""
        import json
        if solution is None:
            if name not in LABS:
                raise SystemExit(f"course grade: unknown lab {name!r} (known: {', '.join(sorted(LABS))})")
            rel, title = LABS[name]
            path = Path(root) / rel
        else:
            path, title = Path(solution), Path(solution).stem
        if not path.exists():
            raise SystemExit(f"course grade: the solution notebook {path} does not exist (graders need a "
                             "checkout of the course with its solutions/ folder)")
        data = path.read_bytes()
        checks_path = path.parent / "checks.json"
        checks_json = json.loads(checks_path.read_text(encoding="utf-8")) if checks_path.exists() else {}
        return cls(title, path, nbformat.reads(data.decode("utf-8"), as_version=4), checks_json,
                   hashlib.sha256(data).hexdigest())


def submission_names(paths):
    """A unique, file-name-safe name per submission: its file stem, with parent folders when needed."""
    def clean(s):
        return re.sub(r"[^\w.-]+", "_", s).strip("._") or "submission"
    names = [clean(Path(p).stem) for p in paths]
    for depth in range(1, 6):       # only clashing names get their parent folders in front
        clashing = {n for n in names if names.count(n) > 1}
        if not clashing:
            break
        names = [clean("__".join(Path(p).resolve().parts[-depth - 1:-1] + (Path(p).stem,))) if n in clashing else n
                 for p, n in zip(paths, names)]
    seen, out = {}, []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def fingerprint(data, lab, options):
    h = hashlib.sha256(GRADER_VERSION.encode())
    h.update(lab.digest.encode())
    h.update(f"{options.cell_timeout}/{options.notebook_timeout}/{options.memory_mb}".encode())
    h.update(data)
    return h.hexdigest()


def grade_one(path, name, lab, options, out_dir):
    """Grade one submission file; returns its grades.csv row (and writes its feedback). Never raises."""
    try:
        return _grade_one(path, name, lab, options, out_dir)
    except Exception as e:   # a bug of the grader must not cost the other submissions their rows
        return error_row(path, name, lab, e)


def error_row(path, name, lab, exc):
    max_score = sum(c.points for c in score.checks_of(lab.solution))
    return {"submission": name, "score": "0", "max_score": f"{max_score:g}", "status": "error",
            "reason": f"the grader failed on this submission ({type(exc).__name__}: {exc})"[:300], "file": str(path)}


def _grade_one(path, name, lab, options, out_dir):
    start, own_cpu = time.monotonic(), time.thread_time()
    path = Path(path)
    data, lang, notes = b"", "en", []
    sc = None
    try:
        data = path.read_bytes()
    except OSError as e:
        sc = _no_run(lab, "invalid", f"the file could not be read ({e.strerror or type(e).__name__})")
    digest = fingerprint(data, lab, options)
    run_cpu = 0.0
    if sc is None:
        try:
            nb, notes = prepare.load(data)
            kernel = prepare.kernel_language(nb)
            if kernel.lower() != "python":
                raise prepare.Ungradable(f"the notebook was written for another programming language ({kernel}), "
                                         "not for Python")
            prepared = prepare.prepare(nb, lab.solution, feedback.LANGS)
            lang = prepared.language
            asked = _asked_language(nb)
            if asked and asked not in feedback.LANGS:
                notes.append(("note_language", {"code": asked}))
            notes += prepared.notes
            for attempt in range(2):      # a kernel that fails to start (overloaded machine) gets one retry
                with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
                    result = run.run(prepared.nb, Path(tmp), options.cell_timeout, options.notebook_timeout,
                                     options.memory_mb, options.threads)
                if not result.kernel_failed:
                    break
            run_cpu = result.cpu_seconds
            sc = score.score(lab.solution, prepared, result, options.cell_timeout, options.notebook_timeout,
                             options.memory_mb)
        except prepare.Ungradable as e:
            sc = _no_run(lab, "invalid", str(e))
        except Exception as e:  # the grader's own bug: still a row, with what went wrong
            sc = _no_run(lab, "error", f"the grader failed on this submission ({type(e).__name__}: {e})"[:300])
    try:
        fb = feedback.render(name, lab.title, lang, sc, lab.checks_json, notes)
        (out_dir / "feedback").mkdir(parents=True, exist_ok=True)
        (out_dir / "feedback" / f"{name}.md").write_text(fb, encoding="utf-8")
    except Exception as e:
        sc.reason += f" (the feedback could not be written: {type(e).__name__})"
    seconds = time.monotonic() - start
    run_cpu += time.thread_time() - own_cpu         # this thread's own work: reading, preparing, scoring, feedback
    return {"submission": name, "score": f"{sc.score:g}", "max_score": f"{sc.max_score:g}", "status": sc.status,
            "reason": sc.reason, "language": lang, "notes": "; ".join(feedback.text("en", k, **f) for k, f in notes),
            "file": str(path), "sha256": digest, "seconds": f"{seconds:.2f}",
            "notebook_seconds": f"{sc.notebook_seconds:.2f}",
            "overhead_seconds": f"{max(0.0, seconds - sc.notebook_seconds):.2f}",
            "cpu_seconds": f"{run_cpu:.2f}", "notebook_cpu_seconds": f"{sc.notebook_cpu:.2f}",
            "overhead_cpu_seconds": f"{max(0.0, run_cpu - sc.notebook_cpu):.2f}"}


def _asked_language(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            m = prepare.LANGUAGE_RE.search(prepare.source_of(cell))
            if m:
                return m.group(2)
    return None


def _no_run(lab, status, reason):
    return score.Score(0.0, sum(c.points for c in score.checks_of(lab.solution)), status, reason,
                       score.checks_of(lab.solution))


def grade(paths, out_dir, lab, options=None, jobs=1, resume=False, log=print):
    """Grade every submission in ``paths`` into ``out_dir``; returns the rows written in this run."""
    options = options or Options()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = Gradebook(out_dir / "grades.csv", resume=resume)
    names = submission_names(paths)
    todo = []
    for path, name in zip(paths, names):
        if resume:
            try:
                data = Path(path).read_bytes()
            except OSError:
                data = b""
            if book.unchanged(name, fingerprint(data, lab, options)):
                log(f"{name}: unchanged, kept ({book.rows[name]['score']}/{book.rows[name]['max_score']})")
                continue
        todo.append((path, name))
    if options.threads is None or options.threads < 1:
        options.threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
    rows, todo_names = [], [(n, p) for p, n in todo]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_one, p, n, lab, options, out_dir): n for p, n in todo}
        try:
            for fut in as_completed(futures):
                try:
                    row = fut.result()
                except Exception as e:
                    name = futures[fut]
                    row = error_row(dict(todo_names)[name], name, lab, e)
                book.put(row)
                rows.append(row)
                log(f"{row['submission']}: {row['score']}/{row['max_score']} {row['status']}: {row['reason']} "
                    f"({row['seconds']} s)")
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return rows
