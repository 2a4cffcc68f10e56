"""A few hot loops compiled to machine code by numba, when it is installed: ``jit(loop, *example_args)``.

Most of course is numpy: each operation is one pass over an array in numpy's C loops. A few jobs need several
numpy passes where one simple loop would do, or have no fast numpy pass at all: converting to and from
float16 and bfloat16 (course/_convert.py) and GradScaler's inf/NaN check (course/amp/grad_scaler.py). Those
are written as plain Python loops over arrays, easy to read, and numba compiles them (``pip install numba``,
part of course's ``dev`` and ``fast`` extras). ``jit`` returns None without numba, with COURSE_NUMBA=0, or
when numba fails to compile: the callers then use numpy, with the same results, only slower.

numba compiles a loop on its first call and keeps the machine code on disk (next to the source, in
__pycache__), so later processes only load it: about 0.3 s for the first loop of a process (numba starting),
a few milliseconds for each other one.
"""
import os
import warnings


class _State:
    enabled = None          # numba imported and allowed (decided on first use)
    numba = None


def _numba():
    if _State.enabled is None:
        _State.enabled = False
        if os.environ.get("COURSE_NUMBA", "1") != "0":
            try:
                import numba
                _State.numba, _State.enabled = numba, True
            except ImportError:
                pass
    return _State.numba if _State.enabled else None


def jit(loop, *example_args):
    """loop compiled by numba and run once on example_args (so that it is compiled, or loaded, now), or None."""
    numba = _numba()
    if numba is None:
        return None
    try:
        try:
            compiled = numba.njit(nogil=True, cache=True)(loop)
        except RuntimeError:                     # nowhere to write numba's cache: compile in each process
            compiled = numba.njit(nogil=True)(loop)
        compiled(*example_args)
    except Exception as e:                       # numba present but unable to compile here
        warnings.warn(f"course: numba could not compile {loop.__name__} ({type(e).__name__}: {e}); numpy is "
                      f"used instead (slower, same results)", RuntimeWarning, stacklevel=3)
        _State.enabled = False
        return None
    return compiled
