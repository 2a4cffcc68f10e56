"""Every differentiable op in course, one concept per file.

Each op is an ``Op`` subclass: ``forward`` on raw arrays, ``backward`` in tensor ops (see
``course/autograd/function.py``). The functions next to them (``add``, ``exp``, ...) handle dtypes and
Python scalars, then call ``SomeOp.apply``.
"""
from .arithmetic import *   # noqa: F401,F403
from .unary import *        # noqa: F401,F403
from .reduce import *       # noqa: F401,F403
from .shape import *        # noqa: F401,F403
from .index import *        # noqa: F401,F403
from .compare import *      # noqa: F401,F403
from .copy import *         # noqa: F401,F403
from . import index, copy, _util  # noqa: F401
