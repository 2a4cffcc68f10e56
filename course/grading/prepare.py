"""Turn whatever a student handed in into the notebook the grader runs.

1. ``load``: read the file, whatever it is (bad JSON, nbformat 3, cells without ids or metadata...),
   into a valid nbformat 4.5 notebook, or raise ``Ungradable`` with a one-sentence reason.
2. ``prepare``: put back every graded cell of the solution by ``grade_id`` (edited ones replaced, deleted
   ones re-added, hidden ones added), strip the nbval markers and tags the student wrote, clear the
   student's outputs. Returns the notebook, the grade_id of each code cell, and notes for the feedback.
"""
import copy
import json
import re
from dataclasses import dataclass, field

import nbformat

LANGUAGE_RE = re.compile(r'course\.exercises\.language\(\s*(["\'])([A-Za-z-]*)\1\s*\)')
NBVAL_COMMENTS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_CHECK_OUTPUT", "NBVAL_RAISES_EXCEPTION", "NBVAL_SKIP",
                  "PYTEST_VALIDATE_IGNORE_OUTPUT")
NBVAL_TAGS = {m.lower().replace("_", "-") for m in NBVAL_COMMENTS} | {"raises-exception"}
MAX_BYTES = 200 * 2 ** 20     # a notebook larger than this is not read at all


class Ungradable(Exception):
    """The submission cannot be graded; ``str(e)`` is the one-sentence reason."""


@dataclass
class Prepared:
    nb: object                                   # the notebook to run
    grade_ids: list                              # per code cell (nbval's "Cell N"): its grade_id or None
    language: str = "en"
    notes: list = field(default_factory=list)    # [(message key, fields)] for the feedback
    edited: list = field(default_factory=list)   # grade_ids whose cell the student had changed
    restored: list = field(default_factory=list)  # grade_ids of visible checks the student had deleted


def grading_of(cell):
    """The grading metadata of a cell (``{"grade_id", "points", "visibility"}``) or None."""
    meta = cell.get("metadata") or {}
    g = meta.get("grading") if isinstance(meta, dict) else None
    return g if isinstance(g, dict) and g.get("grade_id") else None


def source_of(cell):
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _same(a, b):
    return [ln.rstrip() for ln in a.strip().splitlines()] == [ln.rstrip() for ln in b.strip().splitlines()]


