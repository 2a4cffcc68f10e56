"""Check a gradient against finite differences: the test every op in course passes.

For each input element x_i, the numerical derivative is (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)
(central differences, in float64). It must match what backward computes, column by column of the
Jacobian, within ``atol + rtol * |numerical|``.
"""
import numpy as np

from .engine import grad as _grad
from .grad_mode import no_grad, enable_grad


class GradcheckError(RuntimeError):
    pass


def _tensors(inputs):
    from .._tensor import Tensor
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return inputs, [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]


def _outputs(func, inputs):
    out = func(*inputs)
    return out if isinstance(out, tuple) else (out,)


def numerical_jacobian(func, inputs, eps=1e-6):
    """J[k][j] = d outputs[j] / d inputs[k], one column per input element, by central differences."""
    inputs, diff = _tensors(inputs)
    jacobians = []
    for t in diff:
        cols = []
        flat = t._data.reshape(-1)             # a view: editing it edits the input in place
        for i in range(flat.size):
            orig = flat[i].item()
            with no_grad():
                flat[i] = orig + eps
                plus = [o.detach()._host().astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
                flat[i] = orig - eps
                minus = [o.detach()._host().astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
                flat[i] = orig
            cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
        jacobians.append(np.stack(cols, axis=0) if cols else np.zeros((0, 0)))
    return jacobians


def analytical_jacobian(func, inputs):
    """The same Jacobian from backward: one backward pass per output element (a row at a time)."""
    from .._creation import zeros_like
    inputs, diff = _tensors(inputs)
    outputs = [o for o in _outputs(func, inputs)]
    n_out = sum(o.numel() for o in outputs)
    jac = [np.zeros((t.numel(), n_out)) for t in diff]
    row = 0
    for o in outputs:
        for j in range(o.numel()):
            if not o.requires_grad:
                row += 1
                continue
            seed = zeros_like(o)
            seed._data.reshape(-1)[j] = 1
            grads = _grad(o, diff, seed, retain_graph=True, allow_unused=True)
            for k, g in enumerate(grads):
                if g is not None:
                    jac[k][:, row] = g.detach()._host().astype(np.float64).reshape(-1)
            row += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """True when backward's gradients match finite differences; otherwise raise (or return False).

    Use float64 inputs with ``requires_grad=True``: in float32 the finite differences are too noisy.
    """
    inputs, diff = _tensors(inputs)
    for t in diff:
        if t.dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{inputs.index(t) if t in inputs else '?'} requires gradient and is not a "
                          "double precision floating point. This check will likely fail if all the inputs are "
                          "not of double precision floating point.", UserWarning, stacklevel=2)
    numerical = numerical_jacobian(func, inputs, eps)
    analytical = analytical_jacobian(func, inputs)
    for k, (n, a) in enumerate(zip(numerical, analytical)):
        if not np.allclose(a, n, atol=atol, rtol=rtol):
            if raise_exception:
                raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {k},\n"
                                     f"numerical:{n}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **_ignored):
    """gradcheck applied to the gradient itself: checks second derivatives (create_graph=True)."""
    from .._creation import randn
    inputs, diff = _tensors(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn(tuple(o.shape), dtype=o.dtype) for o in outs)

    def first_grads(*xs):
        with enable_grad():                   # numerical_jacobian calls this under no_grad
            ys = _outputs(func, xs)
            _, d = _tensors(xs)
            return _grad(ys, d, grad_outputs, create_graph=True, allow_unused=True)

    return gradcheck(first_grads, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
