"""Adam: momentum on the gradient (m) and per-element step sizes from its running square (v).

For each parameter p with gradient g, at step t = 1, 2, ...:

    g  <- g + weight_decay * p            (L2 penalty; AdamW instead does p <- p * (1 - lr * weight_decay))
    m  <- beta1 * m + (1 - beta1) * g      (first moment, computed as m + (1 - beta1) * (g - m))
    v  <- beta2 * v + (1 - beta2) * g * g  (second moment)
    v_max <- max(v_max, v)                 (amsgrad only; then v_max is used instead of v below)
    p  <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

The two ``1 - beta^t`` factors are the bias corrections: m and v start at zero, so early on they are too
small by exactly those factors. Note where eps goes: added to the *corrected* sqrt(v).
"""
from .optimizer import Optimizer, _bump_version
from .._creation import tensor, zeros_like
from .._dtype import get_default_dtype
from .._device import get_array_module
from ..autograd.grad_mode import no_grad


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False)``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p, amsgrad):
        """The first time we see p: step 0 and zero moments (on p's device, with p's dtype)."""
        state = self.state[p]
        if len(state) == 0:
            state["step"] = tensor(0.0, dtype=get_default_dtype())
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    @no_grad()
    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            states = [self._init_state(p, group["amsgrad"]) for p in params]
            beta1, beta2 = group["betas"]
            adam(params, [p.grad for p in params], [s["exp_avg"] for s in states],
                 [s["exp_avg_sq"] for s in states], [s.get("max_exp_avg_sq") for s in states],
                 [s["step"] for s in states], amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2,
                 lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                 maximize=group["maximize"], decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad, beta1, beta2, lr,
         weight_decay, eps, maximize, decoupled_weight_decay=False):
    """The Adam (or AdamW) update, in place (see the module docstring)."""
    for i, param in enumerate(params):
        p, m, v = param._data, exp_avgs[i]._data, exp_avg_sqs[i]._data
        g = grads[i]._data if not maximize else -grads[i]._data
        xp = get_array_module(p)
        state_steps[i]._data += 1
        step = float(state_steps[i]._data)

        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p

        m += (1 - beta1) * (g - m)                 # m <- beta1 m + (1 - beta1) g, written as PyTorch's lerp
        v *= beta2
        v += (1 - beta2) * g * g                   # v <- beta2 v + (1 - beta2) g^2

        bias_correction1 = 1 - beta1 ** step       # m and v started at 0: undo that pull towards 0
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        if amsgrad:                                # use the largest v seen so far
            v_max = max_exp_avg_sqs[i]._data
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        denom = xp.sqrt(v) / bias_correction2 ** 0.5 + eps
        p += -step_size * m / denom                # p <- p - lr * m_hat / (sqrt(v_hat) + eps)
        _bump_version(param, exp_avgs[i], exp_avg_sqs[i])
