"""Feedback for the exercises in the notebooks: ``from course.exercises import check``.

Every notebook starts with ``course.exercises.language("en")`` (the build writes each notebook's own
language there); a check cell then calls e.g. ``check.value("w", w, expected)``:

- the stub still there (``...``, ``None``, ``NotImplemented``): a friendly "not done yet";
- a wrong answer: what is wrong (type, shape, dtype, which value) plus an optional hint;
- with the environment variable ``COURSE_GRADING=1`` anything but a correct answer raises
  ``AssertionError``, so that nbval or a grader sees it; otherwise the check only prints.

Messages live in ``course/exercises_messages/<lang>.json`` (keys, with ``str.format`` fields). In Jupyter the
feedback is displayed together with its key and fields (output metadata ``course_exercise``), which lets the
i18n build re-render the English outputs in every other language without running the notebook again.
"""
import functools
import json
import os
from pathlib import Path

import numpy as np

MESSAGES = Path(__file__).resolve().parent / "exercises_messages"
_state = {"lang": "en"}


def language(code=None):
    """Set the language of the feedback (``"en"``, ``"pl"``, ``"ru"``, ``"zh-Hant"``, ``"zh-Hans"``)."""
    if code is not None:
        if not (MESSAGES / f"{code}.json").exists():
            raise ValueError(f"course.exercises.language: no messages for {code!r} in {MESSAGES}")
        _state["lang"] = code


def grading():
    """True when checks must raise on anything but a correct answer (``COURSE_GRADING=1``)."""
    return os.environ.get("COURSE_GRADING", "") == "1"


@functools.lru_cache(maxsize=None)
def messages(lang):
    path = MESSAGES / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def render(items, lang=None):
    """The text of a list of ``[key, fields]`` messages in ``lang`` (English for a missing key)."""
    lang = lang or _state["lang"]
    lines = []
    for key, fields in items:
        template = messages(lang).get(key) or messages("en").get(key) or key
        lines.append(template.format(**fields))
    return "\n".join(lines)


class Verdict:
    """What a check returns: true for a correct answer; shows nothing in Jupyter (the feedback is printed)."""

    def __init__(self, ok):
        self.ok = bool(ok)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"Verdict({self.ok})"

    def _ipython_display_(self):
        pass


def _show(items, ok):
    items = [[k, {f: str(v) for f, v in fields.items()}] for k, fields in items]
    text = render(items)
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display
        display({"text/plain": text}, raw=True, metadata={"course_exercise": {"messages": items}})
    else:
        print(text)
    if not ok and grading():
        raise AssertionError(text)
    return Verdict(ok)


