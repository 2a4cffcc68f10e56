"""Ops that rearrange elements without computing new values: view/reshape, transpose, expand, cat...

Their backward rearranges the gradient the opposite way (reshape back, transpose back, sum over
what expand repeated, split what cat joined).
"""
import math

from ..autograd.function import Op
from .._device import get_array_module
from ._util import norm_dim, sum_to_shape, check_same_device, promote, wrap

__all__ = ["reshape", "view", "transpose", "permute", "expand", "squeeze", "unsqueeze", "flatten",
           "cat", "concat", "concatenate", "stack", "split", "chunk", "unbind", "repeat", "flip", "t",
           "narrow", "movedim", "swapaxes", "swapdims", "hstack", "vstack", "tile", "unflatten",
           "broadcast_to", "broadcast_tensors", "roll", "tril", "triu", "atleast_2d", "repeat_interleave",
           "unfold", "meshgrid", "moveaxis", "fliplr", "flipud", "tensor_split", "ravel", "diff"]


def _infer_shape(shape, numel, op="view"):
    """Fill in a single -1 so the element count matches; PyTorch's error when it cannot."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    if len(shape) == 1 and hasattr(shape[0], "__iter__") and not isinstance(shape[0], int):
        return tuple(shape[0])
    return tuple(shape)


class View(Op):
    """y = the same numbers seen with another shape (no copy);  backward reshapes the gradient back"""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        y = x.view()
        try:
            y.shape = shape            # numpy refuses when this would need a copy: PyTorch's view rule
        except AttributeError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") \
                from None
        return y

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Unsqueeze(View):
    """View that adds a size-1 dim"""


class Squeeze(View):
    """View that drops size-1 dims"""


class Reshape(Op):
    """y = x with another shape, copied only if x's memory layout requires it"""
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Op):
    """y = x with its dims reordered;  backward applies the inverse order"""
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(*inverse)


class Transpose(Permute):
    """Permute that swaps two dims"""


class T(Permute):
    """Permute of a matrix: rows become columns"""


class Expand(Op):
    """y = x repeated along size-1 dims without copying;  backward sums over those dims"""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to_shape(grad, ctx.shape)


class Cat(Op):
    """y = tensors joined along dim;  backward cuts the gradient back into the same pieces"""
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return get_array_module(xs[0]).concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        pieces, start = [None], 0
        for n in ctx.sizes:
            pieces.append(grad.narrow(ctx.dim, start, n))
            start += n
        return tuple(pieces)


class Stack(Cat):
    """Cat of tensors that each got a new size-1 dim first"""


class Flip(Op):
    """y = x reversed along dims;  backward reverses the gradient the same way"""
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return get_array_module(x).flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return flip(grad, ctx.dims)


class Repeat(Op):
    """y = x tiled ``reps`` times per dim;  backward sums the gradient over the tiles"""
    @staticmethod
    def forward(ctx, x, reps):
        ctx.shape, ctx.reps = x.shape, reps
        return get_array_module(x).tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        shape = (1,) * (len(ctx.reps) - len(ctx.shape)) + tuple(ctx.shape)
        split = []
        for r, n in zip(ctx.reps, shape):
            split += [r, n]
        g = grad.reshape(split).sum(tuple(range(0, 2 * len(shape), 2)))
        return g.reshape(ctx.shape)


class Roll(Op):
    """y = x shifted cyclically;  backward shifts the gradient back"""
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return get_array_module(x).roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        neg = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(grad, neg, ctx.dims)


class Tri(Op):
    """y = the lower (tril) or upper (triu) triangle of x, zeros elsewhere;  backward masks the same way"""
    @staticmethod
    def forward(ctx, x, k, fname):
        ctx.k, ctx.fname = k, fname
        return getattr(get_array_module(x), fname)(x, k)

    @staticmethod
    def backward(ctx, grad):
        return Tri.apply(grad, ctx.k, ctx.fname)


def view(input, *shape):
    from .. import _dtype
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_args(shape), input.numel())
    if shape == tuple(input.shape) and False:
        return input
    return View.apply(input, shape)


