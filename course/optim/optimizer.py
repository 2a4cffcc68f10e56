"""``Optimizer``: the base class of every optimizer (SGD, Adam, ...).

An optimizer holds
* ``param_groups``: a list of dicts, each with ``'params'`` (a list of tensors) and the options
  (``lr``, ``momentum``, ...) for those parameters; options you leave out come from ``defaults``;
* ``state``: a dict from parameter to that parameter's running buffers (momentum, moment estimates...).

Subclasses implement ``step()``. Their update functions work on the raw arrays, in place, without
recording a graph: an update is not something we ever differentiate.
"""
from collections import defaultdict
from copy import deepcopy
from itertools import chain

from .._tensor import Tensor


class _RequiredParameter:
    """The default of an option that every param group must give (there is no sensible default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: keeps the parameter groups and their state; ``step()`` is up to the subclass."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"

    # -- the parameters ------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``'params'`` and maybe its own options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        if names:                                   # named_parameters(): (name, tensor) pairs
            if len(names) != len(param_group["params"]):
                raise ValueError("all optimizer params should be with/without names. Some param names are "
                                 "missing")
            param_group["param_names"] = names
            param_group["params"] = [p[1] for p in param_group["params"]]

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " +
                                _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set ``p.grad`` to None (default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad._data[...] = 0
                    p.grad._version.value += 1

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure`` re-computes and returns the loss."""
        raise NotImplementedError

    def _closure_loss(self, closure):
        """Run the closure (with gradients on, since step() itself runs under no_grad)."""
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            return closure()

    # -- saving and loading --------------------------------------------------------------------
    def state_dict(self):
        """``{'state': {param_id: {...}}, 'param_groups': [{..., 'params': [param_id, ...]}]}``.

        Parameters are replaced by integer ids (their position across all groups), as in PyTorch, so the
        dict can be loaded into an optimizer built on other (freshly made) parameters of the same shapes.
        """
        ids = {}

        def pack_group(group):
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                ids.setdefault(id(p), len(ids))
            packed["params"] = [ids[id(p)] for p in group["params"]]
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Take over the state and options saved by ``state_dict()`` (matching parameters by position)."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v)
            else:
                state[k] = v

        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _cast(param, value, key=None):
    """A copy of a saved state value, its tensors moved to the parameter's device (and float dtype).

    ``step`` counters stay as they are (a float32 scalar on the CPU), like in PyTorch.
    """
    if isinstance(value, Tensor):
        if key == "step":
            return value.clone()
        if param.is_floating_point() and value.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device, copy=True)
        return value.to(device=param.device, copy=True)
    if isinstance(value, dict):
        return {k: _cast(param, v, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()                          # 'torch.FloatTensor', as PyTorch prints it
    return type(obj).__module__ + "." + type(obj).__qualname__ if type(obj).__module__ != "builtins" \
        else type(obj).__qualname__


def _bump_version(*tensors):
    """Record that these tensors were changed in place (autograd checks this for saved tensors)."""
    for t in tensors:
        t._version.value += 1


__all__ = ["Optimizer", "required"]