def load(data):
    """A valid nbformat 4.5 notebook from the bytes of a submission, or ``Ungradable``."""
    if len(data) > MAX_BYTES:
        raise Ungradable(f"the file is {len(data) / 2 ** 20:.0f} MB, more than a notebook can reasonably be")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Ungradable("the file is not text (UTF-8), so it is not a Jupyter notebook") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise Ungradable(f"the file is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise Ungradable("the file is JSON but not a Jupyter notebook (no 'nbformat' field)")
    version = raw.get("nbformat")
    notes = []
    if not isinstance(version, int) or version < 3 or version > 4:
        raise Ungradable(f"the notebook has format version {version!r}, which cannot be converted to version 4")
    if version == 3:
        try:
            from nbformat.v3.rwbase import rejoin_lines
            raw = nbformat.v4.upgrade(rejoin_lines(nbformat.from_dict(raw)), from_version=3,
                                      from_minor=raw.get("nbformat_minor", 0))
        except Exception as e:
            raise Ungradable(f"the nbformat 3 notebook could not be converted to version 4 ({type(e).__name__})") from None
        notes.append(("note_converted", {"version": 3}))
    if not isinstance(raw.get("cells"), list):
        raise Ungradable("the notebook has no list of cells")
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    meta = raw.get("metadata")
    nb.metadata = copy.deepcopy(meta) if isinstance(meta, dict) else {}
    ids = set()
    for i, c in enumerate(raw["cells"]):
        if not isinstance(c, dict):
            continue
        kind, src = c.get("cell_type"), source_of(c)
        if kind == "code":
            cell = nbformat.v4.new_code_cell(src)
        elif kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_raw_cell(src)
        cid = c.get("id")
        if not isinstance(cid, str) or not re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", cid) or cid in ids:
            cid = f"submission-cell-{i}"
        cell.id = cid
        ids.add(cid)
        m = c.get("metadata")
        cell.metadata = copy.deepcopy(m) if isinstance(m, dict) else {}
        nb.cells.append(cell)
    return nb, notes


def kernel_language(nb):
    """The programming language the notebook was written for (``python`` when it does not say)."""
    for meta, key in ((nb.metadata.get("kernelspec"), "language"), (nb.metadata.get("language_info"), "name")):
        if isinstance(meta, dict) and isinstance(meta.get(key), str) and meta[key]:
            return meta[key]
    return "python"


def notebook_language(nb, known):
    """The language the notebook speaks: its ``course.exercises.language(...)`` call, else its metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            m = LANGUAGE_RE.search(source_of(cell))
            if m and m.group(2) in known:
                return m.group(2)
    lang = (nb.metadata.get("course") or {}).get("lang") if isinstance(nb.metadata.get("course"), dict) else None
    return lang if lang in known else "en"


def strip_markers(cell):
    """Remove nbval comment markers and tags from a student's cell; True if there were any."""
    changed = False
    if cell.cell_type == "code":
        lines = source_of(cell).split("\n")
        for i, line in enumerate(lines):
            s = line.strip()
            if s.startswith("#") and s.lstrip("#").strip() in NBVAL_COMMENTS:
                lines[i] = line[:len(line) - len(line.lstrip())] + "# (nbval marker removed by the grader)"
                changed = True
        cell.source = "\n".join(lines)
    tags = cell.metadata.get("tags")
    if isinstance(tags, list):
        kept = [t for t in tags if t not in NBVAL_TAGS]
        changed |= len(kept) != len(tags)
        cell.metadata["tags"] = kept
    elif tags is not None:
        del cell.metadata["tags"]
    return changed


def prepare(nb, solution, known_languages=("en",)):
    """The notebook to grade: ``nb`` (from ``load``) with the solution's graded cells put back."""
    graded = [(i, c) for i, c in enumerate(solution.cells) if grading_of(c)]
    by_gid = {grading_of(c)["grade_id"]: c for _, c in graded}
    by_id = {c.id: grading_of(c)["grade_id"] for _, c in graded}
    prepared = Prepared(nb=None, grade_ids=[], language=notebook_language(nb, known_languages))
    cells, placed, stripped = [], {}, 0
    for cell in nb.cells:
        g = grading_of(cell)
        gid = g["grade_id"] if g and g["grade_id"] in by_gid else by_id.get(cell.get("id"))
        if gid is None and cell.cell_type == "code":
            gid = next((k for k, c in by_gid.items() if _same(source_of(c), source_of(cell))), None)
        if gid is not None and gid not in placed:
            ref = by_gid[gid]
            if not _same(source_of(ref), source_of(cell)):
                prepared.edited.append(gid)
            placed[gid] = True
            cells.append(copy.deepcopy(ref))
            continue
        cell = copy.deepcopy(cell)
        cell.metadata.pop("grading", None)      # only the solution says what is graded
        if strip_markers(cell):
            stripped += 1
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    # put back the graded cells that are missing, each after the closest solution cell before it
    for gid, ref in by_gid.items():
        if gid in placed:
            continue
        if (grading_of(ref).get("visibility") or "visible") == "visible":
            prepared.restored.append(gid)
        pos = next(i for i, c in enumerate(solution.cells) if c is ref)
        present = {c.id: k for k, c in enumerate(cells)}
        at = 1 if cells else 0
        for before in reversed(solution.cells[:pos]):
            if before.id in present:
                at = present[before.id] + 1
                break
        cells.insert(at, copy.deepcopy(ref))
        placed[gid] = True
    out = nbformat.v4.new_notebook()
    out.nbformat, out.nbformat_minor = 4, 5
    out.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                    "language_info": {"name": "python"}}
    out.cells = cells
    seen = set()
    for k, c in enumerate(out.cells):          # a student may have pasted a copy of a solution cell's id
        if c.id in seen:
            c.id = f"grader-dup-{k}"
        seen.add(c.id)
    prepared.nb = out
    prepared.grade_ids = [grading_of(c)["grade_id"] if grading_of(c) else None
                          for c in out.cells if c.cell_type == "code"]
    if prepared.edited:
        prepared.notes.append(("note_edited", {"checks": ", ".join(prepared.edited)}))
    if prepared.restored:
        prepared.notes.append(("note_restored", {"checks": ", ".join(prepared.restored)}))
    if stripped:
        prepared.notes.append(("note_markers", {"count": stripped}))
    return prepared
