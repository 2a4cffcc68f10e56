"""The check cells' feedback: not done / wrong (with what is wrong) / correct, per language, and raising when grading."""
import pytest

import course
from course import exercises
from course.exercises import check


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.delenv("COURSE_GRADING", raising=False)
    exercises.language("en")
    yield
    exercises.language("en")


def test_stub_is_not_done(capsys):
    assert not check.value("w", ..., course.tensor([1.0]))
    assert not check.value("w", None, 1.0)
    assert "not done yet" in capsys.readouterr().out


def test_correct_answer(capsys):
    assert check.value("w", course.tensor([1.0, 2.0]), course.tensor([1.0, 2.0 + 1e-7]))
    assert capsys.readouterr().out == "✅ w: correct, well done!\n"


@pytest.mark.parametrize("got, expected, says", [
    ([1.0, 2.0], course.tensor([1.0, 2.0]), "expected a tensor, got list"),
    (course.tensor([1.0, 2.0]), course.tensor([[1.0, 2.0]]), "the shape is (2,), it should be (1, 2)"),
    (course.tensor([1.0, 5.0, 3.0]), course.tensor([1.0, 2.0, 3.0]), "1 of 3 values are wrong; the biggest miss is at index (1,), where you have 5"),
    (2.5, 3.0, "2.5 is not the right value"),
])
def test_wrong_answers_say_what_is_wrong(capsys, got, expected, says):
    assert not check.value("w", got, expected)
    assert says in capsys.readouterr().out


def test_dtype_is_checked_when_asked(capsys):
    assert not check.value("w", course.tensor([1, 2]), course.tensor([1.0, 2.0]), dtype=True)
    assert "the dtype is course.int64, it should be course.float32" in capsys.readouterr().out.replace("torch.", "course.")


def test_function_checks_cases_and_reports_exceptions(capsys):
    assert check.function("f", lambda x: 2 * x, [((1.0,), 2.0), ((3.0,), 6.0)])
    assert not check.function("f", lambda x: x + 1, [((1.0,), 2.0), ((3.0,), 6.0)])
    assert "(for the input 3.0)" in capsys.readouterr().out
    assert not check.function("f", lambda x: 1 / 0, [((1.0,), 2.0)])
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not check.function("f", lambda x: None, [((1.0,), 2.0)])
    assert "not done yet" in capsys.readouterr().out


def test_true_with_a_condition_and_a_hint(capsys):
    assert check.true("mask", [1], lambda m: len(m) == 1)
    assert not check.true("mask", [1, 2], lambda m: len(m) == 1)
    assert "not quite" in capsys.readouterr().out


def test_feedback_in_the_notebook_language(capsys):
    exercises.language("pl")
    check.value("w", 1.0, 1.0)
    exercises.language("zh-Hans")
    check.value("w", ..., 1.0)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "✅ w: dobrze, brawo!"
    assert out[1].startswith("⏳ w：还没完成")
    with pytest.raises(ValueError, match="no messages for 'xx'"):
        exercises.language("xx")


def test_grading_mode_raises_for_stubs_and_wrong_answers(monkeypatch):
    monkeypatch.setenv("COURSE_GRADING", "1")
    with pytest.raises(AssertionError, match="not done yet"):
        check.value("w", ..., 1.0)
    with pytest.raises(AssertionError, match="not the right value"):
        check.value("w", 2.0, 1.0)
    assert check.value("w", 1.0, 1.0)


def test_render_falls_back_to_english_for_a_missing_key():
    assert exercises.render([["correct", {"name": "w"}]], "ru") == "✅ w: верно, отлично!"
    assert exercises.render([["no.such.key", {}]], "ru") == "no.such.key"


def test_integer_values_print_plainly(capsys):
    assert not check.value("t", course.tensor([1, 2]), course.tensor([1, 3]))
    assert "where you have 2." in capsys.readouterr().out
