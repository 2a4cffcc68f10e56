"""Turn an English source notebook into the student or solved notebook of one language (without outputs).

- solved: the ``# BEGIN SOLUTION`` / ``# END SOLUTION`` marker lines are removed, the solution stays;
- student: each solution block becomes a stub (``w = ...  # YOUR CODE HERE``), cells tagged
  ``solution-only`` are left out;
- every markdown cell is replaced by its translation; ``course.exercises.language("en")`` names the language.
"""
import ast
import copy
import hashlib
import json
import re
import textwrap

import nbformat

from . import config

LANGUAGE_RE = re.compile(r'course\.exercises\.language\(\s*(["\'])([A-Za-z-]*)\1\s*\)')
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
BUILD_VERSION = "1"   # bump when the build's output format changes: every notebook becomes out of date


class SourceError(ValueError):
    """A source notebook breaks a convention (missing cell id, unbalanced solution markers...)."""


def read(path):
    return nbformat.read(str(path), as_version=4)


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def validate_source(nb, where=""):
    """Problems of a source notebook, as a list of strings."""
    problems, seen = [], set()
    for i, cell in enumerate(nb.cells):
        cid = cell.get("id")
        if not cid:
            problems.append(f"{where}: cell {i} has no id (nbformat 4.5 ids are required)")
        elif cid in seen:
            problems.append(f"{where}:cell {cid}: duplicate cell id")
        seen.add(cid)
        if cell.cell_type == "code":
            try:
                solutions = split_solutions(cell_source(cell))
            except SourceError as e:
                problems.append(f"{where}:cell {cid}: {e}")
                continue
            for variant in ("student", "solved"):
                code = join_code(solutions, variant)
                try:
                    ast.parse(_without_magics(code))
                except SyntaxError as e:
                    problems.append(f"{where}:cell {cid}: the {variant} code is not valid Python ({e.msg}, line {e.lineno})")
    return problems


def _without_magics(code):
    return "\n".join("pass" if ln.lstrip().startswith(("%", "!")) else ln for ln in code.split("\n"))


def split_solutions(code):
    """[(is_solution, lines)] pieces of a code cell, split at the solution markers."""
    pieces, current, inside = [], [], False
    for line in code.split("\n"):
        marker = line.strip()
        if marker == config.BEGIN:
            if inside:
                raise SourceError("nested BEGIN SOLUTION")
            pieces.append((False, current))
            current, inside = [line], True
        elif marker == config.END:
            if not inside:
                raise SourceError("END SOLUTION without BEGIN SOLUTION")
            pieces.append((True, current + [line]))
            current, inside = [], False
        else:
            current.append(line)
    if inside:
        raise SourceError("BEGIN SOLUTION without END SOLUTION")
    pieces.append((False, current))
    return pieces


def stub(block):
    """The student's version of one solution block (its marker lines included in ``block``)."""
    indent = block[0][:len(block[0]) - len(block[0].lstrip())]
    body = block[1:-1]
    explicit = [ln.strip()[len(config.STUB_PREFIX):] for ln in body if ln.strip().startswith(config.STUB_PREFIX)]
    if explicit:
        return [indent + s for s in explicit]
    out = []
    try:
        tree = ast.parse(textwrap.dedent("\n".join(body)))
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    for stmt in tree.body:
        targets = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [stmt.target]
        for t in targets:
            if isinstance(t, ast.Name):
                line = f"{t.id} = ..."
            elif isinstance(t, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in t.elts):
                line = ", ".join(e.id for e in t.elts) + " = " + ", ".join("..." for _ in t.elts)
            else:
                continue
            if line not in out:
                out.append(line)
    if not out:
        out = ["..."]
    return [f"{indent}{line}  {config.STUB_COMMENT}" for line in out]


def join_code(pieces, variant):
    lines = []
    for is_solution, block in pieces:
        if not is_solution:
            lines.extend(block)
        elif variant == "solved":
            lines.extend(block[1:-1])
        else:
            lines.extend(stub(block))
    return "\n".join(lines)


def set_language(code, lang):
    return LANGUAGE_RE.sub(config.LANGUAGE_CALL.format(lang=lang), code)


ROOT_LINK = re.compile(r"\]\(\.\./\.\./")


def relink(markdown, depth):
    """Markdown links to repository files are written ``](../../course/...)`` (right for source/lessons/ and
    lessons/<lang>/); a notebook ``depth`` folders below the root gets ``depth`` times ``../``."""
    return ROOT_LINK.sub("](" + "../" * depth, markdown) if depth != 2 else markdown


def build(source_nb, lang, variant, translations, stamp, depth=2):
    """A new notebook (no outputs): ``translations`` maps cell id -> markdown text for ``lang``;
    ``depth``: how many folders below the repository root the notebook is written (for links)."""
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
                   "course": {"lang": lang, "variant": variant, "stamp": stamp}}
    for cell in source_nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if variant == "student" and config.SOLUTION_ONLY_TAG in tags:
            continue
        meta = copy.deepcopy(dict(cell.get("metadata", {})))
        for k in ("execution", "ExecuteTime", "collapsed", "scrolled"):
            meta.pop(k, None)
        src = cell_source(cell)
        if cell.cell_type == "markdown":
            text = translations.get(cell.id, src) if lang != config.SOURCE_LANG else src
            new = nbformat.v4.new_markdown_cell(relink(text, depth))
        elif cell.cell_type == "code":
            code = set_language(join_code(split_solutions(src), variant), lang)
            new = nbformat.v4.new_code_cell(code)
        else:
            new = nbformat.v4.new_raw_cell(src)
        new.id = cell.id
        new.metadata = meta
        if "attachments" in cell:
            new.attachments = copy.deepcopy(cell.attachments)
        nb.cells.append(new)
    return nb


def source_fingerprint(source_nb):
    """What of a source notebook its builds depend on: cell ids, types, sources, tags."""
    return [[c.get("id"), c.cell_type, cell_source(c), sorted(c.get("metadata", {}).get("tags", []))]
            for c in source_nb.cells]


def stamp(*parts):
    """A short hash of everything a built notebook depends on (but its outputs)."""
    h = hashlib.sha256(BUILD_VERSION.encode())
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def structure(nb):
    """(id, type, source) of every cell: what a built notebook must match, outputs aside."""
    return [(c.get("id"), c.cell_type, cell_source(c)) for c in nb.cells]


def write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
