"""``course release``: a student bundle without solutions or hidden checks, with a Classroom workflow."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.grading import classroom, release

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "pl"
    subprocess.run([sys.executable, "-m", "course", "release", "--lang", "pl", "--out", str(out)], check=True,
                   capture_output=True, timeout=120)
    return out


def test_bundle_has_the_language_and_nothing_secret(bundle):
    assert (bundle / "labs" / "pl" / "mnist_lab.ipynb").exists()
    assert (bundle / "course" / "data" / "mnist" / "t10k-images-idx3-ubyte.gz").exists()
    assert not (bundle / "labs" / "en").exists() and not (bundle / "solutions").exists()
    assert release.audit(bundle) == []
    text = (bundle / "labs" / "pl" / "mnist_lab.ipynb").read_text(encoding="utf-8")
    assert "accuracy-recomputed" not in text and "train-zero-grad" not in text


def test_classroom_workflow_grades_each_visible_check(bundle):
    yaml = pytest.importorskip("yaml")
    flow = yaml.safe_load((bundle / ".github" / "workflows" / "classroom.yml").read_text(encoding="utf-8"))
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
    lab = nbformat.read(str(bundle / "labs" / "pl" / "mnist_lab.ipynb"), as_version=4)
    visible = {c.metadata["grading"]["grade_id"]: c.metadata["grading"]["points"] for c in lab.cells
               if c.metadata.get("grading", {}).get("points")}
    assert {s["with"]["test-name"]: s["with"]["max-score"] for s in graders} == visible
    assert sum(visible.values()) == 65
    reporter = steps[-1]
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert "push" in flow["on"]


def test_audit_finds_planted_solutions(tmp_path):
    nb = nbformat.read(str(ROOT / "solutions" / "mnist" / "mnist_lab.ipynb"), as_version=4)
    (tmp_path / "labs").mkdir()
    nbformat.write(nb, str(tmp_path / "labs" / "leak.ipynb"))
    problems = release.audit(tmp_path)
    assert any("solution block" in p for p in problems) and any("hidden check" in p for p in problems)


def test_classroom_step_reads_the_report(tmp_path):
    lab = ROOT / "labs" / "en" / "mnist_lab.ipynb"
    nb = nbformat.read(str(lab), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    n = next(i for i, c in enumerate(code) if c.metadata.get("grading", {}).get("grade_id") == "evaluate")
    report = tmp_path / "r.json"
    report.write_text(json.dumps({"tests": [{"nodeid": f"labs/en/mnist_lab.ipynb::Cell {n}", "outcome": "passed"},
                                            {"nodeid": "labs/en/mnist_lab.ipynb::Cell 0", "outcome": "failed"}]}))
    assert classroom.check_passed(report, lab, "evaluate")[0]
    assert not classroom.check_passed(report, lab, "accuracy")[0]        # not in the report: not run
    assert not classroom.check_passed(report, lab, "no-such-check")[0]


def test_course_cli_forwards_i18n_and_rejects_unknown_labs(tmp_path):
    res = subprocess.run([sys.executable, "-m", "course", "i18n", "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "extract" in res.stdout and "build" in res.stdout
    res = subprocess.run([sys.executable, "-m", "course", "grade", "--lab", "nope", "x.ipynb", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "unknown lab 'nope'" in res.stderr
