"""course: a small, readable deep-learning framework with PyTorch's API, built in the lessons.

``import course as torch`` runs code written for the covered subset of PyTorch.
"""
__version__ = "0.1.0"

from ._dtype import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
                     float64, get_default_dtype, set_default_dtype, promote_types, finfo, iinfo)
from ._dtype import result_type as _result_type
from ._device import device
from ._tensor import Tensor, Size
from ._creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,
                        empty_like, full_like, rand_like, randn_like, randint_like, arange, linspace, logspace,
                        eye, rand, randn, randint, randperm, normal, bernoulli, multinomial)
from ._creation import (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor,  # noqa: F401
                        ShortTensor, CharTensor, ByteTensor, BoolTensor)
from .random import manual_seed, seed, initial_seed, get_rng_state, set_rng_state, Generator, default_generator
from .ops import *  # noqa: F401,F403
from .ops import index as _index  # noqa: F401
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from ._format import set_printoptions
from . import autograd, cuda  # noqa: F401
from . import _memory  # noqa: F401  (numpy memory is reused between training steps: see its docstring)

half, float, double, long, short = float16, float32, float64, int64, int16
int = int32
cfloat = None
strided = "torch.strided"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def result_type(tensor1, tensor2):
    return _result_type(tensor1, tensor2)


def can_cast(from_, to):
    from . import _dtype
    order = {"bool": 0, "int": 1, "float": 2}
    return order[from_.kind] <= order[to.kind]


def is_floating_point(input):
    return input.is_floating_point()


def clone(input, *, memory_format=None):
    return input.clone()


def detach(input):
    return input.detach()


def __getattr__(name):
    # heavier parts load on first use, so `import course` stays fast
    import importlib
    lazy = {"nn": ".nn", "optim": ".optim", "utils": ".utils", "amp": ".amp", "datasets": ".datasets",
            "transforms": ".transforms", "i18n": ".i18n", "exercises": ".exercises"}
    if name in lazy:
        return importlib.import_module(lazy[name], __name__)
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name in ("backends", "set_num_threads", "get_num_threads"):
        backends = importlib.import_module(".backends", __name__)
        return backends if name == "backends" else getattr(backends, name)
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype"):
        from . import amp
        return getattr(amp, name)
    raise AttributeError(f"module 'course' has no attribute '{name}'")
