"""``autocast``: run each op in the dtype that is fast enough and safe enough for it (mixed precision).

Inside ``with course.autocast('cuda'):`` (or ``'cpu'``) ops pick their dtype from three lists:

* low precision (float16 on CUDA, bfloat16 on the CPU by default): matrix products and convolutions,
  where the speed is and where float32 accumulation keeps the sums accurate;
* float32: ops whose results lose too much in 16 bits (softmax, log_softmax, the losses, exp, log, pow,
  sum, mean, norm...);
* promote: ops that join several tensors (cat, stack) use the widest floating dtype among them.

Every other op runs in the dtype of its inputs. Only floating tensors of 16 or 32 bits on the autocast
device are cast: float64 and integer tensors never are. Parameters keep their dtype: the cast is an op
(recorded by autograd), so gradients flow back to the float32 weights in float32, and backward runs each
op in the dtype its forward used. Casts of weights (leaves that require grad) are cached for the
region while grad is enabled, and the cache is emptied when the outermost region ends.

One op differs from PyTorch in how, not in what: ``linear`` (``nn.Linear``) rounds its weight and bias to the
16-bit dtype inside the op instead of having them cast first (course/nn/kernels/linear.py). The numbers are the
same, forward and backward, bit for bit; what it avoids is a 16-bit copy of each weight, its conversion back to
float32 and a graph node per weight (no ToCopyBackward0 between the weights and the linear node). Two
consequences: a weight used by two linears in one region gets each use's gradient rounded to 16 bits and the
two summed in float32, where PyTorch sums them in 16 bits and rounds once more; and the weight itself is kept
for backward (PyTorch keeps its 16-bit copy), so that changing it in place between forward and backward raises
the usual error, as it does without autocast.

The lists follow PyTorch's CUDA policy, on both devices (PyTorch's CPU lists are shorter).

On the CPU the 16-bit dtypes save memory, not time: BLAS has no float16/bfloat16 products, so course
computes them in float32 and rounds once (as tensor cores do), converting every operand to float32 and every
result back. Those conversions are loops compiled by numba (course/_convert.py, 0.2 to 0.6 ns per element;
without numba, numpy converts float16 in software at 1.3 to 2.4 ns). bfloat16, the CPU default, costs about
1.2x float32 for the MNIST CNN and 1.2x to 1.4x for the small MLP, whose steps are mostly conversions (1.3x to
1.5x with a GradScaler); float16 about 1.3x and 1.5x to 1.7x (``python benchmarks/bench_amp.py --torch`` also
shows PyTorch's own ratios on the same machine: 1.35x to 1.6x for bfloat16). On a GPU, the 16-bit dtypes are the fast
ones.
"""
import functools
import warnings

from .. import _dtype
from ..autograd.grad_mode import _Mode
from ..ops.autocast_hook import _State as _Hook
from ..ops.copy import cast

LOWER_PRECISION_OPS = frozenset("""
matmul mm bmm addmm addbmm baddbmm linear conv1d conv2d conv3d conv_transpose1d conv_transpose2d
conv_transpose3d prelu chain_matmul multi_dot
""".split())

FLOAT32_OPS = frozenset("""
softmax log_softmax exp expm1 log log2 log10 log1p pow acos asin cosh sinh tan erfinv reciprocal rsqrt
softplus sum prod cumsum cumprod mean norm dist cdist pdist renorm logsumexp layer_norm group_norm
cosine_similarity cross_entropy nll_loss kl_div l1_loss smooth_l1_loss huber_loss mse_loss
binary_cross_entropy binary_cross_entropy_with_logits margin_ranking_loss soft_margin_loss
poisson_nll_loss cosine_embedding_loss hinge_embedding_loss triplet_margin_loss multi_margin_loss
multilabel_margin_loss multilabel_soft_margin_loss
""".split())

PROMOTE_OPS = frozenset("cat stack index_copy addcdiv addcmul atan2 bilinear cross dot tensordot "
                        "scatter_add index_put".split())

_BCE_UNSAFE = ("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
               "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
               "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
               "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
               "safe to autocast.")


class _Region:
    """What autocast is doing now, per device type."""
    enabled = {"cpu": False, "cuda": False}
    dtype = {"cpu": _dtype.bfloat16, "cuda": _dtype.float16}
    cache_enabled = True
    depth = 0                    # how many autocast regions are open (the cache lives until it is 0)
    cache = {}                   # id(weight) -> (weight, its version, dtype, the cast copy)


def is_autocast_enabled(device_type="cuda"):
    return _Region.enabled[_check_device_type(device_type)]


