"""Compare code across languages as Python token streams: comments and blank lines do not count,
and the language literal in ``course.exercises.language("xx")`` is the one allowed difference."""
import io
import tokenize

from .notebook import LANGUAGE_RE

_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


def tokens(code):
    """The significant tokens of ``code`` as (type, text) pairs (IPython magics kept as whole lines)."""
    code = LANGUAGE_RE.sub('course.exercises.language("*")', code)
    lines = []
    for ln in code.split("\n"):
        s = ln.lstrip()
        lines.append(repr(s) if s.startswith(("%", "!")) else ln)
    try:
        toks = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
        return [(t.type, t.string) for t in toks if t.type not in _SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [(-1, ln.strip()) for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def same_code(a, b):
    return tokens(a) == tokens(b)
