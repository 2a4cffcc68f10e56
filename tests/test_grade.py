"""The grader's parts on a tiny synthetic lab (fast); the real corpus is in test_grade_corpus.py."""
import csv
import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.grading import feedback, prepare
from course.grading.gradebook import Gradebook
from course.grading.grade import submission_names


def _graded(cid, src, gid, points, visibility):
    c = new_code_cell(src)
    c.id = cid
    c.metadata = {"grading": {"grade_id": gid, "points": points, "visibility": visibility},
                  "tags": ["graded", "nbval-check-output"] + (["solution-only"] if visibility == "hidden" else [])}
    c.execution_count = 1
    c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"[ok] {gid}\n")]
    return c


def _code(cid, src):
    c = new_code_cell(src)
    c.id = cid
    return c


def tiny_solution():
    """Three checks: 'double' (visible, 10), 'double-hidden' (hidden, 5), 'answer' (visible, 5)."""
    cells = [_code("lang", 'import course\ncourse.exercises.language("en")'),
             new_markdown_cell("# Tiny lab"),
             _code("impl", "def double(x):\n    return 2 * x"),
             _graded("check-double", "assert double(2) == 4, 'double(2) must be 4'\nprint('[ok] double')",
                     "double", 10, "visible"),
             _graded("hidden-double", "assert double(-3) == -6, 'SECRET-MESSAGE'\nprint('[ok] double-hidden')",
                     "double-hidden", 5, "hidden"),
             _code("answer", "answer = 42"),
             _graded("check-answer", "assert answer == 42\nprint('[ok] answer')", "answer", 5, "visible")]
    cells[1].id = "md"
    nb = new_notebook(cells=cells)
    nb.nbformat_minor = 5
    return nb


def student(solution, **sources):
    nb = nbformat.reads(nbformat.writes(solution), as_version=4)
    nb.cells = [c for c in nb.cells if "solution-only" not in c.metadata.get("tags", [])]
    for cid, src in sources.items():
        next(c for c in nb.cells if c.id == cid).source = src
    return nb


def ids(nb):
    return [c.id for c in nb.cells]


# ---------------------------------------------------------------- load: anything in, a notebook or a reason out

@pytest.mark.parametrize("data, words", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not text"),
    (b'{"cells": []}', "not a Jupyter notebook"),
    (b'[1, 2, 3]', "not a Jupyter notebook"),
    (b'{"nbformat": 2, "cells": []}', "format version 2"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "cells": 7}', "no list of cells"),
])
def test_load_rejects_with_one_sentence(data, words):
    with pytest.raises(prepare.Ungradable) as e:
        prepare.load(data)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_load_converts_nbformat3_and_repairs_cells():
    v3 = nbformat.convert(tiny_solution(), 3)
    nb, notes = prepare.load(nbformat.writes(v3).encode())
    assert nb.nbformat == 4 and ("note_converted", {"version": 3}) in notes
    nbformat.validate(nb)
    raw = {"nbformat": 4, "nbformat_minor": 2, "cells": [{"cell_type": "code", "source": ["x = ", "1"]},
                                                          {"cell_type": "code", "source": "y", "id": "bad id!"},
                                                          "not a cell"]}
    nb, _ = prepare.load(json.dumps(raw).encode())
    nbformat.validate(nb)
    assert [c.source for c in nb.cells] == ["x = 1", "y"] and len(set(ids(nb))) == 2


# ---------------------------------------------------------------- prepare: the solution's checks go back in

def test_prepare_restores_edited_and_deleted_checks_and_adds_hidden_ones():
    sol = tiny_solution()
    sub = student(sol, **{"check-double": "print('[ok] double')"})
    sub.cells = [c for c in sub.cells if c.id != "check-answer"]
    p = prepare.prepare(sub, sol)
    assert ids(p.nb) == ids(sol)
    for c in p.nb.cells:
        assert c.source == next(s for s in sol.cells if s.id == c.id).source
    assert p.edited == ["double"] and p.restored == ["answer"]
    assert p.grade_ids == [None, None, "double", "double-hidden", None, "answer"]


def test_prepare_matches_checks_without_metadata_or_ids():
    sol = tiny_solution()
    sub = student(sol)
    for i, c in enumerate(sub.cells):
        c.metadata = {}
        c.id = f"other-{i}"
    p = prepare.prepare(sub, sol)
    assert p.grade_ids.count("double") == 1 and p.grade_ids.count("answer") == 1 and not p.edited


