"""One English source, five languages: gettext catalogs for the prose, one execution for the outputs.

``python -m course.i18n extract``  create/update the .po catalogs from the English source notebooks
``python -m course.i18n build``    write every language's student and solved notebooks, with outputs
``python -m course.i18n check``    fail (one line per problem) when anything is missing, stale or drifted

The same as functions: ``extract(root)``, ``build(root)``, ``check(root)`` (returns the list of problems).
How it works, in short:
- every markdown cell of a source notebook is one catalog entry: msgctxt = the cell id, msgid = the English;
- code is never translated: the English student and solved builds are executed once (nbclient), and their
  outputs are copied into the other languages' notebooks (the check cells' feedback re-rendered per language);
- each built notebook stores a stamp (a hash of its source, translations and feedback messages), so ``check``
  tells a stale notebook without running anything.
"""
from .config import LANGS, SOURCE_LANG, TRANSLATED, DERIVED, SETS, NotebookSet  # noqa: F401
from .build import extract, build, sources  # noqa: F401
from .checker import check  # noqa: F401
