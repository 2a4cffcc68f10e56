"""The MNIST lab's notebooks: the solution's graded cells, the student versions built from it."""
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "mnist" / "mnist_lab.ipynb"
LANGS = ("en", "pl", "ru", "zh-Hant", "zh-Hans")


def graded(nb):
    return [c for c in nb.cells if c.get("metadata", {}).get("grading")]


@pytest.fixture(scope="module")
def solution():
    return nbformat.read(str(SOLUTION), as_version=4)


def test_graded_cells_add_up_to_100_and_are_marked_for_nbval(solution):
    cells = graded(solution)
    meta = [c.metadata["grading"] for c in cells]
    assert sum(m["points"] for m in meta) == 100
    assert len({m["grade_id"] for m in meta}) == len(meta)
    assert {m["visibility"] for m in meta} == {"visible", "hidden"}
    for c, m in zip(cells, meta):
        tags = c.metadata.get("tags", [])
        assert ("solution-only" in tags) == (m["visibility"] == "hidden"), m["grade_id"]
        if m["points"]:
            # asserts, then prints a fixed line, which nbval compares (the stored output is that line)
            assert "nbval-check-output" in tags and "assert " in c.source, m["grade_id"]
            assert [o.get("text") for o in c.outputs] == [f"[ok] {m['grade_id']}\n"], m["grade_id"]


@pytest.mark.parametrize("lang", LANGS)
def test_student_labs_keep_visible_checks_and_never_contain_hidden_ones(solution, lang):
    lab = nbformat.read(str(ROOT / "labs" / lang / "mnist_lab.ipynb"), as_version=4)
    visible = {c.id: c.source for c in graded(solution) if c.metadata["grading"]["visibility"] == "visible"}
    hidden = [c for c in graded(solution) if c.metadata["grading"]["visibility"] == "hidden"]
    assert {c.id: c.source for c in graded(lab)} == visible
    text = nbformat.writes(lab)
    for c in hidden:
        assert c.id not in text and c.metadata["grading"]["grade_id"] not in text
    assert "BEGIN SOLUTION" not in text and "optimizer.zero_grad()" not in text
    assert f'course.exercises.language("{lang}")' in lab.cells[0].source


def test_student_lab_runs_to_its_first_stub(tmp_path):
    """Executed as a student gets it, the first error is a stub's NotImplementedError (in the first check)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.read(str(ROOT / "labs" / "en" / "mnist_lab.ipynb"), as_version=4)
    saved = {k: os.environ.pop(k, None) for k in ("COURSE_GRADING", "COURSE_TESTING")}
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}})
        with pytest.raises(CellExecutionError) as e:
            client.execute()
    finally:
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v
    assert e.value.ename == "NotImplementedError", e.value.evalue
    failed = [c for c in nb.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert [c.id for c in failed] == ["lab-check-model"]
    assert "Net.__init__" in e.value.evalue