def _view_dtype(input, d):
    if d.itemsize != input.dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported in course")
    out = wrap(input._data.view(d.np))
    out._version, out._base = input._version, input
    return out


def reshape(input, *shape):
    shape = _infer_shape(_shape_args(shape), input.numel())
    if input._data.flags.c_contiguous or _is_viewable(input._data, shape):
        return View.apply(input, shape)
    return Reshape.apply(input, shape)


def _is_viewable(a, shape):
    y = a.view()
    try:
        y.shape = shape
        return True
    except AttributeError:
        return False


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """out[i] = x[i + 1] - x[i] along dim, applied n times (bool: x[i + 1] != x[i])."""
    d = norm_dim(dim, input.dim())
    x = cat([t for t in (prepend, input, append) if t is not None], d) if (prepend is not None or
                                                                          append is not None) else input
    for _ in range(n):
        later, earlier = narrow(x, d, 1, x.shape[d] - 1), narrow(x, d, 0, x.shape[d] - 1)
        x = later != earlier if x.dtype.kind == "bool" else later - earlier
    return x


def ravel(input):
    """All elements in one dim (a view when possible, like reshape(-1))."""
    return input.reshape(-1)


def flatten(input, start_dim=0, end_dim=-1):
    if input.dim() == 0:
        return input.reshape(1)
    s = norm_dim(start_dim, input.dim())
    e = norm_dim(end_dim, input.dim())
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape[:s] + (math.prod(input.shape[s:e + 1]),) + input.shape[e + 1:]
    return reshape(input, shape)


def unflatten(input, dim, sizes):
    d = norm_dim(dim, input.dim())
    sizes = _infer_shape(sizes, input.shape[d])
    return reshape(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1:])


