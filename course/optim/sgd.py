"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

For each parameter p with gradient g (all in place, on the raw arrays):

    g   <- g + weight_decay * p                     (L2 penalty, if weight_decay != 0)
    buf <- g                        (first step)    (momentum, if momentum != 0)
    buf <- momentum * buf + (1 - dampening) * g     (later steps)
    g   <- g + momentum * buf   if nesterov   else   buf
    p   <- p - lr * g
"""
from .optimizer import Optimizer, _bump_version
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)``."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            grads = [p.grad for p in params]
            buffers = [self.state[p].get("momentum_buffer") if group["momentum"] != 0 else None for p in params]
            sgd(params, grads, buffers, lr=group["lr"], momentum=group["momentum"],
                dampening=group["dampening"], weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                maximize=group["maximize"])
            if group["momentum"] != 0:
                for p, buf in zip(params, buffers):
                    self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params, grads, momentum_buffers, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """The SGD update (see the module docstring). Fills in ``momentum_buffers`` on the first step."""
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data if not maximize else -grads[i]._data
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            if momentum_buffers[i] is None:
                momentum_buffers[i] = Tensor._make(g.copy())      # buf = g (a copy: g may be p.grad itself)
            else:
                buf = momentum_buffers[i]._data
                buf *= momentum
                buf += g if dampening == 0 else (1 - dampening) * g
                _bump_version(momentum_buffers[i])
            buf = momentum_buffers[i]._data
            g = g + momentum * buf if nesterov else buf
        p -= lr * g
        _bump_version(param)
