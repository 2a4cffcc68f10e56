"""The i18n pipeline on a tiny synthetic notebook: extract, build, and every failure ``check`` must catch."""
import json

import nbformat
import polib
import pytest

from course import i18n
from course.i18n import codecompare, notebook as nbk

SOURCE = [
    ("code", "c0", 'import course\ncourse.exercises.language("en")\nfrom course.exercises import check'),
    ("markdown", "m1", "# Hello\nSome *text* about tensors."),
    ("code", "c2", "x = 2  # a comment\n# BEGIN SOLUTION\ny = x * 3\n# END SOLUTION\nprint(x)"),
    ("code", "c3", 'check.value("y", y, 6)'),
    ("markdown", "m4", "Bye."),
]
TRANSLATIONS = {
    "pl": {"m1": "# Cześć\nTrochę *tekstu* o tensorach.", "m4": "Na razie."},
    "ru": {"m1": "# Привет\nНемного *текста* о тензорах.", "m4": "Пока."},
    "zh-Hant": {"m1": "# 你好\n關於張量的一些*文字*。", "m4": "再見。"},
}


def write_source(root, cells=SOURCE):
    nb = nbformat.v4.new_notebook()
    for kind, cid, src in cells:
        cell = nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
        cell.id = cid
        nb.cells.append(cell)
    path = root / "source" / "lessons" / "00_tiny.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def translate(root, translations=TRANSLATIONS):
    for lang, entries in translations.items():
        path = root / "source" / "locale" / lang / "00_tiny.po"
        po = polib.pofile(str(path), wrapwidth=0)
        for e in po:
            if e.msgctxt in entries:
                e.msgstr = entries[e.msgctxt]
                if "fuzzy" in e.flags:
                    e.flags.remove("fuzzy")
        po.save(str(path))


@pytest.fixture
def project(tmp_path):
    write_source(tmp_path)
    i18n.extract(tmp_path, log=None)
    translate(tmp_path)
    i18n.build(tmp_path, execute_code=False, log=None)
    return tmp_path


def entries(root, lang):
    return {e.msgctxt: e for e in polib.pofile(str(root / "source" / "locale" / lang / "00_tiny.po"))}


def problems_with(root, text):
    return [p for p in i18n.check(root) if text in p]


def test_extract_one_entry_per_markdown_cell_keyed_by_cell_id(tmp_path):
    write_source(tmp_path)
    i18n.extract(tmp_path, log=None)
    for lang in ("pl", "ru", "zh-Hant"):
        es = entries(tmp_path, lang)
        assert set(es) == {"m1", "m4"}
        assert es["m1"].msgid == "# Hello\nSome *text* about tensors." and es["m1"].msgstr == ""
    assert not (tmp_path / "source" / "locale" / "zh-Hans" / "00_tiny.po").exists()


def test_extract_keeps_translations_marks_changes_fuzzy_and_removes_obsolete(project):
    cells = [c for c in SOURCE if c[1] != "m4"]
    cells[1] = ("markdown", "m1", "# Hello\nSome *new* text about tensors.")
    write_source(project, cells)
    i18n.extract(project, log=None)
    es = entries(project, "pl")
    assert set(es) == {"m1"}
    assert "fuzzy" in es["m1"].flags
    assert es["m1"].msgstr == TRANSLATIONS["pl"]["m1"]
    assert es["m1"].previous_msgid == "# Hello\nSome *text* about tensors."
    assert es["m1"].msgid == "# Hello\nSome *new* text about tensors."


def test_build_writes_every_language_and_variant_and_check_is_clean(project):
    assert i18n.check(project) == []
    for lang in i18n.LANGS:
        student = nbformat.read(str(project / "lessons" / lang / "00_tiny.ipynb"), as_version=4)
        solved = nbformat.read(str(project / "solutions" / "lessons" / lang / "00_tiny.ipynb"), as_version=4)
        assert [c.id for c in student.cells] == [c.id for c in solved.cells] == ["c0", "m1", "c2", "c3", "m4"]
        assert f'course.exercises.language("{lang}")' in student.cells[0].source
        assert student.cells[2].source == "x = 2  # a comment\ny = ...  # YOUR CODE HERE\nprint(x)"
        assert solved.cells[2].source == "x = 2  # a comment\ny = x * 3\nprint(x)"
    pl = nbformat.read(str(project / "lessons" / "pl" / "00_tiny.ipynb"), as_version=4)
    assert pl.cells[1].source == TRANSLATIONS["pl"]["m1"]
    hans = nbformat.read(str(project / "lessons" / "zh-Hans" / "00_tiny.ipynb"), as_version=4)
    assert hans.cells[1].source == "# 你好\n关于张量的一些*文字*。"   # OpenCC t2s of the zh-Hant entry


