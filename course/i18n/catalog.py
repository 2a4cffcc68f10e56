"""gettext catalogs: one .po per notebook and language, one entry per markdown cell (msgctxt = cell id).

zh-Hans has no catalogs of its own: it is converted from zh-Hant with OpenCC (``t2s``, phrase level),
then ``source/locale/zh-Hans/overrides.po`` corrects it: an entry with a msgctxt ``<stem>:<cell id>``
replaces a whole cell; an entry without msgctxt replaces a phrase (msgid -> msgstr) everywhere.
"""
import datetime

import polib

from . import config
from .notebook import cell_source


def catalog_path(root, lang, stem):
    return root / config.LOCALE_DIR / lang / f"{stem}.po"


def markdown_cells(source_nb):
    return [(c.id, cell_source(c)) for c in source_nb.cells if c.cell_type == "markdown"]


def _new_catalog(lang, stem):
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": f"course {stem}",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "POT-Creation-Date": datetime.date.today().isoformat(),
    }
    return po


def update(root, lang, stem, source_nb):
    """Create or update one catalog from its source notebook; returns a summary dict of what changed.

    Kept: translations of unchanged cells. Fuzzy: cells whose English changed (old text in ``#| msgid``).
    Removed: entries of cells that no longer exist.
    """
    path = catalog_path(root, lang, stem)
    old = polib.pofile(str(path), wrapwidth=0) if path.exists() else _new_catalog(lang, stem)
    by_id = {e.msgctxt: e for e in old if not e.obsolete}
    new = _new_catalog(lang, stem)
    new.metadata.update({k: v for k, v in old.metadata.items() if k != "POT-Creation-Date"})
    new.metadata["POT-Creation-Date"] = old.metadata.get("POT-Creation-Date", new.metadata["POT-Creation-Date"])
    new.header = old.header or f"Translations of {stem}.ipynb into {lang}. Edit msgstr only; msgctxt is the cell id."
    stats = {"added": 0, "fuzzy": 0, "removed": 0, "kept": 0}
    for cid, text in markdown_cells(source_nb):
        e = by_id.pop(cid, None)
        if e is None:
            new.append(polib.POEntry(msgctxt=cid, msgid=text, msgstr=""))
            stats["added"] += 1
            continue
        if e.msgid != text:
            if e.msgstr:
                if "fuzzy" not in e.flags:
                    e.previous_msgid = e.msgid
                    e.flags.append("fuzzy")
                stats["fuzzy"] += 1
            e.msgid = text
        else:
            stats["kept"] += 1
        new.append(e)
    stats["removed"] = len(by_id) + sum(1 for e in old if e.obsolete)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = new.__unicode__()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return stats


def problems(root, lang, stem, source_nb, where):
    """Untranslated, fuzzy, obsolete, missing or stale entries of one catalog, one line each."""
    path = catalog_path(root, lang, stem)
    rel = path.relative_to(root)
    if not path.exists():
        return [f"{rel}: missing catalog for {where} (run `python -m course.i18n extract`)"]
    po = polib.pofile(str(path), wrapwidth=0)
    cells = dict(markdown_cells(source_nb))
    out, seen = [], set()
    for e in po:
        cid = e.msgctxt
        if e.obsolete:
            out.append(f"{rel}:cell {cid}: obsolete entry (#~) (run extract)")
            continue
        if cid in seen:
            out.append(f"{rel}:cell {cid}: duplicate entry")
        seen.add(cid)
        if cid not in cells:
            out.append(f"{rel}:cell {cid}: obsolete entry: no such markdown cell in {where} (run extract)")
            continue
        if e.msgid != cells[cid]:
            out.append(f"{rel}:cell {cid}: entry's English differs from {where} (run extract, then translate)")
        if "fuzzy" in e.flags:
            out.append(f"{rel}:cell {cid}: fuzzy translation (the English changed: review, then drop the flag)")
        elif not e.msgstr.strip():
            out.append(f"{rel}:cell {cid}: untranslated")
    for cid in cells:
        if cid not in seen:
            out.append(f"{rel}:cell {cid}: markdown cell of {where} missing from the catalog (run extract)")
    return out


def _catalog_messages(root, lang, stem):
    path = catalog_path(root, lang, stem)
    if not path.exists():
        return {}
    po = polib.pofile(str(path), wrapwidth=0)
    return {e.msgctxt: e.msgstr for e in po if not e.obsolete and e.msgstr and "fuzzy" not in e.flags}


def load_overrides(root):
    path = root / config.OVERRIDES
    if not path.exists():
        return {}, []
    po = polib.pofile(str(path), wrapwidth=0)
    cells = {e.msgctxt: e.msgstr for e in po if e.msgctxt and e.msgstr}
    phrases = [(e.msgid, e.msgstr) for e in po if not e.msgctxt and e.msgstr]
    return cells, phrases


_converter = None


def to_simplified(text, phrases=()):
    """zh-Hant -> zh-Hans with OpenCC's phrase-level ``t2s`` conversion, then the override phrases."""
    global _converter
    if _converter is None:
        import opencc
        _converter = opencc.OpenCC("t2s")
    out = _converter.convert(text)
    for old, new in phrases:
        out = out.replace(old, new)
    return out


def translations(root, lang, stem):
    """cell id -> markdown text in ``lang`` (untranslated or fuzzy cells are absent: the English is used)."""
    if lang == config.SOURCE_LANG:
        return {}
    if lang in config.DERIVED:
        base = _catalog_messages(root, config.DERIVED[lang], stem)
        cells, phrases = load_overrides(root)
        out = {cid: to_simplified(text, phrases) for cid, text in base.items()}
        for key, text in cells.items():
            s, _, cid = key.rpartition(":")
            if s == stem:
                out[cid] = text
        return out
    return _catalog_messages(root, lang, stem)


def stamp_inputs(root, lang, stem):
    """What a built notebook of ``lang`` depends on, besides its source (for the up-to-date stamp)."""
    tr = translations(root, lang, stem)
    return sorted(tr.items())
