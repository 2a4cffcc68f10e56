"""``check``: every way the built notebooks can drift from their source, one line per problem."""
import json
from pathlib import Path

from . import catalog, config
from . import notebook as nbk
from .build import ROOT, comparable_outputs, expected, outputs_of, sources, stale_feedback
from .codecompare import same_code


def _rel(path, root):
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


def check_messages(root):
    """Every language's feedback messages exist, with the English keys and the same {fields}."""
    import string
    root = Path(root)
    folder = root / config.MESSAGES_DIR
    en_path = folder / f"{config.SOURCE_LANG}.json"
    if not en_path.exists():
        return []
    en = json.loads(en_path.read_text(encoding="utf-8"))
    out = []
    fields = {k: {f for _, f, _, _ in string.Formatter().parse(v) if f} for k, v in en.items()}
    for lang in config.LANGS[1:]:
        path = folder / f"{lang}.json"
        if not path.exists():
            out.append(f"{_rel(path, root)}: missing feedback messages for {lang}")
            continue
        msgs = json.loads(path.read_text(encoding="utf-8"))
        for key in en:
            if key not in msgs or not msgs[key].strip():
                out.append(f"{_rel(path, root)}: message {key!r} untranslated")
            elif {f for _, f, _, _ in string.Formatter().parse(msgs[key]) if f} != fields[key]:
                out.append(f"{_rel(path, root)}: message {key!r} has other {{fields}} than the English")
        for key in msgs:
            if key not in en:
                out.append(f"{_rel(path, root)}: message {key!r} is obsolete (not in {config.SOURCE_LANG}.json)")
    return out


def _compare_to_english(en_nb, nb, where, en_where):
    out = []
    en_ids = [c.get("id") for c in en_nb.cells]
    ids = [c.get("id") for c in nb.cells]
    if ids != en_ids:
        first = next((i for i, (a, b) in enumerate(zip(ids, en_ids)) if a != b), min(len(ids), len(en_ids)))
        out.append(f"{where}:cell {ids[first] if first < len(ids) else '<end>'}: cell ids or order differ "
                   f"from {en_where} (position {first})")
        return out
    outs, en_outs = dict(comparable_outputs(nb)), dict(comparable_outputs(en_nb))
    for c, e in zip(nb.cells, en_nb.cells):
        if c.cell_type == "code" and outs.get(c.get("id")) != en_outs.get(c.get("id")):
            out.append(f"{where}:cell {c.get('id')}: outputs differ from {en_where} (run build)")
        if c.cell_type != e.cell_type:
            out.append(f"{where}:cell {c.get('id')}: a {c.cell_type} cell where {en_where} has a {e.cell_type} cell")
        elif c.cell_type == "code" and not same_code(nbk.cell_source(c), nbk.cell_source(e)):
            out.append(f"{where}:cell {c.get('id')}: code differs from {en_where}")
    return out


def check(root=ROOT, log=None):
    """All problems found, as a list of lines ``path:cell <id>: what is wrong`` (empty when all is well)."""
    root = Path(root)
    problems = []
    for nbset, path in sources(root):
        where = _rel(path, root)
        src = nbk.read(path)
        source_problems = nbk.validate_source(src, where)
        problems += source_problems
        if source_problems:
            continue
        for lang in config.TRANSLATED:
            problems += catalog.problems(root, lang, path.stem, src, where)
        variants = outputs_of(nbset, path, root, config.SOURCE_LANG)
        for variant in variants:
            built = {}
            for lang in config.LANGS:
                out = outputs_of(nbset, path, root, lang)[variant]
                rel = _rel(out, root)
                if not out.exists():
                    problems.append(f"{rel}: missing (run `python -m course.i18n build`)")
                    continue
                try:
                    have = nbk.read(out)
                except Exception as e:  # noqa: BLE001 - any unreadable notebook is a problem to report
                    problems.append(f"{rel}: unreadable notebook ({e})")
                    continue
                built[lang] = (have, rel)
                want, stamp = expected(root, nbset, src, path.stem, lang, variant)
                have_cells = {c.get("id"): c for c in have.cells}
                stale = False
                for cell in want.cells:
                    got = have_cells.get(cell.id)
                    if got is None or got.cell_type != cell.cell_type or nbk.cell_source(got) != nbk.cell_source(cell):
                        problems.append(f"{rel}:cell {cell.id}: out of date with {where} and its catalog "
                                        f"(run `python -m course.i18n build`)")
                        stale = True
                extra = set(have_cells) - {c.id for c in want.cells}
                for cid in sorted(x for x in extra if x):
                    problems.append(f"{rel}:cell {cid}: not in {where} (run build)")
                    stale = True
                if not stale and have.metadata.get("course", {}).get("stamp") != stamp:
                    problems.append(f"{rel}: out of date (its stamp does not match source and catalog: "
                                    f"run `python -m course.i18n build`)")
                for cid in stale_feedback(have, lang):
                    problems.append(f"{rel}:cell {cid}: check feedback differs from course/exercises_messages "
                                    f"(run `python -m course.i18n build`: re-renders, executes nothing)")
            if config.SOURCE_LANG in built:
                en_nb, en_rel = built[config.SOURCE_LANG]
                for lang, (nb, rel) in built.items():
                    if lang != config.SOURCE_LANG:
                        problems += _compare_to_english(en_nb, nb, rel, en_rel)
    problems += check_messages(root)
    if log:
        for p in problems:
            log(p)
    return problems