def test_zh_hans_overrides_replace_phrases_and_cells(project):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="文字", msgstr="文本"))
    po.append(polib.POEntry(msgctxt="00_tiny:m4", msgid="再见。", msgstr="回头见。"))
    path = project / "source" / "locale" / "zh-Hans" / "overrides.po"
    path.parent.mkdir(parents=True)
    po.save(str(path))
    assert problems_with(project, "lessons/zh-Hans/00_tiny.ipynb:cell m1: out of date")
    i18n.build(project, execute_code=False, log=None)
    hans = nbformat.read(str(project / "lessons" / "zh-Hans" / "00_tiny.ipynb"), as_version=4)
    assert hans.cells[1].source == "# 你好\n关于张量的一些*文本*。"
    assert hans.cells[4].source == "回头见。"
    assert i18n.check(project) == []


@pytest.mark.parametrize("kind", ["untranslated", "fuzzy", "obsolete", "obsolete-marked", "missing"])
def test_check_catches_catalog_problems(project, kind):
    path = project / "source" / "locale" / "ru" / "00_tiny.po"
    po = polib.pofile(str(path), wrapwidth=0)
    if kind == "untranslated":
        po[0].msgstr = ""
    elif kind == "fuzzy":
        po[0].flags.append("fuzzy")
    elif kind == "obsolete":
        po.append(polib.POEntry(msgctxt="gone", msgid="Old text", msgstr="Старый текст"))
    elif kind == "obsolete-marked":
        po.append(polib.POEntry(msgctxt="gone", msgid="Old text", msgstr="Старый текст", obsolete=True))
    else:
        po.remove(po[1])
    po.save(str(path))
    expected = {"untranslated": "cell m1: untranslated", "fuzzy": "cell m1: fuzzy", "obsolete": "cell gone: obsolete",
                "obsolete-marked": "cell gone: obsolete", "missing": "cell m4: markdown cell"}[kind]
    found = problems_with(project, expected)
    assert found and found[0].startswith("source/locale/ru/00_tiny.po:")


def test_check_catches_a_stale_notebook_after_the_source_changes(project):
    cells = list(SOURCE)
    cells[2] = ("code", "c2", "x = 3\n# BEGIN SOLUTION\ny = x * 2\n# END SOLUTION\nprint(x)")
    write_source(project, cells)
    stale = problems_with(project, "out of date")
    assert "lessons/en/00_tiny.ipynb:cell c2: out of date" in stale[0]
    assert len([p for p in stale if ":cell c2:" in p]) == 10     # 5 languages x student/solved
    i18n.build(project, execute_code=False, log=None)
    assert i18n.check(project) == []


def test_check_catches_a_stale_stamp(project):
    path = project / "lessons" / "pl" / "00_tiny.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["course"]["stamp"] = "0" * 16
    nbformat.write(nb, str(path))
    assert problems_with(project, "lessons/pl/00_tiny.ipynb: out of date")


def edit_built(root, rel, edit):
    path = root / rel
    nb = nbformat.read(str(path), as_version=4)
    edit(nb)
    nbformat.write(nb, str(path))


def test_check_catches_code_that_differs_between_languages(project):
    def change(nb):
        nb.cells[2].source = nb.cells[2].source.replace("x = 2", "x = 5")
    edit_built(project, "solutions/lessons/ru/00_tiny.ipynb", change)
    found = problems_with(project, "code differs")
    assert found == ["solutions/lessons/ru/00_tiny.ipynb:cell c2: code differs from solutions/lessons/en/00_tiny.ipynb"]


def test_check_catches_cell_ids_or_order_that_differ(project):
    def swap(nb):
        nb.cells[3], nb.cells[4] = nb.cells[4], nb.cells[3]
    edit_built(project, "lessons/zh-Hant/00_tiny.ipynb", swap)
    found = problems_with(project, "cell ids or order differ")
    assert found and found[0].startswith("lessons/zh-Hant/00_tiny.ipynb:cell m4:")


def test_token_comparison_ignores_comments_blank_lines_and_the_language_literal():
    a = 'import course\ncourse.exercises.language("en")\nx = 1  # one\n\ny = x + 1'
    b = 'import course\ncourse.exercises.language("zh-Hans")\n# 一\nx = 1  # 一\ny = x + 1\n'
    assert codecompare.same_code(a, b)
    assert not codecompare.same_code(a, a.replace("x + 1", "x + 2"))
    assert not codecompare.same_code(a, a.replace('"en"', '"en"); print("hi"'))
    assert not codecompare.same_code("s = 'a # b'", "s = 'a'")


