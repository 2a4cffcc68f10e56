"""Adagrad: each element's step shrinks with the sum of all its past squared gradients.

For each parameter p with gradient g, at step t = 1, 2, ...:

    g    <- g + weight_decay * p                  (if weight_decay != 0)
    clr  <- lr / (1 + (t - 1) * lr_decay)
    sum  <- sum + g * g
    p    <- p - clr * g / (sqrt(sum) + eps)
"""
from .optimizer import Optimizer, _bump_version
from .._creation import tensor, full_like
from .._dtype import get_default_dtype
from .._device import get_array_module
from ..autograd.grad_mode import no_grad


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, ...)``."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:           # Adagrad makes its state up front, like PyTorch's
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = tensor(0.0, dtype=get_default_dtype())
            state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])
        return state

    @no_grad()
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            states = [self._init_state(p) for p in params]
            adagrad(params, [p.grad for p in params], [s["sum"] for s in states], [s["step"] for s in states],
                    lr=group["lr"], weight_decay=group["weight_decay"], lr_decay=group["lr_decay"],
                    eps=group["eps"], maximize=group["maximize"])
        return loss


def adagrad(params, grads, state_sums, state_steps, *, lr, weight_decay, lr_decay, eps, maximize):
    """The Adagrad update, in place (see the module docstring)."""
    for i, param in enumerate(params):
        p, total = param._data, state_sums[i]._data
        g = grads[i]._data if not maximize else -grads[i]._data
        xp = get_array_module(p)
        state_steps[i]._data += 1
        step = float(state_steps[i]._data)
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (step - 1) * lr_decay)
        total += g * g
        std = xp.sqrt(total) + eps
        p += -clr * g / std
        _bump_version(param, state_sums[i])
