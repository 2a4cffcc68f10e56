"""``course.nn.functional`` (imported as ``F``): the layers as plain functions of tensors.

The modules in ``course.nn`` hold the parameters and call these. Grouped by topic:
activations, linear and convolution, pooling, normalisation, dropout, sparse (embedding, one_hot),
padding and distances, losses.
"""
from .activation import *   # noqa: F401,F403
from .linear import *       # noqa: F401,F403
from .pooling import *      # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .dropout import *      # noqa: F401,F403
from .sparse import *       # noqa: F401,F403
from .distance import *     # noqa: F401,F403
from .loss import *         # noqa: F401,F403