def test_prepare_strips_student_markers_and_fake_grading_metadata():
    sol = tiny_solution()
    sub = student(sol, impl="# NBVAL_SKIP\ndef double(x):\n    return x  # NBVAL_IGNORE_OUTPUT stays: not a marker line")
    impl = next(c for c in sub.cells if c.id == "impl")
    impl.metadata["tags"] = ["nbval-skip", "raises-exception", "mine"]
    impl.metadata["grading"] = {"grade_id": "bonus", "points": 1000, "visibility": "visible"}
    p = prepare.prepare(sub, sol)
    impl = next(c for c in p.nb.cells if c.id == "impl")
    assert "NBVAL_SKIP" not in impl.source and "return x  # NBVAL_IGNORE_OUTPUT stays" in impl.source
    assert impl.metadata["tags"] == ["mine"] and "grading" not in impl.metadata
    assert ("note_markers", {"count": 1}) in p.notes


def test_notebook_language_from_call_or_metadata():
    sol = tiny_solution()
    assert prepare.notebook_language(student(sol, lang='import course\ncourse.exercises.language("pl")'),
                                     feedback.LANGS) == "pl"
    nb = student(sol, lang="import course")
    nb.metadata["course"] = {"lang": "zh-Hans"}
    assert prepare.notebook_language(nb, feedback.LANGS) == "zh-Hans"


# ---------------------------------------------------------------- feedback, gradebook, names

def test_feedback_names_hidden_checks_but_never_shows_them():
    from course.grading.score import Check, Score
    checks = [Check("double", 10, "visible", passed=False, ran=True, message="AssertionError: double(2) must be 4"),
              Check("double-hidden", 5, "hidden", passed=False, ran=True, message="AssertionError: SECRET-MESSAGE")]
    texts = {"double-hidden": {"pl": {"title": "Podwajanie liczb ujemnych", "hint": "A co z -3?"}}}
    md = feedback.render("ala", "Tiny", "pl", Score(0, 15, "ok", "", checks), texts)
    assert "Podwajanie liczb ujemnych (test ukryty)" in md and "A co z -3?" in md
    assert "SECRET-MESSAGE" not in md and "double(2) must be 4" in md
    assert "Wynik: 0 / 15" in md


def test_every_feedback_language_has_every_message_with_the_same_fields():
    import string
    en = feedback.messages("en")
    for lang in feedback.LANGS:
        msgs = feedback.messages(lang)
        assert set(msgs) == set(en), lang
        for key, text in msgs.items():
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}, (lang, key)


def test_gradebook_rewrites_atomically_and_resumes(tmp_path):
    book = Gradebook(tmp_path / "grades.csv")
    book.put({"submission": "a", "score": "5", "status": "ok", "sha256": "h1", "reason": 'with "quotes", commas'})
    book.put({"submission": "b", "score": "0", "status": "error", "sha256": "h2"})
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert [r["submission"] for r in rows] == ["a", "b"] and rows[0]["reason"] == 'with "quotes", commas'
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]        # no temporary file left behind
    again = Gradebook(tmp_path / "grades.csv", resume=True)
    assert again.unchanged("a", "h1") and not again.unchanged("a", "other")
    assert not again.unchanged("b", "h2")       # a grader error is always retried


def test_submission_names_are_unique_and_safe():
    names = submission_names(["x/alice/lab.ipynb", "x/bob/lab.ipynb", "Zadanie – final (2).ipynb"])
    assert len(set(names)) == 3 and all("/" not in n and " " not in n for n in names)
    assert names[2].startswith("Zadanie")


# ---------------------------------------------------------------- end to end on the tiny lab

