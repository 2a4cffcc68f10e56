"""``python -m course.grading.classroom REPORT NOTEBOOK GRADE_ID``: did one visible check pass?

Used by the GitHub Classroom workflow that ``course release`` writes: one step runs the student's lab under
``pytest --nbval-lax --json-report``; then one autograding step per visible check calls this module, which
exits 0 when that check's cell passed and 1 otherwise (with the reason).
"""
import json
import sys

import nbformat


def check_passed(report_path, notebook_path, grade_id):
    """(passed, message) for the graded cell ``grade_id`` of ``notebook_path`` in a pytest-json-report."""
    nb = nbformat.read(notebook_path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    numbers = [n for n, c in enumerate(code) if (c.metadata.get("grading") or {}).get("grade_id") == grade_id]
    if not numbers:
        return False, f"the check cell {grade_id!r} is missing from {notebook_path}"
    try:
        with open(report_path, encoding="utf-8") as f:
            tests = json.load(f).get("tests", [])
    except (OSError, json.JSONDecodeError) as e:
        return False, f"no test report ({e})"
    for t in tests:
        if t.get("nodeid", "").endswith(f"::Cell {numbers[0]}"):
            if t.get("outcome") == "passed":
                return True, f"{grade_id}: passed"
            crash = (t.get("call") or {}).get("longrepr") or t.get("outcome")
            return False, f"{grade_id}: {t.get('outcome')}\n{str(crash)[-2000:]}"
    return False, f"{grade_id}: not run (an earlier cell stopped the notebook?)"


def main(argv=None):
    report, notebook, grade_id = (argv if argv is not None else sys.argv[1:])[:3]
    ok, message = check_passed(report, notebook, grade_id)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