def get_autocast_dtype(device_type):
    return _Region.dtype[_check_device_type(device_type)]


def is_autocast_cache_enabled():
    return _Region.cache_enabled


def clear_autocast_cache():
    _Region.cache.clear()


def _check_device_type(device_type):
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in ("cpu", "cuda"):
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
    return device_type


class autocast:
    """Context manager (and decorator) for mixed precision: ``with course.autocast('cuda'): loss = model(x)``.

    Run only the forward pass and the loss inside the region; call ``backward()`` outside it.
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        self.device = _check_device_type(device_type)
        self.fast_dtype = _Region.dtype[self.device] if dtype is None else dtype
        self._enabled = bool(enabled)
        self._cache_enabled = _Region.cache_enabled if cache_enabled is None else bool(cache_enabled)
        if self.device == "cpu" and self._enabled and self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.")
            self._enabled = False
        if self.device == "cuda" and self._enabled:
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling")
                self._enabled = False
            elif self.fast_dtype not in (_dtype.float16, _dtype.bfloat16):
                raise RuntimeError("In CUDA autocast, but the target dtype is not supported. Disabling "
                                   "autocast.\nCUDA Autocast only supports dtypes of torch.float16 and "
                                   "torch.bfloat16 currently.")
        self._saved = []

    def __enter__(self):
        d = self.device
        self._saved.append((_Region.enabled[d], _Region.dtype[d], _Region.cache_enabled))
        _Region.enabled[d] = self._enabled
        _Region.dtype[d] = self.fast_dtype
        _Region.cache_enabled = self._cache_enabled
        _Region.depth += 1
        _Hook.active = _cast_inputs if any(_Region.enabled.values()) else None
        return self

    def __exit__(self, *exc):
        d = self.device
        _Region.enabled[d], _Region.dtype[d], _Region.cache_enabled = self._saved.pop()
        _Region.depth -= 1
        if _Region.depth == 0:
            _Region.cache.clear()
        _Hook.active = _cast_inputs if any(_Region.enabled.values()) else None
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorated


# -- the policy: called by ops through course.ops.autocast_hook.maybe_autocast --------------------------
_CASTABLE = frozenset(d.np for d in (_dtype.float32, _dtype.float16, _dtype.bfloat16))


def _eligible(t, device_type):
    """Floating tensors of 16 or 32 bits on the autocast device may be cast (float64 and ints never are)."""
    return hasattr(t, "_data") and t._data.dtype in _CASTABLE and t.device.type == device_type


def _device_type(tensors):
    for t in tensors:
        if t is not None and hasattr(t, "_data"):
            return t.device.type
    return None


def _cast_inputs(op_name, tensors):
    device_type = _device_type(tensors)
    if device_type is None or not _Region.enabled[device_type]:
        return tensors
    if op_name in LOWER_PRECISION_OPS:
        target = _Region.dtype[device_type]
    elif op_name in FLOAT32_OPS:
        if op_name == "binary_cross_entropy" and device_type == "cuda":
            raise RuntimeError(_BCE_UNSAFE)
        target = _dtype.float32
    elif op_name in PROMOTE_OPS:
        target = None
        for t in tensors:
            if t is not None and hasattr(t, "_data") and t.dtype.is_floating_point:
                target = t.dtype if target is None else _dtype.promote_types(target, t.dtype)
        if target is None:
            return tensors
    else:
        return tensors
    return tuple(_cast(t, target) if _eligible(t, device_type) else t for t in tensors)


def _low_dtype(tensors):
    """For ops that round their inputs themselves (linear): the region's 16-bit dtype when every tensor would
    be cast (None entries are skipped), else None."""
    device_type = _device_type(tensors)
    if device_type is None or not _Region.enabled[device_type]:
        return None
    if not all(t is None or _eligible(t, device_type) for t in tensors):
        return None
    return _Region.dtype[device_type].np


_Hook.low_dtype = _low_dtype


def _cast(t, dtype):
    """t as ``dtype``; a weight's cast is made once per region (only while grad is enabled, so a cast made
    under no_grad, which has no history, is never reused by a forward that needs gradients)."""
    if t.dtype is dtype:
        return t
    cacheable = _Region.cache_enabled and _Mode.enabled and t.requires_grad and t.grad_fn is None
    if not cacheable:
        return cast(t, dtype)
    hit = _Region.cache.get(id(t))
    if hit is not None and hit[0] is t and hit[1] == t._version.value and hit[2] is dtype:
        return hit[3]
    out = cast(t, dtype)
    _Region.cache[id(t)] = (t, t._version.value, dtype, out)
    return out