def permute(input, *dims):
    dims = _shape_args(dims)
    if len(dims) != input.dim():
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.dim()} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(norm_dim(d, input.dim()) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


def transpose(input, dim0, dim1):
    n = input.dim()
    if n == 0:
        return input.view(())
    d0, d1 = norm_dim(dim0, n), norm_dim(dim1, n)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Transpose.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return T.apply(input, (1, 0)) if input.dim() == 2 else input.view(input.shape)


def movedim(input, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    n = input.dim()
    src = [norm_dim(s, n) for s in src]
    dst = [norm_dim(d, n) for d in dst]
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


def expand(input, *sizes):
    sizes = _shape_args(sizes)
    if len(sizes) < input.dim():
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(sizes)}): the number of "
                           f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({input.dim()})")
    lead = len(sizes) - input.dim()
    shape = []
    for i, s in enumerate(sizes):
        own = input.shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            s = own
        elif own != 1 and own != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({own}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(input.shape)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == tuple(input.shape):
        return input.view(shape) if input.requires_grad else input
    return Expand.apply(input, shape)


def broadcast_to(input, shape):
    return expand(input, *shape)


def broadcast_tensors(*tensors):
    xp = get_array_module(tensors[0]._data)
    shape = xp.broadcast_shapes(*[t.shape for t in tensors])
    return tuple(expand(t, *shape) for t in tensors)


def squeeze(input, dim=None):
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        dims = {norm_dim(d, input.dim()) for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return Squeeze.apply(input, shape)


def unsqueeze(input, dim):
    d = norm_dim(dim, input.dim() + 1)
    shape = input.shape[:d] + (1,) + input.shape[d:]
    return Unsqueeze.apply(input, shape)


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim; all other dims must match."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    check_same_device("cat", *tensors)
    # PyTorch skips legacy empty 1-D tensors of shape (0,)
    tensors = [t for t in tensors if not (t.dim() == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = tensors[0]
    if ref.dim() == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = norm_dim(dim, ref.dim())
    for i, x in enumerate(tensors[1:], 1):
        if x.dim() != ref.dim():
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} and {x.dim()}")
        for k in range(ref.dim()):
            if k != d and x.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {x.shape[k]} for tensor number {i} in the list.")
    tensors = promote(*tensors)
    from .autocast_hook import maybe_autocast
    tensors = maybe_autocast("cat", *tensors)
    return _write_out(Cat.apply(d, *tensors), out)


concat = concatenate = cat


def _write_out(result, out):
    """``out=``: the result's numbers go into ``out`` (see arithmetic's _out)."""
    from .arithmetic import _out
    return _out(result, out)


def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, x in enumerate(tensors[1:], 1):
        if tuple(x.shape) != tuple(tensors[0].shape):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                               f"entry 0 and {list(x.shape)} at entry {i}")
    d = norm_dim(dim, tensors[0].dim() + 1)
    tensors = promote(*[x.unsqueeze(d) for x in tensors])
    return _write_out(Stack.apply(d, *tensors), out)


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


def vstack(tensors):
    return cat([x.reshape(1, -1) if x.dim() == 1 else x for x in tensors], 0)


def atleast_2d(x):
    return x.reshape(1, -1) if x.dim() < 2 else x


def narrow(input, dim, start, length):
    d = norm_dim(dim, input.dim())
    if start < 0:
        start += input.shape[d]
    if not (0 <= start and start + length <= input.shape[d]):
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({input.shape[d]}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return input[idx]


def split(tensor, split_size_or_sections, dim=0):
    """Cut into pieces of split_size (the last may be smaller) or of the listed sizes; views."""
    d = norm_dim(dim, tensor.dim())
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size > 0 else [n]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    d = norm_dim(dim, input.dim())
    size = -(-input.shape[d] // chunks)
    return split(input, max(size, 1), d)


def unbind(input, dim=0):
    d = norm_dim(dim, input.dim())
    return tuple(input.select(d, i) for i in range(input.shape[d]))


def repeat(input, *sizes):
    sizes = _shape_args(sizes)
    if len(sizes) < input.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    return Repeat.apply(input, tuple(sizes))


def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input.dim():
        dims = (1,) * (input.dim() - len(dims)) + dims
    return repeat(input, dims)


def flip(input, dims):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return Flip.apply(input, tuple(norm_dim(d, input.dim()) for d in dims))


def roll(input, shifts, dims=None):
    if dims is None:
        return Roll.apply(input.reshape(-1), shifts, None).reshape(input.shape)
    return Roll.apply(input, shifts, dims)


def tril(input, diagonal=0):
    return Tri.apply(input, diagonal, "tril")


def triu(input, diagonal=0):
    return Tri.apply(input, diagonal, "triu")


moveaxis = movedim


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


def repeat_interleave(input, repeats, dim=None):
    """Each element (or slice along dim) repeated ``repeats`` times in place: [1, 2] -> [1, 1, 2, 2]."""
    import numpy as np
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = norm_dim(dim, input.dim())
    n = input.shape[d]
    counts = repeats.tolist() if hasattr(repeats, "tolist") else repeats
    positions = np.repeat(np.arange(n), counts if isinstance(counts, list) else int(counts))
    return input[(slice(None),) * d + (positions,)]


def unfold(input, dimension, size, step):
    """Sliding windows of ``size`` elements every ``step`` along a dim; the windows become a new last dim."""
    import numpy as np
    d = norm_dim(dimension, input.dim())
    n = input.shape[d] if input.dim() else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    starts = np.arange(0, n - size + 1, step)
    windows = starts[:, None] + np.arange(size)[None, :]            # (number of windows, size)
    picked = input[(slice(None),) * d + (windows,)]                # dims: ..., windows, size, ...
    return movedim(picked, d + 1, -1)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids: for 1-D tensors of sizes (n1, n2, ...), each result has shape (n1, n2, ...)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    swap = indexing == "xy" and len(tensors) >= 2
    ts = list(tensors)
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.numel() for t in ts]
    grids = []
    for k, t in enumerate(ts):
        view = [1] * len(ts)
        view[k] = -1
        grids.append(t.reshape(view).expand(*shape))
    if swap:                                   # "xy": the first two inputs (and outputs) trade places
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal parts (an int) or at the given indices (a list)."""
    d = norm_dim(dim, input.dim())
    n = input.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    out, start = [], 0
    for s in sizes:
        out.append(narrow(input, d, start, s))
        start += s
    return tuple(out)
