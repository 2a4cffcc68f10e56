"""``GradScaler``: loss scaling, so that small float16 gradients do not underflow to zero.

float16 cannot hold numbers below about 6e-8: a gradient of 1e-8 becomes 0. Multiplying the loss by a
large ``scale`` (2**16 to start) multiplies every gradient by it too (the chain rule is linear), lifting
them into float16's range. Before the optimizer uses them, ``unscale_`` divides them by ``scale`` again
(in the float32 of the weights' gradients) and checks for inf/NaN:

* a step whose gradients hold an inf or a NaN (the scale was too large: something overflowed) is
  skipped, and the scale is multiplied by ``backoff_factor`` (0.5);
* after ``growth_interval`` clean steps in a row the scale is multiplied by ``growth_factor`` (2).

The usual loop::

    scaler = course.amp.GradScaler('cuda')
    for x, y in loader:
        opt.zero_grad()
        with course.autocast('cuda'):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)            # unscale_, then opt.step() unless a gradient is inf/NaN
        scaler.update()             # adjust the scale for the next iteration
"""
import enum
import functools
import warnings
from collections import defaultdict

import numpy as np

from .. import _dtype
from .._jit import jit
from .._creation import full
from .._device import get_array_module
from ..autograd.grad_mode import no_grad
from ..ops._util import quiet, wrap


_FLOAT32_MAX = 3.4028234663852886e38


def _amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale):
    """For each g in grads (all on one device): g *= inv_scale, and found_inf is set to 1 if some g held an inf or
    a NaN (it stays 1 if it already was).

    PyTorch's fused op of the same name. It works on the raw arrays: one pass over each gradient that checks and
    multiplies (check_and_scale, where numba compiles it), or else a check and a multiply. found_inf and
    inv_scale are one-element tensors on the gradients' device, so nothing is copied to the host
    (GradScaler.step reads found_inf once). The check looks at g before it is scaled: a finite g times a
    large inv_scale may overflow, and that is not the gradient's fault. As in PyTorch, the gradients' version
    counters do not change."""
    if not grads:
        return
    xp = get_array_module(found_inf._data)
    inv = inv_scale._data
    loop = _check_and_scale_loop() if type(inv) is np.ndarray else None
    finite, rest = [], []
    for g in grads:
        a = g._data
        if loop is not None and type(a) is np.ndarray and a.dtype == inv.dtype and a.flags.c_contiguous \
                and a.flags.writeable:
            finite.append(loop(a.reshape(-1), inv.reshape(1)))      # both in one pass over g
        else:
            rest.append(a)
    if rest:
        with quiet():                               # overflow to inf silently, as in PyTorch
            for a in rest:
                finite.append(xp.isfinite(a).all())                  # one flag per gradient, on the device
                a *= inv
    if xp is np:
        if not all(finite):
            found_inf._data[...] = 1
    else:                                           # on the GPU: no host read, the flags stay on the device
        found_inf._data[...] = xp.maximum(found_inf._data, xp.logical_not(xp.stack(finite).all()))


def check_and_scale(g, inv):
    """g *= inv[0], in place; True if every g was finite before (x - x is 0 for a finite x, NaN for inf and NaN)."""
    finite = True
    for i in range(g.size):
        v = g[i]
        finite &= v - v == 0
        g[i] = v * inv[0]
    return finite


@functools.cache
def _check_and_scale_loop():
    """check_and_scale compiled by numba (course/_jit.py), or None where numba is not available."""
    return jit(check_and_scale, np.ones(1, np.float32), np.ones(1, np.float32))


class OptState(enum.Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state():
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled:
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None                    # made on the first scale(), on the loss's device
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None           # clean steps in a row since the last change of scale
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev):
        self._scale = full((), self._init_scale, dtype=_dtype.float32, device=dev)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dtype.int32, device=dev)

    # -- the four calls of a training step ------------------------------------------------------------
    def scale(self, outputs):
        """outputs * scale (a tensor, or a list/tuple/iterable of them)."""
        if not self._enabled:
            return outputs
        if hasattr(outputs, "_data"):                  # the usual case: one loss
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            return outputs * self._scale.to(device=outputs.device)

        def apply_scale(val):
            if hasattr(val, "_data"):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(val.device)
                return val * self._scale.to(device=val.device)
            if isinstance(val, (list, tuple)):
                return type(val)(map(apply_scale, val))
            if hasattr(val, "__iter__"):
                return map(apply_scale, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale, found_inf, allow_fp16):
        """grad *= inv_scale for every gradient; found_inf (per device) becomes 1 if any was inf or NaN."""
        per_device_grads = defaultdict(list)
        for group in optimizer.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if not allow_fp16 and grad._data.dtype == np.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                per_device_grads[grad.device].append(grad)
        per_device_found_inf = {}
        for dev, grads in per_device_grads.items():
            here = found_inf.device == dev
            per_device_found_inf[dev] = wrap(found_inf._data.copy()) if here else found_inf.to(dev, copy=True)
            _amp_foreach_non_finite_check_and_unscale_(grads, per_device_found_inf[dev],
                                                       inv_scale if here else inv_scale.to(dev))
        return per_device_found_inf

    def unscale_(self, optimizer):
        """Divide this optimizer's gradients by the scale (in place), e.g. before clipping them."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        scale = self._scale._data                          # (raw arrays: two numbers, no ops to record)
        xp = get_array_module(scale)
        inv_scale = wrap(xp.asarray((1.0 / scale.astype(xp.float64)).astype(xp.float32)))   # in float64, then float32
        found_inf = wrap(xp.zeros((), dtype=xp.float32))
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """unscale_ (if not done yet), then ``optimizer.step()`` unless a gradient was inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None):
        """Back off the scale after a skipped step, grow it after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        _scale, _growth_tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if new_scale.device.type != self._device:
                    raise AssertionError(reason)
                if new_scale.numel() != 1:
                    raise AssertionError(reason)
                if new_scale.requires_grad is True:
                    raise AssertionError(reason)
                self._scale.copy_(new_scale.reshape(()))
        else:
            found_infs = [found_inf for state in self._per_optimizer_states.values()
                          for found_inf in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            found_inf = sum(f.item() for f in found_infs) > 0       # (item() reads each flag on its device)
            self._update_scale(found_inf)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _update_scale(self, found_inf):
        """PyTorch's _amp_update_scale_: back off on inf/NaN, grow after growth_interval clean steps."""
        with no_grad():
            if found_inf:
                self._scale.mul_(self._backoff_factor)
                self._growth_tracker.fill_(0)
                return
            successful = int(self._growth_tracker.item()) + 1
            if successful == self._growth_interval:
                new_scale = self._scale.item() * self._growth_factor
                if new_scale <= _FLOAT32_MAX:            # the scale never becomes inf
                    self._scale.fill_(new_scale)
                self._growth_tracker.fill_(0)
            else:
                self._growth_tracker.fill_(successful)

    # -- reading and setting the state ----------------------------------------------------------------
    def get_scale(self):
        if self._enabled:
            return self._init_scale if self._scale is None else float(self._scale.item())
        return 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if self._enabled:
            return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())
        return 0

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])
