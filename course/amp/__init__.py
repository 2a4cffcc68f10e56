"""course.amp: automatic mixed precision (PyTorch's torch.amp).

* ``autocast(device_type, dtype=None, enabled=True, cache_enabled=True)``: each op in its best dtype;
* ``GradScaler``: loss scaling so small float16 gradients survive;
* ``demo_underflow()``: see a gradient vanish in float16 and come back with loss scaling.
"""
from .autocast_mode import (autocast, is_autocast_enabled, get_autocast_dtype, is_autocast_cache_enabled,
                            clear_autocast_cache)
from .grad_scaler import GradScaler, OptState
from .demo import demo_underflow

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype", "demo_underflow"]
