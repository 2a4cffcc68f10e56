"""Normalisation: batch norm (statistics over the batch), layer norm (over the last dims), group norm."""
from ...autograd.grad_mode import no_grad

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm"]


def _channel_shape(input):
    return (1, -1) + (1,) * (input.dim() - 2)


def _standardize(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over ``dims`` (biased variance); also returns mean and var."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dims, keepdim=True)
    return centered * (var + eps).rsqrt(), mean, var


def _channel_affine(out, weight, bias):
    """out * weight + bias, one weight and one bias per channel (dim 1); either may be None."""
    shape = _channel_shape(out)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-05):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).

    Training: mean and (biased) var of this batch, and the running estimates move towards them:
    running = (1 - momentum) * running + momentum * batch (the unbiased var). Evaluation: the running ones.
    """
    dims = (0,) + tuple(range(2, input.dim()))
    shape = _channel_shape(input)
    if training:
        n = input.numel() // input.shape[1]
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        out, mean, var = _standardize(input, dims, eps)
        if running_mean is not None:
            with no_grad():
                m = momentum
                running_mean._fill_raw((1 - m) * running_mean._data + m * mean._data.reshape(-1))
                running_var._fill_raw((1 - m) * running_var._data + m * var._data.reshape(-1) * (n / (n - 1)))
    else:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    return _channel_affine(out, weight, bias)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the last len(normalized_shape) dims"""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    out = _standardize(input, tuple(range(input.dim() - k, input.dim())), eps)[0]
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Layer norm within groups of channels: statistics over (channels of the group, spatial dims)"""
    N, C = input.shape[:2]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    out = _standardize(input.reshape(N, num_groups, -1), -1, eps)[0].reshape(input.shape)
    return _channel_affine(out, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05):
    """Normalise each (sample, channel) plane over its spatial dims"""
    out = _standardize(input, tuple(range(2, input.dim())), eps)[0]
    return _channel_affine(out, weight, bias)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    raise NotImplementedError("local_response_norm is not implemented in course")
