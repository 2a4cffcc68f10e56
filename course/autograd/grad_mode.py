"""Turning gradient recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

All three are context managers and decorators. They flip one flag that every op reads.
"""
import functools


class _Mode:
    enabled = True          # is autograd recording the graph right now?
    anomaly = False         # check every backward result for nan (detect_anomaly)


def is_grad_enabled():
    return _Mode.enabled


class set_grad_enabled:
    """``with set_grad_enabled(False): ...`` or ``@set_grad_enabled(False)``; also a plain call."""

    def __init__(self, mode=True):
        self.prev = _Mode.enabled
        self.mode = bool(mode)
        _Mode.enabled = self.mode          # PyTorch: the plain call takes effect at once

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _Mode.enabled = self.prev
        return False

    def __call__(self, func):
        _Mode.enabled = self.prev          # used as a decorator: undo the immediate effect
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


class _GradModeContext:
    mode = True

    def __new__(cls, func=None):
        """``@no_grad`` without brackets decorates the function at once (PyTorch allows both forms)."""
        if callable(func):
            return cls()(func)
        return super().__new__(cls)

    def __enter__(self):
        self.prev = _Mode.enabled
        _Mode.enabled = self.mode

    def __exit__(self, *exc):
        _Mode.enabled = self.prev
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            prev = _Mode.enabled
            _Mode.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                _Mode.enabled = prev
        return wrapper


class no_grad(_GradModeContext):
    """Ops inside record no graph: results have ``requires_grad=False``. For evaluation and updates."""
    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` region."""
    mode = True


class inference_mode(no_grad):
    """Like ``no_grad`` (course has no separate inference tensors)."""

    def __init__(self, mode=True):
        self.mode = not mode


def is_anomaly_enabled():
    return _Mode.anomaly


class set_detect_anomaly:
    """``set_detect_anomaly(True)``: every backward step checks its gradients for nan and names the op that
    made one. Slower; for debugging. Also a context manager."""

    def __init__(self, mode, check_nan=True):
        self.prev = _Mode.anomaly
        _Mode.anomaly = bool(mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _Mode.anomaly = self.prev
        return False


class detect_anomaly(_GradModeContext):
    """``with detect_anomaly(): ...``: nan checks in backward inside the block (see set_detect_anomaly)."""

    def __init__(self, check_nan=True):
        pass

    def __enter__(self):
        self.prev = _Mode.anomaly
        _Mode.anomaly = True

    def __exit__(self, *exc):
        _Mode.anomaly = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return func(*args, **kwargs)
        return wrapper
