"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

For each parameter p with gradient g:

    g    <- g + weight_decay * p                 (if weight_decay != 0)
    sq   <- alpha * sq + (1 - alpha) * g * g      (running mean of g^2)
    avg  <- sqrt(sq) + eps
            centered: ga <- alpha * ga + (1 - alpha) * g;  avg <- sqrt(sq - ga * ga) + eps
    buf  <- momentum * buf + g / avg;  p <- p - lr * buf      (if momentum > 0)
    p    <- p - lr * g / avg                                   (otherwise)
"""
from .optimizer import Optimizer, _bump_version
from .._creation import tensor, zeros_like
from .._dtype import get_default_dtype
from .._device import get_array_module
from ..autograd.grad_mode import no_grad


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, ...)``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = tensor(0.0, dtype=get_default_dtype())
            state["square_avg"] = zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        return state

    @no_grad()
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            states = [self._init_state(p, group) for p in params]
            rmsprop(params, [p.grad for p in params], [s["square_avg"] for s in states],
                    [s.get("grad_avg") for s in states], [s.get("momentum_buffer") for s in states],
                    [s["step"] for s in states], lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                    weight_decay=group["weight_decay"], momentum=group["momentum"], centered=group["centered"],
                    maximize=group["maximize"])
        return loss


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps, *, lr, alpha, eps,
            weight_decay, momentum, centered, maximize):
    """The RMSprop update, in place (see the module docstring)."""
    for i, param in enumerate(params):
        p, sq = param._data, square_avgs[i]._data
        g = grads[i]._data if not maximize else -grads[i]._data
        xp = get_array_module(p)
        state_steps[i]._data += 1
        if weight_decay != 0:
            g = g + weight_decay * p

        sq *= alpha
        sq += (1 - alpha) * g * g
        if centered:
            ga = grad_avgs[i]._data
            ga += (1 - alpha) * (g - ga)
            avg = xp.sqrt(sq + -1 * ga * ga)
            _bump_version(grad_avgs[i])
        else:
            avg = xp.sqrt(sq)
        avg += eps

        if momentum > 0:
            buf = momentum_buffers[i]._data
            buf *= momentum
            buf += g / avg
            p += -lr * buf
            _bump_version(momentum_buffers[i])
        else:
            p += -lr * g / avg
        _bump_version(param, square_avgs[i])
