"""A gradient too small for float16, without and with loss scaling (for a lesson)."""


def demo_underflow(loss_weight=1e-8, scale=2.0 ** 16, verbose=True):
    """Train-step gradients of ``loss = loss_weight * sum(x @ w)`` with the matmul in float16.

    d(loss)/d(x @ w) is ``loss_weight`` = 1e-8 for every output: below float16's smallest number (about
    6e-8), so backward, which runs the matmul's gradient in float16, rounds it to 0 and w gets no gradient.
    Scaling the loss by 2**16 first makes it 6.6e-4, which float16 holds; dividing w's float32 gradient by
    the same factor afterwards gives the right answer. Returns the three gradients (lists of floats).
    """
    import course
    from .autocast_mode import autocast
    from .grad_scaler import GradScaler

    def grad_of_w(use_amp, scaler=None):
        course.manual_seed(0)
        x = course.rand(4, 3) + 0.5
        w = course.ones(3, 2, requires_grad=True)
        with autocast("cpu", dtype=course.float16, enabled=use_amp):
            y = x @ w                                          # float16 under autocast
        loss = loss_weight * y.float().sum()
        (scaler.scale(loss) if scaler is not None else loss).backward()
        if scaler is not None:
            opt = course.optim.SGD([w], lr=0.0)
            scaler.unscale_(opt)
        return w.grad

    reference = grad_of_w(False)
    plain = grad_of_w(True)
    scaled = grad_of_w(True, GradScaler("cpu", init_scale=scale))
    result = {"float32": reference.flatten().tolist(), "float16, no scaling": plain.flatten().tolist(),
              "float16, loss scaled by %g" % scale: scaled.flatten().tolist()}
    if verbose:
        for name, values in result.items():
            print(f"{name:>28}: " + ", ".join(f"{v:.3e}" for v in values[:3]) + ", ...")
    return result
