"""``course release --lang L --out DIR``: what the students of one language get.

The bundle holds the framework (``course/``, with its shipped MNIST files), the student lessons and labs
of language L, the project files to install it, and ``.github/workflows/classroom.yml``: a GitHub Classroom
workflow that runs the lab's visible checks on every push (one autograding step per check, with its
points). No solutions, no hidden checks: the bundle is scanned for both before it is written.
"""
import shutil
from pathlib import Path

import nbformat

from .grade import ROOT

LANGS = ("en", "pl", "ru", "zh-Hant", "zh-Hans")
PROJECT_FILES = ("pyproject.toml", "README.md", "Makefile", "environment.yml", "LICENSE")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


class ReleaseError(Exception):
    pass


def release(lang, out, root=ROOT):
    """Write the bundle of ``lang`` into ``out`` (which must not exist or be empty); returns its path."""
    root, out = Path(root), Path(out)
    if lang not in LANGS:
        raise SystemExit(f"course release: unknown language {lang!r} (one of {', '.join(LANGS)})")
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"course release: {out} is not empty")
    labs = sorted((root / "labs" / lang).glob("*.ipynb"))
    if not labs:
        raise SystemExit(f"course release: no labs in {root / 'labs' / lang}; build them with `course i18n build`")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "course", out / "course", ignore=SKIP)
    for name in PROJECT_FILES:
        if (root / name).exists():
            shutil.copy2(root / name, out / name)
    for folder in ("lessons", "labs"):
        if (root / folder / lang).is_dir():
            shutil.copytree(root / folder / lang, out / folder / lang, ignore=SKIP)
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(classroom_workflow(lang, [out / "labs" / lang / p.name for p in labs], out), encoding="utf-8")
    problems = audit(out)
    if problems:
        shutil.rmtree(out)
        raise ReleaseError("the bundle would leak solutions:\n" + "\n".join(problems))
    return out


def audit(bundle):
    """Everything in ``bundle`` that must not reach students, one line each."""
    problems = []
    bundle = Path(bundle)
    for path in bundle.rglob("*"):
        rel = path.relative_to(bundle)
        if rel.parts[0] in ("solutions", "tests", "source"):
            problems.append(f"{rel}: solutions, tests and sources stay with the instructors")
    for path in bundle.rglob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        if "# BEGIN SOLUTION" in text:
            problems.append(f"{path.relative_to(bundle)}: contains a solution block")
        nb = nbformat.reads(text, as_version=4)
        for c in nb.cells:
            g = c.get("metadata", {}).get("grading") or {}
            if g.get("visibility") == "hidden" or "solution-only" in c.get("metadata", {}).get("tags", []):
                problems.append(f"{path.relative_to(bundle)}:cell {c.get('id')}: a hidden check")
    return problems


def classroom_workflow(lang, labs, bundle):
    """The text of .github/workflows/classroom.yml: run each lab once, then one graded step per visible check."""
    lines = [
        "# GitHub Classroom: the labs' visible checks run on every push (written by `course release`).",
        "# The instructor's `course grade` adds hidden checks and restores edited check cells; this is for practice.",
        "name: Autograding Tests",
        "'on':",
        "- push",
        "- repository_dispatch",
        "- workflow_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    timeout-minutes: 30",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "    - name: Checkout code",
        "      uses: actions/checkout@v4",
        "    - uses: actions/setup-python@v5",
        "      with:",
        "        python-version: '3.11'",
        "    - name: Install the course",
        "      run: python -m pip install -e '.[dev]'",
    ]
    runners = []
    for lab in labs:
        rel = lab.relative_to(bundle).as_posix()
        report = f"{lab.stem}-report.json"
        lines += [
            f"    - name: Run {rel}",
            "      continue-on-error: true",
            "      env:",
            "        COURSE_GRADING: '1'",
            "        OMP_NUM_THREADS: '1'",
            "        OPENBLAS_NUM_THREADS: '1'",
            f"      run: python -m pytest -p no:cacheprovider -o addopts= --nbval-lax --nbval-current-env "
            f"--nbval-cell-timeout=300 --json-report --json-report-file={report} '{rel}'",
        ]
        nb = nbformat.read(str(lab), as_version=4)
        for c in nb.cells:
            g = c.get("metadata", {}).get("grading") or {}
            if not g or g.get("visibility") != "visible" or not g.get("points"):
                continue
            step = f"{lab.stem}-{g['grade_id']}".replace("_", "-")
            runners.append(step)
            lines += [
                f"    - name: {g['grade_id']} ({g['points']} points)",
                f"      id: {step}",
                "      uses: classroom-resources/autograding-command-grader@v1",
                "      with:",
                f"        test-name: {g['grade_id']}",
                "        setup-command: ''",
                f"        command: python -m course.grading.classroom {report} '{rel}' {g['grade_id']}",
                "        timeout: 5",
                f"        max-score: {g['points']}",
            ]
    lines += ["    - name: Autograding Reporter",
              "      uses: classroom-resources/autograding-grading-reporter@v1",
              "      env:"]
    lines += [f"        {r.upper().replace('-', '_')}_RESULTS: \"${{{{steps.{r}.outputs.result}}}}\"" for r in runners]
    lines += ["      with:", f"        runners: {','.join(runners)}", ""]
    return "\n".join(lines)
