"""All parameters as one flat vector, and back."""
from ... import ops


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-D tensor."""
    return ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (in place, not recorded)."""
    from ..._tensor import Tensor
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    from ...autograd.grad_mode import no_grad
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p._fill_raw(vec._data[offset:offset + n].reshape(p._data.shape))
            offset += n
