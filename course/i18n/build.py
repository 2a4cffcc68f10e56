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


def messages_fingerprint(root, lang):
    path = Path(root) / config.MESSAGES_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def expected(root, nbset, source_nb, stem, lang, variant):
    """The notebook the build would write (without outputs) and its stamp."""
    tr = catalog.translations(root, lang, stem)
    st = nbk.stamp(nbk.source_fingerprint(source_nb), variant, lang, sorted(tr.items()),
                   messages_fingerprint(root, lang), messages_fingerprint(root, config.SOURCE_LANG))
    depth = len(Path(dict(zip(("student", "solved"), (nbset.student, nbset.solved)))[variant]).parts) - 1
    return nbk.build(source_nb, lang, variant, tr, st, depth), st


def is_current(path, want):
    """True when the notebook at ``path`` has the stamp and cells of ``want``."""
    if not path.exists():
        return False
    have = nbk.read(path)
    return (have.metadata.get("course", {}).get("stamp") == want.metadata["course"]["stamp"]
            and nbk.structure(have) == nbk.structure(want))


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
    The English builds are executed when they (or any translation) need writing and ``execute_code``;
    otherwise their stored outputs are reused.
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
            plan = {}
            for lang in langs:
                want, _ = expected(root, nbset, src, path.stem, lang, variant)
                out = outputs_of(nbset, path, root, lang)[variant]
                if force or not is_current(out, want):
                    plan[lang] = (want, out)
            if not plan:
                continue
            en_want, _ = expected(root, nbset, src, path.stem, config.SOURCE_LANG, variant)
            if execute_code and (force or not is_current(en_path, en_want)):
                if log:
                    log(f"executing {en_path.relative_to(root)} ...")
                executed = execute.run(en_want, en_path.parent)
            elif en_path.exists():
                executed = nbk.read(en_path)
            else:
                executed = en_want
            for lang, (want, out) in plan.items():
                execute.copy_outputs(executed, want, lang)
                nbk.write(want, out)
                written.append(out)
                if log:
                    log(f"wrote {out.relative_to(root)}")
    return written