@pytest.mark.parametrize("block, stub", [
    (["    # BEGIN SOLUTION", "    w = x * 2", "    w = w + 1", "    # END SOLUTION"], ["    w = ...  # YOUR CODE HERE"]),
    (["# BEGIN SOLUTION", "a, b = 1, 2", "# END SOLUTION"], ["a, b = ..., ...  # YOUR CODE HERE"]),
    (["    # BEGIN SOLUTION", "    return x + 1", "    # END SOLUTION"], ["    ...  # YOUR CODE HERE"]),
    (["# BEGIN SOLUTION", "# STUB w = None", "w = 3", "# END SOLUTION"], ["w = None"]),
])
def test_student_stubs(block, stub):
    assert nbk.stub(block) == stub


def test_source_problems_are_reported(tmp_path):
    cells = list(SOURCE)
    cells[2] = ("code", "c2", "# BEGIN SOLUTION\ny = 1")
    write_source(tmp_path, cells)
    assert any("BEGIN SOLUTION without END SOLUTION" in p for p in i18n.check(tmp_path))


def test_messages_of_every_language_have_the_english_keys_and_fields():
    from course.i18n.checker import check_messages
    from course.i18n.build import ROOT
    assert check_messages(ROOT) == []


def test_check_messages_catches_a_missing_key(tmp_path):
    from course.i18n.checker import check_messages
    folder = tmp_path / "course" / "exercises_messages"
    folder.mkdir(parents=True)
    (folder / "en.json").write_text(json.dumps({"a": "A {name}", "b": "B"}))
    for lang in ("pl", "ru", "zh-Hant", "zh-Hans"):
        (folder / f"{lang}.json").write_text(json.dumps({"a": "A {nom}"}))
    found = check_messages(tmp_path)
    assert any("pl.json: message 'b' untranslated" in p for p in found)
    assert any("pl.json: message 'a' has other {fields}" in p for p in found)


def test_build_executes_english_and_renders_feedback_per_language(project):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    i18n.build(project, force=True, log=None)
    outs = {}
    for lang in i18n.LANGS:
        for variant, rel in (("student", "lessons"), ("solved", "solutions/lessons")):
            nb = nbformat.read(str(project / rel / lang / "00_tiny.ipynb"), as_version=4)
            assert nb.cells[2].outputs[0]["text"] == "2\n"
            outs[lang, variant] = nb.cells[3].outputs[0]["data"]["text/plain"]
    assert outs["en", "solved"] == "✅ y: correct, well done!"
    assert outs["en", "student"].startswith("⏳ y: not done yet")
    assert outs["pl", "solved"] == "✅ y: dobrze, brawo!"
    assert outs["zh-Hans", "student"].startswith("⏳ y：还没完成")
    assert i18n.check(project) == []


def test_links_to_repository_files_follow_the_notebook_depth(tmp_path):
    cells = list(SOURCE)
    cells[1] = ("markdown", "m1", "See [`course/ops/unary.py`](../../course/ops/unary.py).")
    write_source(tmp_path, cells)
    i18n.extract(tmp_path, log=None)
    translate(tmp_path, {lang: {"m1": "[x](../../course/ops/unary.py)", "m4": "."} for lang in TRANSLATIONS})
    i18n.build(tmp_path, execute_code=False, log=None)
    student = nbformat.read(str(tmp_path / "lessons" / "pl" / "00_tiny.ipynb"), as_version=4)
    solved = nbformat.read(str(tmp_path / "solutions" / "lessons" / "pl" / "00_tiny.ipynb"), as_version=4)
    assert student.cells[1].source == "[x](../../course/ops/unary.py)"
    assert solved.cells[1].source == "[x](../../../course/ops/unary.py)"
    assert i18n.check(tmp_path) == []


def test_stale_check_feedback_is_reported_and_rebuilt_without_executing(project):
    path = project / "lessons" / "en" / "00_tiny.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[3].outputs = [nbformat.v4.new_output(
        "display_data", data={"text/plain": "old words"},
        metadata={"course_exercise": {"messages": [["not_done", {"name": "y"}]]}})]
    nbformat.write(nb, str(path))
    assert problems_with(project, "lessons/en/00_tiny.ipynb:cell c3: check feedback differs")
    assert problems_with(project, "lessons/ru/00_tiny.ipynb:cell c3: outputs differ from lessons/en/00_tiny.ipynb")
    written = i18n.build(project, execute_code=False, log=None)
    assert sorted(p.parent.name for p in written) == sorted(i18n.LANGS)   # the student notebooks only
    nb = nbformat.read(str(project / "lessons" / "ru" / "00_tiny.ipynb"), as_version=4)
    assert nb.cells[3].outputs[0]["data"]["text/plain"].startswith("⏳ y: ещё не сделано")
    assert i18n.check(project) == []
