"""Command line: ``python -m course.i18n extract|build|check``."""
import argparse
import sys

from . import config
from .build import ROOT, build, extract
from .checker import check


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m course.i18n", description=__doc__)
    p.add_argument("--root", default=str(ROOT), help="repository root (default: this checkout)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("extract", help="create/update the .po catalogs from the English source notebooks")
    b = sub.add_parser("build", help="write the student and solved notebooks of every language")
    b.add_argument("stems", nargs="*", help="only these notebooks (e.g. 01_tensors); default: all")
    b.add_argument("--lang", action="append", choices=config.LANGS, help="only these languages (repeatable)")
    b.add_argument("--force", action="store_true", help="rebuild and re-execute even when up to date")
    b.add_argument("--no-execute", action="store_true", help="reuse stored English outputs, run nothing")
    sub.add_parser("check", help="exit 1 when a notebook is stale, code drifted, or a catalog is incomplete")
    a = p.parse_args(argv)
    if a.cmd == "extract":
        extract(a.root)
        return 0
    if a.cmd == "build":
        build(a.root, langs=tuple(a.lang or config.LANGS), only=a.stems or None, force=a.force,
              execute_code=not a.no_execute)
        return 0
    problems = check(a.root, log=print)
    if problems:
        print(f"i18n check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("i18n check: all notebooks, catalogs and messages are consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