def test_course_grade_end_to_end_on_a_tiny_lab(tmp_path):
    sol = tiny_solution()
    nbformat.write(sol, str(tmp_path / "solution.ipynb"))
    subs = {
        "good": student(sol),
        "wrong": student(sol, impl="def double(x):\n    return 3 * x"),      # fails both double checks
        "magic": student(sol, answer="%no_such_magic\nanswer = 42"),
        "dies": student(sol, answer="import os\nos._exit(3)"),
        "loops": student(sol, answer="while True:\n    pass"),
    }
    for name, nb in subs.items():
        nbformat.write(nb, str(tmp_path / f"{name}.ipynb"))
    (tmp_path / "broken.ipynb").write_text("{")
    files = [str(tmp_path / f"{n}.ipynb") for n in list(subs) + ["broken"]]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "course", "grade", "--solution", str(tmp_path / "solution.ipynb"), *files,
           "--out", str(out), "--jobs", "2", "--timeout", "10"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    got = {n: (float(r["score"]), r["status"]) for n, r in rows.items()}
    assert got == {"good": (20, "ok"), "wrong": (5, "ok"), "magic": (15, "ok"), "dies": (15, "crashed"),
                   "loops": (15, "timeout"), "broken": (0, "invalid")}
    assert "exited with code 3" in rows["dies"]["reason"] and "10 s" in rows["loops"]["reason"]
    assert all(r["max_score"] == "20" for r in rows.values())
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == sorted(rows)
    # --resume grades only what changed
    nbformat.write(student(sol), str(tmp_path / "wrong.ipynb"))
    res = subprocess.run(cmd + ["--resume"], check=True, capture_output=True, text=True, timeout=300)
    assert "good: unchanged" in res.stdout and "wrong: unchanged" not in res.stdout
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert rows["wrong"]["score"] == "20" and len(rows) == 6


def test_score_counts_only_passed_cells_with_an_ok_reply():
    from course.grading.run import RunResult
    from course.grading.score import score
    sol = tiny_solution()
    p = prepare.prepare(student(sol), sol)
    n = {gid: i for i, gid in enumerate(p.grade_ids) if gid}
    cells = {n["double"]: {"outcome": "passed", "reply_status": "error", "ename": "UsageError", "event": None},
             n["double-hidden"]: {"outcome": "xpassed", "reply_status": "ok", "event": None},
             n["answer"]: {"outcome": "passed", "reply_status": "ok", "event": None}}
    s = score(sol, p, RunResult(cells=cells), 10, 60, 1024)
    assert (s.score, s.max_score, s.status) == (5, 20, "ok")
    # a timeout before 'answer' ends the submission there, even if a later cell claims to have passed
    cells[n["double"]] = {"outcome": "failed", "reply_status": None, "event": "timeout", "message": "x"}
    s = score(sol, p, RunResult(cells=cells), 10, 60, 1024)
    assert (s.score, s.status) == (0, "timeout")


def test_outcomes_survive_a_killed_pytest(tmp_path):
    """Without pytest's JSON report (pytest killed), the plugin's event lines still say how far it got."""
    from course.grading.run import _read_cells
    (tmp_path / "events.jsonl").write_text(json.dumps({"cell_index": 0, "outcome": "passed", "reply_status": "ok",
                                                       "event": None}) + "\n" + '{"cell_index": 1, "outc')
    cells = _read_cells(tmp_path / "report.json", tmp_path / "events.jsonl")
    assert list(cells) == [0] and cells[0]["outcome"] == "passed"


def test_whole_notebook_time_limit_caps_the_cells(tmp_path):
    sol = tiny_solution()
    nbformat.write(sol, str(tmp_path / "solution.ipynb"))
    nbformat.write(student(sol, answer="import time\ntime.sleep(120)\nanswer = 42"), str(tmp_path / "slow.ipynb"))
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "course", "grade", "--solution", str(tmp_path / "solution.ipynb"),
                    str(tmp_path / "slow.ipynb"), "--out", str(out), "--timeout", "100", "--notebook-timeout", "20"],
                   check=True, capture_output=True, timeout=300)
    row = next(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert (row["score"], row["status"]) == ("15", "timeout")
    limit = float(row["reason"].split("longer than the ")[1].split(" s")[0])
    assert limit < 20 and float(row["seconds"]) < 60


def test_a_kernel_that_never_started_is_the_graders_error_not_the_students():
    from course.grading.run import RunResult
    from course.grading.score import score
    sol = tiny_solution()
    p = prepare.prepare(student(sol), sol)
    cells = {i: {"outcome": "error", "setup_error": "RuntimeError: Wasn't able to establish IOPub", "event": None}
             for i in range(len(p.grade_ids))}
    s = score(sol, p, RunResult(cells=cells, kernel_failed="RuntimeError: Wasn't able to establish IOPub"), 10, 60, 1)
    assert s.status == "error" and "could not be started" in s.reason and s.score == 0
