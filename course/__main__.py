"""The ``course`` command: ``course grade``, ``course release`` and ``course i18n``.

    course grade --lab mnist alice.ipynb bob.ipynb --out grades/ --jobs 2
    course release --lang pl --out bundle-pl/
    course i18n build            # the same as python -m course.i18n build
"""
import argparse
import sys


def _grade(a):
    sys.modules.setdefault("rfc3987_syntax", None)   # see course/grading/nbval_plugin.py: saves ~1.5 s
    from .grading.grade import Lab, Options, grade
    lab = Lab.load(a.lab, a.solution)
    opts = Options(cell_timeout=a.timeout, notebook_timeout=a.notebook_timeout or max(600.0, 3 * a.timeout),
                   memory_mb=a.memory, threads=a.threads)
    rows = grade(a.submissions, a.out, lab, opts, jobs=a.jobs, resume=a.resume)
    print(f"graded {len(rows)} submission(s); table: {a.out}/grades.csv, feedback: {a.out}/feedback/")
    return 0


def _release(a):
    from .grading.release import release
    release(a.lang, a.out)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "i18n":
        from .i18n.__main__ import main as i18n_main
        return i18n_main(argv[1:])
    p = argparse.ArgumentParser(prog="course", description="The course's command line tools.")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grade", help="grade lab submissions into DIR/grades.csv and DIR/feedback/")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    g.add_argument("--lab", default="mnist", help="which lab (default: mnist)")
    g.add_argument("--solution", default=None, help="grade against this solution notebook instead of --lab's")
    g.add_argument("--out", required=True, metavar="DIR")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time")
    g.add_argument("--timeout", type=float, default=300.0, metavar="S", help="seconds per cell (default 300)")
    g.add_argument("--notebook-timeout", type=float, default=None, metavar="S",
                   help="seconds for a whole notebook (default: max(600, 3 x --timeout))")
    g.add_argument("--memory", type=int, default=4096, metavar="MB", help="memory limit per notebook")
    g.add_argument("--threads", type=int, default=0, help="BLAS threads per notebook (default: cores / jobs)")
    g.add_argument("--resume", action="store_true", help="keep the rows of unchanged submissions")
    r = sub.add_parser("release", help="the student bundle of one language")
    r.add_argument("--lang", required=True)
    r.add_argument("--out", required=True, metavar="DIR")
    sub.add_parser("i18n", help="the notebooks' translations (python -m course.i18n --help)")
    a = p.parse_args(argv)
    return {"grade": _grade, "release": _release}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
