"""Where autocast (course.amp) plugs into ops: ``maybe_autocast(op_name, *tensors)``.

Outside an autocast region this returns the tensors unchanged and costs one attribute read.
"""


class _State:
    active = None            # set by course.amp.autocast to a function(op_name, tensors) -> tensors


def maybe_autocast(op_name, *tensors):
    if _State.active is None:
        return tensors
    return _State.active(op_name, tensors)
