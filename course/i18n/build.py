"""extract (catalogs from the source) and build (notebooks from source + catalogs)."""
import json
from pathlib import Path

from . import catalog, config, execute
from . import notebook as nbk

ROOT = Path(__file__).resolve().parent.parent.parent


def sources(root=ROOT):
    """[(NotebookSet, source path)] of every English source notebook, in a stable order."""
    root = Path(root)
    out = []
    for s in config.SETS:
        for path in sorted(root.glob(s.source)):
            out.append((s, path))
    return out


def outputs_of(nbset, path, root, lang):
    """{variant: output path} of one source notebook in one language."""
    out = {"student": root / nbset.student.format(lang=lang, name=path.name)}
    if nbset.solved:
        out["solved"] = root / nbset.solved.format(lang=lang, name=path.name)
    return out


def expected(root, nbset, source_nb, stem, lang, variant):
    """The notebook the build would write (without outputs) and its stamp."""
    tr = catalog.translations(root, lang, stem)
    st = nbk.stamp(nbk.source_fingerprint(source_nb), variant, lang, sorted(tr.items()))
    depth = len(Path(dict(zip(("student", "solved"), (nbset.student, nbset.solved)))[variant]).parts) - 1
    return nbk.build(source_nb, lang, variant, tr, st, depth), st


def stale_feedback(nb, lang):
    """Ids of code cells whose stored check feedback differs from what the current messages say."""
    from course import exercises
    exercises.messages.cache_clear()
    stale = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            meta = out.get("metadata", {}).get("course_exercise")
            if meta and "data" in out:
                text = out["data"].get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else text
                if text != exercises.render(meta["messages"], lang):
                    stale.append(cell.get("id"))
                    break
    return stale


def comparable_outputs(nb):
    """Every code cell's outputs, with check feedback reduced to its message keys (language-independent)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for o in cell.get("outputs", []):
            o = dict(o)
            meta = o.get("metadata", {}).get("course_exercise")
            if meta and "data" in o:
                o["data"] = dict(o["data"], **{"text/plain": meta["messages"]})
            outs.append(o)
        out.append((cell.get("id"), outs))
    return json.loads(json.dumps(out, sort_keys=True, default=str))


def same_outputs(a, b):
    return comparable_outputs(a) == comparable_outputs(b)


def same_code(path, want):
    """True when the notebook at ``path`` has the code cells (ids, sources, order) of ``want``: its outputs,
    which depend on nothing else, can be reused (a markdown change does not re-execute anything)."""
    def code(nb):
        return [(c.get("id"), nbk.cell_source(c)) for c in nb.cells if c.cell_type == "code"]
    return path.exists() and code(nbk.read(path)) == code(want)


def is_current(path, want, lang):
    """True when the notebook at ``path`` has the stamp, cells and check feedback of ``want``."""
    if not path.exists():
        return False
    have = nbk.read(path)
    return (have.metadata.get("course", {}).get("stamp") == want.metadata["course"]["stamp"]
            and nbk.structure(have) == nbk.structure(want) and not stale_feedback(have, lang))


def extract(root=ROOT, langs=config.TRANSLATED, log=print):
    """Create or update every catalog; returns {catalog path: stats}."""
    root = Path(root)
    result = {}
    for nbset, path in sources(root):
        src = nbk.read(path)
        problems = nbk.validate_source(src, str(path.relative_to(root)))
        if problems:
            raise nbk.SourceError("\n".join(problems))
        for lang in langs:
            stats = catalog.update(root, lang, path.stem, src)
            result[str(catalog.catalog_path(root, lang, path.stem).relative_to(root))] = stats
            if log and (stats["added"] or stats["fuzzy"] or stats["removed"]):
                log(f"{catalog.catalog_path(root, lang, path.stem).relative_to(root)}: {stats}")
    return result


def build(root=ROOT, langs=config.LANGS, only=None, force=False, execute_code=True, log=print):
    """Write the student and solved notebooks of every language; returns the paths written.

    ``only``: source stems to build (default all). Unchanged notebooks are skipped unless ``force``.
    The English builds are executed when their cells changed and ``execute_code``; otherwise their stored
    outputs are reused (a change in ``course/`` itself is not seen: use ``force``).
    """
    root = Path(root)
    written = []
    for nbset, path in sources(root):
        if only and path.stem not in only:
            continue
        src = nbk.read(path)
        problems = nbk.validate_source(src, str(path.relative_to(root)))
        if problems:
            raise nbk.SourceError("\n".join(problems))
        for variant, en_path in outputs_of(nbset, path, root, config.SOURCE_LANG).items():
            en_want, _ = expected(root, nbset, src, path.stem, config.SOURCE_LANG, variant)
            # outputs depend on the code only: execute when the English code cells changed (or on --force);
            # otherwise reuse the stored outputs (their check feedback is re-rendered from its metadata)
            if execute_code and (force or not same_code(en_path, en_want)):
                if log:
                    log(f"executing {en_path.relative_to(root)} ...")
                executed = execute.run(en_want, en_path.parent)
            elif en_path.exists():
                executed = nbk.read(en_path)
            else:
                executed = en_want
            for lang in langs:
                want, _ = expected(root, nbset, src, path.stem, lang, variant)
                out = outputs_of(nbset, path, root, lang)[variant]
                execute.copy_outputs(executed, want, lang)
                if not force and is_current(out, want, lang) and same_outputs(nbk.read(out), want):
                    continue
                nbk.write(want, out)
                written.append(out)
                if log:
                    log(f"wrote {out.relative_to(root)}")
    return written