def _fmt(x):
    """A short, version-independent text for a value (numpy 2 would print np.int64(2))."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x.item()
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)


def _is_stub(x):
    return x is None or x is Ellipsis or x is NotImplemented


def _as_array(x):
    """numpy array of a Tensor, numpy array, number or nested list (None when it is none of those)."""
    from ._tensor import Tensor
    if isinstance(x, Tensor):
        return np.asarray(x.detach().cpu().tolist(), dtype=np.float64 if x.is_floating_point() else None)
    if isinstance(x, (bool, int, float, np.number, np.ndarray, list, tuple)):
        try:
            return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            return None
    return None


def _type_name(x):
    from ._tensor import Tensor
    return "a tensor" if isinstance(x, Tensor) else type(x).__name__


class Checker:
    """The ``check`` object of the notebooks; each method returns True for a correct answer."""

    def done(self, name, value):
        """False (and "not done yet") when ``value`` is still the stub."""
        if _is_stub(value):
            return _show([["not_done", {"name": name}]], False)
        return Verdict(True)

    def value(self, name, got, expected, *, atol=1e-5, rtol=1e-4, dtype=False, hint=None, **hint_fields):
        """``got`` equals ``expected`` (numbers, lists, arrays or tensors) within atol + rtol*|expected|."""
        if not self.done(name, got):
            return Verdict(False)
        problem = self._compare(got, expected, atol, rtol, dtype)
        return self._verdict(name, problem, hint, hint_fields)

    def equal(self, name, got, expected, *, hint=None, **hint_fields):
        """``got == expected`` exactly (strings, shapes, tuples, booleans, dtypes...)."""
        if not self.done(name, got):
            return Verdict(False)
        same = got == expected
        if not isinstance(same, bool):
            same = bool(np.all(same))
        problem = None if same else ["wrong_equal", {"got": _fmt(got), "expected": _fmt(expected)}]
        return self._verdict(name, problem, hint, hint_fields)

    def true(self, name, got, ok, *, hint=None, **hint_fields):
        """A custom condition ``ok`` on the answer ``got`` (``got`` only tells whether it was done).

        ``ok`` may be a function of ``got``, called only once the stub is replaced.
        """
        if not self.done(name, got):
            return Verdict(False)
        if callable(ok):
            try:
                ok = ok(got)
            except Exception as e:  # noqa: BLE001 - the student's answer may break the condition
                return self._verdict(name, ["raised", {"error": f"{type(e).__name__}: {e}"}], hint, hint_fields)
        return self._verdict(name, None if ok else ["wrong", {}], hint, hint_fields)

    def function(self, name, fn, cases, *, atol=1e-5, rtol=1e-4, hint=None, **hint_fields):
        """Call ``fn(*args)`` for each ``(args, expected)`` in ``cases`` and compare like ``value``."""
        if not callable(fn):
            return self.done(name, None if _is_stub(fn) else fn) and self._verdict(
                name, ["wrong_type", {"expected": "a function", "got": type(fn).__name__}], hint, hint_fields)
        for args, expected in cases:
            args = args if isinstance(args, tuple) else (args,)
            try:
                got = fn(*args)
            except Exception as e:  # noqa: BLE001 - the student's code may raise anything
                return self._verdict(name, ["raised", {"error": f"{type(e).__name__}: {e}"}], hint, hint_fields)
            if _is_stub(got):
                return self.done(name, None)
            problem = self._compare(got, expected, atol, rtol, False)
            if problem:
                shown = ", ".join(_short(a) for a in args)
                return self._verdict(name, problem, hint, hint_fields, extra=[["case", {"args": shown}]])
        return self._verdict(name, None, None, {})

    # --- helpers
    def _compare(self, got, expected, atol, rtol, dtype):
        from ._tensor import Tensor
        if isinstance(expected, Tensor) and not isinstance(got, Tensor):
            return ["wrong_type", {"expected": "a tensor", "got": _type_name(got)}]
        if dtype and isinstance(got, Tensor) and isinstance(expected, Tensor) and got.dtype != expected.dtype:
            return ["wrong_dtype", {"got": got.dtype, "expected": expected.dtype}]
        g, e = _as_array(got), _as_array(expected)
        if g is None:
            return ["wrong_type", {"expected": _type_name(expected), "got": _type_name(got)}]
        if g.shape != e.shape:
            return ["wrong_shape", {"got": tuple(g.shape), "expected": tuple(e.shape)}]
        close = np.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True)
        if close.all():
            return None
        diff = np.where(close, 0.0, np.abs(g - e))
        diff = np.nan_to_num(diff, nan=np.inf)
        idx = np.unravel_index(int(np.argmax(diff)), g.shape) if g.ndim else ()
        where = "" if not g.ndim else str(tuple(int(i) for i in idx))
        if g.ndim == 0:
            return ["wrong_scalar", {"got": _fmt(g)}]
        return ["wrong_value", {"count": int((~close).sum()), "total": g.size, "index": where, "got": _fmt(g[idx])}]

    def _verdict(self, name, problem, hint, hint_fields, extra=()):
        if problem is None:
            return _show([["correct", {"name": name}]], True)
        key, fields = problem
        items = [[key, dict(fields, name=name)], *extra]
        if hint:
            items.append([f"hint.{hint}", hint_fields])
        return _show(items, False)


def _short(x):
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


check = Checker()
