"""Where the course's notebooks and catalogs live, and which languages it speaks.

Paths are relative to the repository root. To add a family of notebooks (e.g. a lab), add a NotebookSet.
"""
from dataclasses import dataclass
from typing import Optional

SOURCE_LANG = "en"
TRANSLATED = ("pl", "ru", "zh-Hant")     # written by hand, one .po catalog per notebook
DERIVED = {"zh-Hans": "zh-Hant"}          # converted with OpenCC (t2s), plus overrides.po
LANGS = (SOURCE_LANG,) + TRANSLATED + tuple(DERIVED)

LOCALE_DIR = "source/locale"               # source/locale/<lang>/<notebook stem>.po
OVERRIDES = "source/locale/zh-Hans/overrides.po"
MESSAGES_DIR = "course/exercises_messages"  # <lang>.json: the check cells' feedback


@dataclass(frozen=True)
class NotebookSet:
    """English source notebooks matching ``source`` build into ``student`` (and ``solved``, when given).

    The output paths are templates with ``{lang}`` and ``{name}`` (the source file name).
    """
    source: str
    student: str
    solved: Optional[str] = None


SETS = (
    NotebookSet("source/lessons/*.ipynb", student="lessons/{lang}/{name}", solved="solutions/lessons/{lang}/{name}"),
    # the MNIST lab: its English source is the solved notebook (with hidden checks) in solutions/mnist/
    NotebookSet("solutions/mnist/*.ipynb", student="labs/{lang}/{name}"),
)

# the first code cell of every notebook says which language the check cells speak; the build rewrites it
LANGUAGE_CALL = 'course.exercises.language("{lang}")'
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"
STUB_PREFIX = "# STUB "            # inside a solution block, "# STUB x = None" gives the stub "x = None"
SOLUTION_ONLY_TAG = "solution-only"  # cells with this tag are left out of student notebooks
