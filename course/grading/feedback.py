"""``DIR/feedback/<submission>.md``: what a student reads, in the notebook's language.

Each check: its title, points earned of possible, passed or failed, and a hint. Visible checks also show
why they failed (the assertion's message). Hidden checks are named with their title only: their code and
messages never appear. Texts: ``course/grading/messages/<lang>.json`` (the grader's own words) and the
lab's ``checks.json`` next to its solution (a title and a hint per check and language; ``_lab`` holds
the lab's own title).
"""
import functools
import json
from pathlib import Path

MESSAGES = Path(__file__).resolve().parent / "messages"
LANGS = ("en", "pl", "ru", "zh-Hant", "zh-Hans")


@functools.lru_cache(maxsize=None)
def messages(lang):
    path = MESSAGES / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def text(lang, key, /, **fields):
    template = messages(lang).get(key) or messages("en").get(key) or key
    try:
        return template.format(**fields)
    except (KeyError, IndexError):
        return template


def check_texts(checks_json, lang, grade_id):
    """(title, hint) of one check in ``lang``, falling back to English, then to the grade_id."""
    entry = (checks_json or {}).get(grade_id, {})
    mine, en = entry.get(lang, {}), entry.get("en", {})
    return mine.get("title") or en.get("title") or grade_id, mine.get("hint") or en.get("hint") or ""


def _pts(x):
    return f"{x:g}"


def _cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def render(submission, lab_title, lang, result, checks_json=None, notes=()):
    """The Markdown feedback for one graded submission (``result``: a ``score.Score``)."""
    lang = lang if lang in LANGS else "en"
    t = functools.partial(text, lang)
    if "_lab" in (checks_json or {}):
        lab_title = check_texts(checks_json, lang, "_lab")[0]
    out = [f"# {t('title', lab=lab_title, submission=submission)}", "",
           f"**{t('score')}: {_pts(result.score)} / {_pts(result.max_score)}**", "",
           f"{t('status')}: {t('status_' + result.status)}", ""]
    if result.status != "ok" and result.reason:
        out += [f"{t('reason')}: {result.reason}", ""]
    for key, fields in list(result.events) + list(notes):
        out.append(f"- {t(key, **fields)}")
    if result.events or notes:
        out.append("")
    if result.checks:
        out += [f"| {t('check')} | {t('points')} | {t('result')} |", "| --- | ---: | --- |"]
        for c in result.checks:
            title, _ = check_texts(checks_json, lang, c.grade_id)
            name = title if c.visibility == "visible" else f"{title} ({t('hidden')})"
            verdict = t("passed") if c.passed else (t("failed") if c.ran else t("not_run"))
            out.append(f"| {_cell(name)} | {_pts(c.points if c.passed else 0)} / {_pts(c.points)} | {verdict} |")
        out.append("")
        failed = [c for c in result.checks if not c.passed]
        if failed:
            out += [f"## {t('hints')}", ""]
            for c in failed:
                title, hint = check_texts(checks_json, lang, c.grade_id)
                line = f"- **{title}**: {hint or t('no_hint')}"
                if c.visibility == "visible" and c.message and c.ran:
                    line += f" ({t('details')}: `{_cell(c.message)[:300].replace('`', chr(39))}`)"
                out.append(line)
            out.append("")
    return "\n".join(out)
